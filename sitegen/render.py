"""Pages → HTML: the Jinja environment (autoescape, StrictUndefined), each page kind's context,
and its JSON-LD. Rendering is a pure function of the model, the options and the templates, so a
later incremental build can cache it by input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup

from .cache import LazyCache, installed_versions
from .content import GROUPS, Page, next_review_due, review_status
from .data import Location, Provider
from .markdown import analyze_body, is_safe_target, make_markdown, slugify
from .search import kind_label, synonym_terms
from .validate import GENERATED, Model, normalize_path
from .workers import run_all

DAY_NAMES = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday", "Sa": "Saturday", "Su": "Sunday"}
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
# Data files the finder and search scripts fetch; no content page links them, so a change
# to them (a new word on any page changes the search word list) re-renders no page.
SCRIPT_DATA = {"zips.json", "search-words.json"}
NAV = (
    ("/tumors/", "Tumor types"),
    ("/tests/", "Tests"),
    ("/treatments/", "Treatments"),
    ("/doctors/", "Find a doctor"),
    ("/locations/", "Locations"),
    ("/appointments/", "Appointments"),
)


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


def long_date(date: dt.date) -> str:
    return f"{date:%B} {date.day}, {date.year}"


def time_display(value: str) -> str:
    """08:00 → 8 a.m.; 13:30 → 1:30 p.m."""
    hour, minute = (int(x) for x in value.split(":"))
    suffix = "a.m." if hour < 12 else "p.m."
    if hour == 12 and minute == 0:
        return "noon"
    shown = hour % 12 or 12
    return f"{shown}:{minute:02d} {suffix}" if minute else f"{shown} {suffix}"


def days_display(days: list[str]) -> str:
    order = list(DAY_NAMES)
    indexes = sorted(order.index(d) for d in days)
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{DAY_NAMES[order[indexes[0]]]} to {DAY_NAMES[order[indexes[-1]]]}"
    return ", ".join(DAY_NAMES[order[i]] for i in indexes)


def initials(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalpha()]
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def json_ld(data) -> Markup:
    """JSON for a <script> element that no content can close: <, > and & are escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _this_build(address):
    """address (a Urls method) as a template filter, '/a-z/'|url: a filter is called directly
    where a function in the context goes through Context.call, a few microseconds each on
    every link of every page. Taking the context keeps Jinja from working a constant's
    address out when it compiles the template: the compiled template is cached, and the base
    URL and the asset names change from build to build."""

    @pass_context
    def filter_(context, name: str) -> str:
        return address(name)

    return filter_


class _Environment(Environment):
    """Jinja's environment, with each template's globals a plain dict instead of a ChainMap
    over the environment's. Every `{% from ... import %}` compares the two sets of names, and
    every render copies them: with a ChainMap that was about a tenth of the time of a page
    (7 imports a page). Ours are set before the first template loads and never change."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def make_environment(templates: Path, cache: Path | None = None, urls: Urls | None = None) -> Environment:
    """The templates' environment; with a cache folder, templates compiled by an earlier run
    (of the same template source, generator code and Python) are loaded instead of compiled
    again. urls: the build's addresses, for the url, asset and media filters; without them
    the environment compiles templates (compile_templates) and renders none."""
    env = _Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no need to stat templates on every use
    )
    env.filters.update(phone=phone_display, long_date=long_date, time=time_display, days=days_display, initials=initials, slug=slugify)
    addresses = (urls.url, urls.asset, urls.media_file) if urls is not None else (_no_urls,) * 3
    env.filters.update(zip(("url", "asset", "media"), map(_this_build, addresses)))
    env.globals.update(groups=GROUPS, nav=NAV, quote=quote)
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            # How a template compiles depends on this code too (which filters take the
            # context and so are never worked out at compile time): its version is in the name.
            env.bytecode_cache = FileSystemBytecodeCache(str(cache), f"__jinja2_{code_digest()[:16]}_%s.cache")
        except OSError:
            pass  # a read-only checkout compiles every time
    return env


def _no_urls(name: str) -> str:
    raise RuntimeError("this environment only compiles templates")


def compile_templates(templates: Path, cache: Path) -> None:
    """Every template compiled into the cache folder, where a build's environment loads it
    instead of compiling it (about 75 ms of a cold build). A template that does not compile
    is left for the build to compile again and report."""
    from jinja2 import TemplateError

    env = make_environment(templates, cache)
    for name in env.list_templates(extensions=["html"]):
        try:
            env.get_template(name)
        except (TemplateError, OSError):
            pass


class Renderer:
    """Renders every output of a model; one instance per build."""

    def __init__(self, model: Model, urls: Urls, templates: Path, cache: Path | None = None, html: LazyCache | None = None) -> None:
        """cache: a folder for compiled templates; html: the bodies' HTML by their keys."""
        self.model = model
        self.html = html
        self.urls = urls
        self.templates = templates
        self.env = make_environment(templates, cache, urls)
        # The same for every page of a build, and seen by the components' macros too.
        self.call = model.data.site.phones.get("new_patients")
        self.env.globals.update(site=model.data.site, call=self.call)
        self.md = make_markdown()
        self.claims = model.live_claims()
        self.common = {
            "model": model,
            "samples": model.has_samples,
            "today": model.today,
            "doctor_card": self.doctor_card,
            "once": self.once,
        }
        self._made: dict[tuple, Markup] = {}  # components made once a build (_made_once)
        self.same_world = False  # set by outputs: the world key is the last build's

    def once(self, name: str, *args) -> Markup:
        """The macro `name` of components/{name}.html on args, made once a build for each
        args: the page's header, footer and call bar are the same on thousands of pages, and
        made anew they were a fifth of a page's rendering."""
        return self._made_once((name, *args), name, *args)

    def doctor_card(self, doctor: Provider, heading_level: int = 3, finder: bool = False) -> Markup:
        """A doctor's card (components/doctor_card.html), made once per build: the same doctor
        shows on many pages. A Provider cannot be a key: the doctor's id stands for it."""
        key = ("doctor_card", doctor.id, heading_level, finder)
        return self._made_once(key, "doctor_card", doctor, self.model, self.call, heading_level, finder)

    def _made_once(self, key: tuple, name: str, *args) -> Markup:
        """The macro `name` of components/{name}.html on args, made the first time key is
        asked for in this build."""
        made = self._made.get(key)
        if made is None:
            macro = getattr(self.env.get_template(f"components/{name}.html").module, name)
            made = self._made[key] = Markup(macro(*args))
        return made

    def body_html(self, url: str) -> Markup:
        body = self.model.bodies[url]
        if body.html is None:  # analyzed by an earlier build, and not filled in (_fill_bodies)
            body.html = self._made_html(self.model.by_url[url])
        return Markup(body.html)

    def _made_html(self, page: Page) -> str:
        return analyze_body(self.md, page.body, page.body_line, self.urls.resolve, self.claims).html

    def _fill_bodies(self, pages: list[Page], jobs: int) -> None:
        """The HTML of these pages' bodies, before they are rendered: from the cache of the
        build that analyzed them, or (a cache deleted or older than this code) made again,
        on `jobs` processes (a body to parse weighs about two page renders), and cached."""
        bodies = self.model.bodies
        missing = [page for page in pages if bodies[page.url].html is None]
        if self.html is not None:
            for page in missing:
                bodies[page.url].html = self.html.get(bodies[page.url].key)
            missing = [page for page in missing if bodies[page.url].html is None]

        def analyze(chunk: list[Page]) -> list[str]:
            return [self._made_html(page) for page in chunk]

        for page, html in zip(missing, run_all(analyze, missing, jobs, [2] * len(missing))):
            bodies[page.url].html = html
            if self.html is not None:
                self.html.put(bodies[page.url].key, html)

    def bio_html(self, provider: Provider) -> Markup:
        if not provider.bio:
            return Markup("")
        return Markup(analyze_body(self.md, provider.bio, 1, self.urls.resolve, {}).html)

    def render(self, template: str, **context) -> bytes:
        html = self.env.get_template(template).render(**self.common, **context)
        return html.encode("utf-8")

    # -- the outputs ---------------------------------------------------------------------------

    def outputs(self, writer, jobs: int = 1) -> list[str]:
        """Render every HTML page into writer, and return their paths, on `jobs` processes,
        except the pages whose render key says the file written for them last time still
        matches: those are kept."""
        # The pages made from the data (doctors, locations, lists, A to Z) show every page's
        # front matter at most, never a body: a body edit leaves them as they are.
        generated = {
            **{index_path(p.url): functools.partial(self.doctor, p) for p in self.model.data.providers},
            **{index_path(loc.url): functools.partial(self.location, loc) for loc in self.model.data.locations},
            "doctors/index.html": self.doctors,
            "locations/index.html": self.locations,
            "search/index.html": lambda: self.simple("search.html", "/search/", "Search", "Search every page of this site."),
            "a-z/index.html": self.a_to_z,
            "404.html": lambda: self.render("404.html", **self._frame(None, "/404.html", "Page not found", "", noindex=True, crumbs=[])),
        }
        # When no page's front matter, no data and no template changed, a page whose body did
        # not change either has the render key it had: no need to work it out again. With no
        # last build at all, every page is rendered, and its key worked out where it is.
        first = not writer.previous.entries
        same_world = self.same_world = writer.previous.extra.get("world_key") == self.world_key
        old_bodies = writer.previous.extra.get("bodies", {}) if same_world else {}
        body_keys = {index_path(page.url): self.model.bodies[page.url].key for page in self.model.pages}
        todo: list[tuple[str, Page | None, str]] = []  # (path, content page or None, key or "" to work out)
        unsure: list[Page] = []  # pages whose key is to be worked out, to see whether they are kept
        for page in self.model.pages:
            path = index_path(page.url)
            if first:
                todo.append((path, page, ""))
            elif not (old_bodies.get(path) == body_keys[path] and writer.keep_as_it_was(path)):
                unsure.append(page)

        def keyed(pages: list[Page]) -> list[tuple[str, list | None]]:
            return [(key := self.render_key(page), writer.kept(index_path(page.url), key)) for page in pages]

        # After a front matter edit that is every page: a key takes about a thirtieth of a page's rendering.
        for page, (key, entry) in zip(unsure, run_all(keyed, unsure, jobs, [1 / 30] * len(unsure))):
            if entry is not None:
                writer.add(index_path(page.url), entry, False)
            else:
                todo.append((index_path(page.url), page, key))
        shown = writer.previous.extra.get("generated", {}) if same_world else {}
        shown = shown if shown.keys() == generated.keys() else self.generated_shown()
        keys = self.generated_keys(shown)
        todo += [(path, None, keys[path]) for path in generated if not writer.keep(path, keys[path])]
        writer.manifest.extra.update(world_key=self.world_key, bodies=body_keys, generated=shown)
        if todo:
            for name in self.env.list_templates(extensions=["html"]):
                self.env.get_template(name)  # compiled once here, inherited by every worker

            self._fill_bodies([page for _, page, _ in todo if page is not None], jobs)

            def render_and_place(tasks: list[tuple[str, Page | None, str]]) -> list:
                placed = []
                for path, page, key in tasks:
                    data = self.page(page) if page is not None else generated[path]()
                    placed.append(writer.place(path, data, key or self.render_key(page)))
                return placed

            weights = [self._weight(path, page) for path, page, _ in todo]
            for (path, _, _), (entry, written) in zip(todo, run_all(render_and_place, todo, jobs, weights)):
                writer.add(path, entry, written)
        return [*body_keys, *generated]

    def _weight(self, path: str, page: Page | None) -> float:
        """About how long an output takes to render, in content pages: a list of every page
        (the A to Z, the home page, a section) takes about a page's time for each 30 it lists."""
        model = self.model
        if page is not None:
            listed = len(model.pages) if page.kind == "home" else len(self._in_section.get(page.slug, [])) if page.kind == "section" else 0
        else:
            listed = {"a-z/index.html": len(model.pages), "doctors/index.html": 30 * len(model.active_providers)}.get(path, 0)
        return 1 + listed / 30

    @functools.cached_property
    def world_key(self) -> str:
        """A hash of what any content page's render key reads besides its own body: the site
        digest, every page's front matter (by the hash of its YAML text, where known: the same
        text and code make the same meta), and the date. While it stays the same, a page
        whose body did not change keeps its last key."""
        catalog = "".join([f"{p.url}\0{p.kind}\0{p.slug}\0{p.meta_key or repr(p.meta)}\n" for p in self.model.pages])
        return hashlib.sha256(f"{self.site_digest}\0{self.model.today.isoformat()}\0{catalog}".encode()).hexdigest()

    def generated_shown(self) -> dict[str, str]:
        """For each page made from the data, a hash of what it shows of the pages and the data
        (keep in step with the templates). All of it is in the world key: while that stays the
        same, the last build's hashes stand."""
        model, treats = self.model, self._treats
        shown: dict[str, object] = {
            **{
                index_path(d.url): (treats[d.id], tuple((p.url, p.title) for p in model.reviewed_by.get(d.id, [])))
                for d in model.data.providers
            },
            **{index_path(loc.url): tuple(treats[d.id] for d in model.doctors_at.get(loc.id, [])) for loc in model.data.locations},
            "doctors/index.html": (
                tuple(treats[d.id] for d in model.active_providers),
                tuple(self._card[p.url] for p in model.section_pages["tumor"]),  # the tumor-type filter, by group
            ),
            "locations/index.html": (),
            "search/index.html": (),
            "a-z/index.html": tuple((p.url, p.title, tuple(p.meta.get("also_known_as", []))) for p in model.pages),
            "404.html": (),
        }
        return {path: hashlib.sha256(f"{self.site_digest}{(path, value)!r}".encode()).hexdigest() for path, value in shown.items()}

    def generated_keys(self, shown: dict[str, str]) -> dict[str, str]:
        """For each page made from the data, a hash of what it is made of: what it shows
        (generated_shown), and for the search page and the finders the name of the data file
        their script reads, which is not in the site digest."""
        reads = {"doctors/index.html": "zips.json", "locations/index.html": "zips.json", "search/index.html": "search-words.json"}
        assets = self.urls.assets
        return {
            path: hashlib.sha256(f"{value}\0{assets.get(reads.get(path, ''), '')}".encode()).hexdigest() for path, value in shown.items()
        }

    def render_key(self, page: Page) -> str:
        """A hash of everything a content page's HTML is made from: its own file (front matter
        and body) and body HTML, what it shows of other pages (titles, summaries, groups, the
        tumors its doctors treat), and the site digest (data files, templates, asset names,
        code). Only the review stamp reads the date, so only its overdue flag counts. Worked
        out for every page after a front matter edit, so it is joined from texts made once
        per build (a card's text is in the keys of all the pages that show it), with repr()
        only where it is exact and short."""
        stamp = self._stamp(page) if page.medical else None
        own = (
            page.url,
            page.kind,
            page.slug,
            page.text_hash or repr(sorted(page.meta.items())),  # a section page the build made up has no file
            self.model.bodies[page.url].key,
            bool(stamp and stamp["overdue"]),
            self._title_of(f"/{page.section}/") if page.section else "",
        )
        return hashlib.sha256(f"{self.site_digest}{own!r}{self._shown_of_others(page)}".encode()).hexdigest()

    def _shown_of_others(self, page: Page) -> str:
        """What a content page's template shows of other pages, as text: the cards' and
        doctors' texts (each repr() of a tuple, so no two read alike), each list closed by a
        character no repr() writes. Keep in step with the templates."""
        model = self.model
        card, treats = self._card, self._treats

        def cards(pages: list[Page]) -> str:
            return "".join([card[p.url] for p in pages]) + "\x00"

        if page.kind == "tumor":
            doctors = "".join([treats[d.id] for d in model.doctors_for.get(page.slug, [])])
            return cards(self._related(page, "tests")) + cards(self._related(page, "treatments")) + doctors
        if page.kind in ("test", "treatment"):
            return cards(model.tumors_linking.get(page.url, []))
        if page.kind == "section":
            return cards([p for p in self._in_section.get(page.slug, []) if p.kind != "section"])
        if page.kind == "home":
            return "".join(cards(model.section_pages[kind]) for kind in ("tumor", "test", "treatment"))
        return ""

    @functools.cached_property
    def _in_section(self) -> dict[str, list[Page]]:
        """The pages below each section's folder, by the section's slug."""
        sections: dict[str, list[Page]] = {}
        for page in self.model.pages:
            sections.setdefault(page.section, []).append(page)
        return sections

    @functools.cached_property
    def _card(self) -> dict[str, str]:
        """What a page's card shows of it, as text, by its address: made once a build where
        first asked for (many pages show it; a body edit asks for a few)."""
        by_url = self.model.by_url
        return _Made(lambda url: repr((url, by_url[url].title, by_url[url].summary, by_url[url].meta.get("group", ""))))

    @functools.cached_property
    def _treats(self) -> dict[str, str]:
        """What a doctor's card and page show of the tumors the doctor treats, as text, by the
        doctor's id (every doctor has a page; only those seeing patients have cards)."""
        model = self.model
        return _Made(lambda id_: repr((id_, tuple((t.url, t.title) for t in model.tumors_of(model.providers[id_])))))

    @functools.cached_property
    def site_digest(self) -> str:
        model = self.model
        parts = [
            self.templates_digest,
            code_digest(),
            self.urls.base_url,
            {name: path for name, path in self.urls.assets.items() if name not in SCRIPT_DATA},
            self.urls.media,
            dataclasses.asdict(model.data.site),
            [_record(p) for p in model.data.providers],
            [_record(loc) for loc in model.data.locations],
            model.data.synonyms,
            self.claims,
            model.has_samples,
        ]
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    @functools.cached_property
    def templates_digest(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.templates.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(self.templates).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def _pages(self, pages: list[Page]) -> list[bytes]:
        return [self.page(page) for page in pages]

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
        stamp = self._stamp(page) if medical else None
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
            "page_url": url,
            "title": title,
            "description": description,
            "canonical": self.urls.absolute(url),
            "noindex": noindex or self.model.has_samples,
            "crumbs": crumbs,
            "medical": medical,
            "emergency": medical or url == "/appointments/",
            "stamp": stamp,
            "jsonld": json_ld({"@context": "https://schema.org", "@graph": nodes}) if nodes else None,
            "current_section": "/" + url.strip("/").split("/")[0] + "/" if url != "/" else "/",
            "search": search,
            # The phone bar's number: the page's own where it has one, else the new-patient line.
            "booking": booking or {"number": self.call.number, "where": ""},
        }

    def _searchable(self, kind: str, names: list[str] = (), terms: list[str] = ()) -> dict:
        keywords = [*names, *terms, *synonym_terms(list(names), self.model.data.synonyms)]
        return {"kind": kind_label(kind), "keywords": list(dict.fromkeys(keywords))}

    def _crumbs(self, url: str, title: str) -> list[tuple[str, str]]:
        if url == "/":
            return []
        crumbs = [("Home", "/")]
        parts = url.strip("/").split("/")
        if len(parts) > 1:
            parent = f"/{parts[0]}/"
            crumbs.append((self._title_of(parent), parent))
        crumbs.append((title, url))
        return crumbs

    def _title_of(self, url: str) -> str:
        page = self.model.by_url.get(url)
        return page.title if page else GENERATED.get(url, url)

    def _stamp(self, page: Page) -> dict | None:
        reviewed = page.meta.get("medically_reviewed")
        if reviewed is None:
            return None
        due = next_review_due(page, self.model.data.site)
        reviewer = self.model.providers.get(page.meta.get("reviewed_by", ""))
        return {
            "reviewed": reviewed,
            "reviewer": reviewer,
            "next_due": due,
            "overdue": review_status(due, self.model.today, self.model.data.site.due_soon_days) == "overdue",
        }

    def _webpage(self, page: Page, about: dict | None) -> dict:
        node = {
            "@type": "MedicalWebPage" if page.medical else "WebPage",
            "name": page.title,
            "description": page.summary,
            "url": self.urls.absolute(page.url),
            "inLanguage": "en-US",
        }
        if page.medical:
            stamp = self._stamp(page)
            node["lastReviewed"] = stamp["reviewed"].isoformat()
            if stamp["reviewer"]:
                node["reviewedBy"] = self._person(stamp["reviewer"])
        if about:
            node["about"] = about
        return node

    def _person(self, provider: Provider) -> dict:
        return {"@type": "Person", "name": provider.name, "honorificSuffix": provider.credentials, "url": self.urls.absolute(provider.url)}

    def page(self, page: Page) -> bytes:
        kind = page.kind
        about = None
        names = page.meta.get("also_known_as", [])
        if kind == "tumor":
            about = {
                "@type": "MedicalCondition",
                "name": page.title,
                "alternateName": names,
                "possibleTreatment": [
                    {"@type": "MedicalTherapy", "name": t.title, "url": self.urls.absolute(t.url)}
                    for t in self._related(page, "treatments")
                ],
                "typicalTest": [
                    {"@type": "MedicalTest", "name": t.title, "url": self.urls.absolute(t.url)} for t in self._related(page, "tests")
                ],
            }
        elif kind == "test":
            about = {"@type": "MedicalTest", "name": page.title, "alternateName": names}
        elif kind == "treatment":
            about = {"@type": "MedicalProcedure", "name": page.title, "alternateName": names}
        if about is not None and not names:
            del about["alternateName"]
        graph = [self._webpage(page, about)]
        if page.url == "/appointments/":
            graph.append(self._organization())
        search = self._searchable(page.kind, [page.title, *names], page.meta.get("search_terms", []))
        frame = self._frame(page, page.url, page.title, page.summary, graph=graph, search=search)
        template = {
            "home": "home.html",
            "section": "section.html",
            "tumor": "tumor.html",
            "test": "topic.html",
            "treatment": "topic.html",
        }.get(kind, "page.html")
        if page.url == "/appointments/":
            template = "appointments.html"
        context = {"body": self.body_html(page.url), "also_known_as": names}
        if kind == "tumor":
            context.update(
                tests=self._related(page, "tests"),
                treatments=self._related(page, "treatments"),
                doctors=self.model.doctors_for.get(page.slug, []),
                group=page.meta.get("group"),
            )
        elif kind in ("test", "treatment"):
            context.update(tumors=self.model.tumors_linking.get(page.url, []))
        elif kind == "section":
            noun = {"tumors": "tumor", "tests": "test", "treatments": "treatment"}.get(page.slug)
            context.update(children=self.model.section_pages.get(noun, []) if noun else [], section=page.slug)
        return self.render(template, **frame, **context)

    def _related(self, page: Page, key: str) -> list[Page]:
        found = (self.model.page_for(key, slug) for slug in page.meta.get(key, []))
        return [p for p in found if p is not None]

    def _organization(self) -> dict:
        site = self.model.data.site
        points = []
        for phone in site.phones.values():
            point = {
                "@type": "ContactPoint",
                "contactType": phone.label,
                "telephone": phone.number,
                "areaServed": "US",
                "availableLanguage": "English",
            }
            if phone.hours:
                point["description"] = f"Open {phone.hours}"  # hoursAvailable wants structured hours
            if phone.fax:
                point["faxNumber"] = phone.fax
            points.append(point)
        return {
            "@type": "MedicalOrganization",
            "name": f"{site.organization} {site.name}".strip(),
            "url": self.urls.absolute("/"),
            "contactPoint": points,
        }

    def simple(self, template: str, url: str, title: str, description: str) -> bytes:
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute(url)}]
        return self.render(template, **self._frame(None, url, title, description, graph=graph))

    def doctors(self) -> bytes:
        site = self.model.data.site
        title = "Find a doctor"
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute("/doctors/")}]
        frame = self._frame(
            None,
            "/doctors/",
            title,
            "Every doctor on our spine tumor team, with the tumors they treat, where they see patients and how to book.",
            graph=graph,
            search=self._searchable("page", ["Find a doctor"]),
        )
        return self.render(
            "doctors.html",
            **frame,
            doctors=self.model.active_providers,
            # The finder's filters: (value as the URL writes it, text shown), in PRODUCT.md's forms.
            choices={
                "specialty": [(slugify(name), name) for name in site.specialties],
                "location": [(loc.id, loc.name) for loc in self._locations_in_order()],
                "language": [(slugify(name), name) for name in site.languages],
            },
            places_json=self._places_json(),
        )

    def doctor(self, provider: Provider) -> bytes:
        node = {
            "@type": "IndividualPhysician",
            "name": provider.name,
            "url": self.urls.absolute(provider.url),
            "knowsLanguage": provider.languages,
        }
        specialties = sorted({code for name in provider.specialties for code in SPECIALTY_CODES.get(name, ())})
        if specialties:
            node["medicalSpecialty"] = [f"https://schema.org/{code}" for code in specialties]
        if provider.active:
            node["telephone"] = provider.phone or self.call.number
            node["isAcceptingNewPatients"] = provider.accepting_new_patients
            node["address"] = [self._address(loc) for loc in self.model.places_of(provider)]
        description = f"{provider.full_name}: {', '.join(provider.specialties)}."
        search = self._searchable("doctor", [provider.name]) if provider.active else None
        booking = {"number": provider.phone, "where": f"with {provider.name}"} if provider.active and provider.phone else None
        frame = self._frame(None, provider.url, provider.full_name, description, graph=[node], search=search, booking=booking)
        return self.render(
            "doctor.html",
            **frame,
            doctor=provider,
            bio=self.bio_html(provider),
            conditions=self.model.tumors_of(provider),
            places=self.model.places_of(provider),
            reviewed=self.model.reviewed_by.get(provider.id, []),
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

    def locations(self) -> bytes:
        title = "Locations"
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute("/locations/")}]
        frame = self._frame(
            None,
            "/locations/",
            title,
            "Where our spine tumor team sees patients, with addresses, hours and phone numbers.",
            graph=graph,
            search=self._searchable("page", ["Locations"]),
        )
        return self.render("locations.html", **frame, locations=self._locations_in_order(), places_json=self._places_json())

    def _locations_in_order(self) -> list[Location]:
        """Hospitals first, then clinics, each by name: the order of every list of locations."""
        return sorted(self.model.data.locations, key=lambda loc: (loc.kind != "hospital", loc.name))

    def _places_json(self) -> Markup:
        """Each location's name and coordinates, for the finders' distance sort (finder.js)."""
        return json_ld({loc.id: {"name": loc.name, "lat": loc.lat, "lng": loc.lng} for loc in self._locations_in_order()})

    def location(self, location: Location) -> bytes:
        node = {
            "@type": "Hospital" if location.kind == "hospital" else "MedicalClinic",
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
        search = self._searchable("location", [location.name, location.city])
        booking = {"number": location.phone, "where": f"at {location.name}"}
        frame = self._frame(None, location.url, location.name, f"{location.name}: {address}.", graph=[node], search=search, booking=booking)
        directions = "https://www.google.com/maps/dir/?api=1&destination=" + quote(address)
        return self.render(
            "location.html", **frame, location=location, directions=directions, doctors=self.model.doctors_at.get(location.id, [])
        )

    def a_to_z(self) -> bytes:
        entries: list[tuple[str, str, str]] = []  # (name, url, see-also target title or "")
        for page in self.model.pages:
            if page.url == "/":
                continue
            entries.append((page.title, page.url, ""))
            for name in page.meta.get("also_known_as", []):
                entries.append((name, page.url, page.title))
        entries += [(p.full_name, p.url, "") for p in self.model.active_providers]
        entries += [(loc.name, loc.url, "") for loc in self.model.data.locations]
        entries += [(title, url, "") for url, title in GENERATED.items() if url not in ("/a-z/", "/search/")]
        entries.sort(key=lambda e: (e[0].casefold(), e[1]))
        letters: dict[str, list] = {}
        for entry in entries:
            first = entry[0][:1].upper()
            letters.setdefault(first if first.isalpha() else "#", []).append(entry)
        title = "A to Z"
        graph = [{"@type": "WebPage", "name": title, "url": self.urls.absolute("/a-z/")}]
        frame = self._frame(None, "/a-z/", title, "Every page of this site, from A to Z.", graph=graph)
        return self.render("a-z.html", **frame, letters=letters)


@functools.cache
def code_digest() -> str:
    """The generator's own code and the versions of the libraries that shape its HTML: a page
    rendered by other code is never reused."""
    digest = hashlib.sha256(installed_versions("jinja2", "markdown-it-py", "markupsafe").encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class _Made(dict):
    """A dict whose missing values are made by a function of their key, and kept."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


def _record(record) -> str:
    """A provider or location, exactly, without where it was read from (repr() of a copy:
    dataclasses.asdict was most of the site digest's time)."""
    return repr(dataclasses.replace(record, path="", line=0, lines={}))


def index_path(url: str) -> str:
    return url.strip("/") + "/index.html" if url != "/" else "index.html"
