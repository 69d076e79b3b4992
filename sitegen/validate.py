"""The content model's rules across files: ids and slugs that must exist, unique URLs, dates,
links in bodies, claims and samples. Its result is the Model the renderer reads: the whole site
in memory, checked, with the relations between pages worked out once."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from .content import Content, Page, add_months, next_review_due, review_status, translation_digest
from .data import Claim, Data, Location, Provider, in_language, live_claims
from .kinds import (
    BY_CODE,
    BY_DATA,
    BY_NAME,
    ENGLISH,
    FOLDER_PAGE,
    FOLDER_TITLES,
    KINDS,
    LANGUAGES,
    OWN_PAGES,
    Language,
    index_path,
    language_of_url,
)
from .markdown import PLACEHOLDER, Body, StoredBody, is_safe_target, make_markdown, parse_body
from .problems import Problem, Problems
from .reads import query, recorded
from .store import Store

SAMPLE_NUMBER = re.compile(r"^\+1\d{3}55501\d\d$")


@dataclass
class Sample:
    path: str
    line: int
    field: str
    what: str


@recorded
@dataclass
class Model:
    """The checked site: what is published, and who names whom. What a page can show of the
    model is a recorded field (model.pages) or a recorded query (model.naming(...)): see
    reads.py. A query takes sources and names, never records, so that it can be asked again."""

    IDENTITY = ("source",)

    data: Data
    pages: list[Page]
    media: dict
    bodies: dict[str, Body | StoredBody]
    today: dt.date
    production: bool
    samples: list[Sample] = field(default_factory=list)
    expired_claims: set[str] = field(default_factory=set)
    drafts: dict[str, Page] = field(default_factory=dict)  # left out of the site, by URL
    static: dict[str, bytes] = field(default_factory=dict)  # static/'s files, by their path in the site
    source: str = "model"

    def __post_init__(self) -> None:
        self.by_url = {p.url: p for p in self.pages}
        self.by_source: dict[str, object] = {p.source: p for p in self.pages}
        self.providers = {p.id: p for p in self.data.providers}
        self.locations = {loc.id: loc for loc in self.data.locations}
        for record in [self.data, self.data.site, *self.data.site.phones.values(), *self.data.providers, *self.data.locations]:
            self.by_source[record.source] = record
        self.by_source.update({claim.source: claim for claim in self.data.claims.values()})
        self.by_source[self.source] = self
        self._by_id = {kind.data: {r.id: r for r in self.data.records(kind.data)} for kind in BY_DATA.values()}
        # The languages published: English, and each language some page is translated into.
        found = {page.language for page in self.pages}
        self.languages = tuple(language for language in LANGUAGES if language in found or language is ENGLISH)
        self._available: dict[str, set[str]] = {}
        # Each record as the pages in a translated language show it (data.in_language), by
        # its source and the language's code; found by its own source too.
        self._records_in: dict[tuple[str, str], object] = {}
        for language in self.languages[1:]:
            site = self.data.site
            for record in [site, *self.data.providers, *self.data.locations, *self.data.claims.values()]:
                copy = self._records_in[record.source, language.code] = in_language(record, language.code)
                self.by_source[copy.source] = copy
            for phone in self._records_in[site.source, language.code].phones.values():
                self._records_in[phone.source.rpartition("@")[0], language.code] = phone
                self.by_source[phone.source] = phone
        # Each translation by its English page's source and its language's code.
        self._translations = {(p._english.source, p.language.code): p for p in self.pages if p._english is not None}
        in_order = sorted(self.pages, key=_title_key)
        self._of_kind: dict[tuple[str, str], list[Page]] = {}  # by (kind, language code)
        self._in_folder: dict[tuple[str, str], list[Page]] = {}  # by (folder, language code)
        for page in in_order:
            code = page.language.code
            self._of_kind.setdefault((page.kind, code), []).append(page)
            parts = language_of_url(page.url)[1].strip("/").split("/")
            if len(parts) == 2:
                self._in_folder.setdefault((parts[0], code), []).append(page)
        self._records = {
            kind.name: sorted((r for r in self.data.records(kind.data) if r.active), key=lambda r: r.order_key) for kind in BY_DATA.values()
        }
        # Who names whom through each reference field of the table of kinds: (field, the
        # source named) -> what names it, in its kind's order; records that are no longer
        # active name nothing.
        self._naming: dict[tuple[str, str], list] = {}
        english = [page for page in in_order if page._english is None and page.language is ENGLISH]
        for namer in [*english, *(r for records in self._records.values() for r in records)]:
            for name in _REFERENCES[_kind_of(namer).name]:
                for named in self._resolve(namer, name):
                    self._naming.setdefault((name, named.source), []).append(namer)

    def _resolve(self, record, name: str) -> list:
        """What a record's reference field names, in the order written, where it exists."""
        target = _REFERENCES[_kind_of(record).name].get(name)
        if target is None:
            return []
        fields = record.__dict__["meta"] if isinstance(record, Page) else record.__dict__
        value = fields.get(name)
        if not value:
            return []
        found = []
        for ident in [value] if isinstance(value, str) else value:
            named = self._by_id[target.data].get(ident) if target.data else self.by_url.get(f"/{target.folder}/{ident}/")
            if named is not None:
                found.append(named)
        return found

    # -- Queries: recorded reads (reads.py) -----------------------------------------------------

    @query
    def page_at(self, url: str) -> Page | None:
        return self.by_url.get(url)

    @query
    def pages_of(self, kind: str, language: str = "en") -> list[Page]:
        """The published pages of a kind in a language (by its code), by title."""
        return self._of_kind.get((kind, language), [])

    @query
    def pages_with(self, kind: str, name: str, value: str, language: str = "en") -> list[Page]:
        """The pages of a kind in a language whose field `name` is value (the tumors of a
        group), by title; a translation's shared fields are its English page's."""
        return [p for p in self._of_kind.get((kind, language), []) if (p._english or p).meta.get(name) == value]

    @query
    def pages_in(self, folder: str, language: str = "en") -> list[Page]:
        """The pages directly in a folder of content/ in a language, by title."""
        return [p for p in self._in_folder.get((folder, language), []) if p.kind != FOLDER_PAGE.name]

    @query
    def address_in(self, url: str, language: str) -> str:
        """A site address as a page in a language links to it: the page's version in the
        language where there is one, else the English page's address."""
        lang = BY_CODE[language]
        path, sep, rest = url.partition("?") if "?" in url else url.partition("#")
        if lang is ENGLISH or path not in self.available_in(lang):
            return url
        return lang.address(path) + sep + rest

    def available_in(self, language: Language) -> set[str]:
        """The English addresses that have a page in the language (none where the site is not
        published in it)."""
        known = self._available.get(language.code)
        if known is None:
            known = self._available[language.code] = addresses_in(language, self.pages, self.data) if language in self.languages else set()
        return known

    def record_in(self, record, language: str):
        """A data record as the pages in a language show it (itself in English)."""
        return self._records_in.get((record.source, language), record)

    @query
    def translation(self, source: str, language: str) -> Page | None:
        """The page that translates an English page (by its source) into a language, if any."""
        return self._translations.get((source, language))

    @query
    def records_of(self, kind: str) -> list:
        """The active records of a data kind (the doctors seeing patients), in its order."""
        return self._records[kind]

    @query
    def named_by(self, source: str, name: str) -> list:
        """What the reference field `name` of a page or record names (a tumor's tests); nothing
        where the record has no such field."""
        record = self.by_source.get(source)
        return self._resolve(record, name) if isinstance(record, (Page, Provider, Location)) else []

    @query
    def naming(self, source: str, name: str) -> list:
        """The pages and active records whose reference field `name` names this source (the
        tumors that list a test, the doctors who treat a tumor), in their kind's order."""
        return self._naming.get((name, source), [])

    @query
    def review_of(self, source: str) -> dict | None:
        """What a medical page's review stamp says: when, by whom, when it is next due and
        whether that is past. Read instead of the date, so a new day changes only the pages
        whose stamp it changes."""
        page = self.by_source[source]
        reviewed = page.meta.get("medically_reviewed")
        if reviewed is None:
            return None
        due = next_review_due(page, self.data.site)
        return {
            "reviewed": reviewed,
            "reviewer": self.providers.get(page.meta.get("reviewed_by", "")),
            "next_due": due,
            "overdue": review_status(due, self.today, self.data.site.due_soon_days) == "overdue",
        }

    @query
    def has_samples(self) -> bool:
        return bool(self.samples)

    def live_claims(self) -> dict:
        return live_claims(self.data.claims, self.today)


def addresses_in(language: Language, pages: list[Page], data: Data) -> set[str]:
    """The English addresses that have a page in a language the site is published in: its
    translations' English pages, and every page the site makes of its own and of its data."""
    found = {language_of_url(page.url)[1] for page in pages if page.language is language}
    found |= set(OWN_PAGES) | {"/404.html"}
    for kind in BY_DATA.values():
        found |= {kind.url, *(record.url for record in data.records(kind.data))}
    return found


# For each kind, its reference fields and the kind each names.
_REFERENCES = {kind.name: {spec.name: BY_NAME[spec.refers_to] for spec in kind.references} for kind in KINDS}


def _kind_of(record):
    """The kind of a page or data record in the table of kinds."""
    return BY_NAME[record.kind] if isinstance(record, Page) else BY_DATA[record.DATA_FILE]


def _title_key(page: Page) -> tuple:
    return (page.title.casefold(), page.url)


def validate(
    content: Content,
    data: Data,
    today: dt.date,
    include_drafts: bool,
    production: bool,
    problems: Problems,
    analyze: Callable[[list[Page]], list[Body | StoredBody]],
    store: Store | None = None,
    inputs: str = "",
    interface: Callable[[Language, str], str] = lambda language, text: text,
) -> Model:
    """Check everything that spans files, and return the model of what gets published.
    analyze parses and renders the bodies of a list of pages (the pipeline spreads it over
    the cores and keeps them in the store). With a store, each page's own problems are kept
    between runs, by the page's text and everything outside it its checks read (inputs: a
    digest of the data files and options; the front matter and headings of every page)."""
    for name in data.unreadable:
        problems.cannot_read(f"data/{name}.yaml")
    for page in content.pages:
        if page.unreadable:
            problems.cannot_read(page.path)
    pages = [p for p in content.pages if include_drafts or not p.draft]
    pages = _unique_urls(pages, data, problems)
    pages = _link_translations(pages, {p.path: p for p in content.pages}, problems)
    _add_missing_sections(pages, interface)
    pages.sort(key=lambda p: p.url)
    bodies = dict(zip((p.url for p in pages), analyze(pages)))
    model = Model(data, pages, content.media, bodies, today, production)
    model.expired_claims = {c.id for c in data.claims.values() if c.expired(today)}
    model.drafts = {p.url: p for p in content.pages if p.draft and not include_drafts}
    problems.drafts = sorted(p.path for p in model.drafts.values())
    model.static = content.static
    context = _checks_context(model, inputs) if store is not None else ""
    for page in pages:
        # A translation's checks read its English page too (what it was translated from).
        english = page._english.text_hash if page._english is not None else ""
        key = hashlib.sha256(f"{context}\0{page.path}\0{page.text_hash}\0{english}\0{bodies[page.url].key}".encode()).hexdigest()
        stored = store.get(CHECKS, key) if store is not None else None
        if stored is not None:
            problems.items.extend(Problem(*item) for item in stored)
            continue
        own = Problems()
        _check_page(page, model, own)
        problems.items.extend(own.items)
        problems.held_back += own.held_back
        # A page with errors is checked again each time: its messages may name other pages'
        # titles (suggestions), which are not in the key; it is one page, and rare. So is a
        # page whose checks waited for an unreadable file.
        if store is not None and page.text_hash and not own.errors and not own.held_back:
            store.put(CHECKS, key, [[p.path, p.line, p.field, p.message, p.warning] for p in own.items])
    _check_aliases(pages, data, problems)
    _check_static(pages, data, content.static, problems)
    _check_providers(model, content, problems)
    _check_texts_in_languages(model, problems)
    model.samples = _find_samples(model)
    if production:
        for sample in model.samples:
            problems.error(sample.path, sample.line, sample.field, f"{sample.what}; replace it with real data before a production build")
    return model


# The store's table of each page's own problems, by what its checks read.
CHECKS = "checks"


def _checks_context(model: Model, inputs: str) -> str:
    """What a page's checks read outside its own file: the data and options (inputs), the
    date, every page's address, kind and slug (not its title or other fields: no check reads
    them), the headings of the pages some link points into, the drafts and the media."""
    linked_into = set()
    for page in model.pages:
        for target in model.bodies[page.url].into_pages:
            path = target.partition("#")[0]
            linked_into.add(normalize_path(path.split("?")[0]) if path else page.url)
    pages = [[p.url, p.kind, p.slug, sorted(model.bodies[p.url].anchors) if p.url in linked_into else []] for p in model.pages]
    parts = [inputs, model.today.isoformat(), model.production, pages, sorted(model.drafts), sorted(model.media)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _unique_urls(pages: list[Page], data: Data, problems: Problems) -> list[Page]:
    taken: dict[str, str] = {}
    for language in LANGUAGES:
        taken.update({language.address(url): "the site itself" for url in OWN_PAGES})
        for kind in BY_DATA.values():
            owner = f"the site itself (a page made from data/{kind.data})"
            taken.update({language.address(record.url): owner for record in data.records(kind.data)})
    kept = []
    for page in sorted(pages, key=lambda p: p.path):
        owner = taken.get(page.url)
        if owner:
            problems.error(page.path, 1, "file", f"its address {page.url} is already used by {owner}; rename the file")
            continue
        taken[page.url] = page.path
        kept.append(page)
    return kept


def _link_translations(pages: list[Page], every: dict[str, Page], problems: Problems) -> list[Page]:
    """The pages, each translation joined to its English page (Page._english), which must be
    published with it: a translation whose English page is missing or left out is an error."""
    published = {p.path for p in pages}
    kept = []
    for page in pages:
        if page.language is ENGLISH:
            kept.append(page)
            continue
        english = page.english_path
        if english not in every:
            problems.error(
                page.path,
                1,
                "file",
                f"translates {english}, which does not exist; a {page.language.name} page is content/{page.language.code}/ "
                "plus the path of the English page it translates",
            )
        elif english not in published:
            problems.error(
                page.path, 1, "file", f"translates {english}, a draft; publish the English page first, or make this one a draft too"
            )
        else:
            page._english = every[english]
            kept.append(page)
    for language in {page.language for page in kept} - {ENGLISH}:
        home = f"content/{language.code}/_index.md"
        if home not in published:
            first = min(page.path for page in kept if page.language is language)
            problems.error(
                first,
                1,
                "file",
                f"is a {language.name} page, and the site has no {language.name} home page yet ({home}, which translates "
                f"content/_index.md): every {language.name} page links to it",
            )
            kept = [page for page in kept if page.language is not language]
    return kept


def _add_missing_sections(pages: list[Page], interface: Callable[[Language, str], str]) -> None:
    """A list page for each folder that has pages and no _index.md of its own, in each
    language it has pages in, with its kind's title in that language (interface: a text of
    the interface in a language, from its catalogue)."""
    have = {p.url for p in pages}
    for folder, title in FOLDER_TITLES.items():
        for language in LANGUAGES:
            url = language.address(f"/{folder}/")
            if url not in have and any(p.url.startswith(url) for p in pages):
                rel = f"content/{language.code + '/' if language is not ENGLISH else ''}{folder}/_index.md"
                page = Page(rel, url, FOLDER_PAGE.name, folder, {"title": interface(language, title), "summary": ""}, {}, "", 1)
                if language is not ENGLISH:
                    page._english = next((p for p in pages if p.url == f"/{folder}/"), None)
                pages.append(page)


def _check_page(page: Page, model: Model, problems: Problems) -> None:
    meta, rel = page.meta, page.path
    site = model.data.site
    line = model.bodies[page.url].placeholder
    if line and not page.draft:
        message = f'still says "{PLACEHOLDER}", the text `new` wrote; write the page, or keep draft: true until it is written'
        (problems.error if model.production else problems.warn)(rel, line, "body", message)
    reviewed = meta.get("medically_reviewed")
    if reviewed is not None and reviewed > model.today:
        problems.error(
            rel,
            page.line_of("medically_reviewed"),
            "medically_reviewed",
            f"{reviewed.isoformat()} is after today ({model.today.isoformat()}); use the date of the review",
        )
    interval = meta.get("review_interval_months")
    if interval is not None and interval >= site.review_interval_months:
        problems.error(
            rel,
            page.line_of("review_interval_months"),
            "review_interval_months",
            f"{interval} is not shorter than the site's {site.review_interval_months} months; use a smaller number or remove the field",
        )
    months = interval or site.review_interval_months
    oldest = add_months(model.today, -months)
    for index, source in enumerate(meta.get("sources") or []):
        if dt.date.fromisoformat(source["accessed"]) < oldest:
            problems.warn(
                rel,
                page.line_of("sources"),
                f"sources[{index + 1}].accessed",
                f"{source['accessed']} is more than {months} months ago (the review interval); read the source again, "
                "check the page still says what it did, and update accessed",
            )
    if page._english is not None and page.text_hash:
        _check_translation(page, model, problems)
    for spec in page.spec.references:
        value = meta.get(spec.name)
        for name in [value] if isinstance(value, str) else value or []:
            _check_reference(spec.refers_to, name, model, problems, rel, page.line_of(spec.name), spec.name)
    check_body(page, model, problems)


def _check_texts_in_languages(model: Model, problems: Problems) -> None:
    """In a site published in more languages than English, every text of the data that a
    page in such a language shows is given in it (the records' es: maps): the site's, its
    phone lines', its footer links', the active providers' and the claims' its pages use."""
    data = model.data
    site = data.site
    for language in model.languages[1:]:
        code = language.code

        def need(path: str, line: int, name: str, record, fields: tuple[str, ...], code=code, language=language) -> None:
            texts = getattr(record, "translations", {}).get(code, {})
            for field_name in fields:
                if getattr(record, field_name, "") and not texts.get(field_name):
                    problems.error(
                        path,
                        line,
                        f"{name}{code}.{field_name}",
                        f"missing; the site has {language.name} pages, which show this text: give it in {language.name} "
                        f"under {code}: with the same name, like `{code}: {{{field_name}: ...}}`",
                    )

        if "site" not in data.unreadable:  # (a file that cannot be read is the one error to fix first)
            need("data/site.yaml", 1, "", site, ("name", "after_hours", "emergency"))
            for key, phone in site.phones.items():
                need("data/site.yaml", phone.lines.get("hours", 1), f"phones.{key}.", phone, ("hours",))
            for index, link in enumerate(site.footer_links):
                need("data/site.yaml", site.lines.get("footer_links", 1), f"footer_links[{index + 1}].", link, ("text",))
        for provider in data.providers:
            if provider.active:
                need(provider.path, provider.line, f"providers[{provider.id}].", provider, ("title", "bio"))
        if "site" not in data.unreadable:  # the name in the language of each specialty and language a doctor lists
            labels = site.translations.get(code, {})
            for names in ("specialties", "languages"):
                listed = sorted({name for p in data.providers if p.active for name in getattr(p, names)})
                for name in listed:
                    if name in getattr(site, names) and name not in labels.get(names, {}):
                        problems.error(
                            "data/site.yaml",
                            site.lines.get(code, 1),
                            f"{code}.{names}.{name}",
                            f"missing; the {language.name} pages name it: give its {language.name} name, like `{name}: ...`",
                        )
        used = {cid for page in model.pages if page.language is language for cid, _ in model.bodies[page.url].claims}
        for cid in sorted(used & data.claims.keys()):
            need("data/claims.yaml", data.claims[cid].line, f"claims[{cid}].", data.claims[cid], ("text",))


def _check_translation(page: Page, model: Model, problems: Problems) -> None:
    """A translation's reviewer reads its language, and it was made from its English page's
    text as it is now (else a warning: the English page has changed since)."""
    language = page.language
    reviewer = model.providers.get(page.meta.get("reviewed_by", ""))
    if reviewer is not None and language.name not in reviewer.languages:
        problems.error(
            page.path,
            page.line_of("reviewed_by"),
            "reviewed_by",
            f"{reviewer.id} does not list {language.name} among their languages in data/providers.yaml; "
            f"a {language.name} page is reviewed by a doctor who reads {language.name}",
        )
    recorded = page.meta.get("translated_from")
    if recorded is not None and page._english.text_hash and recorded != translation_digest(page._english):
        problems.warn(
            page.path,
            page.line_of("translated_from"),
            "translated_from",
            f"the English page {page._english.path} has changed since this page was translated from it; bring the "
            f"translation up to date, then record it with `python build.py review --retranslated {page.path} --commit`",
        )


def _check_reference(kind_name: str, name: str, model: Model, problems: Problems, path: str, line: int, field_name: str) -> None:
    """A field's reference to a page or record, reported where wrong and held back where the
    file that would hold it cannot be read."""
    message = _reference_problem(kind_name, name, model)
    if message is None:
        problems.hold_back()
    elif message:
        problems.error(path, line, field_name, message)


def _reference_problem(kind_name: str, name: str, model: Model) -> str | None:
    """Why a field cannot name `name` as a page or record of this kind, "" when it can, and
    None when that cannot be known: the file that would hold it cannot be read."""
    kind = BY_NAME[kind_name]
    if kind.data:
        ids = model.data.ids.get(kind.data.removesuffix(".yaml"), set())
        if name in ids:
            return ""  # a record with problems of its own is still named rightly
        if kind.data.removesuffix(".yaml") in model.data.unreadable:
            return None  # the unreadable file is the error to fix first
        return f'no {kind.noun} with id "{name}" in data/{kind.data}; {nearest(name, sorted(ids), "known ids")}'
    url = f"/{kind.folder}/{name}/"
    if url in model.drafts:
        return f'the {kind.noun} page "{name}" is a draft; publish it or remove it from the list'
    if url in model.by_url:
        return ""
    known = sorted(p.slug for p in model._of_kind.get((kind.name, ENGLISH.code), []))  # only when there is an error to explain
    return f'no {kind.noun} page "{name}"; {nearest(name, known, f"known {kind.noun}s")}'


def nearest(value: str, known: list[str], label: str) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    if close:
        return f'did you mean "{close[0]}"?'
    shown = ", ".join(known[:15]) + (", ..." if len(known) > 15 else "")
    return f"{label}: {shown}" if known else f"there are no {label.removeprefix('known ')} yet"


def check_body(page: Page, model: Model, problems: Problems) -> None:
    """The checks of one page's body (its links, headings and claims) against the model."""
    check_markdown(model.bodies[page.url], Where(page.path, page.url), model, problems)


@dataclass(frozen=True)
class Where:
    """Where a piece of Markdown is (its file, and the address of the page that shows it) and,
    for a field of a data record, the field every problem is reported under."""

    rel: str
    url: str
    field: str = ""
    claims: bool = True  # whether it may show claims (a page's body may; a bio may not)

    def name(self, field_name: str) -> str:
        return self.field or field_name


# What to write in Markdown instead of a piece of raw HTML, by its tag.
MARKDOWN_FOR = {
    "h": "a heading is a line that starts with ## (### below it)",
    "p": "a paragraph is text with a blank line before and after it",
    "br": "end the paragraph with a blank line instead of a line break",
    "b": "**bold** for words that matter",
    "strong": "**bold** for words that matter",
    "i": "*italics*",
    "em": "*italics*",
    "a": "a link is [the words](/tests/mri/)",
    "img": "an image is ![what it shows](/media/name.jpg)",
    "ul": "a list is lines that start with a dash (-)",
    "ol": "a numbered list is lines that start with 1., 2. and so on",
    "li": "a list item is a line that starts with a dash (-)",
    "table": "write the rows as a list",
}


def raw_html_problem(tag: str) -> str:
    """Why a piece of raw HTML in Markdown is refused, and the Markdown to write instead."""
    if tag.startswith("<!--"):
        return (
            f"{tag[:30]} is an HTML comment, which would be published as text; remove it (notes for editors belong in the commit message)"
        )
    name = re.match(r"</?\s*([A-Za-z][A-Za-z0-9]*)", tag)
    element = name.group(1).lower() if name else ""
    instead = MARKDOWN_FOR.get("h" if re.fullmatch(r"h[1-6]", element) else element, "write it in Markdown, without tags")
    return f"{tag[:30]} is raw HTML, which is published as text, not as HTML; {instead}"


def check_markdown(body, where: Where, model: Model, problems: Problems) -> None:
    """The checks of any Markdown the site shows (a page's body, a doctor's bio): headings,
    links, images and claims, against the model."""
    rel = where.rel
    previous = 1
    for level, line, _ in body.headings:
        if level == 1:
            problems.error(rel, line, where.name("heading"), "a # heading makes a second main title; start headings in the page at ##")
        elif level > previous + 1:
            problems.error(
                rel,
                line,
                where.name("heading"),
                f"{'#' * level} comes right after {'#' * previous}; go down one level at a time ({'#' * (previous + 1)})",
            )
        previous = max(level, 2) if level > 1 else previous
    for ref in body.refs:
        _check_ref(ref, where, model, problems)
    for line, tag in body.raw_html:
        problems.error(rel, line, where.name("html"), raw_html_problem(tag))
    if not where.claims:
        for line in sorted([line for _, line in body.claims] + list(body.stray_claims)):
            problems.error(rel, line, where.name("claim"), "only pages show claims; write the text out or link to the page that has it")
        return
    for line in body.stray_claims:
        problems.error(rel, line, "claim", 'put {{ claim "id" }} on a line of its own, with blank lines around it')
    for claim_id, line in body.claims:
        claim = model.data.claims.get(claim_id)
        if claim is None and "claims" in model.data.unreadable:
            problems.hold_back()
            continue  # the claims file cannot be read: that error comes first
        if claim is None and claim_id in model.data.ids.get("claims", ()):
            continue  # the claim has an error of its own, reported in data/claims.yaml
        if claim is None:
            problems.error(
                rel,
                line,
                "claim",
                f'no claim "{claim_id}" in data/claims.yaml; {nearest(claim_id, sorted(model.data.claims), "known claims")}',
            )
        elif claim_id in model.expired_claims:
            message = (
                f'"{claim_id}" expired on {claim.valid_until.isoformat()}; the paragraph is left out. Update the claim in '
                f"data/claims.yaml (its text, source and valid_until) or remove it from the page"
            )
            (problems.error if model.production else problems.warn)(rel, line, "claim", message)


def _check_ref(ref, where: Where, model: Model, problems: Problems) -> None:
    rel, target, field_name = where.rel, ref.target, where.name(ref.kind)
    if ref.kind == "image":
        if not ref.alt:
            problems.error(rel, ref.line, field_name, f"add alt text that says what the image shows: ![what it shows]({target})")
        if not target.startswith("/media/"):
            problems.error(rel, ref.line, field_name, f'"{target}" should be a file in content/media/, written /media/file.jpg')
        elif target.removeprefix("/media/") not in model.media:
            problems.error(rel, ref.line, field_name, f"no file content{target}; add it to content/media/ or fix the name")
        return
    if not target:
        problems.error(rel, ref.line, field_name, "the link has no address; write it like [MRI](/tests/mri/)")
        return
    has_scheme = re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) is not None
    if not is_safe_target(target) and (has_scheme or target.startswith("//")):
        problems.error(
            rel,
            ref.line,
            field_name,
            f'"{target}" is not allowed; links start with https://, http://, mailto:, tel: or / (a page of this site)',
        )
        return
    if has_scheme:
        return  # http(s), mailto and tel go elsewhere
    if not target.startswith(("/", "#")):
        problems.error(rel, ref.line, field_name, f'"{target}" should start at the site root, like /tests/mri/')
        return
    if target.startswith("/media/"):
        if target.split("?")[0].split("#")[0].removeprefix("/media/") not in model.media:
            problems.error(rel, ref.line, field_name, f"no file content{target}; add it to content/media/ or fix the name")
        return
    path, _, fragment = target.partition("#")
    path = path.split("?")[0]
    url = normalize_path(path) if path else where.url
    if url in model.drafts:
        problems.error(rel, ref.line, field_name, f"{url} is a draft; publish it or remove the link")
        return
    if url not in model.by_url and url not in OWN_PAGES and not _generated_detail(url, model) and url != "/":
        close = nearest_page(url, model, where.url)
        hint = f'did you mean "{close}"?' if close else "see the A to Z page (/a-z/) for every page's address"
        problems.error(rel, ref.line, field_name, f"no page at {url}; {hint}")
        return
    if fragment and url in model.bodies and fragment not in model.bodies[url].anchors:
        problems.error(rel, ref.line, field_name, f'no heading with the id "#{fragment}" on {url}')


def nearest_page(url: str, model: Model, here: str) -> str | None:
    """The page a link to no page most likely meant, never the page the link is on: the same
    address in lower case, else the page whose names (slug, title, other names and search
    terms) share the most of the address's words, rarer words counting more, a page of the
    same section first."""
    lower = normalize_path(url.lower())
    if lower != url and lower in model.by_url and lower != here:
        return lower
    words = set(re.findall(r"[a-z0-9]+", url.rsplit("/", 2)[-2].lower() if url.count("/") >= 2 else url.lower()))
    section = url.strip("/").split("/")[0].lower()
    names: dict[str, set[str]] = {}
    for page in model.pages:
        if page.url == here or not page.slug:
            continue
        said = [page.slug, page.title, *page.meta.get("also_known_as", []), *page.meta.get("search_terms", [])]
        names[page.url] = set(re.findall(r"[a-z0-9]+", " ".join(said).lower()))
    counts = Counter(word for found in names.values() for word in found & words)
    scores = {
        page_url: sum(1 / counts[word] for word in found & words) + (0.01 if page_url.strip("/").split("/")[0] == section else 0)
        for page_url, found in names.items()
        if found & words
    }
    return max(sorted(scores), key=scores.get) if scores else None


def _generated_detail(url: str, model: Model) -> bool:
    """Whether url is the page of a data record (a doctor's, a location's)."""
    parts = url.strip("/").split("/")
    if len(parts) != 2:
        return False
    for kind in BY_DATA.values():
        if kind.folder == parts[0]:
            return any(record.id == parts[1] for record in model.data.records(kind.data))
    return False


def normalize_path(path: str) -> str:
    """/tests/mri and /tests/mri/ are the same page; /a/index.html is /a/."""
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    if not path.endswith("/") and "." not in PurePosixPath(path).name:
        path += "/"
    return path


# Files and folders the build writes at the top of the site besides pages.
BUILT_FILES = ("/404.html", "/sitemap.xml", "/robots.txt", "/_headers", "/_redirects")
BUILT_FOLDERS = ("/assets/", "/media/", "/pagefind/")


def _check_aliases(pages: list[Page], data: Data, problems: Problems) -> None:
    """An alias is an old address: never the address of anything the build writes (the base
    path and then a page, a record's page, a file or a folder of the build's own)."""
    urls = {p.url for p in pages} | set(OWN_PAGES) | {r.url for kind in BY_DATA.values() for r in data.records(kind.data)}
    base = urlsplit(data.site.base_url).path.rstrip("/")
    seen: dict[str, str] = {}
    for page in sorted(pages, key=lambda p: p.path):
        for alias in page.meta.get("aliases", []):
            key = alias.rstrip("/") or "/"
            inside = key.removeprefix(base) if base and (key == base or key.startswith(base + "/")) else key if not base else None
            written = inside is not None and (
                inside in ("", "/")
                or (inside.removesuffix("index.html").rstrip("/") + "/") in urls
                or inside in BUILT_FILES
                or any((inside + "/").startswith(folder) for folder in BUILT_FOLDERS)
            )
            if written and not (key + "/" in urls or key in urls):
                problems.error(
                    page.path,
                    page.line_of("aliases"),
                    "aliases",
                    f"{alias} is an address the build writes itself; an alias must be an old address that nothing else uses",
                )
            elif key + "/" in urls or key in urls:
                problems.error(
                    page.path,
                    page.line_of("aliases"),
                    "aliases",
                    f"{alias} is the address of a page; an alias must be an old address that no page uses",
                )
            elif key in seen:
                problems.error(
                    page.path, page.line_of("aliases"), "aliases", f"{alias} is already an alias of {seen[key]}; keep it on one page"
                )
            else:
                seen[key] = page.path


def _check_static(pages: list[Page], data: Data, static: dict[str, bytes], problems: Problems) -> None:
    """A file of static/ is published at its own path: never one the build writes (a page, a
    record's page, a file or a folder of the build's own, an alias), nor a file where the
    build needs a folder, or a folder where it writes a file."""
    if not static:
        return
    urls = {p.url for p in pages} | set(OWN_PAGES) | {r.url for kind in BY_DATA.values() for r in data.records(kind.data)}
    built = {index_path(url): url for url in urls} | {name.lstrip("/"): name for name in BUILT_FILES}
    built.setdefault("index.html", "/")
    folders = {parent for path in built for parent in _parents(path)}
    base = urlsplit(data.site.base_url).path.rstrip("/")
    aliases = {}
    for page in pages:
        for alias in page.meta.get("aliases", []):
            key = alias.rstrip("/")
            if key == base or key.startswith(base + "/"):
                aliases[key.removeprefix(base).strip("/")] = page.path
    for path in static:
        why = None
        top = path.partition("/")[0]
        if f"/{top}/" in BUILT_FOLDERS:
            why = f"{top}/ is a folder the build fills itself; put the file in a folder of another name"
        elif path in built:
            why = f"the build writes {path} itself (the address {built[path]}); rename the file or delete it"
        elif path in folders:
            why = f"the build makes a folder named {path}; rename the file"
        elif clash := next((parent for parent in _parents(path) if parent in built), None):
            why = f"the build writes a file named {clash}, so it cannot be a folder; move the file"
        elif (address := path.removesuffix("index.html").strip("/")) in aliases or path in aliases:
            why = f"its address is an alias of {aliases.get(address) or aliases[path]}; rename the file or drop the alias"
        if why:
            problems.error(f"static/{path}", 1, "file", why)


def _parents(path: str) -> list[str]:
    """The folders a path in the site lies in, outermost first: a/b/c.html → a, a/b."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _check_providers(model: Model, content: Content, problems: Problems) -> None:
    site = model.data.site
    references = BY_DATA[Provider.DATA_FILE].references
    for provider in model.data.providers:
        where = f"providers[{provider.id}]"
        for key, known in (("specialties", site.specialties), ("languages", site.languages)):
            for value in getattr(provider, key):
                if value not in known and "site" in model.data.unreadable:
                    problems.hold_back()
                elif value not in known:
                    problems.error(
                        provider.path,
                        provider.lines.get(key, provider.line),
                        f"{where}.{key}",
                        f'"{value}" is not in the {key} list of data/site.yaml; {nearest(value, sorted(known), f"known {key}")}',
                    )
        for spec in references:
            for name in getattr(provider, spec.name):
                line = provider.lines.get(spec.name, provider.line)
                _check_reference(spec.refers_to, name, model, problems, provider.path, line, f"{where}.{spec.name}")
        if provider.bio:
            _check_bio(provider, where, model, problems)
        for code, texts in provider.translations.items():  # a bio in another language is checked the same way
            if texts.get("bio"):
                line = provider.lines.get(code, provider.line) + 1  # its bio: key, on the line below es: where written so
                body = parse_body(make_markdown(), texts["bio"], line + 1 if "\n" in texts["bio"] else line)
                url = f"/{BY_DATA[Provider.DATA_FILE].folder}/{provider.id}/"
                check_markdown(body, Where(provider.path, url, f"{where}.{code}.bio", claims=False), model, problems)
        if provider.photo:
            if provider.photo not in content.media:
                problems.error(
                    provider.path,
                    provider.lines.get("photo", provider.line),
                    f"{where}.photo",
                    f"no file content/media/{provider.photo}; add the photo or fix the name",
                )
            elif not provider.photo.endswith((".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif", ".svg")):
                problems.error(
                    provider.path,
                    provider.lines.get("photo", provider.line),
                    f"{where}.photo",
                    "should be an image (.jpg, .png, .webp or .svg)",
                )


def _check_bio(provider: Provider, where: str, model: Model, problems: Problems) -> None:
    """A bio is Markdown on the doctor's page: the same checks as a page's body, at the bio's
    lines (a block written after `bio: |` starts on the line below the key)."""
    key_line = provider.lines.get("bio", provider.line)
    first_line = key_line + 1 if "\n" in provider.bio else key_line
    body = parse_body(make_markdown(), provider.bio, first_line)
    url = f"/{BY_DATA[Provider.DATA_FILE].folder}/{provider.id}/"
    check_markdown(body, Where(provider.path, url, f"{where}.bio", claims=False), model, problems)


def _find_samples(model: Model) -> list[Sample]:
    """Everything invented: records marked sample, and every number in 555-0100..555-0199."""
    found: list[Sample] = []
    site = model.data.site
    for phone in site.phones.values():
        for name, number in (("number", phone.number), ("fax", phone.fax)):
            if number and (phone.sample or SAMPLE_NUMBER.match(number)):
                line = phone.lines.get(name) or site.lines.get("phones", 1)
                found.append(Sample("data/site.yaml", line, f"phones.{phone.key}.{name}", f"{number} is a sample"))
    for record in [*model.data.providers, *model.data.locations]:
        kind = "providers" if isinstance(record, Provider) else "locations"
        if record.sample:
            found.append(Sample(record.path, record.line, f"{kind}[{record.id}].sample", "is sample data"))
        elif SAMPLE_NUMBER.match(getattr(record, "phone", "") or ""):
            found.append(
                Sample(
                    record.path,
                    record.lines.get("phone", record.line),
                    f"{kind}[{record.id}].phone",
                    f"{record.phone} is a sample number (555-0100 to 555-0199)",
                )
            )
    for claim in model.data.claims.values():
        if claim.sample:
            found.append(Sample("data/claims.yaml", claim.line, f"claims[{claim.id}].sample", "is sample data"))
    for page in model.pages:
        for line, number in page.sample_numbers:
            found.append(Sample(page.path, line, "phone", f"{number} is a sample number (555-0100 to 555-0199)"))
    return found


__all__ = ["Model", "validate", "normalize_path", "Claim", "Location"]
