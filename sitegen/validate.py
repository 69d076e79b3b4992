"""The content model's rules across files: ids and slugs that must exist, unique URLs, dates,
links in bodies, claims and samples. Its result is the Model the renderer reads: the whole site
in memory, checked, with the relations between pages worked out once."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .cache import Cache
from .content import GROUPS, Content, Page
from .data import Claim, Data, Location, Provider, live_claims
from .markdown import Body, StoredBody, is_safe_target
from .problems import Problem, Problems

GENERATED = {
    "/doctors/": "Find a doctor",
    "/locations/": "Locations",
    "/search/": "Search",
    "/a-z/": "A to Z",
}
SECTION_TITLES = {"tumors": "Tumor types", "tests": "Tests and diagnosis", "treatments": "Treatments"}
SAMPLE_NUMBER = re.compile(r"^\+1\d{3}55501\d\d$")


@dataclass
class Sample:
    path: str
    line: int
    field: str
    what: str


@dataclass
class Model:
    """The checked site: what is published, and who links to whom."""

    data: Data
    pages: list[Page]
    media: dict
    bodies: dict[str, Body | StoredBody]
    today: dt.date
    production: bool
    samples: list[Sample] = field(default_factory=list)
    expired_claims: set[str] = field(default_factory=set)
    drafts: dict[str, Page] = field(default_factory=dict)  # left out of the site, by URL

    def __post_init__(self) -> None:
        self.by_url = {p.url: p for p in self.pages}
        self.providers = {p.id: p for p in self.data.providers}
        self.locations = {loc.id: loc for loc in self.data.locations}
        self.section_pages = {
            kind: sorted((p for p in self.pages if p.kind == kind), key=_title_key) for kind in ("tumor", "test", "treatment")
        }
        self.tumors_linking: dict[str, list[Page]] = {}
        for tumor in self.section_pages["tumor"]:
            for key, section in (("tests", "tests"), ("treatments", "treatments")):
                for slug in tumor.meta.get(key, []):
                    self.tumors_linking.setdefault(f"/{section}/{slug}/", []).append(tumor)
        active = [p for p in self.data.providers if p.active]
        self.active_providers = sorted(active, key=lambda p: (p.family_name.casefold(), p.name.casefold(), p.id))
        self.doctors_for: dict[str, list[Provider]] = {}
        self.doctors_at: dict[str, list[Provider]] = {}
        for provider in self.active_providers:
            for slug in provider.conditions:
                self.doctors_for.setdefault(slug, []).append(provider)
            for location in provider.locations:
                self.doctors_at.setdefault(location, []).append(provider)
        self.reviewed_by: dict[str, list[Page]] = {}
        for page in sorted(self.pages, key=_title_key):
            if page.medical and page.meta.get("reviewed_by"):
                self.reviewed_by.setdefault(page.meta["reviewed_by"], []).append(page)

    @property
    def has_samples(self) -> bool:
        return bool(self.samples)

    def tumors_in_group(self, group: str) -> list[Page]:
        return [p for p in self.section_pages["tumor"] if p.meta.get("group") == group]

    def tumors_of(self, provider: Provider) -> list[Page]:
        return [p for p in (self.page_for("tumors", s) for s in provider.conditions) if p]

    def places_of(self, provider: Provider) -> list[Location]:
        return [self.locations[i] for i in provider.locations if i in self.locations]

    def page_for(self, section: str, slug: str) -> Page | None:
        return self.by_url.get(f"/{section}/{slug}/")

    def live_claims(self) -> dict:
        return live_claims(self.data.claims, self.today)


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
    checked: Cache | None = None,
    inputs: str = "",
) -> Model:
    """Check everything that spans files, and return the model of what gets published.
    analyze parses and renders the bodies of a list of pages (the pipeline spreads it over
    the cores and caches it). checked, where given, keeps each page's own problems between
    runs, by the page's text and everything outside it its checks read (inputs: a digest of
    the data files and options; the front matter and headings of every page)."""
    pages = [p for p in content.pages if include_drafts or not p.draft]
    pages = _unique_urls(pages, data, problems)
    _add_missing_sections(pages)
    pages.sort(key=lambda p: p.url)
    bodies = dict(zip((p.url for p in pages), analyze(pages)))
    model = Model(data, pages, content.media, bodies, today, production)
    model.expired_claims = {c.id for c in data.claims.values() if c.expired(today)}
    model.drafts = {p.url: p for p in content.pages if p.draft and not include_drafts}
    world = _world(model, inputs) if checked is not None else ""
    for page in pages:
        key = hashlib.sha256(f"{world}\0{page.path}\0{page.text_hash}\0{bodies[page.url].key}".encode()).hexdigest()
        stored = checked.get(key) if checked is not None else None
        if stored is not None:
            problems.items.extend(Problem(*item) for item in stored)
            continue
        own = Problems()
        _check_page(page, model, own)
        problems.items.extend(own.items)
        if checked is not None and page.text_hash:
            checked.put(key, [[p.path, p.line, p.field, p.message, p.warning] for p in own.items])
    if checked is not None:
        checked.save()
    _check_aliases(pages, problems)
    _check_providers(model, content, problems)
    model.samples = _find_samples(model)
    if production:
        for sample in model.samples:
            problems.error(sample.path, sample.line, sample.field, f"{sample.what}; replace it with real data before a production build")
    return model


def _world(model: Model, inputs: str) -> str:
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
    taken: dict[str, str] = {url: "the site itself" for url in GENERATED}
    taken.update({p.url: "the site itself (a doctor's page)" for p in data.providers})
    taken.update({loc.url: "the site itself (a location's page)" for loc in data.locations})
    kept = []
    for page in sorted(pages, key=lambda p: p.path):
        owner = taken.get(page.url)
        if owner:
            problems.error(page.path, 1, "file", f"its address {page.url} is already used by {owner}; rename the file")
            continue
        taken[page.url] = page.path
        kept.append(page)
    return kept


def _add_missing_sections(pages: list[Page]) -> None:
    have = {p.url for p in pages}
    for section, title in SECTION_TITLES.items():
        url = f"/{section}/"
        if url not in have and any(p.url.startswith(url) for p in pages):
            pages.append(Page(f"content/{section}/_index.md", url, "section", section, {"title": title, "summary": ""}, {}, "", 1))


def _check_page(page: Page, model: Model, problems: Problems) -> None:
    meta, rel = page.meta, page.path
    site = model.data.site
    reviewed = meta.get("medically_reviewed")
    if reviewed is not None and reviewed > model.today:
        problems.error(
            rel,
            page.line_of("medically_reviewed"),
            "medically_reviewed",
            f"{reviewed.isoformat()} is after today ({model.today.isoformat()}); use the date of the review",
        )
    reviewer = meta.get("reviewed_by")
    if reviewer is not None and reviewer not in model.data.ids.get("providers", ()):
        problems.error(
            rel,
            page.line_of("reviewed_by"),
            "reviewed_by",
            f'no provider with id "{reviewer}" in data/providers.yaml; {nearest(reviewer, sorted(model.providers), "known ids")}',
        )
    interval = meta.get("review_interval_months")
    if interval is not None and interval >= site.review_interval_months:
        problems.error(
            rel,
            page.line_of("review_interval_months"),
            "review_interval_months",
            f"{interval} is not shorter than the site's {site.review_interval_months} months; use a smaller number or remove the field",
        )
    for key, section, noun in (("tests", "tests", "test"), ("treatments", "treatments", "treatment")):
        for slug in meta.get(key, []):
            url = f"/{section}/{slug}/"
            if url in model.drafts:
                problems.error(rel, page.line_of(key), key, f'the {noun} page "{slug}" is a draft; publish it or remove it from the list')
            elif url not in model.by_url:
                known = sorted(p.slug for p in model.section_pages[noun])  # only when there is an error to explain
                problems.error(rel, page.line_of(key), key, f'no {noun} page "{slug}"; {nearest(slug, known, f"known {noun}s")}')
    check_body(page, model, problems)


def nearest(value: str, known: list[str], label: str) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    if close:
        return f'did you mean "{close[0]}"?'
    shown = ", ".join(known[:15]) + (", ..." if len(known) > 15 else "")
    return f"{label}: {shown}" if known else f"there are no {label.removeprefix('known ')} yet"


def check_body(page: Page, model: Model, problems: Problems) -> None:
    """The checks of one page's body (its links, headings and claims) against the model."""
    body = model.bodies[page.url]
    rel = page.path
    previous = 1
    for level, line, _ in body.headings:
        if level == 1:
            problems.error(rel, line, "heading", "a # heading makes a second main title; start headings in the page at ##")
        elif level > previous + 1:
            problems.error(
                rel,
                line,
                "heading",
                f"{'#' * level} comes right after {'#' * previous}; go down one level at a time ({'#' * (previous + 1)})",
            )
        previous = max(level, 2) if level > 1 else previous
    for ref in body.refs:
        _check_ref(ref, page, model, problems)
    for line in body.stray_claims:
        problems.error(rel, line, "claim", 'put {{ claim "id" }} on a line of its own, with blank lines around it')
    for claim_id, line in body.claims:
        claim = model.data.claims.get(claim_id)
        if claim is None and claim_id in model.data.ids.get("claims", ()):
            continue  # the claim itself has an error, reported in data/claims.yaml
        if claim is None:
            problems.error(
                rel,
                line,
                "claim",
                f'no claim "{claim_id}" in data/claims.yaml; {nearest(claim_id, sorted(model.data.claims), "known claims")}',
            )
        elif claim_id in model.expired_claims:
            message = f'"{claim_id}" expired on {claim.valid_until.isoformat()}; the paragraph is left out'
            if model.production:
                problems.error(rel, line, "claim", message + "; update the claim or remove it from the page")
            else:
                problems.warn(rel, line, "claim", message)


def _check_ref(ref, page: Page, model: Model, problems: Problems) -> None:
    rel, target, field_name = page.path, ref.target, ref.kind
    if ref.kind == "image":
        if not ref.alt:
            problems.error(rel, ref.line, "image", f"add alt text that says what the image shows: ![what it shows]({target})")
        if not target.startswith("/media/"):
            problems.error(rel, ref.line, "image", f'"{target}" should be a file in content/media/, written /media/file.jpg')
        elif target.removeprefix("/media/") not in model.media:
            problems.error(rel, ref.line, "image", f"no file content{target}; add it to content/media/ or fix the name")
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
    url = normalize_path(path) if path else page.url
    if url in model.drafts:
        problems.error(rel, ref.line, field_name, f"{url} is a draft; publish it or remove the link")
        return
    if url not in model.by_url and url not in GENERATED and not _generated_detail(url, model) and url != "/":
        known = sorted(model.by_url)
        problems.error(
            rel, ref.line, field_name, f"no page at {url}; {nearest(url, known, 'see the A to Z page for addresses; known pages')}"
        )
        return
    if fragment and url in model.bodies and fragment not in model.bodies[url].anchors:
        problems.error(rel, ref.line, field_name, f'no heading with the id "#{fragment}" on {url}')


def _generated_detail(url: str, model: Model) -> bool:
    parts = url.strip("/").split("/")
    if len(parts) != 2:
        return False
    if parts[0] == "doctors":
        return parts[1] in model.providers
    if parts[0] == "locations":
        return parts[1] in model.locations
    return False


def normalize_path(path: str) -> str:
    """/tests/mri and /tests/mri/ are the same page; /a/index.html is /a/."""
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    if not path.endswith("/") and "." not in PurePosixPath(path).name:
        path += "/"
    return path


def _check_aliases(pages: list[Page], problems: Problems) -> None:
    urls = {p.url for p in pages} | set(GENERATED)
    seen: dict[str, str] = {}
    for page in sorted(pages, key=lambda p: p.path):
        for alias in page.meta.get("aliases", []):
            key = alias.rstrip("/") or "/"
            if key + "/" in urls or key in urls:
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


def _check_providers(model: Model, content: Content, problems: Problems) -> None:
    site = model.data.site
    tumors = {p.slug for p in model.section_pages["tumor"]}
    for provider in model.data.providers:
        where = f"providers[{provider.id}]"
        for key, known in (("specialties", site.specialties), ("languages", site.languages)):
            for value in getattr(provider, key):
                if value not in known:
                    problems.error(
                        provider.path,
                        provider.lines.get(key, provider.line),
                        f"{where}.{key}",
                        f'"{value}" is not in the {key} list of data/site.yaml; {nearest(value, sorted(known), f"known {key}")}',
                    )
        for slug in provider.conditions:
            if slug not in tumors:
                problems.error(
                    provider.path,
                    provider.lines.get("conditions", provider.line),
                    f"{where}.conditions",
                    f'no tumor page "{slug}"; {nearest(slug, sorted(tumors), "known tumors")}',
                )
        for location in provider.locations:
            if location not in model.data.ids.get("locations", ()):
                problems.error(
                    provider.path,
                    provider.lines.get("locations", provider.line),
                    f"{where}.locations",
                    f'no location "{location}" in data/locations.yaml; {nearest(location, sorted(model.locations), "known locations")}',
                )
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


def _find_samples(model: Model) -> list[Sample]:
    """Everything invented: records marked sample, and every number in 555-0100..555-0199."""
    found: list[Sample] = []
    site = model.data.site
    for phone in site.phones.values():
        for number in filter(None, (phone.number, phone.fax)):
            if phone.sample or SAMPLE_NUMBER.match(number):
                found.append(Sample("data/site.yaml", site.lines.get("phones", 1), f"phones.{phone.key}", f"{number} is a sample"))
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
    for page in model.pages:
        for line, number in page.sample_numbers:
            found.append(Sample(page.path, line, "phone", f"{number} is a sample number (555-0100 to 555-0199)"))
    return found


def group_title(group: str) -> str:
    return GROUPS[group]


__all__ = ["Model", "validate", "normalize_path", "Claim", "Location"]
