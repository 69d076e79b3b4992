"""Reading a built site the way a browser or crawler would: its links, ids and JSON-LD."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()
        self.jsonld: list[str] = []
        self._in_jsonld = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"])
        for attribute in ("href", "src"):
            if values.get(attribute) is not None:
                self.refs.append((tag, attribute, values[attribute]))
        if tag == "script" and values.get("type") == "application/ld+json":
            self._in_jsonld = True
            self._text = []

    def handle_endtag(self, tag):
        if tag == "script" and self._in_jsonld:
            self.jsonld.append("".join(self._text))
            self._in_jsonld = False

    def handle_data(self, data):
        if self._in_jsonld:
            self._text.append(data)


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleTextParser(HTMLParser):
    """The text a reader sees without opening anything: none from inside an element that is
    hidden (`hidden`, `aria-hidden`, .visually-hidden, <template>, <noscript>, <script>,
    <style>, <head>) or inside a closed <details> but for its <summary>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        # (tag, whether its content is hidden, whether a <summary> right inside it is hidden)
        self._stack: list[tuple[str, bool, bool]] = []

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        if tag in VOID_ELEMENTS:
            return
        values = dict(attrs)
        parent = self._stack[-1] if self._stack else ("", False, False)
        inherited = parent[2] if tag == "summary" and parent[0] == "details" else parent[1]
        hidden = (
            inherited
            or "hidden" in values
            or values.get("aria-hidden") == "true"
            or "visually-hidden" in (values.get("class") or "").split()
            or tag in ("template", "noscript", "script", "style", "head")
        )
        closed = tag == "details" and "open" not in values
        self._stack.append((tag, hidden or closed, hidden))

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            return
        while self._stack:  # tolerate an element closed by its parent's end tag
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._hidden():
            self.text.append(data)


def visible_text(path: Path) -> str:
    """A page's visible text, with runs of white space made one space."""
    parser = VisibleTextParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join("".join(parser.text).split())


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def target_file(site: Path, base_path: str, href: str) -> Path | None:
    """The file an internal URL is served from, or None when it is not internal."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    assert parts.path.startswith(base_path), f"{href} is outside the base path {base_path}"
    rel = parts.path[len(base_path) :]
    path = site / rel
    return path / "index.html" if rel == "" or rel.endswith("/") else path


def broken_links(site: Path, base_path: str = "/") -> list[str]:
    """Every internal href/src in every page that points at no file or at a missing id."""
    problems = []
    parsed = {page: parse(page) for page in html_pages(site)}
    for page, parser in parsed.items():
        for tag, attribute, value in parser.refs:
            if value.startswith("#"):
                if value[1:] and value[1:] not in parser.ids:
                    problems.append(f"{page.relative_to(site)}: {value} (no such id)")
                continue
            target = target_file(site, base_path, value)
            if target is None:
                continue
            if not target.is_file():
                problems.append(f"{page.relative_to(site)}: {tag} {attribute}={value}")
                continue
            fragment = urlsplit(value).fragment
            if fragment and target in parsed and fragment not in parsed[target].ids:
                problems.append(f"{page.relative_to(site)}: {value} (no id {fragment})")
    return problems


def jsonld(path: Path) -> list[dict]:
    """Every JSON-LD node of a page, @graph flattened."""
    nodes = []
    for text in parse(path).jsonld:
        data = json.loads(text)
        nodes.extend(data.get("@graph", [data]))
    return nodes
