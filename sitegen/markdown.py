"""Markdown bodies: markdown-it-py with raw HTML off, claims as a block of their own, heading
ids for in-page links, and every link and image collected with its line for checking and
rewritten for the base URL when rendered."""

from __future__ import annotations

import functools
import marshal
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from .i18n import N_

if TYPE_CHECKING:  # imported when a body is first parsed (make_markdown): a warm build may parse none
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.token import Token

CLAIM_LINE = re.compile(r'^\{\{\s*claim\s+"([^"]*)"\s*\}\}\s*$')
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")


class Ref(NamedTuple):
    """A link or image in a body, with the file line it stands on."""

    kind: str  # link or image
    target: str
    line: int
    alt: str = ""


@dataclass
class Body:
    """A parsed Markdown body: its tokens (until rendered), its HTML, and what the checks need."""

    tokens: list[Token]
    refs: list[Ref] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (level, line, id)
    claims: list[tuple[str, int]] = field(default_factory=list)
    stray_claims: list[int] = field(default_factory=list)
    html: str | None = ""  # None: not rendered in this run (read from the cache)
    key: str = ""  # a hash of everything the HTML is made from
    placeholder: int = 0  # the line where the body still has the text `new` wrote (PLACEHOLDER), or 0
    raw_html: list[tuple[int, str]] = field(default_factory=list)  # (line, the tag) of each piece of raw HTML

    @property
    def anchors(self) -> set[str]:
        return {anchor for _, _, anchor in self.headings}

    @property
    def into_pages(self) -> list[str]:
        """The targets that point at a part of a page (they have a #)."""
        return [ref.target for ref in self.refs if "#" in ref.target]


class StoredBody:
    """A body as the cache keeps it (see body_to_json), which reads like a Body and is decoded
    only as far as it is used: a warm build checks few bodies again, and reads of every body
    only the links that point into a part of another page."""

    def __init__(self, value: list, html: str | None = None) -> None:
        self._stored = value
        self.tokens: list[Token] = []
        self.html = html
        self.key = ""

    @functools.cached_property
    def _value(self) -> list:
        return marshal.loads(self._stored[1])

    @functools.cached_property
    def refs(self) -> list[Ref]:
        return list(map(Ref._make, self._value[0]))

    @functools.cached_property
    def headings(self) -> list[tuple[int, int, str]]:
        return [tuple(h) for h in self._value[1]]

    @functools.cached_property
    def claims(self) -> list[tuple[str, int]]:
        return [tuple(c) for c in self._value[2]]

    @functools.cached_property
    def stray_claims(self) -> list[int]:
        return list(self._value[3])

    @property
    def anchors(self) -> set[str]:
        return {heading[2] for heading in self._value[1]}

    @property
    def into_pages(self) -> list[str]:
        return self._stored[0]

    @property
    def placeholder(self) -> int:
        return self._value[5]

    @functools.cached_property
    def raw_html(self) -> list[tuple[int, str]]:
        return [tuple(item) for item in self._value[6]]


def body_to_json(body: Body) -> list:
    """What the checks need of an analyzed body, for the build cache: not its HTML, which a
    warm build needs only for the few pages it renders again. The links into parts of pages,
    which every build reads of every body (validate._checks_context), beside the rest packed
    in one string: a build unpacks only the bodies it checks again (marshal makes thousands
    of small objects slowly, one string quickly)."""
    value = [
        [[r.kind, r.target, r.line, r.alt] for r in body.refs],
        body.headings,
        body.claims,
        body.stray_claims,
        body.into_pages,
        body.placeholder,
        body.raw_html,
    ]
    return [body.into_pages, marshal.dumps(value)]


def body_from_json(value: list, html: str | None = None) -> StoredBody:
    return StoredBody(value, html)


# What `new` writes where the body goes: a published page that still says it is reported.
PLACEHOLDER = "Write the page here."


@functools.cache
def make_markdown() -> MarkdownIt:
    """The one Markdown parser of the site (CommonMark). Raw HTML is parsed so that the checks
    can name it at its line, and is never published as HTML: it renders as text."""
    from markdown_it import MarkdownIt

    _quiet_parser_logs()
    md = MarkdownIt("commonmark", {"html": True})
    md.add_render_rule("html_block", _render_html_as_text)
    md.add_render_rule("html_inline", _render_html_as_text)
    # Every target reaches the checks, which report unsafe ones by line instead of dropping them.
    md.validateLink = lambda url: True
    md.block.ruler.before("paragraph", "claim", _claim_block)
    md.add_render_rule("claim", _render_claim)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    md.add_render_rule("image", _render_image)
    return md


def _render_html_as_text(self, tokens, idx, options, env) -> str:
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    text = escapeHtml(token.content)
    return f"<p>{text.rstrip()}</p>\n" if token.type == "html_block" else text


class _Quiet:
    """A logger that drops debug messages without asking logging whether to."""

    @staticmethod
    def debug(*args, **kwargs) -> None:
        return None


def _quiet_parser_logs() -> None:
    """markdown-it's block rules log a debug line each time one is tried, at every line of
    every body: the logging module's checks alone were several percent of parsing
    (scripts/BENCH-NOTES.md). Nothing of the build reads those lines."""
    for name, module in list(sys.modules.items()):
        if name.startswith("markdown_it.") and hasattr(module, "LOGGER"):
            module.LOGGER = _Quiet()


def parse_body(md: MarkdownIt, text: str, first_line: int) -> Body:
    """Parse a body whose first line is file line first_line."""
    tokens = md.parse(text, {})
    body = Body(tokens)
    used: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "claim":
            body.claims.append((token.meta["id"], first_line + token.map[0]))
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            anchor = _unique(slugify(_plain(inline.children or [])) or "section", used)
            token.attrSet("id", anchor)
            body.headings.append((int(token.tag[1]), first_line + token.map[0], anchor))
        elif token.type == "inline" and token.map:
            _collect_inline(token, first_line + token.map[0], body)
        elif token.type == "html_block" and token.map:
            body.raw_html.append((first_line + token.map[0], token.content.strip().split("\n")[0][:60]))
    return body


def _collect_inline(inline: Token, line: int, body: Body) -> None:
    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "html_inline":
            body.raw_html.append((line, child.content[:60]))
        elif child.type == "link_open":
            body.refs.append(Ref("link", str(child.attrs.get("href", "")), line))
        elif child.type == "image":
            body.refs.append(Ref("image", str(child.attrs.get("src", "")), line, child.content.strip()))
        elif child.type == "text" and "{{" in child.content and "claim" in child.content:
            body.stray_claims.append(line)


def claim_ids(text: str) -> list[str]:
    """The ids of the claims a Markdown body uses, read from its lines without parsing it."""
    if "{{" not in text:
        return []
    return [match.group(1) for line in text.split("\n") if (match := CLAIM_LINE.match(line.lstrip()))]


def analyze_body(md: MarkdownIt, text: str, first_line: int, resolve, claims: dict, gettext=str) -> Body:
    """Parse and render a body in one go, keeping the HTML and what the checks need, not the
    tokens: the result is small enough to send from one process to another. gettext: the
    interface's words in the page's language (the line under a claim); English by default."""
    body = parse_body(md, text, first_line)
    body.html = render_body(md, body, resolve, claims, gettext)
    body.tokens = []
    if PLACEHOLDER in text:
        body.placeholder = first_line + text[: text.index(PLACEHOLDER)].count("\n")
    return body


def render_body(md: MarkdownIt, body: Body, resolve, claims: dict, gettext=str) -> str:
    """HTML for a parsed body. resolve maps a site path to its final URL (None: not linkable);
    claims maps a claim id to (text, source name, source URL), or to None to leave it out."""
    return md.renderer.render(body.tokens, md.options, {"resolve": resolve, "claims": claims, "gettext": gettext})


def is_safe_target(target: str) -> bool:
    """http, https, mailto, tel, site-relative paths and in-page anchors only."""
    lowered = target.strip().lower()
    if lowered.startswith("//"):
        return False
    return lowered.startswith(SAFE_SCHEMES) or lowered.startswith(("/", "#"))


def slugify(text: str) -> str:
    """A heading's id: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unique(anchor: str, used: dict[str, int]) -> str:
    count = used.get(anchor, 0)
    used[anchor] = count + 1
    return anchor if count == 0 else f"{anchor}-{count + 1}"


def _plain(children: list[Token]) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline", "image"))


def _claim_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    begin = state.bMarks[start] + state.tShift[start]
    line = state.src[begin : state.eMarks[start]]
    match = CLAIM_LINE.match(line)
    if not match or state.sCount[start] - state.blkIndent >= 4:
        return False
    if silent:
        return True
    token = state.push("claim", "", 0)
    token.meta = {"id": match.group(1)}
    token.map = [start, start + 1]
    state.line = start + 1
    return True


# The line under a claim, naming where it comes from (an HTML message: its values are escaped).
CLAIM_SOURCE = N_('Source: <a href="%(url)s">%(name)s</a>')


def _render_claim(self, tokens, idx, options, env) -> str:
    from markupsafe import escape

    claim = env["claims"].get(tokens[idx].meta["id"])
    if claim is None:
        return ""
    text, source_name, source_url = claim
    source = env["gettext"](CLAIM_SOURCE) % {"url": escape(source_url), "name": escape(source_name)}
    return f'<p class="claim">{escape(text)} <span class="claim-source">{source}</span></p>\n'


def _render_link_open(self, tokens, idx, options, env) -> str:
    """A link with its final address. In a translation, resolve gives (href, hreflang, note)
    for a page that is only in English: the link says so (hreflang), and so does a note after
    its words, which link_close writes."""
    token = tokens[idx]
    href = env["resolve"](str(token.attrs.get("href", "")))
    note = ""
    if isinstance(href, tuple):
        href, hreflang, note = href
        token.attrs = {"href": href, "hreflang": hreflang}
    else:
        token.attrs = {"href": href} if href else {}
    env.setdefault("notes", []).append(note)
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(self, tokens, idx, options, env) -> str:
    from markupsafe import escape

    notes = env.get("notes")
    note = notes.pop() if notes else ""
    closed = self.renderToken(tokens, idx, options, env)
    return f'{closed} <span class="in-other-language">{escape(note)}</span>' if note else closed


def _render_image(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    src = env["resolve"](str(token.attrs.get("src", ""))) or ""
    token.attrSet("src", src)
    return self.image(tokens, idx, options, env)
