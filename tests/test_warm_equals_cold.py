"""A warm build makes what a cold build makes, after any edit: the edits are generated from the
table of kinds and from the fixture's own files, not listed by hand.

Every front-matter field of one page of each kind, the body of each, every field (nested ones
too) of one record of each data file and of site.yaml, claims and synonyms, a page and a record
added and removed, and every template and asset are edited in turn. The site is built with
templates that also show every field of the page or record each page is about and of what it
lists, and of those objects' own related ones (`everything`, generated from the same table), so
that every edit shows somewhere. For each edit: the cold output must change (an edit that
changes nothing proves nothing), the warm build must equal the cold one byte for byte and
rewrite exactly the files whose bytes changed; then the edit is undone and the warm build must
give the first bytes back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from conftest import FIXTURES, REPO, TODAY, tree_digest

from sitegen.content import Page
from sitegen.data import Location, Provider
from sitegen.kinds import BY_DATA, BY_NAME, KINDS, MIN_SOURCES, PAGE_FIELDS
from sitegen.options import Options
from sitegen.pipeline import build

DAY = dt.date.fromisoformat(TODAY)
# The `review` command's report is not part of the site: editing it changes no page.
NOT_THE_SITE = {"review-report.html"}


class _NoAliases(yaml.SafeDumper):
    """A dumper that writes a value each time it appears: the checks refuse YAML aliases in
    front matter, and an edit may put one value (a date) in two places."""

    def ignore_aliases(self, data) -> bool:
        return True


def plain_yaml(value, **options) -> str:
    return yaml.dump(value, Dumper=_NoAliases, **options)


@dataclass
class Edit:
    name: str
    apply: Callable[[Path], None]  # on the work folder: src/ (content, data) and templates/


# -- The templates that show everything -----------------------------------------------------


def everything_macro() -> str:
    """components/everything.html: every field of a page or record, and of what it names and
    what names it (through the reference fields of the table of kinds), to a depth."""
    page_fields = "".join(f"{name}={{{{ x.{name} }}}};" for name in PAGE_FIELDS)
    shown = {
        record.DATA_FILE: "".join(
            f"{f.name}={{{{ x.{f.name} }}}};" for f in dataclasses.fields(record) if f.name not in ("path", "line", "lines")
        )
        for record in (Provider, Location)
    }
    reference_fields = sorted({spec.name for kind in KINDS for spec in kind.references})
    related = "".join(
        f"{{% for y in model.named_by(x.source, '{field}') %}}>{field}:{{{{ everything(y, depth - 1) }}}}{{% endfor %}}"
        f"{{% for y in model.naming(x.source, '{field}') %}}<{field}:{{{{ everything(y, depth - 1) }}}}{{% endfor %}}"
        for field in reference_fields
    )
    providers, locations = shown[Provider.DATA_FILE], shown[Location.DATA_FILE]
    return (
        "{% macro everything(x, depth=2) %}{% if x is none %}-{% elif depth > 0 %}[{{ x.source }}:"
        "{% if x.source.startswith('provider:') %}" + providers + "full_name={{ x.full_name }};"
        "{% elif x.source.startswith('location:') %}" + locations + ""
        "{% else %}" + page_fields + "{% endif %}" + related + "]{% endif %}{% endmacro %}\n"
    )


def show_everything(templates: Path) -> None:
    """Make every page of the site show everything it is given (subject, related) and the
    site's own records, after its main content."""
    (templates / "components/everything.html").write_text(everything_macro())
    site_fields = "".join(
        f"{name}={{{{ site.{name} }}}};"
        for name in ("name", "organization", "base_url", "after_hours", "emergency", "specialties", "languages", "footer_links")
    )
    block = (
        '{% from "components/everything.html" import everything with context %}\n'
        '<pre class="everything">'
        "{{ everything(subject) }}"
        "{% for name, items in related.items() %}{{ name }}:{% for item in items %}{{ everything(item, 1) }}{% endfor %}{% endfor %}"
        "{% if stamp %}reviewer={{ everything(stamp.reviewer, 1) }}{% endif %}"
        + site_fields
        + "interval={{ site.review_interval_months }};soon={{ site.due_soon_days }};"
        "{% for phone in site.phones.values() %}{{ phone.key }}={{ phone.label }},{{ phone.number }},{{ phone.hours }},{{ phone.fax }},{{ phone.sample }};{% endfor %}"
        "</pre>\n"
    )
    base = templates / "base.html"
    base.write_text(base.read_text().replace("{% block main %}{% endblock %}\n", "{% block main %}{% endblock %}\n" + block, 1))


# -- Values edited by their shape -----------------------------------------------------------


def another(value, context: str = ""):
    """A value like this one but different, valid where this one is: a phone number, a ZIP
    code, a time, an address, a date, a flag, a number, a list, some text."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return round(value + 0.01, 6)
    if isinstance(value, dt.date):
        return value - dt.timedelta(days=1)
    if isinstance(value, list):
        return [*value, another(value[0], context) if value else "edited item"]
    if isinstance(value, dict):
        return value
    if re.fullmatch(r"\+1\d{3}55501\d\d", value):
        return value[:-2] + f"{(int(value[-2:]) + 50) % 100:02d}"
    if re.fullmatch(r"\d{5}", value):
        return f"{(int(value) + 1) % 100000:05d}"
    if re.fullmatch(r"\d\d:\d\d", value):
        return value[:3] + ("30" if value[3:] != "30" else "15")
    if value.startswith(("https://", "http://")):
        return value.rstrip("/") + "/edited/"
    if re.fullmatch(r"[a-z0-9-]+\.(png|jpg|svg)", value):
        return "spine.png" if value != "spine.png" else "portrait.png"
    return f"{value} edited"


def data_edits(rel: str, document, path: tuple = ()) -> list[Edit]:
    """An edit of every leaf of a YAML document (every field, nested ones too) and, where
    the document is a list of records, of the first record only."""
    node = document
    for step in path:
        node = node[step]
    if isinstance(node, dict):
        edits = []
        for name in node:
            if name == "id":
                continue  # a record's identity: adding and removing records covers it
            edits += data_edits(rel, document, (*path, name))
        return edits
    if isinstance(node, list) and path == ():
        return data_edits(rel, document, (0,))
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return data_edits(rel, document, (*path, 0))
    field = ".".join(str(step) for step in path)
    return [Edit(f"{rel}: {field}", _set_in_yaml(rel, path, _data_value(rel, path, node)))]


def _data_value(rel: str, path: tuple, value):
    """Another valid value for a data field; lists of names the table of kinds says refer to
    pages or records get another such name, lists the site file defines get another entry."""
    name = path[-1]
    kind = BY_DATA.get(Path(rel).name)
    spec = kind.field(name) if kind is not None and isinstance(name, str) else None
    if spec is not None and spec.refers_to and isinstance(value, list):
        return _other_names(spec.refers_to, value)
    if spec is not None and spec.choices:
        return next(choice for choice, _ in spec.choices if choice != value)
    if name in ("specialties", "languages") and kind is not None:
        site = yaml.safe_load((FIXTURES / "basic/data/site.yaml").read_text())
        return [*value, next(item for item in site[name] if item not in value)] if set(site[name]) - set(value) else value[:-1]
    if name == "valid_until":
        return DAY - dt.timedelta(days=1)  # the claim expires: its paragraph goes
    if name == "days":
        return [*value, "Sa"] if "Sa" not in value else value[:-1]
    if name == "closes":
        return f"{int(value[:2]) + 1:02d}:00"
    if name in ("interval_months", "review_interval_months") and isinstance(value, int):
        return value - 1
    return another(value, name)


def _other_names(kind_name: str, names: list[str]) -> list[str]:
    """names with one more name of this kind's pages or records, or one fewer where all are."""
    kind = BY_NAME[kind_name]
    if kind.data:
        known = [item["id"] for item in yaml.safe_load((FIXTURES / "basic/data" / kind.data).read_text())]
    else:
        known = sorted(p.stem for p in (FIXTURES / "basic/content" / kind.folder).glob("*.md") if p.name != "_index.md" and not _draft(p))
    extra = [name for name in known if name not in names]
    return [*names, extra[0]] if extra else names[:-1]


def _draft(path: Path) -> bool:
    return bool(_front_matter(path.read_text())[0].get("draft"))


def _set_in_yaml(rel: str, path: tuple, value) -> Callable[[Path], None]:
    def apply(work: Path) -> None:
        file = work / "src" / rel
        document = yaml.safe_load(file.read_text())
        node = document
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        file.write_text(plain_yaml(document, sort_keys=False, allow_unicode=True))

    return apply


# -- Pages -----------------------------------------------------------------------------------


def _front_matter(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front) or {}, body


def _write_page(path: Path, meta: dict, body: str) -> None:
    path.write_text("---\n" + plain_yaml(meta, sort_keys=False, allow_unicode=True) + "---\n" + body)


def page_edits(content: Path) -> list[Edit]:
    """An edit of every field of one published page of each kind of page in the fixture,
    and of its body."""
    from sitegen.kinds import language_of, place

    edits = []
    chosen: dict[tuple[str, str], Path] = {}  # by kind and language: a translation's fields are not all its English page's
    for path in sorted(content.rglob("*.md")):
        rel = path.relative_to(content).as_posix()
        kind, language = place(rel)[1], language_of(rel)[0]
        if (kind.name, language.code) not in chosen and not _draft(path):
            chosen[kind.name, language.code] = path
    for path in sorted(content.rglob("*.md")):
        if _draft(path):
            edits.append(
                Edit(
                    f"{path.relative_to(content.parent).as_posix()}: draft published",
                    _set_field(path.relative_to(content.parent).as_posix(), "draft", False),
                )
            )
    for (kind_name, _), path in chosen.items():
        kind = BY_NAME[kind_name]
        rel = path.relative_to(content.parent).as_posix()
        meta, _ = _front_matter(path.read_text())
        for spec in kind.fields_in(language_of(path.relative_to(content).as_posix())[0]):
            if spec.name == "draft" and _linked(path, content):
                continue  # drafting a page others link to is an error; the fixture's draft is published below
            if spec.type == "map" and meta.get(spec.name):  # each field of the group in turn (a tumor's regions)
                for sub in spec.fields:
                    group = {**meta[spec.name], sub.name: _page_value(sub, meta[spec.name].get(sub.name), path)}
                    edits.append(Edit(f"{rel}: {spec.name}.{sub.name}", _set_field(rel, spec.name, group)))
                continue
            edits.append(Edit(f"{rel}: {spec.name}", _set_field(rel, spec.name, _page_value(spec, meta.get(spec.name), path))))
        edits.append(Edit(f"{rel}: body", _edit_body(rel)))
    return edits


def _linked(path: Path, content: Path) -> bool:
    """Whether another page names this one, by its address or in a list of file names (a
    translated home page: every page in its language links to it)."""
    if path.name == "_index.md" and path.parent.parent == content:
        return True
    url = "/" + path.relative_to(content).as_posix().removesuffix(".md").removesuffix("_index") + "/"
    url = url.replace("//", "/")
    others = [p.read_text() for p in content.rglob("*.md") if p != path]
    return any(url in text or f" {path.stem}," in text or f"- {path.stem}\n" in text or f"[{path.stem}" in text for text in others)


def _page_value(spec, value, path: Path):
    if spec.name == "reviewed_by" and "/content/es/" in path.as_posix():  # a translation's reviewer reads its language
        readers = [p["id"] for p in yaml.safe_load((FIXTURES / "basic/data/providers.yaml").read_text()) if "Spanish" in p["languages"]]
        return next(reader for reader in readers if reader != value)
    if spec.refers_to:
        if spec.type == "text list":
            return _other_names(spec.refers_to, value or [])
        return _other_names(spec.refers_to, [value])[-1] if value else _other_names(spec.refers_to, [])[0]
    if spec.choices and spec.type == "text list":  # one choice more, or one fewer where all are listed
        listed = value or []
        extra = [choice for choice, _ in spec.choices if choice not in listed]
        return [*listed, extra[0]] if extra else listed[:-1]
    if spec.choices:
        return next(choice for choice, _ in spec.choices if choice != value)
    if spec.type == "map":
        return {sub.name: _page_value(sub, None, path) for sub in spec.fields}
    if spec.name == "aliases":
        return [*(value or []), f"/old/{path.stem}-{path.parent.name}-edited.html"]
    if spec.name == "translated_from":  # another English text: the translation is out of date (a warning)
        return "sha256:" + "0" * 64
    if spec.type == "list" and spec.fields and value is None:  # a translation's own sources, where it had its English page's
        return [
            {sub.name: _page_value(sub, None, path) for sub in spec.fields} | {"title": f"Edited source {i}"} for i in range(MIN_SOURCES)
        ]
    if spec.type == "url" and value is None:
        return "https://example.org/edited/"
    if spec.type == "date" and value is None:
        return DAY
    if spec.name == "draft":
        return True
    if spec.name == "review_interval_months":
        return (value or 13) - 1
    if spec.name == "medically_reviewed":
        return (value or DAY) - dt.timedelta(days=1)
    if value is None:
        return ["Edited name"] if spec.type == "text list" else f"Edited {spec.name}"
    return another(value, spec.name)


def _set_field(rel: str, name: str, value) -> Callable[[Path], None]:
    def apply(work: Path) -> None:
        file = work / "src" / rel
        meta, body = _front_matter(file.read_text())
        meta[name] = value
        _write_page(file, meta, body)

    return apply


def _edit_body(rel: str) -> Callable[[Path], None]:
    def apply(work: Path) -> None:
        file = work / "src" / rel
        file.write_text(file.read_text() + "\nAn edited sentence, with a new word: zygapophyseal.\n")

    return apply


def added_and_removed(src: Path) -> list[Edit]:
    """A page and a record added and removed (what named the removed one no longer does)."""
    test_page = next(p for p in sorted((src / "content/tests").glob("*.md")) if not _draft(p))

    def add_page(work: Path) -> None:
        meta, body = _front_matter((work / "src" / test_page.relative_to(src)).read_text())
        meta.update(title="An added test", aliases=[])
        _write_page(work / "src/content/tests/added-test.md", meta, body)

    def remove_page(work: Path) -> None:
        (work / "src" / test_page.relative_to(src)).unlink()
        for path in (work / "src/content").rglob("*.md"):
            meta, body = _front_matter(path.read_text())
            if test_page.stem in (meta.get("tests") or []):
                meta["tests"] = [slug for slug in meta["tests"] if slug != test_page.stem]
                _write_page(path, meta, body)

    def add_record(work: Path) -> None:
        file = work / "src/data/providers.yaml"
        records = yaml.safe_load(file.read_text())
        records.append({**records[0], "id": "dr-sample-added", "name": "Added Doctor", "family_name": "Added"})
        file.write_text(plain_yaml(records, sort_keys=False))

    def remove_record(work: Path) -> None:
        """The last location goes, and out of every provider's list of locations."""
        file = work / "src/data/locations.yaml"
        records = yaml.safe_load(file.read_text())
        gone = records.pop()["id"]
        file.write_text(plain_yaml(records, sort_keys=False))
        file = work / "src/data/providers.yaml"
        providers = yaml.safe_load(file.read_text())
        for provider in providers:
            provider["locations"] = [location for location in provider["locations"] if location != gone]
        file.write_text(plain_yaml(providers, sort_keys=False))

    return [
        Edit("a page added", add_page),
        Edit("a page removed", remove_page),
        Edit("a record added", add_record),
        Edit("a record removed", remove_record),
    ]


def template_edits(templates: Path) -> list[Edit]:
    edits = []
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        rel = path.relative_to(templates).as_posix()
        if rel in NOT_THE_SITE:
            continue
        edits.append(Edit(f"templates/{rel}", _edit_template(rel)))
    return edits


def _edit_template(rel: str) -> Callable[[Path], None]:
    def apply(work: Path) -> None:
        file = work / "templates" / rel
        text = file.read_text()
        # outside the interface's sentences ({% trans %}), whose words are their catalogue's
        sentences = [m.span() for m in re.finditer(r"{%-? trans.*?{%-? endtrans -?%}", text, re.S)]
        closing = next((m.start() for m in re.finditer("</", text) if not any(a <= m.start() < b for a, b in sentences)), None)
        if rel.endswith(".html") and closing is not None:
            text = text[:closing] + "<i hidden>edited</i>" + text[closing:]
        elif rel.endswith(".html") and "{% endmacro %}" in text:
            text = text.replace("{% endmacro %}", "<i hidden>edited</i>{% endmacro %}", 1)
        elif rel.endswith(".html"):  # a template that only extends another: fill a block it leaves empty
            text += "{% block related %}<i hidden>edited</i>{% endblock %}\n"
        elif rel.endswith(".svg"):
            text = text.replace("</svg>", "<!-- edited --></svg>")
        else:
            text += "\n/* edited */\n"
        file.write_text(text)

    return apply


def all_edits(work: Path) -> list[Edit]:
    src = work / "src"
    edits = page_edits(src / "content")
    for path in sorted((src / "data").glob("*.yaml")):
        rel = path.relative_to(src).as_posix()
        document = yaml.safe_load(path.read_text())
        if rel.endswith("synonyms.yaml"):
            edits.append(Edit(f"{rel}: a new synonym", _set_in_yaml(rel, ("magnet scan",), ["mri"])))
        else:
            edits += data_edits(rel, document)
    return edits + added_and_removed(src) + template_edits(work / "templates")


# -- Building and comparing ------------------------------------------------------------------


def prepare(tmp: Path) -> Path:
    """The work folder: the fixture with its data files and front matter written the way the
    edits write them, and the templates showing everything."""
    work = tmp / "work"
    shutil.copytree(FIXTURES / "basic", work / "src", ignore=shutil.ignore_patterns(".cache"))
    shutil.copytree(REPO / "templates", work / "templates")
    show_everything(work / "templates")
    for path in (work / "src/data").glob("*.yaml"):
        path.write_text(plain_yaml(yaml.safe_load(path.read_text()), sort_keys=False, allow_unicode=True))
    for path in (work / "src/content").rglob("*.md"):
        _write_page(path, *_front_matter(path.read_text()))
    return work


def options(source: Path, out: Path, templates: Path) -> Options:
    return Options(source=source, out=out, today=DAY, search=False, templates=templates, jobs=1)


def built(source: Path, out: Path, templates: Path) -> None:
    result = build(options(source, out, templates))
    assert not result.problems.errors, result.problems.report()


def cold(work: Path, count: list[int]) -> dict[str, str]:
    count[0] += 1
    fresh = work.parent / f"cold-{count[0]}"
    shutil.copytree(work / "src", fresh / "src", ignore=shutil.ignore_patterns(".cache"))
    built(fresh / "src", fresh / "out", work / "templates")
    digest = tree_digest(fresh / "out")
    shutil.rmtree(fresh)
    return digest


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def check_edits(work: Path, edits: list[Edit]) -> list[str]:
    """Apply each edit, check the warm build against a cold one, undo it; the failures."""
    out, templates, count = work / "out", work / "templates", [0]
    built(work / "src", out, templates)
    first = cold(work, count)
    assert tree_digest(out) == first
    failures = []
    for edit in edits:
        saved = {
            path: path.read_bytes()
            for path in [*(work / "src").rglob("*"), *templates.rglob("*")]
            if path.is_file() and ".cache" not in path.parts
        }
        before, before_inodes = tree_digest(out), inodes(out)
        edit.apply(work)
        built(work / "src", out, templates)
        warm, expected = tree_digest(out), cold(work, count)
        changed = {path for path in warm if warm[path] != before.get(path)}
        rewritten = {path for path, inode in inodes(out).items() if before_inodes.get(path) != inode}
        if expected == first:
            failures.append(f"{edit.name}: the edit changes no output, so it proves nothing")
        elif warm != expected:
            stale = sorted(path for path in expected.keys() | warm.keys() if warm.get(path) != expected.get(path))
            failures.append(f"{edit.name}: the warm build differs from a cold one in {stale}")
        elif rewritten != changed:
            failures.append(f"{edit.name}: rewrote {sorted(rewritten ^ changed)} whose bytes did not change, or missed them")
        for path in [*(work / "src").rglob("*"), *templates.rglob("*")]:
            if path.is_file() and ".cache" not in path.parts and path not in saved:
                path.unlink()
        for path, data in saved.items():
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
        built(work / "src", out, templates)
        if tree_digest(out) != first:
            failures.append(f"{edit.name}: undoing it did not give the first build's bytes back")
    return failures


def test_after_every_generated_edit_a_warm_build_equals_a_cold_one(tmp_path: Path):
    work = prepare(tmp_path)
    edits = all_edits(work)
    kinds = {edit.name.split(":")[0] for edit in edits}
    assert len(edits) > 100 and {"data/providers.yaml", "data/locations.yaml", "data/site.yaml", "data/claims.yaml"} <= kinds
    assert check_edits(work, edits) == []


def test_the_generated_edits_catch_a_read_left_unrecorded(tmp_path: Path, monkeypatch):
    """With one read no longer recorded (a page's summary, which tumor pages show of their
    tests), the same machinery finds the stale pages: it can fail."""
    work = prepare(tmp_path)
    monkeypatch.setattr(Page, "summary", property(lambda page: page.__dict__["meta"].get("summary", "")))
    edits = [edit for edit in all_edits(work) if edit.name.endswith("tests/biopsy.md: summary") or edit.name.endswith("/mri.md: summary")]
    assert edits
    failures = check_edits(work, edits)
    assert failures and "differs from a cold one" in failures[0]
