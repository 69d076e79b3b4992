"""Markdown files in content/ → Page records (front matter checked, with line numbers), the
images and files in content/media/ → Media records with content-hashed names, and the files
in static/, published as they are (load_static)."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .fields import DATE, LIST, MAP, TEXT_LIST, Where, check_choices, check_fields, suggest
from .inputs import RACY_NS
from .kinds import BY_NAME, ENGLISH, MIN_SOURCES, PAGE_FIELDS, TRANSLATION_FIELDS, Field, Kind, Language, field_spec, language_of, place
from .markdown import PLACEHOLDER
from .problems import Problems
from .reads import NOW, recorded
from .source import YMap, load_yaml, read_plain, read_text, split_front_matter, walk_files
from .store import Store
from .workers import run_all

if TYPE_CHECKING:
    from .data import Site

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SUMMARY_LIMIT = 160
# An old address that redirects to a page (`_redirects`): segments of unreserved characters and
# %XX escapes, nothing a redirect rule could read as a pattern, a status or a second rule.
ALIAS = re.compile(r"^(/(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+)+/?$")
ALIAS_LIMIT, ALIASES_PER_PAGE = 200, 20


def alias_problem(alias: str) -> str | None:
    """Why an alias cannot be an old address of a page, in plain words, or None."""
    if len(alias) > ALIAS_LIMIT:
        return f"is longer than {ALIAS_LIMIT} characters"
    if not ALIAS.match(alias):
        return (
            "should be an old path from the site root, like /spine/chordoma.html: a / and then letters, digits, "
            ". _ ~ - and %XX escapes, in parts between slashes (no spaces, *, :, ? or #)"
        )
    if any(part in (".", "..") for part in alias.strip("/").split("/")):
        return "may not have a . or .. part"
    return None


def _shown_alias(alias: str) -> str:
    """An alias as a message can show it: its control characters written out."""
    return '"' + alias.encode("unicode_escape").decode("ascii")[:80] + '"'


# A number in the range kept for fiction, 555-0100 to 555-0199, written any common way.
SAMPLE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?555[-. ]?01\d\d(?!\d)")
DATE_FIELDS = tuple(name for name, spec in PAGE_FIELDS.items() if spec.type == DATE)


class FrontMatter:
    """A front-matter field read as page.NAME (page.title, page.tests), recorded under (the
    page's file, NAME) while an output is made; the field's default where the page has none."""

    __slots__ = ("name", "spec")

    def __init__(self, spec: Field) -> None:
        self.name, self.spec = spec.name, spec

    def __get__(self, page, owner=None):
        if page is None:
            return self
        reads = NOW.reads
        if reads is not None:
            reads.add((page.source, self.name))
        value = page.__dict__["meta"].get(self.name)
        if value is None:
            return page.slug if self.name == "title" else self.spec.default
        return value


class FromEnglish(FrontMatter):
    """A field a translation reads from its English page (page._english, set by the model):
    always where the field is shared (a tumor's tests), else where the translation has none of
    its own (its sources). The read is recorded under the English page, whose file holds it
    (and, for a field it may have of its own, under the translation too)."""

    __slots__ = ()

    def __get__(self, page, owner=None):
        if page is None:
            return self
        english = page.__dict__.get("_english")
        if english is None:
            return FrontMatter.__get__(self, page, owner)
        if self.spec.shared:
            return FrontMatter.__get__(self, english, owner)
        own = FrontMatter.__get__(self, page, owner)  # recorded: whether the translation has its own decides
        return own if self.name in page.__dict__["meta"] else FrontMatter.__get__(self, english, owner)


@recorded
@dataclass
class Page:
    """One Markdown page: where it came from, where it goes, and its checked front matter.
    Its file is its source: a read of any field but those its address is made of is recorded
    under it (reads.py); its front matter is read field by field as page.title, page.tests."""

    IDENTITY = ("path", "url", "kind", "slug", "source")

    path: str  # relative to the source folder, e.g. content/tumors/chordoma.md
    url: str  # site path without the base URL's path, e.g. /tumors/chordoma/
    kind: str  # a kind's name in the table of kinds (kinds.py)
    slug: str
    meta: dict
    lines: dict  # front-matter key -> line
    _body: str | None  # the Markdown body, None until read: see body
    body_line: int
    text_hash: str = ""  # of the whole file's text
    file: str = ""  # the file, where the body is read from when it is first needed
    _samples: list | None = None  # see sample_numbers
    meta_key: str = ""  # a hash its meta is made from (the front-matter table's key), where known
    source: str = ""
    # Its front matter cannot be read: the page still holds its address and its body is
    # checked, but nothing is known of its fields (and a page with errors is never built).
    unreadable: bool = False
    _english: Page | None = None  # a translation's English page, once the model is made

    @property
    def language(self) -> Language:
        return language_of(self.path.removeprefix("content/"))[0]

    @property
    def english_path(self) -> str:
        """The file of the English page this page translates (its own, for an English page)."""
        return "content/" + language_of(self.path.removeprefix("content/"))[1]

    def __post_init__(self) -> None:
        self.source = self.path

    @classmethod
    def known(cls, path, url, kind, slug, meta, lines, body_line, text_hash, file, samples, meta_key) -> Page:
        """A page of a file read before, made at once (a warm build makes thousands): its body
        is read when first needed."""
        page = object.__new__(cls)
        page.__dict__.update(
            path=path,
            url=url,
            kind=kind,
            slug=slug,
            meta=meta,
            lines=lines,
            _body=None,
            body_line=body_line,
            text_hash=text_hash,
            file=file,
            _samples=samples,
            meta_key=meta_key,
            source=path,
            unreadable=False,
            _english=None,
        )
        return page

    @property
    def body(self) -> str:
        """The Markdown body. A page whose file is as the last build read it (same size,
        times and inode) is made without reading the file: its body is read the first time
        it is needed, and must still be the text the last build saw."""
        reads = NOW.reads
        if reads is not None:
            reads.add((self.source, "body"))
        if self._body is None:
            self._body = _read_body(self)
        return self._body

    @body.setter
    def body(self, text: str) -> None:
        self._body, self._samples = text, None

    @property
    def sample_numbers(self) -> list[tuple[int, str]]:
        """(file line, text) of each sample phone number (555-0100 to 555-0199) in the body."""
        if self._samples is None:
            self._samples = sample_numbers(self.body, self.body_line)
        return self._samples

    @property
    def spec(self) -> Kind:
        """The entry of the page's kind in the table of kinds."""
        return BY_NAME[self.kind]

    @property
    def medical(self) -> bool:
        return BY_NAME[self.kind].medical

    @property
    def section(self) -> str | None:
        parts = self.url.strip("/").split("/")
        return parts[0] if len(parts) >= 1 and parts[0] else None

    @property
    def reviewed(self) -> dt.date | None:
        return self.medically_reviewed

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


for _name, _spec in PAGE_FIELDS.items():
    setattr(Page, _name, FromEnglish(_spec) if _spec.shared or _spec.falls_back else FrontMatter(_spec))


@dataclass
class Media:
    """A file from content/media/, published under a name that carries its content hash."""

    name: str  # file name in content/media/
    source: Path
    output: str  # path below the site root, e.g. media/spine.3f2a9c1b7e.jpg

    @property
    def url(self) -> str:
        return "/" + self.output


@dataclass
class Content:
    pages: list[Page] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    static: dict[str, bytes] = field(default_factory=dict)  # static/: published as they are


def page_location(rel: str) -> tuple[str, str, str] | None:
    """(url, kind, slug) for a file below content/ (its path from there, with slashes)."""
    url, kind, slug = place(rel)
    return url, kind.name, slug


def load_content(
    root: Path,
    problems: Problems,
    include_drafts: bool = False,
    store: Store | None = None,
    stats: dict[str, os.stat_result] | None = None,
    jobs: int = 1,
) -> Content:
    """Every page and media file below content/, and the files of static/, with each file's
    own problems recorded.
    A draft's problems count only when drafts are included: a half-written draft never
    blocks a build that leaves it out. With a store, front matter checked clean before is
    not parsed again, and a page file whose size, times and inode are those of a clean file
    read before is not read now (see Page.body). stats: files' stats taken a moment ago, by
    path (inputs.fingerprint), used instead of taking them again. jobs: how many processes
    may share the parsing."""
    content = Content()
    folder = root / "content"
    if not folder.is_dir():
        problems.error("content", 1, "folder", "missing; the site's pages go in a folder named content")
        return content
    start = len(str(folder)) + 1  # walk_files gives paths that begin with folder's own text
    files: list[tuple[str, str, str]] = []  # (path, rel, rel_to_content) of each page file, in walk order
    for path in walk_files(root, folder, problems):
        rel_to_content = path[start:].replace(os.sep, "/")
        rel = f"content/{rel_to_content}"
        if rel_to_content.split("/", 1)[0] == "media":
            media = _media(Path(path), PurePosixPath(rel_to_content), rel, problems)
            if media:
                content.media[media.name] = media
            continue
        if not path.endswith(".md"):
            problems.error(rel, 1, "file", "is not a Markdown page; pages end in .md and images go in content/media/")
            continue
        files.append((path, rel, rel_to_content))
    for page, found in _load_pages(files, store, stats or {}, jobs):
        if page is not None:
            content.pages.append(page)
        if page is None or include_drafts or not page.draft:
            problems.items.extend(found)
    content.static = load_static(root, problems)
    return content


def _load_pages(files: list[tuple[str, str, str]], store: Store | None, stats: dict, jobs: int) -> list[tuple[Page | None, list]]:
    """(page or None, its own problems) for each page file, in order. A file as it was read
    clean before is made here from the store; the files to parse (all of them in a cold
    build) are shared among jobs processes, whose results the store takes in this one."""
    loaded: list = [None] * len(files)
    to_parse = []
    seen_of: dict[int, str | None] = {}  # each file to parse: what _as_seen said of it
    for index, (path, rel, rel_to_content) in enumerate(files):
        if store is not None:
            seen = seen_of[index] = _as_seen(path, rel, stats.get(path))
            page = _known_page(path, rel, rel_to_content, store, seen) if seen is not None else None
            if page is not None:
                loaded[index] = (page, [])
                continue
        to_parse.append(index)

    def parse(indexes: list[int]) -> list:
        results = []
        for index in indexes:
            path, rel, rel_to_content = files[index]
            own, kept = Problems(), _Kept(store)
            page = _read_page(path, rel, rel_to_content, own, kept if store is not None else None, seen_of.get(index))
            results.append((page, own.items, kept.puts))
        return results

    for index, (page, found, puts) in zip(to_parse, run_all(parse, to_parse, jobs)):
        for table, entry, value in puts:
            store.put(table, entry, value)
        loaded[index] = (page, found)
    return loaded


class _Kept:
    """The store as _read_page sees it in a worker: read from the store, and what it would
    keep recorded, for the store in the process that started the workers."""

    def __init__(self, store: Store | None) -> None:
        self.store, self.puts = store, []

    def get(self, table: str, entry: str):
        return self.store.get(table, entry)

    def put(self, table: str, entry: str, value) -> None:
        self.puts.append((table, entry, value))


def _known_page(path: str | Path, rel: str, rel_to_content: str, store: Store, seen: str) -> Page | None:
    """The page of a file that is as it was when read clean before (seen: _as_seen), from
    the store alone; None where the store has no such file."""
    known = store.get(FILES, seen)
    if known is None:
        return None
    url, kind, slug = place(rel_to_content)
    text_hash, meta_key, body_line, samples, meta, lines = known
    return Page.known(rel, url, kind.name, slug, _meta_from_plain(meta), lines, body_line, text_hash, str(path), samples, meta_key)


def _media(path: Path, rel_to_content: PurePosixPath, rel: str, problems: Problems) -> Media | None:
    if len(rel_to_content.parts) != 2:
        problems.error(rel, 1, "file", "put images straight in content/media/, not in a folder below it")
        return None
    name = path.name
    if not re.match(r"^[a-z0-9][a-z0-9._-]*\.[a-z0-9]+$", name):
        problems.error(rel, 1, "file", "name the file in lower-case letters, digits and hyphens, like spine-mri.jpg")
        return None
    data = read_plain(path, "media")
    if isinstance(data, str):
        problems.error(rel, 1, "file", data)
        return None
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, _, ext = name.rpartition(".")
    return Media(name, path, f"media/{stem}.{digest}.{ext}")


# A file in static/ keeps its name in the site: each part of its path is made of letters, digits
# and . _ ~ - (nothing a browser or a CDN would have to escape), and names that begin with a dot
# are left out, but for .well-known/ (security.txt and the like).
STATIC_PART = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$")
STATIC_DOT_NAMES = (".well-known",)


def load_static(root: Path, problems: Problems) -> dict[str, bytes]:
    """The files below static/ that are published as they are (favicon.ico, CNAME,
    .well-known/security.txt): {path in the site: bytes}. Each is checked like every input: a
    plain file (no pipe, device or link out of the source folder), at most 25 MB, with a name a
    URL can hold. validate checks that no name is one the build writes itself."""
    folder = root / "static"
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    start = len(str(folder)) + 1
    for path in walk_files(root, folder, problems, STATIC_DOT_NAMES):
        rel_to_static = path[start:].replace(os.sep, "/")
        rel = f"static/{rel_to_static}"
        parts = rel_to_static.split("/")
        bad = next((part for part in parts if not STATIC_PART.match(part) and part not in STATIC_DOT_NAMES), None)
        if bad is not None:
            problems.error(rel, 1, "file", f"{bad!r} is not a name a web address can hold as it is; use letters, digits and . _ ~ - only")
            continue
        data = read_plain(path, "static")
        if isinstance(data, str):
            problems.error(rel, 1, "file", data)
            continue
        found[rel_to_static] = data
    return found


# The store's tables: for each page file read clean, by its path, size, times and inode, what it
# takes to make the page without reading the file (its text's hash, its front matter's key,
# where its body starts, its sample numbers, its checked front matter and the lines of its
# keys); and checked front matter by its key, for a file whose front matter was seen before.
FILES, FRONT_MATTER = "files", "front-matter"


def load_page(
    path: str | Path,
    rel: str,
    rel_to_content: str,
    problems: Problems,
    store: Store | None = None,
    stat: os.stat_result | None = None,
) -> Page | None:
    """One page (rel_to_content: its path below content/, with slashes) with its front matter
    checked on its own (links and ids are checked later). With a store, front matter checked
    clean before is not parsed again, and a file as it was when read clean before (stat,
    where given, is its stat from a moment ago) is not read again."""
    seen = _as_seen(path, rel, stat) if store is not None else None
    known = _known_page(path, rel, rel_to_content, store, seen) if seen is not None else None
    if known is not None:  # the file is as it was read clean before (so its name is): its body is read if needed
        return known
    return _read_page(path, rel, rel_to_content, problems, store, seen)


def _read_page(path: str | Path, rel: str, rel_to_content: str, problems: Problems, store, seen: str | None) -> Page | None:
    """load_page for a file the store does not know as it is now (seen: what _as_seen said
    of it, where there is a store): its name checked, then its text read and parsed."""
    url, kind, slug = place(rel_to_content)
    if not (slug == kind.name or SLUG.match(slug)) or any(not SLUG.match(part) for part in rel_to_content.split("/")[:-1]):
        problems.error(rel, 1, "file", "name files and folders in lower-case letters, digits and hyphens, like pilocytic-astrocytoma.md")
        return None
    text = read_text(path, rel, problems)
    if text is None:
        return None
    split = split_front_matter(text, rel, problems)
    if split is None:
        return None
    yaml_text, yaml_line, body, body_line = split
    # Front matter without problems is the same for the same kind of page, language and YAML text.
    language = language_of(rel_to_content)[0]
    key = hashlib.sha256(f"{kind.name}\0{language.code}\0{yaml_text}".encode()).hexdigest() if store else ""
    stored = store.get(FRONT_MATTER, key) if store else None
    if stored is not None:
        page = Page(rel, url, kind.name, slug, _meta_from_plain(stored["meta"]), stored["lines"], body, body_line)
    else:
        before = len(problems.items)
        page = _checked_page(rel, url, kind, slug, yaml_text, yaml_line, body, body_line, problems)
        if page is None:
            return None
        if store and len(problems.items) == before:
            store.put(FRONT_MATTER, key, {"meta": _meta_to_plain(page.meta), "lines": page.lines})
            stored = True
    page.text_hash = hashlib.sha256(text.encode()).hexdigest()
    page.file = str(path)
    page.meta_key = key
    if seen is not None and stored:  # its front matter is clean: the page can be made from what is kept
        store.put(FILES, seen, (page.text_hash, key, body_line, page.sample_numbers, _meta_to_plain(page.meta), page.lines))
    return page


def _as_seen(path: str | Path, rel: str, stat: os.stat_result | None = None) -> str | None:
    """The file's path, size, times and inode (from stat, or stat it now), which stand for
    its text in the files table; None when they cannot: the file is gone, or changed too
    recently (RACY_NS)."""
    if stat is None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
    if time.time_ns() - stat.st_mtime_ns < RACY_NS:
        return None
    return f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}"


def sample_numbers(body: str, body_line: int) -> list[tuple[int, str]]:
    if "555" not in body:
        return []  # every sample number has it; most pages have none
    return [(body_line + offset, m.group(0)) for offset, line in enumerate(body.split("\n")) for m in SAMPLE_IN_TEXT.finditer(line)]


class ContentChanged(Exception):
    """A page file changed after the build read it and before it read its body."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _read_body(page: Page) -> str:
    problems = Problems()
    try:
        text = read_text(page.file, page.path, problems) if page.file else None
    except OSError:
        text = None
    split = split_front_matter(text, page.path, problems) if text is not None else None
    if split is None or hashlib.sha256(text.encode()).hexdigest() != page.text_hash:
        raise ContentChanged(page.path)
    return split[2]


def _checked_page(
    rel: str, url: str, kind: Kind, slug: str, yaml_text: str, yaml_line: int, body: str, body_line: int, problems: Problems
) -> Page | None:
    meta_doc = load_yaml(yaml_text, rel, yaml_line, problems)
    if not isinstance(meta_doc, YMap):
        if meta_doc is None and not yaml_text.strip():
            problems.error(rel, 1, "front matter", "is empty; add at least title and summary")
        elif meta_doc is not None:
            problems.error(rel, 1, "front matter", "should be fields like `title: ...`, one a line")
        # The page keeps its address (links to it are not errors) and its body is checked.
        return Page(rel, url, kind.name, slug, {}, {}, body, body_line, unreadable=True)
    language = language_of(rel.removeprefix("content/"))[0]
    fields = kind.fields_in(language)
    spec = {f.name: f.type for f in fields}
    for key in list(meta_doc):
        shared = kind.field(key)
        if language is not ENGLISH and shared is not None and shared.shared:
            english = "content/" + language_of(rel.removeprefix("content/"))[1]
            problems.error(rel, meta_doc.key_lines[key], key, f"comes from the English page {english}; remove it here")
            del meta_doc[key]
        elif key in TRANSLATION_FIELD_NAMES and key not in spec:
            problems.error(rel, meta_doc.key_lines[key], key, "is only for translations (pages in content/es/); remove it here")
            del meta_doc[key]
        elif key in PAGE_FIELDS and key not in spec:
            owners = [k for k in BY_NAME.values() if k.content and k.field(key)]
            medical = [k for k in BY_NAME.values() if k.content and k.medical]
            owner = f"medical pages ({_listed(owners)})" if owners == medical else _listed(owners)
            problems.error(rel, meta_doc.key_lines[key], key, f"is only for {owner}; remove it here")
            del meta_doc[key]
    review = set(kind.review_fields)
    choices = {f.name: tuple(value for value, _ in f.choices) for f in fields if f.choices}
    may_omit = kind.draft_may_omit_in(language)
    meta = check_fields(meta_doc, spec, kind.required_in(language) - set(may_omit), Where(rel), problems, missing_line=1, choices=choices)
    for group in fields:
        if group.type == LIST and group.fields and group.name in meta:
            meta[group.name] = _checked_items(meta[group.name], group, rel, problems)
        elif group.type == MAP and group.fields and group.name in meta:
            meta[group.name] = _checked_group(meta[group.name], group, rel, problems)
    if meta_doc.get("draft") is not True:
        for name in sorted(review - meta_doc.keys()):
            problems.error(rel, 1, name, f"missing; {MISSING_REVIEW}")
        for name in sorted(set(may_omit) - review - meta_doc.keys()):
            hint = next(f.hint for f in fields if f.name == name)
            problems.error(rel, 1, name, f"missing; a published {kind.noun} page needs it (a draft may leave it out): {hint}")
        if kind.medical and "sources" in meta and len(meta["sources"]) < MIN_SOURCES:
            count = len(meta["sources"])
            problems.error(
                rel,
                meta_doc.key_lines["sources"],
                "sources",
                f"lists {count} source{'' if count == 1 else 's'}; a medical page cites at least {MIN_SOURCES} pages of "
                "authoritative publishers (like the National Cancer Institute) that support what it says",
            )
        elif kind.medical and "sources" not in meta_doc and language is ENGLISH:  # a translation may cite its English page's
            problems.error(
                rel,
                1,
                "sources",
                f"missing; a medical page cites at least {MIN_SOURCES} pages of authoritative publishers that support what it says, "
                "each with title, publisher, url and accessed",
            )
    page = Page(rel, url, kind.name, slug, meta, meta_doc.key_lines, body, body_line)
    _check_meta(page, kind, fields, problems)
    return page


def _checked_items(items: list, group: Field, rel: str, problems: Problems) -> list[dict]:
    """The items of a list of groups of fields (a page's sources) that check clean, as plain
    values (a date as its ISO text): what the store keeps and the templates show."""
    types, required = field_spec(group.fields)
    good = []
    for index, item in enumerate(items):
        line, name = items.item_lines[index], f"{group.name}[{index + 1}]"
        if not isinstance(item, YMap):
            problems.error(rel, line, name, f"should be fields on lines of their own: {', '.join(types)}")
            continue
        checked = check_fields(item, types, required, Where(rel, name), problems, line)
        if len(checked) == len(types):
            good.append({key: value.isoformat() if isinstance(value, dt.date) else value for key, value in checked.items()})
    return good


def _checked_group(node: YMap, group: Field, rel: str, problems: Problems) -> dict:
    """A group of fields (a tumor's regions) as plain values, each list of choices holding
    only its choices: what the store keeps and the templates show."""
    types, required = field_spec(group.fields)
    checked = check_fields(node, types, required, Where(rel, group.name), problems, node.line)
    for spec in group.fields:
        if spec.choices and spec.type == TEXT_LIST and spec.name in checked:
            allowed = tuple(value for value, _ in spec.choices)
            name = f"{group.name}.{spec.name}"
            checked[spec.name] = check_choices(node[spec.name], allowed, spec.required, rel, name, problems)
    return dict(checked)


def _listed(kinds: list[Kind]) -> str:
    """the home page, tumor pages and test pages"""
    names = [kind.pages for kind in kinds]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _meta_to_plain(meta: dict) -> dict:
    return {key: ("date", value.isoformat()) if isinstance(value, dt.date) else value for key, value in meta.items()}


def _meta_from_plain(stored: dict) -> dict:
    meta = dict(stored)
    for name in DATE_FIELDS:
        value = meta.get(name)
        if value is not None:
            meta[name] = dt.date.fromisoformat(value[1])
    return meta


TRANSLATED_FROM = re.compile(r"^sha256:[0-9a-f]{64}$")


def translation_digest(english: Page) -> str:
    """What a translation records as translated_from: sha256: and the digest of its English
    page's text, normalised (title, summary, other names, search terms and body, each with
    its white space made single spaces), so that a change of line breaks is no change."""
    import json
    import unicodedata

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    meta = english.__dict__["meta"]
    parts = [
        norm(meta.get("title") or english.slug),
        norm(meta.get("summary") or ""),
        [norm(name) for name in meta.get("also_known_as") or []],
        [norm(term) for term in meta.get("search_terms") or []],
        norm(english.body),
    ]
    return "sha256:" + hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


TRANSLATION_FIELD_NAMES = {f.name for f in TRANSLATION_FIELDS}


def _check_meta(page: Page, kind: Kind, fields: tuple[Field, ...], problems: Problems) -> None:
    meta, rel = page.meta, page.path
    summary = meta.get("summary")
    if summary is not None and len(summary) > SUMMARY_LIMIT:
        problems.error(
            rel,
            page.line_of("summary"),
            "summary",
            f"is {len(summary)} characters; keep it to {SUMMARY_LIMIT} or fewer (one or two short sentences)",
        )
    translated_from = meta.get("translated_from")
    if translated_from is not None and not TRANSLATED_FROM.match(translated_from):
        problems.error(
            rel,
            page.line_of("translated_from"),
            "translated_from",
            "should be sha256: and 64 letters and digits, the digest of the English text this page was translated from; "
            f"`python build.py review --retranslated {rel}` writes it",
        )
        del meta["translated_from"]
    for spec in fields:
        value = meta.get(spec.name)
        choices = dict(spec.choices)
        if spec.choices and value is not None and value not in choices:
            problems.error(rel, page.line_of(spec.name), spec.name, f'"{value}" is not a {spec.name}; {suggest(value, choices)}')
            del meta[spec.name]
    aliases = meta.get("aliases", [])
    if len(aliases) > ALIASES_PER_PAGE:
        problems.error(rel, page.line_of("aliases"), "aliases", f"{len(aliases)} old addresses; a page may have at most {ALIASES_PER_PAGE}")
    for alias in aliases:
        why = alias_problem(alias)
        if why:
            problems.error(rel, page.line_of("aliases"), "aliases", f"{_shown_alias(alias)} {why}")
    meta["aliases"] = [a for a in aliases[:ALIASES_PER_PAGE] if not alias_problem(a)]


MISSING_REVIEW = (
    "a published medical page needs a doctor's review; keep draft: true until a doctor has reviewed it, "
    "then record the review with `python build.py review --stamp PATH --by ID --commit`"
)


def new_page_text(kind: Kind, title: str) -> str:
    """The text of a new draft page of the given kind, with every field to fill in but the
    review, which `review --stamp` records once a doctor has reviewed the page."""
    lines = ["---"]
    for spec in kind.all_fields:
        if spec.name == "title":
            line = f"title: {_yaml_text(title)}"
        elif spec.name == "draft":
            line = "draft: true  # remove this line to publish the page"
        elif spec.review or spec.name == "review_interval_months":
            continue  # the review is recorded by review --stamp; the interval only for a page due sooner
        elif spec.type == MAP:
            line = f"{spec.name}: {{" + ", ".join(f"{sub.name}: " + ("[]" if sub.type == TEXT_LIST else '""') for sub in spec.fields) + "}"
        else:
            line = f"{spec.name}: " + ("[]" if spec.type in (TEXT_LIST, LIST) else '""')
        lines.append(f"{line}  # {spec.hint}" if spec.hint and spec.name not in ("title", "draft") else line)
    if kind.review_fields:
        lines.append("# Not yet medically reviewed: once a doctor has, run review --stamp PATH --by ID --commit")
    lines += ["---", "", "## What it is", "", PLACEHOLDER, ""]
    return "\n".join(lines)


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- Review dates: when a medical page is due for its next review --------------------------


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day months later, or the month's last day where it has no such day."""
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def next_review_due(page: Page, site: Site) -> dt.date | None:
    """Reviewed date + the page's interval, else the site's policy."""
    reviewed = page.meta.get("medically_reviewed")
    if reviewed is None:
        return None
    return add_months(reviewed, page.meta.get("review_interval_months") or site.review_interval_months)


def review_status(next_due: dt.date, today: dt.date, due_soon_days: int) -> str:
    """The status by dates alone: overdue, due-soon or ok."""
    if next_due < today:
        return "overdue"
    if (next_due - today).days <= due_soon_days:
        return "due-soon"
    return "ok"
