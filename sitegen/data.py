"""The data files (site, providers, locations, claims, synonyms) → checked records.

Cross-references between records and pages (a provider's conditions, a page's reviewer) are
checked later by validate.py, once every page is known; this module checks each file alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .fields import BOOL, DATE, INT, LIST, MAP, PHONE, TEXT, TEXT_LIST, WORDS, Where, check_fields, check_value, suggest
from .i18n import N_
from .kinds import BY_CODE, BY_DATA, ENGLISH, TRANSLATIONS, Field, field_spec, with_translations
from .options import base_url_problem
from .problems import Problems
from .reads import recorded
from .source import YList, YMap, load_yaml, read_text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A footer link: an https:// address with a host, or a path on this site (one slash, no
# backslash: browsers read //host and /\\host as another host).
FOOTER_URL = re.compile(r"^(?:https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?#][^\s\\]*)?|/(?![/\\])[^\s\\]*)$")
DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
PHONE_LINES = {
    "new_patients": N_("New patients"),
    "existing_patients": N_("Existing patients and rescheduling"),
    "referring_physicians": N_("Referring physicians"),
}

# The fields of the data files that are not a kind's pages: site.yaml's and each claim's, as the
# checks below read them (the records of providers.yaml and locations.yaml have their kind's
# fields, in kinds.py). The editors' schemas are made from these too (schemas.py).
PHONE_FIELDS = with_translations(
    (
        Field("number", PHONE, required=True, hint='E.164, in quotes: "+19195550100"'),
        Field("hours", TEXT, required=True, translated=True, hint="when the line answers, in words"),
        Field("fax", PHONE, hint='E.164, in quotes: "+19195550103"'),
        Field("sample", BOOL, hint="true for an invented number"),
    )
)
_SITE_FIELDS = with_translations(
    (
        Field("name", TEXT, required=True, translated=True, hint="the site's name, in the header and every title"),
        Field("organization", TEXT, required=True, hint="the hospital or health system"),
        Field("base_url", TEXT, required=True, hint="the address the site is served from, like https://example.org/spine/"),
        Field(
            "phones",
            MAP,
            required=True,
            hint="the phone lines: new_patients, and optionally existing_patients and referring_physicians",
            # new_patients is the header's Call to book line
            fields=tuple(
                Field(key, MAP, required=key == "new_patients", hint=label, fields=PHONE_FIELDS) for key, label in PHONE_LINES.items()
            ),
        ),
        Field("after_hours", TEXT, required=True, translated=True, hint="what to do when the lines are closed"),
        Field("emergency", TEXT, required=True, translated=True, hint="the emergency sentence beside the call line"),
        Field("specialties", TEXT_LIST, required=True, hint="the specialties a provider may list"),
        Field("languages", TEXT_LIST, required=True, hint="the languages a provider may list"),
        Field(
            "footer_links",
            LIST,
            hint="links in the footer",
            fields=with_translations(
                (
                    Field("text", TEXT, required=True, translated=True),
                    Field("url", TEXT, required=True, hint="a full address starting https://, or a path on this site starting with one /"),
                )
            ),
        ),
        Field(
            "review",
            MAP,
            hint="the site's medical review policy",
            fields=(
                Field("interval_months", INT, hint="months from a review to the next (default 36)"),
                Field("due_soon_days", INT, hint="how many days ahead a review counts as due soon (default 90)"),
            ),
        ),
        Field(
            "hsts",
            MAP,
            hint="Strict-Transport-Security for a site under a sub-path of its host",
            fields=(
                Field("under_sub_path", BOOL, hint="true to send it although the site is under a sub-path"),
                Field("include_subdomains", BOOL, hint="true only when every subdomain of the host serves HTTPS"),
            ),
        ),
    )
)
# The site's texts in another language also name its specialties and languages in it, as the
# pages in that language show them (es: {specialties: {Neurosurgery: Neurocirugía}}).
LABELS = ("specialties", "languages")
SITE_FIELDS = tuple(
    replace(
        f,
        fields=(
            *f.fields,
            *(
                Field(name, MAP, hint=f"each of the {name} above by its name in the language, like Neurosurgery: Neurocirugía")
                for name in LABELS
            ),
        ),
    )
    if f.name in TRANSLATIONS
    else f
    for f in _SITE_FIELDS
)
CLAIM_FIELDS = with_translations(
    (
        Field("id", TEXT, required=True, hint='what pages write in {{ claim "id" }}'),
        Field("text", TEXT, required=True, translated=True, hint="the claim, as a sentence"),
        Field(
            "source",
            MAP,
            required=True,
            fields=(Field("name", TEXT, required=True), Field("url", TEXT, required=True, hint="a full address starting with https://")),
        ),
        Field("valid_until", DATE, required=True, hint="after this date the claim is left out"),
        Field("sample", BOOL, hint="true for an invented claim: a production build refuses it"),
    )
)
SITE = {f.name: f for f in SITE_FIELDS}
CLAIM = {f.name: f for f in CLAIM_FIELDS}
# Each data file's shape (a group of fields, or a list of records) and fields; synonyms.yaml
# maps any word to the word or words it means, each value checked as this field.
SYNONYMS_FILE = "synonyms.yaml"
SYNONYM = Field("synonym", WORDS, hint="the word or words it means, like [ct]")
DATA_FILES = {
    "site.yaml": (MAP, SITE_FIELDS),
    **{kind.data: (LIST, kind.fields) for kind in BY_DATA.values()},
    "claims.yaml": (LIST, CLAIM_FIELDS),
}


@recorded
@dataclass
class Phone:
    IDENTITY = ("key", "source")

    key: str
    label: str
    number: str
    hours: str = ""
    fax: str = ""
    sample: bool = False
    source: str = ""
    lines: dict = field(default_factory=dict)  # the line in site.yaml of each of its fields
    translations: dict = field(default_factory=dict)  # {language code: {field: its text in the language}}

    def __post_init__(self) -> None:
        self.source = f"phone:{self.key}"


@dataclass
class Link:
    text: str
    url: str
    translations: dict = field(default_factory=dict)


@recorded
@dataclass
class Site:
    IDENTITY = ("source",)

    name: str = "Spine Tumor Center"
    organization: str = ""
    base_url: str = "https://example.org/"
    phones: dict[str, Phone] = field(default_factory=dict)
    after_hours: str = ""
    emergency: str = ""
    specialties: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    footer_links: list[Link] = field(default_factory=list)
    review_interval_months: int = 36
    due_soon_days: int = 90
    # Strict-Transport-Security: always at the root of a host; under a sub-path only when asked
    # (the host's other sites share the policy), and with includeSubDomains only when asked.
    hsts_under_sub_path: bool = False
    hsts_include_subdomains: bool = False
    lines: dict = field(default_factory=dict)
    translations: dict = field(default_factory=dict)
    # What a page shows for a specialty or a language a provider lists: the name in the
    # page's language (a translated copy's, from its es: map); the name itself in English.
    labels: dict = field(default_factory=dict)
    source: str = "site"


@recorded
@dataclass
class Provider:
    IDENTITY = ("id", "source")
    DATA_FILE = "providers.yaml"

    id: str
    name: str
    family_name: str
    credentials: str
    specialties: list[str]
    conditions: list[str]
    locations: list[str]
    languages: list[str]
    accepting_new_patients: bool = False
    sees_patients: bool = True
    title: str = ""
    phone: str = ""
    photo: str = ""
    bio: str = ""
    active: bool = True
    review_emails: list[str] = field(default_factory=list)
    sample: bool = False
    path: str = "data/providers.yaml"
    line: int = 0
    lines: dict = field(default_factory=dict)
    translations: dict = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        self.source = f"provider:{self.id}"

    @property
    def order_key(self) -> tuple:
        """Where the provider stands in every list of providers: by family name."""
        return (self.family_name.casefold(), self.name.casefold(), self.id)

    @property
    def full_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def url(self) -> str:
        return f"/doctors/{self.id}/"


@dataclass
class Hours:
    days: list[str]
    opens: str
    closes: str


@recorded
@dataclass
class Location:
    IDENTITY = ("id", "source")
    DATA_FILE = "locations.yaml"

    id: str
    name: str
    kind: str
    street: str
    city: str
    state: str
    zip: str
    lat: float
    lng: float
    phone: str
    hours: list[Hours]
    sample: bool = False
    path: str = "data/locations.yaml"
    line: int = 0
    lines: dict = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        self.source = f"location:{self.id}"

    active = True  # a location is never retired: it is removed

    @property
    def url(self) -> str:
        return f"/locations/{self.id}/"

    @property
    def order_key(self) -> tuple:
        """Where the location stands in every list of locations: hospitals first, then clinics,
        each by name."""
        return (self.kind != "hospital", self.name)


@recorded
@dataclass
class Claim:
    IDENTITY = ("id", "source")

    id: str
    text: str
    source_name: str
    source_url: str
    valid_until: dt.date
    line: int = 0
    source: str = ""
    sample: bool = False
    translations: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source = f"claim:{self.id}"

    def expired(self, today: dt.date) -> bool:
        return self.valid_until < today


def live_claims(claims: dict[str, Claim], today: dt.date) -> dict[str, tuple[str, str, str]]:
    """The claims still valid today, as the Markdown renderer takes them: id → (text, source
    name, source URL). An expired claim's paragraph is left out."""
    return {c.id: (c.text, c.source_name, c.source_url) for c in claims.values() if not c.expired(today)}


@recorded
@dataclass
class Data:
    IDENTITY = ("source", "version")

    site: Site
    providers: list[Provider]
    locations: list[Location]
    claims: dict[str, Claim]
    synonyms: dict[str, list[str]]
    # The synonyms of each other language, from its map in synonyms.yaml (es: {resonancia: [mri]}).
    translated_synonyms: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # Every id written in a file, valid record or not, so that one bad field in a record does
    # not also turn every reference to it into an error.
    ids: dict[str, set[str]] = field(default_factory=dict)
    # The data files (by name: "providers") that are there but could not be read whole: their
    # problem is reported at the file, and what names their records is not checked against
    # them (every reference would be a second error with the same cause).
    unreadable: list[str] = field(default_factory=list)
    source: str = "data"
    version: str = ""  # of the files the data was read from, where known: what every record is made of

    def records(self, data_file: str) -> list:
        """The records of one data file of the table of kinds (providers.yaml)."""
        return {Provider.DATA_FILE: self.providers, Location.DATA_FILE: self.locations}[data_file]

    def synonyms_in(self, code: str) -> dict[str, list[str]]:
        """The synonyms searched in a language: English's, or its own map's."""
        return self.synonyms if code == ENGLISH.code else self.translated_synonyms.get(code, {})


def in_language(record, code: str):
    """A record as a page in a language shows it: a copy with its texts in the language
    (record.translations) where it gives them, else its own, and a source of its own (the
    record's and @code), so that what a page reads of it is recorded apart from the English."""
    texts = getattr(record, "translations", {}).get(code, {})
    copy = object.__new__(type(record))
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update({name: text for name, text in texts.items() if text and name not in LABELS})
    if isinstance(record, Site):
        copy.labels = {name: label for names in LABELS for name, label in texts.get(names, {}).items()}
        copy.phones = {key: in_language(phone, code) for key, phone in record.phones.items()}
        copy.footer_links = [Link(link.translations.get(code, {}).get("text") or link.text, link.url) for link in record.footer_links]
    if hasattr(record, "source"):
        copy.__dict__["source"] = f"{record.source}@{code}"
    return copy


def data_to_plain(value):
    """Data as plain values for the store: each record a tagged dict of its fields."""
    if dataclasses.is_dataclass(value):
        return ("@" + type(value).__name__, {name: data_to_plain(item) for name, item in vars(value).items()})
    if isinstance(value, dt.date):
        return ("@date", value.isoformat())
    if isinstance(value, list):
        return [data_to_plain(item) for item in value]
    if isinstance(value, dict):
        return {name: data_to_plain(item) for name, item in value.items()}
    return value


def data_from_plain(value):
    """The Data that data_to_plain made plain values of; only the records of this module."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and value[0].startswith("@"):
        tag, fields = value
        if tag == "@date":
            return dt.date.fromisoformat(fields)
        cls = _RECORDS[tag[1:]]
        record = object.__new__(cls)
        record.__dict__.update({name: data_from_plain(item) for name, item in fields.items()})
        return record
    if isinstance(value, list):
        return [data_from_plain(item) for item in value]
    if isinstance(value, dict):
        return {name: data_from_plain(item) for name, item in value.items()}
    return value


def _translations(got: dict, fields: tuple[Field, ...], where: Where, problems: Problems) -> dict[str, dict[str, str]]:
    """The texts of a record in each language it gives them in (es: {bio: ...}), checked as
    their English fields are, taken out of got: {language code: {field: text}}."""
    found = {}
    for spec in fields:
        if spec.name in TRANSLATIONS and spec.name in got:
            node = got.pop(spec.name)
            texts = dict(check_fields(node, *field_spec(spec.fields), Where(where.path, where.name(spec.name)), problems, node.line))
            for name in LABELS:  # a map of names: each a text (what the English names are is the site's to check)
                if name in texts:
                    names = texts.pop(name)
                    labels = {
                        key: value for key, value in names.items() if isinstance(key, str) and isinstance(value, str) and value.strip()
                    }
                    for key in names.keys() - labels.keys():
                        line = names.key_lines.get(key, names.line)
                        problems.error(
                            where.path, line, where.name(f"{spec.name}.{name}.{key}"), "should be the name in the language, as text"
                        )
                    texts[name] = labels
            found[spec.name] = texts
    return found


def load_data(root: Path, problems: Problems) -> Data:
    """Read and check every file in data/ on its own."""
    folder = root / "data"
    site_doc = _read(folder / "site.yaml", root, problems, required=True)
    ids: dict[str, set[str]] = {}
    unreadable = ["site"] if (folder / "site.yaml").exists() and not isinstance(site_doc, YMap) else []
    synonyms, translated_synonyms = _synonyms(folder / "synonyms.yaml", root, problems, unreadable)
    data = Data(
        site=_site(site_doc, problems)
        if isinstance(site_doc, YMap)
        else _bad_top(site_doc, "data/site.yaml", "a group of fields", problems, Site()),
        providers=_items(folder / "providers.yaml", root, problems, _provider, ids, unreadable),
        locations=_items(folder / "locations.yaml", root, problems, _location, ids, unreadable),
        claims={c.id: c for c in _items(folder / "claims.yaml", root, problems, _claim, ids, unreadable)},
        synonyms=synonyms,
        translated_synonyms=translated_synonyms,
    )
    data.ids = ids
    data.unreadable = unreadable
    return data


def _read(path: Path, root: Path, problems: Problems, required: bool = False):
    rel = path.relative_to(root).as_posix()
    if not path.exists():
        if required:
            problems.error(rel, 1, "file", "missing; the site needs this file (see the README)")
        return None
    from .source import inside

    if not inside(root, path):
        problems.error(rel, 1, "file", "is a link to a place outside the source folder; copy the file in instead")
        return None
    text = read_text(path, rel, problems, kind="data")
    if text is None:
        return None
    return load_yaml(text, rel, 1, problems, aliases=True)


def _bad_top(doc, rel: str, wanted: str, problems: Problems, default):
    if doc is not None:
        problems.error(rel, getattr(doc, "line", 1) or 1, "file", f"should hold {wanted}")
    return default


def _site(doc: YMap, problems: Problems) -> Site:
    rel = "data/site.yaml"
    got = check_fields(doc, *field_spec(SITE_FIELDS), Where(rel), problems)
    site = Site(lines=doc.key_lines, translations=_translations(got, SITE_FIELDS, Where(rel), problems))
    for key in ("name", "organization", "base_url", "after_hours", "emergency", "specialties", "languages"):
        if key in got:
            setattr(site, key, got[key])
    if "base_url" in got:
        site.base_url = got["base_url"]
        problem = base_url_problem(site.base_url)
        if problem:
            problems.error(rel, doc.key_lines["base_url"], "base_url", problem)
    phones = got.get("phones")
    if phones is not None:
        for key, entry in phones.items():
            line = phones.key_lines[key]
            name = f"phones.{key}"
            if key not in PHONE_LINES:
                problems.error(rel, line, name, f"unknown phone line; {suggest(key, PHONE_LINES)}")
                continue
            if not isinstance(entry, YMap):
                problems.error(rel, line, name, 'should be {number: "+1...", hours: "..."}')
                continue
            fields = check_fields(entry, *field_spec(PHONE_FIELDS), Where(rel, name), problems, line)
            texts = _translations(fields, PHONE_FIELDS, Where(rel, name), problems)
            if "number" in fields and ("fax" in fields or "fax" not in entry):
                site.phones[key] = Phone(
                    key,
                    PHONE_LINES[key],
                    fields["number"],
                    fields.get("hours", ""),
                    fields.get("fax", ""),
                    fields.get("sample", False),
                    lines={**entry.key_lines},
                    translations=texts,
                )
        for line_field in SITE["phones"].fields:
            if line_field.required and line_field.name not in phones:
                problems.error(rel, phones.line, f"phones.{line_field.name}", "missing; the header's Call to book line needs it")
    for index, item in enumerate(got.get("footer_links", [])):
        line = got["footer_links"].item_lines[index]
        if not isinstance(item, YMap):
            problems.error(rel, line, f"footer_links[{index + 1}]", "should be {text: ..., url: ...}")
            continue
        where = Where(rel, f"footer_links[{index + 1}]")
        link = check_fields(item, *field_spec(SITE["footer_links"].fields), where, problems, line)
        texts = _translations(link, SITE["footer_links"].fields, where, problems)
        if "url" in link and not FOOTER_URL.match(link["url"]):
            problems.error(
                rel,
                item.key_lines["url"],
                f"footer_links[{index + 1}].url",
                "should be a full address starting https:// or a path on this site starting with one /",
            )
        elif len(link) == 2:
            site.footer_links.append(Link(link["text"], link["url"], texts))
    review = got.get("review")
    if review is not None:
        policy = check_fields(review, *field_spec(SITE["review"].fields), Where(rel, "review"), problems)
        site.review_interval_months = policy.get("interval_months", site.review_interval_months)
        site.due_soon_days = policy.get("due_soon_days", site.due_soon_days)
    hsts = got.get("hsts")
    if hsts is not None:
        policy = check_fields(hsts, *field_spec(SITE["hsts"].fields), Where(rel, "hsts"), problems)
        site.hsts_under_sub_path = policy.get("under_sub_path", False)
        site.hsts_include_subdomains = policy.get("include_subdomains", False)
    for code, texts in site.translations.items():
        for name in LABELS:
            for key in texts.get(name, {}):
                if key not in got.get(name, []):
                    problems.error(
                        rel,
                        doc.key_lines.get(code, 1),
                        f"{code}.{name}.{key}",
                        f'"{key}" is not in the {name} list of data/site.yaml; {suggest(key, got.get(name, []))}',
                    )
    for key in ("specialties", "languages"):
        seen: set[str] = set()
        for value in got.get(key, []):
            if value in seen:
                problems.error(rel, doc.key_lines[key], key, f'"{value}" is listed twice; keep one')
            seen.add(value)
    return site


def _items(path: Path, root: Path, problems: Problems, make, ids: dict[str, set[str]], unreadable: list[str]) -> list:
    doc = _read(path, root, problems)
    rel = path.relative_to(root).as_posix()
    name = rel.removeprefix("data/").removesuffix(".yaml")
    seen_ids = ids.setdefault(name, set())
    if (doc is None or not isinstance(doc, YList)) and path.exists():
        unreadable.append(name)
    if doc is None:
        return []
    if not isinstance(doc, YList):
        problems.error(rel, getattr(doc, "line", 1) or 1, "file", "should be a list, each item starting with `- id: ...`")
        return []
    records = []
    seen: dict[str, int] = {}
    for index, item in enumerate(doc):
        line = doc.item_lines[index]
        kind = rel.removeprefix("data/").removesuffix(".yaml")
        if not isinstance(item, YMap):
            problems.error(rel, line, f"{kind}[{index + 1}]", "should be a group of fields starting with `- id: ...`")
            continue
        item_id = item.get("id")
        label = f"{kind}[{item_id}]" if isinstance(item_id, str) and item_id else f"{kind}[{index + 1}]"
        if isinstance(item_id, str) and item_id:
            if not SLUG.match(item_id):
                problems.error(
                    rel, item.key_lines["id"], f"{label}.id", f'"{item_id}" should use only lower-case letters, digits and hyphens'
                )
            if item_id in seen:
                problems.error(
                    rel, item.key_lines["id"], f"{label}.id", f'"{item_id}" is already used on line {seen[item_id]}; ids must be unique'
                )
                continue
            seen[item_id] = item.key_lines["id"]
            seen_ids.add(item_id)
        record = make(item, Where(rel, label), problems)
        if record is not None:
            records.append(record)
    return records


PROVIDER_FIELDS = BY_DATA[Provider.DATA_FILE].fields
LOCATION_FIELDS = {f.name: f for f in BY_DATA[Location.DATA_FILE].fields}


def _provider(item: YMap, where: Where, problems: Problems) -> Provider | None:
    spec, required = field_spec(PROVIDER_FIELDS, item)
    got = check_fields(item, spec, required, where, problems, item.line)
    if got.get("sees_patients") is False and got.get("accepting_new_patients"):
        problems.error(
            where.path,
            item.key_lines["accepting_new_patients"],
            where.name("accepting_new_patients"),
            "is true, but sees_patients is false: patients cannot book with this person; remove this line",
        )
    for email in got.get("review_emails", []):
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", email):
            line = item.key_lines["review_emails"]
            problems.error(
                where.path, line, where.name("review_emails"), f'"{email}" is not an email address; write it like "jane.doe@example.org"'
            )
    translations = _translations(got, PROVIDER_FIELDS, where, problems)
    if not required <= got.keys():
        return None
    return Provider(**got, path=where.path, line=item.line, lines=item.key_lines, translations=translations)


def _location(item: YMap, where: Where, problems: Problems) -> Location | None:
    spec, required = field_spec(tuple(LOCATION_FIELDS.values()))
    got = check_fields(item, spec, required, where, problems, item.line)
    ok = required <= got.keys()
    kinds = [value for value, _ in LOCATION_FIELDS["kind"].choices]
    if "kind" in got and got["kind"] not in kinds:
        problems.error(where.path, item.key_lines["kind"], where.name("kind"), f'"{got["kind"]}" should be {" or ".join(kinds)}')
        ok = False
    address: dict = {}
    if "address" in got:
        node = got["address"]
        address = check_fields(
            node,
            *field_spec(LOCATION_FIELDS["address"].fields),
            Where(where.path, where.name("address")),
            problems,
            node.line,
        )
        if "zip" in address and not re.match(r"^\d{5}(-\d{4})?$", address["zip"]):
            problems.error(
                where.path,
                node.key_lines["zip"],
                where.name("address.zip"),
                f'"{address["zip"]}" should be a five-digit ZIP code in quotes, like "27710"',
            )
            ok = False
        ok = ok and len(address) == 4
    geo: dict = {}
    if "geo" in got:
        node = got["geo"]
        geo = check_fields(node, *field_spec(LOCATION_FIELDS["geo"].fields), Where(where.path, where.name("geo")), problems, node.line)
        for key, limit in (("lat", 90), ("lng", 180)):
            if key in geo and not -limit <= geo[key] <= limit:
                problems.error(
                    where.path,
                    node.key_lines[key],
                    where.name(f"geo.{key}"),
                    f"{geo[key]:g} is outside -{limit} to {limit}; check the coordinates",
                )
                ok = False
        ok = ok and len(geo) == 2
    hours: list[Hours] = []
    for index, entry in enumerate(got.get("hours", [])):
        line = got["hours"].item_lines[index]
        name = where.name(f"hours[{index + 1}]")
        if not isinstance(entry, YMap):
            problems.error(where.path, line, name, 'should be {days: [Mo, Tu], opens: "08:00", closes: "17:00"}')
            ok = False
            continue
        span = check_fields(entry, *field_spec(LOCATION_FIELDS["hours"].fields), Where(where.path, name), problems, line)
        for day in span.get("days", []):
            if day not in DAYS:
                problems.error(where.path, entry.key_lines["days"], f"{name}.days", f'"{day}" is not a day; use {", ".join(DAYS)}')
                ok = False
        if len(span) != 3:  # a field missing, or not a time of day: reported by check_fields
            ok = False
        elif span["opens"] >= span["closes"]:
            problems.error(
                where.path, entry.key_lines["closes"], f"{name}.closes", f"{span['closes']} is not after the opening time {span['opens']}"
            )
            ok = False
        if len(span) == 3:
            hours.append(Hours(span["days"], span["opens"], span["closes"]))
    if not ok:
        return None
    return Location(
        id=got["id"],
        name=got["name"],
        kind=got["kind"],
        street=address["street"],
        city=address["city"],
        state=address["state"],
        zip=address["zip"],
        lat=geo["lat"],
        lng=geo["lng"],
        phone=got["phone"],
        hours=hours,
        sample=got.get("sample", False),
        path=where.path,
        line=item.line,
        lines=item.key_lines,
    )


def _claim(item: YMap, where: Where, problems: Problems) -> Claim | None:
    spec, required = field_spec(CLAIM_FIELDS)
    got = check_fields(item, spec, required, where, problems, item.line)
    source: dict = {}
    if "source" in got:
        node = got["source"]
        source = check_fields(node, *field_spec(CLAIM["source"].fields), Where(where.path, where.name("source")), problems, node.line)
        if "url" in source and not source["url"].startswith(("https://", "http://")):
            problems.error(where.path, node.key_lines["url"], where.name("source.url"), "should be a full address starting with https://")
            return None
    translations = _translations(got, CLAIM_FIELDS, where, problems)
    if not (required <= got.keys() and len(source) == 2):
        return None
    return Claim(
        got["id"],
        got["text"],
        source["name"],
        source["url"],
        got["valid_until"],
        item.line,
        sample=got.get("sample", False),
        translations=translations,
    )


def _synonyms(path: Path, root: Path, problems: Problems, unreadable: list[str]) -> tuple[dict, dict]:
    """Data's synonyms (English: a word to the words it means) and translated_synonyms (each
    other language's, in a map under its code: es: {tomografía: [ct]})."""
    doc = _read(path, root, problems)
    rel = path.relative_to(root).as_posix()
    if (doc is None or not isinstance(doc, YMap)) and path.exists():
        unreadable.append("synonyms")
    if doc is None:
        return {}, {}
    if not isinstance(doc, YMap):
        problems.error(rel, getattr(doc, "line", 1) or 1, "file", "should map a word to the words it means, like `cat scan: [ct]`")
        return {}, {}
    translated = {}
    for code in TRANSLATIONS:
        if code not in doc:
            continue
        node = doc[code]
        if isinstance(node, YMap):
            translated[code] = _synonym_map(node, rel, f"{code}.", problems)
        else:
            problems.error(
                rel, doc.key_lines[code], code, f"should map a word to the words it means in {BY_CODE[code].name}, like `tomografía: [ct]`"
            )
    return _synonym_map(doc, rel, "", problems, skip=TRANSLATIONS), translated


def _synonym_map(doc: YMap, rel: str, prefix: str, problems: Problems, skip=()) -> dict[str, list[str]]:
    """One language's map of a word to the words it means; the keys in skip (the languages'
    own maps, in the English one) are not words."""
    result = {}
    for key, value in doc.items():
        if key in skip:
            continue
        words = check_value(value, SYNONYM.type, doc.raw.get(key), rel, doc.key_lines[key], f"{prefix}{key}", problems)
        if words is not None:
            result[key] = words
    return result


_RECORDS = {cls.__name__: cls for cls in (Site, Phone, Link, Provider, Hours, Location, Claim, Data)}
