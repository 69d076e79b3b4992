"""Outputs → bytes: the Jinja environment (autoescape, StrictUndefined), each kind's context and
structured data (JSON-LD), and the CDN files made from the model. Everything an output shows
is read through the model's recorded fields and queries, and templates, assets and media
through the environment, which records them too (reads.py): what to make again is decided
in incremental.py, not here."""

from __future__ import annotations

import functools
import gettext
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, pass_context, select_autoescape
from markupsafe import Markup

from .content import Page
from .data import Location, Provider
from .i18n import (
    DAY_NAMES,
    IN_ENGLISH,
    LOCALES,
    NOT_TRANSLATED,
    NOT_YET,
    TEMPLATE_SYNTAX,
    and_list,
    catalogue_path,
    days_display,
    initial,
    long_date,
    sort_key,
    time_display,
    translations,
)
from .kinds import (
    BY_DATA,
    BY_NAME,
    COMPARTMENTS,
    ENGLISH,
    FOLDER_PAGE,
    GROUPS,
    KINDS,
    LEVELS,
    MENU,
    OWN_PAGES,
    Kind,
    Language,
    index_path,
    language_of_url,
)
from .markdown import analyze_body, is_safe_target, make_markdown, slugify
from .reads import NOW, record, recording, replay, shape, value_of
from .search import synonym_terms, word_list_name
from .store import Store
from .validate import Model, normalize_path
from .workers import run_all

# schema.org's MedicalSpecialty values for the specialties a provider may list; a specialty
# not named here is simply left out of the structured data.
SPECIALTY_CODES = {
    "Neurosurgery": ("Neurologic", "Surgical"),
    "Orthopaedic spine surgery": ("Musculoskeletal", "Surgical"),
    "Orthopedic spine surgery": ("Musculoskeletal", "Surgical"),
    "Radiation oncology": ("Oncologic",),
    "Medical oncology": ("Oncologic",),
    "Neuro-oncology": ("Neurologic", "Oncologic"),
    "Interventional radiology": ("Radiography",),
    "Neuroradiology": ("Radiography",),
    "Pathology": ("Pathology",),
    "Physical medicine and rehabilitation": ("Physiotherapy",),
}
# The store's tables: the bodies' HTML by their keys, compiled templates, the templates each names.
HTML, TEMPLATES, TEMPLATE_NAMES = "html", "templates", "template-names"
# A language's catalogue, read with the templates (so incremental.py asks Renderer.value for it):
# an output in that language is made again when its .po file changes. No template is named so.
CATALOGUE = "template:@catalogue:"


@dataclass(frozen=True)
class Urls:
    """Where things are published: the base URL, its path, and the hashed asset names."""

    base_url: str  # https://example.org/spine/
    assets: dict  # logical name (site.css) -> output path (assets/site.1a2b3c4d5e.css)
    media: dict  # content/media name -> output path

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path or "/"

    def url(self, path: str) -> str:
        """A site path (/tests/mri/) as a root-absolute URL under the base path."""
        return self.base_path + path.lstrip("/")

    def absolute(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def asset(self, name: str) -> str:
        return self.url(self.assets[name])

    def media_file(self, name: str) -> str:
        """The URL of a file in content/media/ (a provider's photo) under its hashed name."""
        return self.url(self.media[name])

    def resolver_in(self, language: Language, available: set[str], note: str):
        """resolve for a page in language: a site address that has a page in the language
        leads there (available: the English addresses that do); any other stays the English
        page's, as (href, "en", note: the words that say so, in the language)."""

        def resolve(target: str):
            href = self.resolve(target)
            if href is None or not target.startswith("/") or target.startswith("/media/"):
                return href
            path = normalize_path(target.partition("#")[0].partition("?")[0])
            if path in available:
                return self.resolve(language.prefix + target)
            return href, ENGLISH.html_lang, note

        return resolve

    def resolve(self, target: str) -> str | None:
        """The final href of a link written in a body, or None for an unsafe one."""
        if not is_safe_target(target):
            return None
        if target.startswith("#") or not target.startswith("/"):
            return target
        path, sep_q, rest = target.partition("?")
        fragment = ""
        if not sep_q:
            path, _, fragment = target.partition("#")
        if path.startswith("/media/") and path.removeprefix("/media/") in self.media:
            path = "/" + self.media[path.removeprefix("/media/")]
        else:
            path = normalize_path(path)
        return self.url(path) + (f"?{rest}" if sep_q else "") + (f"#{fragment}" if fragment else "")


def phone_display(number: str) -> str:
    """+19195550100 → 919-555-0100; other countries in international form."""
    if re.fullmatch(r"\+1\d{10}", number):
        return f"{number[2:5]}-{number[5:8]}-{number[8:]}"
    import phonenumbers

    return phonenumbers.format_number(phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalpha()]
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def json_ld(data) -> Markup:
    """JSON for a <script> element that no content can close: <, > and & are escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _recorded_address(kind: str, address):
    """address (a Urls method) as a template filter ('site.css'|asset) that records which
    asset or media file it was asked for: their hashed names change when their bytes do. A
    filter is called directly, where a function in the context goes through Context.call on
    every link of every page. Taking the context keeps Jinja from working
    a constant's address out when it compiles the template: compiled templates are kept, and
    the base URL and the asset names change from build to build."""

    @pass_context
    def filter_(context, name: str) -> str:
        reads = NOW.reads
        if reads is not None and kind:
            reads.add((kind + name, ""))
        return address(name)

    return filter_


class _Environment(Environment):
    """Jinja's environment, recording each template an output uses (its source is a read like
    any other), with each template's globals a plain dict instead of a ChainMap over the
    environment's: every `{% from ... import %}` compares the two sets of names, and every
    render copies them. Ours are set before the first template loads and never change.

    A template's use is recorded with every template it names (extends, imports, includes),
    all the way down: Jinja runs a template's imports once, when its module is first made,
    so a later use of the same module would read them without a word."""

    store: Store | None = None
    lang: str = "en"
    translations: gettext.NullTranslations  # the interface's strings in lang, for the code's own (Renderer.gettext)
    catalogue_read: tuple[str, str] | None = None  # the read of lang's catalogue, which every template's use makes
    _needs: dict
    _named: dict  # a template -> the templates it names by a constant

    def make_globals(self, d):
        return {**self.globals, **(d or {})}

    def get_template(self, name, parent=None, globals=None):
        reads = NOW.reads
        if reads is not None and isinstance(name, str) and name not in self._named.get(parent, ()):
            reads |= self.needs(name)
        return super().get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        reads = NOW.reads
        if reads is not None:
            for name in names:
                if isinstance(name, str):
                    reads |= self.needs(name)
        return super().select_template(names, parent, globals)

    def needs(self, name: str) -> frozenset:
        """The reads of a template's use: it and every template it names, to the bottom."""
        known = self._needs.get(name)
        if known is None:
            self._needs[name] = frozenset({("template:" + name, "")})  # a template that names itself
            found = {("template:" + name, "")}
            if self.catalogue_read:  # its words, in a language that has a catalogue
                found.add(self.catalogue_read)
            names = self._names(name)
            for named in names:
                found |= self.needs(named)
            known = self._needs[name] = frozenset(found)
            # What a template names by a constant is in its needs already: its imports, run
            # on every render, need not be recorded again (get_template above).
            self._named[name] = frozenset(names)
        return known

    def _names(self, name: str) -> list[str]:
        """The templates a template names by a constant (its source parsed once, and kept)."""
        try:
            text, _, _ = self.loader.get_source(self, name)
        except TemplateNotFound:
            return []

        def parse() -> list[str]:
            from jinja2 import TemplateSyntaxError, meta

            try:
                return sorted(found for found in meta.find_referenced_templates(self.parse(text, name)) if found)
            except TemplateSyntaxError:
                return []  # the build reports it when it compiles the template

        if self.store is None:
            return parse()
        return list(self.store.memo(TEMPLATE_NAMES, [name, text], parse))


class _StoredTemplates(BytecodeCache):
    """Compiled templates kept in the store (sealed: see store.py), by name and source."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_bytecode(self, bucket) -> None:
        data = self.store.get(TEMPLATES, f"{bucket.key}:{bucket.checksum}")
        if isinstance(data, bytes):
            from io import BytesIO

            bucket.load_bytecode(BytesIO(data))

    def dump_bytecode(self, bucket) -> None:
        self.store.put(TEMPLATES, f"{bucket.key}:{bucket.checksum}", bucket.bytecode_to_string())


def make_environment(
    templates: Path, store: Store | None = None, urls: Urls | None = None, lang: str = "en", locales: Path = LOCALES
) -> Environment:
    """The templates' environment for pages in lang (one environment per language); with a
    store, templates compiled by an earlier run (of the same source, generator and Python) are
    loaded instead of compiled again. urls: the build's addresses, for the url, asset and
    media filters; without them the environment compiles templates (compile_templates) and
    renders none.

    The interface's strings are Jinja's i18n extension's ({% trans %}, _(), ngettext()), in
    its new style, which both languages share so that a compiled template serves either: the
    translation is escaped as the template's own text would be, and its placeholders are
    filled in by name. English installs no catalogue: its text is the templates' own. The
    Python tables' strings (menu, groups, the parts of the spine) are given to the templates
    already translated."""
    env = _Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        **TEMPLATE_SYNTAX,
        auto_reload=False,  # one environment per build: no need to stat templates on every use
    )
    env.lang = lang
    env.translations = translations(locales, lang)
    if lang != "en":
        env.catalogue_read = (CATALOGUE + lang, "")
    env.install_gettext_translations(env.translations, newstyle=True)
    text = env.translations.gettext
    env.filters.update(
        phone=phone_display,
        long_date=functools.partial(long_date, lang=lang),
        time=functools.partial(time_display, lang=lang),
        days=functools.partial(days_display, lang=lang),
        initials=initials,
        slug=slugify,
        and_list=functools.partial(and_list, lang=lang),
        json=json_ld,
    )
    addresses = (urls.url, urls.asset, urls.media_file) if urls is not None else (_no_urls,) * 3
    env.filters.update(zip(("url", "asset", "media"), map(_recorded_address, ("", "asset:", "media:"), addresses)))
    env.filters["address"] = env.filters["url"]  # a site address as it is (url leads a translation's links to its language)
    env.filters["label"] = str  # a specialty's or a language's name as shown: Renderer gives it the page's language
    env.globals.update(
        groups={group: text(title) for group, title in GROUPS},
        spine_parts={
            part: tuple((value, text(words)) for value, words in table)
            for part, table in (("levels", LEVELS), ("compartments", COMPARTMENTS))
        },
        nav=tuple((link, text(words)) for link, words in MENU),
        quote=quote,
    )
    env.store, env._needs, env._named = store, {}, {}
    if store is not None:
        env.bytecode_cache = _StoredTemplates(store)
    return env


def _no_urls(name: str) -> str:
    raise RuntimeError("this environment only compiles templates")


def compile_templates(templates: Path, store: Store) -> None:
    """Every template compiled into the store (the caller saves it), where a build's
    environment loads it instead of compiling it. A template that does not compile is left
    for the build to report."""
    from jinja2 import TemplateError

    env = make_environment(templates, store)
    for name in env.list_templates(extensions=["html"]):
        try:
            env.get_template(name)
        except (TemplateError, OSError):
            pass


class Renderer:
    """Makes every output of a model, one at a time: outputs() lists them, each a function
    that returns its bytes. One instance per build."""

    def __init__(
        self,
        model: Model,
        urls: Urls,
        templates: Path,
        store: Store | None = None,
        language: Language = ENGLISH,
        locales: Path = LOCALES,
    ) -> None:
        self.model = model
        self.store = store
        self.urls = urls
        self.templates = templates
        self.language = language
        self.locales = locales
        self.env = make_environment(templates, store, urls, language.code, locales)
        if language is not ENGLISH:
            # A site address in a translated page leads to the page in its language, where there is one.
            code = language.code
            self.env.filters["url"] = pass_context(lambda context, path: urls.url(model.address_in(path, code)))
        # The same for every page of a build, and seen by the components' macros too: the
        # site and the new-patient line are records, whose fields are recorded as read.
        self.site = model.record_in(model.data.site, language.code)
        self.call = self.site.phones.get("new_patients")
        self.env.globals.update(site=self.site, call=self.call, language=language, english=ENGLISH)
        self.env.globals["search_words"] = word_list_name(language.code)  # the search's word list, of the language
        # A specialty or language a provider lists, by its name in the page's language.
        self.env.filters["label"] = self.label
        self.claims = claims_in(model.live_claims(), model.data.claims, language.code)
        self._fragments: dict[tuple, tuple[Markup, set]] = {}  # fragments made once a build, with their reads
        # The model as the templates ask it, in the renderer's language (_ModelIn).
        self.model_in = model if language is ENGLISH else _ModelIn(model, language.code)

    def label(self, name: str) -> str:
        return self.site.labels.get(name, name)

    @functools.cached_property
    def translated(self) -> list[Renderer]:
        """A renderer for each language but English that the site is published in."""
        model = self.model
        return [
            Renderer(model, self.urls, self.templates, self.store, lang, self.locales) for lang in model.languages if lang is not ENGLISH
        ]

    def gettext(self, message: str) -> str:
        """A string of the code's own (a page title the build makes, a kind's title) in the
        environment's language. Extraction takes every string literal inside the call's
        parentheses for a message: give it a literal, or a variable holding a string marked
        where it is written (i18n.N_), never an expression with literals of its own."""
        return self.env.translations.gettext(message)

    # -- What there is to make ---------------------------------------------------------------

    def outputs(self) -> dict[str, functools.partial]:
        """Every output but the assets and the media, by its path in the site: a call makes
        its bytes."""
        model, language = self.model, self.language
        at = language.address
        outputs = {index_path(page.url): functools.partial(self.page, page) for page in model.pages if page.language is language}
        for kind in BY_DATA.values():
            for item in model.data.records(kind.data):
                outputs[index_path(at(item.url))] = functools.partial(self.record_page, kind, item)
            outputs[index_path(at(kind.url))] = functools.partial(self.record_list, kind)
        search_title = OWN_PAGES["/search/"]
        outputs[index_path(at("/search/"))] = functools.partial(
            self.simple, "search.html", "/search/", self.gettext(search_title), self.gettext("Search every page of this site.")
        )
        outputs[index_path(at("/a-z/"))] = self.a_to_z
        outputs[at("/404.html").lstrip("/")] = self.not_found
        if language is ENGLISH:
            outputs["sitemap.xml"] = self.sitemap
            outputs["robots.txt"] = self.robots
            outputs["_redirects"] = self.redirects
            for other in self.translated:
                outputs.update(other.outputs())
        return outputs

    def pages_among(self, paths: list[str]) -> list[Page]:
        """The content pages whose outputs these are (their bodies are filled in first)."""
        pages = {index_path(page.url): page for page in self.model.pages}
        return [pages[path] for path in paths if path in pages]

    def value(self, source: str):
        """What a read of a template, a catalogue, an asset's or a media file's address stands for now."""
        if source.startswith(CATALOGUE):
            po = catalogue_path(self.locales, source.removeprefix(CATALOGUE))
            return hashlib.sha256(po.read_bytes()).hexdigest() if po.is_file() else None
        if source.startswith("template:"):
            try:
                text, _, _ = self.env.loader.get_source(self.env, source.removeprefix("template:"))
            except TemplateNotFound:
                return None
            return hashlib.sha256(text.encode()).hexdigest()
        if source.startswith("asset:"):
            return self.urls.assets.get(source.removeprefix("asset:"))
        if source.startswith("media:"):
            return self.urls.media.get(source.removeprefix("media:"))
        raise KeyError(source)

    # -- Fragments made once a build -----------------------------------------------------------

    def once(self, name: str, *args) -> Markup:
        """The macro `name` of components/{name}.html on args, made once a build for each
        args: the page's header, footer and call bar are the same on thousands of pages, and
        made anew a large part of a page's rendering (scripts/BENCH-NOTES.md). A list or a
        map among args (a tumor's regions) is told apart by its value."""
        key = (name, *(shape(arg) if isinstance(arg, (dict, list)) else arg for arg in args))
        return self._fragment(key, name, *args)

    def doctor_card(self, doctor: Provider, heading_level: int = 3, finder: bool = False) -> Markup:
        """A doctor's card (components/doctor_card.html), made once per build: the same doctor
        shows on many pages. A Provider cannot be a key: its source stands for it."""
        key = ("doctor_card", doctor.source, heading_level, finder)
        return self._fragment(key, "doctor_card", doctor, self.model_in, self.call, heading_level, finder)

    def _fragment(self, key: tuple, name: str, *args) -> Markup:
        """The macro `name` of components/{name}.html on args, made the first time key is
        asked for in this build; what it read is added to every output that shows it."""
        fragment = self._fragments.get(key)
        if fragment is None:
            with recording() as reads:
                macro = getattr(self.env.get_template(f"components/{name}.html").module, name)
                html = Markup(macro(*args))
            fragment = self._fragments[key] = (html, reads)
        else:
            replay(fragment[1])
        return fragment[0]

    # -- Bodies ---------------------------------------------------------------------------------

    @functools.cached_property
    def md(self):
        """The Markdown parser, made when a body or a bio is first rendered."""
        return make_markdown()

    def body_html(self, page: Page) -> Markup:
        reads = NOW.reads
        if reads is not None:
            reads.add((page.source, "html"))
        body = value_of(self.model, "bodies")[page.url]  # the read is the one above
        if body.html is None:  # analyzed by an earlier build, and not filled in (fill_bodies)
            body.html = self._body_html_of(page)
        return Markup(body.html)

    def _body_html_of(self, page: Page) -> str:
        """A body's HTML, made in the page's language (by that language's renderer): its links,
        its claims and the words it adds are the language's."""
        if page.language is not self.language:
            return next(r for r in self.translated if r.language is page.language)._body_html_of(page)
        return analyze_body(self.md, page.body, page.body_line, self.resolve, self.claims, self.gettext).html

    @functools.cached_property
    def resolve(self):
        """Urls.resolve for the Markdown of this renderer's language (a body, a bio): in a
        translated one, links lead to the pages in the language where there are some."""
        if self.language is ENGLISH:
            return self.urls.resolve
        return self.urls.resolver_in(self.language, self.model.available_in(self.language), self.gettext(IN_ENGLISH))

    def fill_bodies(self, pages: list[Page], jobs: int) -> None:
        """The HTML of these pages' bodies, before they are rendered: from the store, where
        the build that analyzed them left it, or (the store emptied or older than this code)
        made again on `jobs` processes (a body to parse weighs about two page renders)."""
        bodies = self.model.bodies
        missing = [page for page in pages if bodies[page.url].html is None]
        if self.store is not None:
            for page in missing:
                bodies[page.url].html = self.store.get(HTML, bodies[page.url].key)
            missing = [page for page in missing if bodies[page.url].html is None]

        def analyze(chunk: list[Page]) -> list[str]:
            return [self._body_html_of(page) for page in chunk]

        for page, html in zip(missing, run_all(analyze, missing, jobs, [2] * len(missing))):
            bodies[page.url].html = html
            if self.store is not None:
                self.store.put(HTML, bodies[page.url].key, html)

    def bio_html(self, provider: Provider) -> Markup:
        if not provider.bio:
            return Markup("")
        return Markup(analyze_body(self.md, provider.bio, 1, self.resolve, {}, self.gettext).html)

    def render(self, template: str, **context) -> bytes:
        common = {
            "model": self.model_in,
            "samples": self.model.has_samples(),
            "doctor_card": self.doctor_card,
            "once": self.once,
            "subject": None,
            "related": {},
        }
        return self.env.get_template(template).render({**common, **context}).encode("utf-8")

    # -- The frame of every page ------------------------------------------------------------------

    def _frame(
        self,
        page: Page | None,
        url: str,
        title: str,
        description: str,
        noindex: bool = False,
        crumbs=None,
        graph=None,
        search=None,
        booking=None,
    ) -> dict:
        """What every page's layout needs. search: None to keep the page out of the search
        index, else {"kind": filter label, "keywords": hidden words it should answer to}.
        booking: the phone bar's number where the page has its own."""
        medical = bool(page and page.medical)
        stamp = self.model_in.review_of(page.source) if medical else None
        url = self.language.address(language_of_url(url)[1])  # an own page's is given in English
        crumbs = self._crumbs(url, title) if crumbs is None else crumbs
        nodes = list(graph or [])
        if crumbs:
            nodes.append(
                {
                    "@type": "BreadcrumbList",
                    "itemListElement": [
                        {"@type": "ListItem", "position": i + 1, "name": name, "item": self.urls.absolute(link)}
                        for i, (name, link) in enumerate(crumbs)
                    ],
                }
            )
        return {
            "page": page,
            "page_url": language_of_url(url)[1],  # the English page's address: the menu and the title follow it
            "address": url,
            "title": title,
            "description": description,
            "canonical": self.urls.absolute(url),
            "noindex": noindex or self.model.has_samples(),
            "crumbs": crumbs,
            "medical": medical,
            "stamp": stamp,
            "jsonld": json_ld({"@context": "https://schema.org", "@graph": nodes}) if nodes else None,
            "current_section": _section_of(language_of_url(url)[1]),
            "search": search,
            # The phone bar's number: the page's own where it has one, else the new-patient line.
            "booking": booking or {"number": self.call.number, "doctor": "", "place": ""},
            **self._languages(url),
        }

    def _languages(self, url: str) -> dict:
        """The page in every language the site is published in: `alternates`, (hreflang,
        absolute URL) of each version there is, with x-default the English one; and
        `switch_to`, for each other language, its version's address, or None where the page
        is not translated (the switcher then offers the language's home page instead)."""
        languages = self.model.languages
        if len(languages) == 1:
            return {"alternates": [], "switch_to": []}
        english = language_of_url(url)[1]
        versions = {}
        for language in languages:
            there = language.address(english) if language is ENGLISH else self.model.address_in(english, language.code)
            if language is ENGLISH or there != english:
                versions[language] = there
        alternates = [(language.html_lang, self.urls.absolute(there)) for language, there in versions.items()]
        if len(alternates) > 1:
            alternates.append(("x-default", self.urls.absolute(english)))
        else:
            alternates = []  # a page in one language has no alternates
        switch_to = []
        for language in languages:
            if language is self.language:
                continue
            if language in versions:
                switch_to.append((language, versions[language], "", ""))
                continue
            # Not translated: the language's list of the page's section, or its home page,
            # offered in that language's words, from its catalogue (a read of it).
            section = self.model.address_in(_section_of(english), language.code)
            instead = section if section != _section_of(english) else language.address("/")
            record(CATALOGUE + language.code)
            words = translations(self.locales, language.code).gettext
            values = {"pages": self.urls.url(instead), "number": self.call.number, "shown": phone_display(self.call.number)}
            switch_to.append((language, instead, words(NOT_YET), Markup(words(NOT_TRANSLATED)) % values))
        return {"alternates": alternates, "switch_to": switch_to}

    def _searchable(self, label: str, names: list[str] = (), terms: list[str] = (), english: list[str] = ()) -> dict:
        """What search knows of a page beyond its text: its kind and keywords, the synonyms of
        the page's language among them (matched against its names and its English page's)."""
        synonyms = self.model.data.synonyms_in(self.language.code)
        keywords = [*names, *terms, *synonym_terms([*names, *english], synonyms)]
        return {"kind": self.gettext(label), "keywords": list(dict.fromkeys(keywords))}

    def _crumbs(self, url: str, title: str) -> list[tuple[str, str]]:
        """The trail from the home page in the page's language (url: the page's address)."""
        at = self.language.address
        english = language_of_url(url)[1]
        if english == "/":
            return []
        crumbs = [(self.gettext("Home"), at("/"))]
        parts = english.strip("/").split("/")
        if len(parts) > 1:
            parent = f"/{parts[0]}/"
            crumbs.append((self._title_of(at(parent)), at(parent)))
        crumbs.append((title, url))
        return crumbs

    def _title_of(self, url: str) -> str:
        page = self.model.page_at(url)
        own = language_of_url(url)[1]
        return page.title if page else self.gettext(OWN_PAGES[own]) if own in OWN_PAGES else url

    def _webpage(self, page: Page, about: dict | None) -> dict:
        node = {
            "@type": "MedicalWebPage" if page.medical else "WebPage",
            "name": page.title,
            "description": page.summary,
            "url": self.urls.absolute(page.url),
            "inLanguage": self.language.in_language,
        }
        stamp = self.model_in.review_of(page.source) if page.medical else None
        if stamp:  # a draft previewed before its review has none
            node["lastReviewed"] = stamp["reviewed"].isoformat()
            if stamp["reviewer"]:
                node["reviewedBy"] = self._person(stamp["reviewer"])
        if page.medical and page.sources:
            node["citation"] = [
                {
                    "@type": "CreativeWork",
                    "name": source["title"],
                    "url": source["url"],
                    "publisher": {"@type": "Organization", "name": source["publisher"]},
                }
                for source in page.sources
            ]
        if about:
            node["about"] = about
        return node

    def _person(self, provider: Provider) -> dict:
        return {"@type": "Person", "name": provider.name, "honorificSuffix": provider.credentials, "url": self.urls.absolute(provider.url)}

    # -- Content pages ----------------------------------------------------------------------------

    def page(self, page: Page) -> bytes:
        kind = page.spec
        names = page.also_known_as
        graph = [self._webpage(page, self._about(page, kind, names))]
        if kind.jsonld == "MedicalOrganization":
            graph.append(self._organization())
        english = page._english
        english_names = [english.title, *english.also_known_as] if english is not None else []
        search = self._searchable(kind.search_label, [page.title, *names], page.search_terms, english_names)
        frame = self._frame(page, page.url, page.title, page.summary, graph=graph, search=search)
        related = self._related(page, kind)
        context = {"body": self.body_html(page), "also_known_as": names, "subject": page, "related": related, **related}
        if kind is FOLDER_PAGE:
            context["folder"] = page.slug
        return self.render(kind.template, **frame, **context)

    def _about(self, page: Page, kind: Kind, names: list[str]) -> dict | None:
        """The structured data of what a page is about, by its kind's schema.org type, with
        what its reference fields name (a tumor's tests as typicalTest)."""
        if not kind.jsonld or kind.jsonld == "MedicalOrganization":
            return None
        about = {"@type": kind.jsonld, "name": page.title}
        if names:
            about["alternateName"] = names
        for spec in kind.references:
            if spec.jsonld:
                prop, item_type = spec.jsonld
                about[prop] = [
                    {"@type": item_type, "name": p.title, "url": self.urls.absolute(p.url)}
                    for p in self._in_language(self.model.named_by((page._english or page).source, spec.name))
                ]
        return about

    def _related(self, page: Page, kind: Kind) -> dict:
        """What a page's template lists beside its body, from the table of kinds: the pages
        its reference fields name (a tumor's tests), by field; what names the page through a
        field of another kind (the tumors that list a test, the doctors who treat a tumor),
        by that kind's folder; and a section's pages. Every page template gets them one by
        one and as `related`, beside `subject`, the page or record the page is about."""
        related: dict = {}
        subject = page._english or page  # a translation lists what its English page does, in its language
        for spec in kind.references:
            if BY_NAME[spec.refers_to].content:
                related[spec.name] = self._in_language(self.model.named_by(subject.source, spec.name))
        for other in KINDS:
            for spec in other.references:
                if spec.refers_to == kind.name:
                    related[other.folder] = self._in_language(self.model.naming(subject.source, spec.name))
        if kind is FOLDER_PAGE:
            related["children"] = self.model.pages_in(page.slug, self.language.code)
            # A translated section lists its own pages, and says how many are in English only.
            related["english_only"] = (
                [p for p in self.model.pages_in(page.slug) if self.model.translation(p.source, self.language.code) is None]
                if self.language is not ENGLISH
                else []
            )
        return related

    def _in_language(self, found: list) -> list:
        """Pages and records as the page's language shows them: each page's translation where
        there is one (else the English page, which the template marks as such)."""
        return found if self.language is ENGLISH else _shown_in(self.model, self.language.code, found)

    def _organization(self) -> dict:
        site = self.model.data.site
        points = []
        for phone in site.phones.values():
            point = {
                "@type": "ContactPoint",
                "contactType": self.gettext(phone.label),
                "telephone": phone.number,
                "areaServed": "US",
                "availableLanguage": "English",
            }
            if phone.hours:
                point["description"] = self.gettext("Open %(hours)s") % {"hours": phone.hours}  # hoursAvailable wants structured hours
            if phone.fax:
                point["faxNumber"] = phone.fax
            points.append(point)
        return {
            "@type": "MedicalOrganization",
            "name": f"{site.organization} {site.name}".strip(),
            "url": self.urls.absolute("/"),
            "contactPoint": points,
        }

    # -- Pages the build makes of its own ---------------------------------------------------------

    def simple(self, template: str, url: str, title: str, description: str) -> bytes:
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute(url)}]
        return self.render(template, **self._frame(None, url, title, description, graph=graph))

    def not_found(self) -> bytes:
        return self.render("404.html", **self._frame(None, "/404.html", self.gettext("Page not found"), "", noindex=True, crumbs=[]))

    def record_list(self, kind: Kind) -> bytes:
        """A data kind's list page: every doctor, every location."""
        site = self.model.data.site
        title = self.gettext(kind.title)
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute(kind.url)}]
        search = self._searchable("Page", [title])
        frame = self._frame(None, kind.url, title, self.gettext(kind.description), graph=graph, search=search)
        related = {kind.folder: self._in_language(self.model.records_of(kind.name))}
        return self.render(
            kind.list_template,
            **frame,
            related=related,
            **related,
            # The doctor finder's filters: (value as the URL writes it, text shown), in PRODUCT.md's forms.
            choices={
                "specialty": [(slugify(name), self.label(name)) for name in site.specialties],
                "location": [(loc.id, loc.name) for loc in self._locations()],
                "language": [(slugify(name), self.label(name)) for name in site.languages],
            },
            places_json=self._places_json(),
        )

    def _locations(self) -> list[Location]:
        return self._in_language(self.model.records_of(BY_DATA[Location.DATA_FILE].name))

    def _places_json(self) -> Markup:
        """Each location's name and coordinates, for the finders' distance sort (finder.js)."""
        return json_ld({loc.id: {"name": loc.name, "lat": loc.lat, "lng": loc.lng} for loc in self._locations()})

    def record_page(self, kind: Kind, record: Provider | Location) -> bytes:
        record = self.model.record_in(record, self.language.code)  # with its texts in the page's language
        if isinstance(record, Provider):
            return self._provider_page(kind, record)
        return self._location_page(kind, record)

    def _provider_page(self, kind: Kind, provider: Provider) -> bytes:
        node = {
            "@type": kind.jsonld,
            "name": provider.name,
            "url": self.urls.absolute(provider.url),
            "knowsLanguage": provider.languages,
        }
        specialties = sorted({code for name in provider.specialties for code in SPECIALTY_CODES.get(name, ())})
        if specialties:
            node["medicalSpecialty"] = [f"https://schema.org/{code}" for code in specialties]
        related = {
            "conditions": self._in_language(self.model.named_by(provider.source, "conditions")),
            "locations": self.model.named_by(provider.source, "locations"),
            "reviewed": self._in_language(self.model.naming(_english_source(provider.source), "reviewed_by")),
        }
        places = related["locations"]
        if provider.active and provider.sees_patients:
            node["telephone"] = provider.phone or self.call.number
            node["isAcceptingNewPatients"] = provider.accepting_new_patients
        if provider.active:
            node["address"] = [self._address(loc) for loc in places]
        description = f"{provider.full_name}: {', '.join(map(self.label, provider.specialties))}."
        search = self._searchable(kind.search_label, [provider.name]) if provider.active else None
        bookable = provider.active and provider.sees_patients and provider.accepting_new_patients
        booking = {"number": provider.phone, "doctor": provider.name, "place": ""} if bookable and provider.phone else None
        frame = self._frame(None, provider.url, provider.full_name, description, graph=[node], search=search, booking=booking)
        return self.render(
            kind.template, **frame, doctor=provider, bio=self.bio_html(provider), subject=provider, related=related, **related
        )

    def _address(self, location: Location) -> dict:
        return {
            "@type": "PostalAddress",
            "streetAddress": location.street,
            "addressLocality": location.city,
            "addressRegion": location.state,
            "postalCode": location.zip,
            "addressCountry": "US",
        }

    def _location_page(self, kind: Kind, location: Location) -> bytes:
        types = dict(kind.field("kind").choices)
        node = {
            "@type": types[location.kind],
            "name": location.name,
            "url": self.urls.absolute(location.url),
            "telephone": location.phone,
            "address": self._address(location),
            "geo": {"@type": "GeoCoordinates", "latitude": location.lat, "longitude": location.lng},
            "openingHoursSpecification": [
                {"@type": "OpeningHoursSpecification", "dayOfWeek": [DAY_NAMES[d] for d in h.days], "opens": h.opens, "closes": h.closes}
                for h in location.hours
            ],
        }
        address = f"{location.street}, {location.city}, {location.state} {location.zip}"
        search = self._searchable(kind.search_label, [location.name, location.city])
        booking = {"number": location.phone, "doctor": "", "place": location.name}
        frame = self._frame(None, location.url, location.name, f"{location.name}: {address}.", graph=[node], search=search, booking=booking)
        directions = "https://www.google.com/maps/dir/?api=1&destination=" + quote(address)
        related = {"doctors": self._in_language(self.model.naming(_english_source(location.source), "locations"))}
        return self.render(kind.template, **frame, location=location, directions=directions, subject=location, related=related, **related)

    def a_to_z(self) -> bytes:
        entries: list[tuple[str, str, str]] = []  # (name, url, see-also target title or "")
        at = self.language.address
        for page in self.model.pages:
            if page.language is not self.language or page.url == at("/"):
                continue
            entries.append((page.title, page.url, ""))
            for name in page.also_known_as:
                entries.append((name, page.url, page.title))
        for kind in BY_DATA.values():
            entries += [(getattr(r, "full_name", r.name), at(r.url), "") for r in self.model.records_of(kind.name)]
        entries += [(self.gettext(title), at(url), "") for url, title in OWN_PAGES.items() if url not in ("/a-z/", "/search/")]
        lang = self.env.lang
        entries.sort(key=lambda e: (sort_key(e[0], lang), e[1]))
        letters: dict[str, list] = {}
        for entry in entries:
            letters.setdefault(initial(entry[0], lang), []).append(entry)
        a_to_z = OWN_PAGES["/a-z/"]
        title = self.gettext(a_to_z)
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute("/a-z/")}]
        frame = self._frame(None, "/a-z/", title, self.gettext("Every page of this site, from A to Z."), graph=graph)
        # A translated list holds its own pages: how many are in English only (the home page aside).
        english_only = 0
        if self.language is not ENGLISH:
            code = self.language.code
            english_only = sum(
                1
                for page in self.model.pages
                if page.language is ENGLISH and page.url != "/" and not self.model.translation(page.source, code)
            )
        return self.render("a-z.html", **frame, letters=letters, english_only=english_only)

    # -- The CDN's files ----------------------------------------------------------------------------

    def sitemap(self) -> bytes:
        """Absolute URLs of every page; lastmod only where a review date says when it changed."""
        urls = [page.url for page in self.model.pages]
        own = []
        for kind in BY_DATA.values():
            own += [kind.url, *(record.url for record in self.model.data.records(kind.data))]
        own += [url for url in OWN_PAGES if url not in own]
        languages = self.model.languages
        urls += [language.address(url) for language in languages for url in own if language.address(url) not in urls]
        namespaces = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if len(languages) > 1:
            namespaces += ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<urlset {namespaces}>"]
        for url in sorted(urls, key=index_path):
            page = self.model.page_at(url)
            lines.append("  <url>")
            lines.append(f"    <loc>{_xml_text(self.urls.absolute(url))}</loc>")
            if page is not None and page.reviewed:
                lines.append(f"    <lastmod>{page.reviewed.isoformat()}</lastmod>")
            for hreflang, href in self._languages(url)["alternates"]:
                lines.append(f'    <xhtml:link rel="alternate" hreflang="{hreflang}" href="{_xml_text(href)}"/>')
            lines.append("  </url>")
        lines.append("</urlset>")
        return ("\n".join(lines) + "\n").encode()

    def robots(self) -> bytes:
        base = self.urls.base_path
        if self.model.has_samples():
            text = f"# Sample data: the whole site stays out of search engines until it is real.\nUser-agent: *\nDisallow: {base}\n"
        else:
            text = f"User-agent: *\nAllow: {base}\n\nSitemap: {self.urls.absolute('/sitemap.xml')}\n"
        return text.encode()

    def redirects(self) -> bytes:
        """301s from every alias (an old host-root path, written in full) to its page."""
        rules = []
        for page in self.model.pages:
            for alias in page.aliases:
                rules.append(f"{alias} {self.urls.url(page.url)} 301")
        return ("\n".join(sorted(rules)) + ("\n" if rules else "")).encode()


class _ModelIn:
    """The model as a translated page's template asks it: its lists of pages are of the
    page's language (model.pages_of("test") on a Spanish page lists the Spanish test pages),
    and what its queries name is shown in the language (a doctor's tumors, each in Spanish
    where translated; the doctors themselves with their Spanish texts). Everything else is
    the model's own."""

    def __init__(self, model: Model, language: str) -> None:
        self._model, self._language = model, language

    def _in(self, found):
        return _shown_in(self._model, self._language, found) if isinstance(found, list) else found

    def named_by(self, source: str, name: str) -> list:
        return self._in(self._model.named_by(source, name))

    def naming(self, source: str, name: str) -> list:
        return self._in(self._model.naming(_english_source(source), name))

    def records_of(self, kind: str) -> list:
        return self._in(self._model.records_of(kind))

    def review_of(self, source: str) -> dict | None:
        stamp = self._model.review_of(source)
        if stamp and stamp["reviewer"] is not None:
            stamp = {**stamp, "reviewer": self._model.record_in(stamp["reviewer"], self._language)}
        return stamp

    def pages_of(self, kind: str) -> list[Page]:
        return self._model.pages_of(kind, self._language)

    def pages_with(self, kind: str, name: str, value: str) -> list[Page]:
        return self._model.pages_with(kind, name, value, self._language)

    def pages_in(self, folder: str) -> list[Page]:
        return self._model.pages_in(folder, self._language)

    def __getattr__(self, name: str):
        return getattr(self._model, name)


def _shown_in(model: Model, code: str, found: list) -> list:
    """Pages and records as a page in a language shows them: each page's translation where
    there is one (else the English page, which the template marks as such), each record's copy
    with its texts in the language."""
    return [(model.translation(item.source, code) or item) if isinstance(item, Page) else model.record_in(item, code) for item in found]


def _english_source(source: str) -> str:
    """A record's source, of its English record where it is a translated copy's."""
    return source.rpartition("@")[0] if "@" in source else source


def claims_in(live: dict, claims: dict, code: str) -> dict:
    """The live claims as a body in a language shows them: each one's text in it, where the
    claim gives one (claims.yaml's es: {text: ...})."""
    if code == ENGLISH.code:
        return live
    return {cid: (claims[cid].translations.get(code, {}).get("text") or text, *rest) for cid, (text, *rest) in live.items()}


def _section_of(url: str) -> str:
    return "/" + url.strip("/").split("/")[0] + "/" if url != "/" else "/"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
