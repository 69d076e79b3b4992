"""The kinds of page, as data: one table that says, for each kind, where its pages come from,
its fields, whether it is medical, its template, its structured data, its search label and its
menu entry. Loading, checking, rendering, search, review, the stamp and `new` read this table,
and no other module names a kind: a new kind is one entry here, one template and one fixture
page. Languages are a second table beside it (LANGUAGES), not new kinds: a Spanish tumor page
is a tumor page, at content/es/ plus its English page's path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from .fields import BOOL, DATE, INT, LIST, MAP, NUMBER, PHONE, TEXT, TEXT_LIST, TIME, URL
from .i18n import N_


@dataclass(frozen=True)
class Field:
    """One field of a page's front matter or of a data record."""

    name: str
    type: str  # one of fields.py's types: text, text list, words, bool, date, int, number, phone, time, map, list
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, what it means), where only these are allowed
    refers_to: str = ""  # the kind whose pages (by file name) or records (by id) the value names
    hint: str = ""  # what to write, for a new page and for editors
    jsonld: tuple[str, str] = ()  # (property, type): the page's structured data names what the field names so
    fields: tuple[Field, ...] = ()  # a map's fields, or those of each item of a list of maps
    review: bool = False  # set by `review --stamp` once a doctor has reviewed the page: a draft may leave it out
    published: bool = False  # required of a published page only: a draft may leave it out (with required=True)
    # (field, value): a required field is not required of a record whose field has this value
    # (a doctor who does not see patients takes no new patients)
    required_unless: tuple[str, object] = ()
    # The same in every language: a translation reads it from its English page, and may not
    # set it (a tumor's group, tests, treatments and regions).
    shared: bool = False
    # A translation may give its own, else it reads its English page's (the sources: a Spanish
    # page cites Spanish sources where there are some).
    falls_back: bool = False
    # Text a reader sees, of a data record: each language the site is translated into has its
    # own in the record's map of that language's code (es: {bio: ...}; with_translations).
    translated: bool = False

    @property
    def default(self):
        """What a page without the field reads (a new list each time)."""
        return {TEXT: "", TEXT_LIST: [], LIST: [], BOOL: False}.get(self.type)


@dataclass(frozen=True)
class Kind:
    """A kind of page. Pages of a content kind come from Markdown files in content/: those
    directly in its folder, or one file (the home page's). Pages of a data kind come from a
    file in data/, one record each, published under its folder with a list page."""

    name: str
    noun: str  # for messages: 'no test page "mri-scan"'
    template: str
    folder: str = ""  # content/<folder>/<slug>.md, or the published folder of a data kind
    file: str = ""  # the one file of the kind, below content/
    data: str = ""  # the data file whose records are the kind's pages
    title: str = ""  # the title of the folder's list page
    list_template: str = ""  # the template of a data kind's list page
    description: str = ""  # a data kind's list page's meta description
    fields: tuple[Field, ...] = ()  # beyond the fields every page has
    medical: bool = False  # medical pages carry a review
    jsonld: str = ""  # schema.org type of what the page is about
    search_label: str = N_("Page")  # the search filter's name for the kind
    menu: str = ""  # the main menu's text for the kind's list page

    @property
    def url(self) -> str:
        """The address of the kind's list page (its folder's), or of its one page."""
        if self.file:
            stem = self.file.removesuffix(".md")
            return "/" if stem == "_index" else f"/{stem}/"
        return f"/{self.folder}/"

    @property
    def content(self) -> bool:
        return not self.data

    @property
    def pages(self) -> str:
        """How messages name the kind's pages: "tumor pages", "the home page"."""
        return f"the {self.noun} page" if self.file else f"{self.noun} pages"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.all_fields if f.name == name), None)

    @property
    def all_fields(self) -> tuple[Field, ...]:
        """Every field a page of the kind may have."""
        if self.data:
            return self.fields
        return (*COMMON_FIELDS, *(REVIEW_FIELDS if self.medical else ()), *self.fields)

    def fields_in(self, language: Language | None = None) -> tuple[Field, ...]:
        """Every field a page of the kind may have in a language: a translation leaves the
        shared ones to its English page and records what it was translated from."""
        if language is None or language is ENGLISH:
            return self.all_fields
        return (*(f for f in self.all_fields if not f.shared), *TRANSLATION_FIELDS)

    @property
    def required(self) -> set[str]:
        """The fields a published page must have (a draft may leave the review out)."""
        return self.required_in()

    def required_in(self, language: Language | None = None) -> set[str]:
        return {f.name for f in self.fields_in(language) if f.required}

    @property
    def draft_may_omit(self) -> tuple[str, ...]:
        """The required fields a draft may leave out: the review, and what only a published page needs."""
        return self.draft_may_omit_in()

    def draft_may_omit_in(self, language: Language | None = None) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields_in(language) if f.required and (f.review or f.published))

    @property
    def review_fields(self) -> tuple[str, ...]:
        """The fields `review --stamp` sets, which a draft may leave out."""
        return tuple(f.name for f in self.all_fields if f.review)

    @property
    def references(self) -> tuple[Field, ...]:
        """The fields that name pages of other kinds."""
        return tuple(f for f in self.all_fields if f.refers_to)


@dataclass(frozen=True)
class Language:
    """A language the site is published in. English is the site's own: every page is first
    an English page, and a translation is a file at content/<code>/ plus its English page's
    path, published at /<code>/ plus its English page's address."""

    code: str  # the folder below content/ and the first part of the addresses: es
    name: str  # as a provider's languages name it in data/site.yaml: Spanish
    own_name: str  # what the language switcher says, in the language itself: Español
    locale: str  # Babel's, for dates, times and lists: es_US
    html_lang: str  # <html lang> and hreflang: es
    in_language: str  # schema.org inLanguage: es-US

    @property
    def prefix(self) -> str:
        """What goes before a page's English address: "" or "/es"."""
        return "" if self is ENGLISH else f"/{self.code}"

    def address(self, url: str) -> str:
        """An English page's address in this language: /tumors/chordoma/ → /es/tumors/chordoma/."""
        return url if self is ENGLISH else self.prefix + url


LANGUAGES = (
    Language("en", "English", "English", "en_US", "en", "en-US"),
    Language("es", "Spanish", "Español", "es_US", "es", "es-US"),
)
ENGLISH = LANGUAGES[0]
BY_CODE = {language.code: language for language in LANGUAGES}
# The languages pages are translated into, by the folder below content/ that holds them.
TRANSLATIONS = {language.code: language for language in LANGUAGES[1:]}
# What a translation has beside the fields of its kind (but for the shared ones): the digest of
# the English text it was made from, which tells when the English page has changed since.
TRANSLATION_FIELDS = (
    Field(
        "translated_from",
        TEXT,
        required=True,
        published=True,
        hint="sha256: of the English page's text this was translated from; `build.py review --retranslated PATH` writes it",
    ),
)


def language_of(rel_to_content: str) -> tuple[Language, str]:
    """The language of a file below content/ and its English page's path from there:
    es/tumors/chordoma.md → (Spanish, tumors/chordoma.md)."""
    first, _, rest = rel_to_content.partition("/")
    language = TRANSLATIONS.get(first)
    return (language, rest) if language is not None and rest else (ENGLISH, rel_to_content)


def language_of_url(url: str) -> tuple[Language, str]:
    """The language of a site address and its English page's address: /es/doctors/ →
    (Spanish, /doctors/)."""
    first = url.strip("/").split("/", 1)[0]
    language = TRANSLATIONS.get(first)
    if language is None:
        return ENGLISH, url
    return language, url[len(language.prefix) :] or "/"


def with_translations(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """A data record's fields, and for each language the site may be translated into a map of
    its texts by the same names (es: {title: ..., bio: ...}), from the fields marked translated."""
    texts = tuple(replace(f, required=False, translated=False) for f in fields if f.translated)
    if not texts:
        return fields
    names = ", ".join(f.name for f in texts)
    return (*fields, *(Field(code, MAP, fields=texts, hint=f"the {language.name} of {names}") for code, language in TRANSLATIONS.items()))


GROUPS = (
    ("spinal-column", N_("Tumors of the spinal column")),
    ("spinal-cord", N_("Tumors of the spinal cord")),
    ("benign", N_("Benign spine tumors")),
    ("metastatic", N_("Cancer that has spread to the spine")),
)

# Where in the spine a tumor usually grows (a tumor page's regions, drawn as a figure of the
# spine): the parts of the spine from the neck down, and the layers from the bone in to the
# cord, each with how a page says it in plain words.
LEVELS = (
    ("cervical", N_("the neck (cervical spine)")),
    ("thoracic", N_("the upper and middle back (thoracic spine)")),
    ("lumbar", N_("the lower back (lumbar spine)")),
    ("sacrum", N_("the tailbone area (sacrum)")),
)
COMPARTMENTS = (
    ("bone", N_("in the bone of the spine")),
    ("epidural", N_("just outside the lining around the spinal cord (epidural)")),
    ("intradural-extramedullary", N_("inside the lining but outside the spinal cord (intradural extramedullary)")),
    ("intramedullary", N_("inside the spinal cord itself (intramedullary)")),
)


def field_spec(fields: tuple[Field, ...], values: Mapping | None = None) -> tuple[dict[str, str], set[str]]:
    """The types and the required names of these fields, as fields.check_fields takes them;
    with the values of a record, the names required of that record (Field.required_unless)."""
    return {f.name: f.type for f in fields}, {f.name for f in fields if f.required and not _excused(f, values)}


def _excused(field: Field, values: Mapping | None) -> bool:
    if not field.required_unless or values is None:
        return False
    name, value = field.required_unless
    return values.get(name) == value and type(values.get(name)) is type(value)


COMMON_FIELDS = (
    Field("title", TEXT, required=True, hint="the page's name, as patients say it"),
    Field("summary", TEXT, required=True, hint="one or two sentences, at most 160 characters"),
    Field("also_known_as", TEXT_LIST, hint="other names, shown on the page"),
    Field("search_terms", TEXT_LIST, hint="misspellings and lay words that should find the page, never shown"),
    Field("aliases", TEXT_LIST, hint="old addresses that should redirect here"),
    Field("draft", BOOL, hint="true keeps the page out of the site"),
)
# What a medical page cites: pages of authoritative publishers that support what it says.
SOURCE_FIELDS = (
    Field("title", TEXT, required=True, hint="the title of the page, as published"),
    Field("publisher", TEXT, required=True, hint="who published it, like National Cancer Institute"),
    Field("url", URL, required=True, hint="the page's full address, https://..."),
    Field("accessed", DATE, required=True, hint="the day you read it, YYYY-MM-DD"),
)
MIN_SOURCES = 2
# The fields of medical pages alone: their sources (content a reviewer signs) and the review.
REVIEW_FIELDS = (
    Field(
        "sources",
        LIST,
        fields=SOURCE_FIELDS,
        falls_back=True,
        hint=f"at least {MIN_SOURCES} pages of authoritative publishers that support this page: title, publisher, url, accessed",
    ),
    Field("medically_reviewed", DATE, required=True, review=True, hint="the date a doctor reviewed this page"),
    Field("reviewed_by", TEXT, required=True, review=True, refers_to="doctor", hint="the reviewer's id from data/providers.yaml"),
    Field("review_interval_months", INT, hint="months until the next review, if sooner than the site's policy"),
)

KINDS = (
    Kind("home", "home", "home.html", file="_index.md", medical=True),
    Kind(
        "tumor",
        "tumor",
        "tumor.html",
        folder="tumors",
        title=N_("Tumor types"),
        medical=True,
        jsonld="MedicalCondition",
        search_label=N_("Tumor type"),
        menu=N_("Tumor types"),
        fields=(
            Field("group", TEXT, required=True, shared=True, choices=GROUPS, hint="spinal-column, spinal-cord, benign or metastatic"),
            Field(
                "tests",
                TEXT_LIST,
                shared=True,
                refers_to="test",
                jsonld=("typicalTest", "MedicalTest"),
                hint="the tests' file names, like [mri, ct-scan]",
            ),
            Field(
                "treatments",
                TEXT_LIST,
                shared=True,
                refers_to="treatment",
                jsonld=("possibleTreatment", "MedicalTherapy"),
                hint="the treatments' file names, like [radiation-therapy]",
            ),
            Field(
                "regions",
                MAP,
                shared=True,
                required=True,
                published=True,
                fields=(
                    Field("levels", TEXT_LIST, required=True, choices=LEVELS, hint="cervical, thoracic, lumbar, sacrum"),
                    Field(
                        "compartments",
                        TEXT_LIST,
                        required=True,
                        choices=COMPARTMENTS,
                        hint="bone, epidural, intradural-extramedullary, intramedullary",
                    ),
                ),
                hint="where in the spine it usually grows, like {levels: [lumbar, sacrum], compartments: [bone]}",
            ),
        ),
    ),
    Kind(
        "test",
        "test",
        "topic.html",
        folder="tests",
        title=N_("Tests and diagnosis"),
        medical=True,
        jsonld="MedicalTest",
        search_label=N_("Test"),
        menu=N_("Tests"),
    ),
    Kind(
        "treatment",
        "treatment",
        "topic.html",
        folder="treatments",
        title=N_("Treatments"),
        medical=True,
        jsonld="MedicalProcedure",
        search_label=N_("Treatment"),
        menu=N_("Treatments"),
    ),
    Kind(
        "doctor",
        "provider",
        "doctor.html",
        folder="doctors",
        data="providers.yaml",
        title=N_("Find a doctor"),
        list_template="doctors.html",
        description=N_("Every doctor on our spine tumor team, with the tumors they treat, where they see patients and how to book."),
        jsonld="IndividualPhysician",
        search_label=N_("Doctor"),
        menu=N_("Find a doctor"),
        fields=with_translations(
            (
                Field("id", TEXT, required=True, hint="like dr-jane-doe"),
                Field("name", TEXT, required=True),
                Field("family_name", TEXT, required=True, hint="for sorting"),
                Field("credentials", TEXT, required=True, hint="like MD, PhD"),
                Field("title", TEXT, translated=True, hint="like Spine neurosurgeon"),
                Field("specialties", TEXT_LIST, required=True, hint="from the specialties of data/site.yaml"),
                Field("conditions", TEXT_LIST, required=True, refers_to="tumor", hint="the tumors' file names"),
                Field("locations", TEXT_LIST, required=True, refers_to="location", hint="location ids"),
                Field("languages", TEXT_LIST, required=True, hint="from the languages of data/site.yaml"),
                Field("sees_patients", BOOL, hint="false for a team member patients do not book with, like a pathologist"),
                Field(
                    "accepting_new_patients",
                    BOOL,
                    required=True,
                    required_unless=("sees_patients", False),
                    hint="left out where sees_patients is false",
                ),
                Field("phone", PHONE, hint='E.164, in quotes: "+19195550100"'),
                Field("photo", TEXT, hint="a file in content/media/"),
                Field("bio", TEXT, translated=True, hint="Markdown"),
                Field("active", BOOL, hint="false for someone who has left"),
                Field("review_emails", TEXT_LIST, hint="where given, a review must be committed from one of these addresses"),
                Field("sample", BOOL, hint="true for an invented person"),
            )
        ),
    ),
    Kind(
        "location",
        "location",
        "location.html",
        folder="locations",
        data="locations.yaml",
        title=N_("Locations"),
        list_template="locations.html",
        description=N_("Where our spine tumor team sees patients, with addresses, hours and phone numbers."),
        search_label=N_("Location"),
        menu=N_("Locations"),
        fields=(
            Field("id", TEXT, required=True),
            Field("name", TEXT, required=True),
            Field("kind", TEXT, required=True, choices=(("hospital", "Hospital"), ("clinic", "MedicalClinic"))),
            Field(
                "address",
                MAP,
                required=True,
                fields=(
                    Field("street", TEXT, required=True),
                    Field("city", TEXT, required=True),
                    Field("state", TEXT, required=True),
                    Field("zip", TEXT, required=True, hint='five digits, in quotes: "27710"'),
                ),
            ),
            Field("geo", MAP, required=True, fields=(Field("lat", NUMBER, required=True), Field("lng", NUMBER, required=True))),
            Field("phone", PHONE, required=True, hint='E.164, in quotes: "+19195550100"'),
            Field(
                "hours",
                LIST,
                required=True,
                fields=(
                    Field("days", TEXT_LIST, required=True, hint="Mo, Tu, We, Th, Fr, Sa, Su"),
                    Field("opens", TIME, required=True, hint='24-hour time, in quotes: "08:00"'),
                    Field("closes", TIME, required=True, hint='24-hour time, in quotes: "17:00"'),
                ),
            ),
            Field("sample", BOOL, hint="true for an invented place"),
        ),
    ),
    Kind(
        "appointments",
        "appointments",
        "appointments.html",
        file="appointments.md",
        jsonld="MedicalOrganization",
        menu=N_("Appointments"),
    ),
    Kind("section", "section", "section.html"),
    Kind("page", "page", "page.html"),
)


BY_NAME = {kind.name: kind for kind in KINDS}
# The kinds whose pages are the Markdown files directly in a folder of content/, by folder.
BY_FOLDER = {kind.folder: kind for kind in KINDS if kind.folder and kind.content}
BY_FILE = {kind.file: kind for kind in KINDS if kind.file}
BY_DATA = {kind.data: kind for kind in KINDS if kind.data}
# Every field a page's front matter may have, in any kind: a field of another kind is reported
# as misplaced rather than unknown.
PAGE_FIELDS = {f.name: f for kind in KINDS if kind.content for f in (*kind.all_fields, *TRANSLATION_FIELDS)}
# The kind of a folder's own page (its _index.md), which lists the pages in the folder.
FOLDER_PAGE = BY_NAME["section"]
MENU = tuple((kind.url, kind.menu) for kind in KINDS if kind.menu)
# The pages the site makes of its own (no Markdown file): the list pages of the data kinds, search and the
# A to Z list, by address, with their titles.
OWN_PAGES = {**{kind.url: kind.title for kind in KINDS if kind.data}, "/search/": N_("Search"), "/a-z/": N_("A to Z")}
# The title of a folder's list page where the folder has no _index.md.
FOLDER_TITLES = {kind.folder: kind.title for kind in KINDS if kind.folder and kind.content}


def index_path(url: str) -> str:
    """The file in the site that a page's address is served from: /tumors/chordoma/ →
    tumors/chordoma/index.html."""
    return url.strip("/") + "/index.html" if url != "/" else "index.html"


def kind_of(name: str) -> Kind:
    return BY_NAME[name]


def place(rel_to_content: str) -> tuple[str, Kind, str] | None:
    """(address, kind, slug) of a Markdown file below content/ (its path from there, with
    slashes). A translation is of its English page's kind, at its address in the language."""
    language, rel_to_content = language_of(rel_to_content)
    if language is not ENGLISH:
        url, kind, slug = place(rel_to_content)
        return language.address(url), kind, slug
    parts = rel_to_content.split("/")
    stem = parts[-1].rpartition(".")[0] or parts[-1]
    if rel_to_content in BY_FILE:
        kind = BY_FILE[rel_to_content]
        return kind.url, kind, kind.name if stem == "_index" else stem
    if len(parts) == 1:
        return f"/{stem}/", BY_NAME["page"], stem
    folders = parts[:-1]
    if stem == "_index":
        return "/" + "/".join(folders) + "/", BY_NAME["section"], folders[-1]
    kind = BY_FOLDER.get(folders[0]) if len(folders) == 1 else None
    return "/" + "/".join(folders) + f"/{stem}/", kind or BY_NAME["page"], stem


def folder_kind(folder: str) -> Kind | None:
    """The kind whose pages a folder's list page shows (tumors → tumor), if any."""
    for kind in KINDS:
        if kind.folder == folder:
            return kind
    return None
