"""Malformed input: each case must fail with exit 1, name the file, line and field, print no
traceback, and leave the previous site/ exactly as it was."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, build_site, copy_built_site, run_cli, tree_digest

CHORDOMA = "content/tumors/chordoma.md"
SCHWANNOMA = "content/tumors/schwannoma.md"
HOME = "content/_index.md"
ES_HOME = "content/es/_index.md"
PROVIDERS = "data/providers.yaml"
LOCATIONS = "data/locations.yaml"


def fixture_line(rel: str, start: str) -> tuple[int, str]:
    """(number, text) of the basic fixture's first line of a file that starts so."""
    lines = (FIXTURES / "basic" / rel).read_text(encoding="utf-8").splitlines()
    return next((number, line) for number, line in enumerate(lines, 1) if line.startswith(start))


def replace(rel: str, old: str, new: str, count: int = 1):
    def edit(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def _line_of(rel: str, text: str) -> int:
    """The line of the fixture's file rel that holds text (1-based)."""
    lines = (FIXTURES / "basic" / rel).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def write(rel: str, data: str | bytes):
    def edit(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    return edit


def link_outside(rel: str):
    def edit(root: Path) -> None:
        outside = root.parent / "outside.md"
        outside.write_text("---\ntitle: Outside\nsummary: x\n---\n")
        os.symlink(outside, root / rel)

    return edit


CASES = [
    (
        "unknown key",
        replace(CHORDOMA, "medically_reviewed:", "medicaly_reviewed:"),
        f"{CHORDOMA}:9: medicaly_reviewed: unknown field; did you mean `medically_reviewed`?",
    ),
    ("missing required", replace(CHORDOMA, "title: Chordoma\n", ""), f"{CHORDOMA}:1: title: missing"),
    ("summary too long", replace(CHORDOMA, "grows slowly.", "grows slowly. " + "Very long. " * 20), f"{CHORDOMA}:3: summary: is 2"),
    (
        "date after today",
        replace(CHORDOMA, "2026-10-01", "2031-02-01"),
        f"{CHORDOMA}:9: medically_reviewed: 2031-02-01 is after today ({TODAY}); use the date of the review",
    ),
    ("not a real date", replace(CHORDOMA, "2026-10-01", "2026-02-30"), f"{CHORDOMA}:9: medically_reviewed: 2026-02-30 is not a real date"),
    ("date not a date", replace(CHORDOMA, "2026-10-01", "last spring"), f"{CHORDOMA}:9: medically_reviewed: "),
    (
        "unknown reviewer",
        replace(CHORDOMA, "reviewed_by: dr-sample-abbott", "reviewed_by: dr-nobody"),
        f'{CHORDOMA}:10: reviewed_by: no provider with id "dr-nobody"',
    ),
    (
        "unknown test slug",
        replace(CHORDOMA, "tests: [mri, biopsy]", "tests: [mri-scan, biopsy]"),
        f'{CHORDOMA}:7: tests: no test page "mri-scan"; known tests: biopsy, mri',
    ),
    (
        "draft in treatments",
        replace(CHORDOMA, "treatments: [surgery]", "treatments: [surgery, draft-therapy]"),
        f'{CHORDOMA}:8: treatments: the treatment page "draft-therapy" is a draft',
    ),
    (
        "bad group",
        replace(CHORDOMA, "group: spinal-column", "group: spinal-colum"),
        f'{CHORDOMA}:6: group: "spinal-colum" is not a group; did you mean `spinal-column`?',
    ),
    (
        "link to no page",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An [MRI](/tests/pet/)"),
        f"{CHORDOMA}:17: link: no page at /tests/pet/",
    ),
    (
        "link to a draft",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An [MRI](/treatments/draft-therapy/)"),
        f"{CHORDOMA}:17: link: /treatments/draft-therapy/ is a draft",
    ),
    (
        "raw HTML block",
        replace(CHORDOMA, "## What it is\n", '## What it is\n\n<div class="box">\n'),
        f'{CHORDOMA}:17: html: <div class="box"> is raw HTML, which is published as text, not as HTML; write it in Markdown',
    ),
    (
        "an HTML comment",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An <!-- note to self --> [MRI](/tests/mri/)"),
        f"{CHORDOMA}:17: html: <!-- note to self --> is an HTML comment, which would be published as text; remove it",
    ),
    (
        "inline HTML",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An <b>MRI</b> [scan](/tests/mri/)"),
        f"{CHORDOMA}:17: html: <b> is raw HTML, which is published as text, not as HTML; **bold** for words that matter",
    ),
    (
        "unsafe link scheme",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An [MRI](javascript:alert(1))"),
        f'{CHORDOMA}:17: link: "javascript:alert(1)" is not allowed',
    ),
    (
        "relative link",
        replace(CHORDOMA, "An [MRI](/tests/mri/)", "An [MRI](mri/)"),
        f'{CHORDOMA}:17: link: "mri/" should start at the site root',
    ),
    (
        "missing heading anchor",
        replace(HOME, "/tumors/schwannoma/#what-it-is", "/tumors/schwannoma/#nope"),
        f'{HOME}:11: link: no heading with the id "#nope" on /tumors/schwannoma/',
    ),
    ("image without alt", replace(HOME, "![A drawing of the spine]", "![]"), f"{HOME}:13: image: add alt text"),
    ("missing image file", replace(HOME, "/media/spine.png", "/media/spine.jpg"), f"{HOME}:13: image: no file content/media/spine.jpg"),
    ("h1 in body", replace(SCHWANNOMA, "## What it is", "# What it is"), f"{SCHWANNOMA}:12: heading: a # heading"),
    ("skipped heading level", replace(SCHWANNOMA, "### Symptoms", "#### Symptoms"), f"{SCHWANNOMA}:16: heading: #### comes right after ##"),
    (
        "unknown claim",
        replace(HOME, '{{ claim "surgeries" }}', '{{ claim "nope" }}'),
        f'{HOME}:17: claim: no claim "nope" in data/claims.yaml',
    ),
    (
        "claim not on its own line",
        replace(HOME, '{{ claim "surgeries" }}', 'We are proud. {{ claim "surgeries" }}'),
        f"{HOME}:17: claim: put",
    ),
    (
        "duplicate key",
        replace(CHORDOMA, "group: spinal-column\n", "group: spinal-column\ngroup: benign\n"),
        f"{CHORDOMA}:7: group: written twice",
    ),
    (
        "interval not shorter",
        replace("content/tests/biopsy.md", "review_interval_months: 12", "review_interval_months: 48"),
        "content/tests/biopsy.md:6: review_interval_months: 48 is not shorter than the site's 36 months",
    ),
    (
        "review field on a plain page",
        replace("content/appointments.md", "title:", "reviewed_by: dr-sample-lee\ntitle:"),
        "content/appointments.md:2: reviewed_by: is only for medical pages",
    ),
    (
        "alias is a page address",
        replace(CHORDOMA, "aliases: [/old/chordoma.html]", "aliases: [/tests/mri/]"),
        f"{CHORDOMA}:11: aliases: /tests/mri/ is the address of a page",
    ),
    (
        "alias used twice",
        replace(SCHWANNOMA, "group: benign", "group: benign\naliases: [/old/chordoma.html]"),
        f"{SCHWANNOMA}:5: aliases: /old/chordoma.html is already an alias of {CHORDOMA}",
    ),
    (
        "page takes a generated URL",
        write("content/doctors.md", "---\ntitle: Doctors\nsummary: x\n---\n"),
        "content/doctors.md:1: file: its address /doctors/ is already used",
    ),
    (
        "unclosed front matter",
        write("content/tests/ct.md", "---\ntitle: CT\nsummary: x\n\nBody"),
        "content/tests/ct.md:1: front matter: the block opened on line 1 is never closed with ---",
    ),
    ("no front matter", write("content/tests/ct.md", "Just text\n"), "content/tests/ct.md:1: front matter: the page must start with"),
    (
        "yaml syntax error",
        write("content/tests/ct.md", "---\ntitle: CT\nsummary: [unclosed\nmedically_reviewed: 2026-01-01\n---\n"),
        "content/tests/ct.md:",
    ),
    (
        "not utf-8",
        write("content/tests/ct.md", b"---\ntitle: Caf\xe9\nsummary: x\n---\n"),
        "content/tests/ct.md:2: file: not UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    ("utf-16", write("content/tests/ct.md", "---\ntitle: CT\n---\n".encode("utf-16")), "content/tests/ct.md:1: file: saved as UTF-16"),
    ("empty file", write("content/tests/ct.md", ""), "content/tests/ct.md:1: file: the file is empty"),
    (
        "symlink out of the source",
        link_outside("content/tests/ct.md"),
        "content/tests/ct.md:1: file: is a link to a place outside the source folder",
    ),
    (
        "bad file name",
        write("content/tests/CT Scan.md", "---\ntitle: CT\nsummary: x\n---\n"),
        "content/tests/CT Scan.md:1: file: name files",
    ),
    (
        "duplicate provider id",
        replace(PROVIDERS, "id: dr-sample-abbott", "id: dr-sample-lee"),
        f'{PROVIDERS}:{fixture_line(PROVIDERS, "- id: dr-sample-abbott")[0]}: providers[dr-sample-lee].id: "dr-sample-lee" is already used on line 1',
    ),
    (
        "a doctor patients book with says nothing of new patients",
        replace(
            PROVIDERS,
            "  accepting_new_patients: false\n  sample: true\n\n- id: dr-sample-reader",
            "  sample: true\n\n- id: dr-sample-reader",
        ),
        f"{PROVIDERS}:{fixture_line(PROVIDERS, '- id: dr-sample-abbott')[0]}: providers[dr-sample-abbott].accepting_new_patients: missing; "
        "add a line `accepting_new_patients: ...`",
    ),
    (
        "a team member patients do not book with cannot take new patients",
        replace(PROVIDERS, "  sees_patients: false\n", "  sees_patients: false\n  accepting_new_patients: true\n"),
        f"{PROVIDERS}:{_line_of(PROVIDERS, 'sees_patients: false') + 1}: providers[dr-sample-reader].accepting_new_patients: is true, "
        "but sees_patients is false",
    ),
    (
        "sees_patients in words",
        replace(PROVIDERS, "  sees_patients: false\n", '  sees_patients: "no"\n'),
        f"{PROVIDERS}:{_line_of(PROVIDERS, 'sees_patients: false')}: providers[dr-sample-reader].sees_patients:",
    ),
    (
        "phone not E.164",
        replace(PROVIDERS, '"+19195550120"', '"(919) 555-0123"'),
        f'{PROVIDERS}:11: providers[dr-sample-lee].phone: "(919) 555-0123" is not E.164; write it as "+19195550123"',
    ),
    (
        "phone unquoted",
        replace(PROVIDERS, '"+19195550120"', "+19195550120"),
        f'{PROVIDERS}:11: providers[dr-sample-lee].phone: +19195550120 was read as a number; write it as "+19195550120", in quotes',
    ),
    (
        "phone as ten digits",
        replace(PROVIDERS, '"+19195550120"', "9195550150"),
        f'{PROVIDERS}:11: providers[dr-sample-lee].phone: 9195550150 was read as a number; write it as "+19195550150", in quotes',
    ),
    (
        "a time in quotes that is no time",
        replace(LOCATIONS, 'closes: "18:00"', 'closes: "25:00"'),
        f'{LOCATIONS}:8: locations[durham].hours[1].closes: "25:00" is not a time of day; write it from "00:00" to "23:59"',
    ),
    (
        "a tab to indent",
        replace(LOCATIONS, '  phone: "+19195550110"', '\tphone: "+19195550110"'),
        f"{LOCATIONS}:6: yaml: this line starts with a tab; indent with spaces",
    ),
    (
        "a required field left empty",
        replace(CHORDOMA, "group: spinal-column", 'group: ""'),
        f"{CHORDOMA}:6: group: is empty, and it is required; write one of spinal-column, spinal-cord, benign, metastatic",
    ),
    (
        "zip unquoted",
        replace(LOCATIONS, 'zip: "27701"', "zip: 27701"),
        f"{LOCATIONS}:4: locations[durham].address.zip: 27701 was read as a number, not text; put quotes around it",
    ),
    (
        "zip with leading zero",
        replace(LOCATIONS, 'zip: "27701"', "zip: 02134"),
        f'{LOCATIONS}:4: locations[durham].address.zip: 02134 was read as a number, not text; put quotes around it: "02134"',
    ),
    (
        "no read as false",
        replace(PROVIDERS, "family_name: Lee", "family_name: no"),
        f'{PROVIDERS}:3: providers[dr-sample-lee].family_name: no was read as false, not text; put quotes around it: "no"',
    ),
    (
        "time unquoted",
        replace(LOCATIONS, 'closes: "18:00"', "closes: 18:00"),
        f"{LOCATIONS}:8: locations[durham].hours[1].closes: 18:00 was read as a number",
    ),
    (
        "latitude out of range",
        replace(LOCATIONS, "lat: 36.0010", "lat: 136.0010"),
        f"{LOCATIONS}:5: locations[durham].geo.lat: 136.001 is outside -90 to 90",
    ),
    (
        "specialty not listed",
        replace(PROVIDERS, "specialties: [Neurosurgery]", "specialties: [Neurosurgry]"),
        f'{PROVIDERS}:6: providers[dr-sample-lee].specialties: "Neurosurgry" is not in the specialties list of data/site.yaml; did you mean "Neurosurgery"?',
    ),
    (
        "language not listed",
        replace(PROVIDERS, "languages: [English, Spanish]", "languages: [English, Klingon]"),
        f'{PROVIDERS}:9: providers[dr-sample-lee].languages: "Klingon"',
    ),
    (
        "unknown condition",
        replace(PROVIDERS, "conditions: [chordoma, schwannoma]", "conditions: [chordoma, schwanoma]"),
        f'{PROVIDERS}:7: providers[dr-sample-lee].conditions: no tumor page "schwanoma"; did you mean "schwannoma"?',
    ),
    (
        "unknown location",
        replace(PROVIDERS, "locations: [durham]", "locations: [durhem]"),
        f'{PROVIDERS}:8: providers[dr-sample-lee].locations: no location with id "durhem" in data/locations.yaml; did you mean "durham"?',
    ),
    (
        "missing photo",
        replace(PROVIDERS, "photo: portrait.png", "photo: portrait.jpg"),
        f"{PROVIDERS}:12: providers[dr-sample-lee].photo: no file content/media/portrait.jpg",
    ),
    (
        "unknown data key",
        replace(PROVIDERS, "accepting_new_patients: true", "accepting_new_patient: true"),
        f"{PROVIDERS}:10: providers[dr-sample-lee].accepting_new_patient: unknown field; did you mean `accepting_new_patients`?",
    ),
    (
        "missing provider field",
        replace(PROVIDERS, "  credentials: MD, PhD\n", ""),
        f"{PROVIDERS}:1: providers[dr-sample-lee].credentials: missing",
    ),
    (
        "missing new-patient line",
        replace("data/site.yaml", fixture_line("data/site.yaml", "  new_patients:")[1] + "\n", ""),
        "data/site.yaml:5: phones.new_patients: missing",
    ),
    ("data yaml syntax", replace(LOCATIONS, "kind: clinic", "kind: [clinic"), f"{LOCATIONS}:"),
]


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory) -> Path:
    from conftest import FIXTURES

    out = tmp_path_factory.mktemp("previous") / "site"
    assert build_site(FIXTURES / "basic", out).returncode == 0
    return out


# Aliases that would write a rule of their own into _redirects, a pattern, or an address the
# build itself writes (issue 17): each is an error at the aliases line, never a redirect.
HOSTILE_ALIASES = {
    "a second rule": ('"/x\\v/\\v301\\n/*\\vhttps://evil.example/\\v302!\\n/y"', "should be an old path"),
    "a splat": ('"/*"', "should be an old path"),
    "a placeholder": ('"/:splat"', "should be an old path"),
    "a folder pattern": ('"/assets/*"', "should be an old path"),
    "a built asset": ("/assets/site.css", "an address the build writes itself"),
    "the sitemap": ("/sitemap.xml", "an address the build writes itself"),
    "the headers file": ("/_headers", "an address the build writes itself"),
    "a doctor's page": ("/doctors/dr-sample-lee/", "is the address of a page"),
    "a dot-dot path": ("/../../etc/passwd", "may not have a . or .. part"),
    "a space": ('"/old page.html"', "should be an old path"),
    "too long": ("/" + "a" * 200, "longer than 200"),
}
CASES += [
    (f"alias: {name}", replace(CHORDOMA, "aliases: [/old/chordoma.html]", f"aliases: [{alias}]"), f"{CHORDOMA}:11: aliases: ")
    for name, (alias, _) in HOSTILE_ALIASES.items()
]
CASES += [
    (
        "too many aliases",
        replace(CHORDOMA, "aliases: [/old/chordoma.html]", "aliases: [" + ", ".join(f"/old/c{i}.html" for i in range(21)) + "]"),
        f"{CHORDOMA}:11: aliases: 21 old addresses; a page may have at most 20",
    )
]
CASES += [
    (
        f"footer link {url}",
        replace("data/site.yaml", 'url: "https://example.org/privacy/"', f'url: "{url}"'),
        f"data/site.yaml:{_line_of('data/site.yaml', 'https://example.org/privacy/')}: footer_links[1].url: should be a full address",
    )
    for url in ("//evil.example/", "/\\\\evil.example/", "javascript:alert(1)", "https:/evil.example")
]


def prepend(rel: str, text: str):
    def edit(root: Path) -> None:
        path = root / rel
        path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")

    return edit


def special(rel: str, make):
    """Put a special file (a pipe, a link) at rel, in place of any file there."""

    def edit(root: Path) -> None:
        path = root / rel
        path.unlink(missing_ok=True)
        make(path)

    return edit


LAUGHS = "".join(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}' if i else 'lol'] * 10)}]\n" for i in range(10))
# Hostile and unlucky files (issue 17): expanding aliases, nesting that would exhaust the
# parser, pipes and devices, links that loop, characters no reader sees, files far too big.
# Each is an error at its file and line; none hangs, crashes or publishes.
CASES += [
    ("yaml: a billion laughs", prepend("data/site.yaml", LAUGHS), "data/site.yaml:2: yaml: expands to more than 200,000 values"),
    (
        "yaml: an alias in front matter",
        replace(
            CHORDOMA, "also_known_as: [Sacral chordoma]\nsearch_terms: [cordoma]", "also_known_as: &n [Sacral chordoma]\nsearch_terms: *n"
        ),
        f"{CHORDOMA}:5: yaml: uses a YAML alias (*name) to repeat a value; front matter must write each value out",
    ),
    (
        "yaml: an alias loop",
        prepend("data/site.yaml", "x: &r [*r]\n"),
        "data/site.yaml:1: yaml: an alias (*name) refers to the list or map",
    ),
    (
        "yaml: brackets 5,000 deep",
        prepend("data/site.yaml", "x: " + "[" * 5000 + "]" * 5000 + "\n"),
        "data/site.yaml:1: yaml: lists and maps nest more than 40",
    ),
    (
        "yaml: brackets 100,000 deep",
        prepend(LOCATIONS, "x: " + "[" * 100_000 + "\n"),
        f"{LOCATIONS}:1: yaml: lists and maps nest more than 40",
    ),
    (
        "yaml: indents 60 deep",
        prepend("data/site.yaml", "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v: 1\n"),
        "data/site.yaml:41: yaml: lists and maps nest more than 40",
    ),
    ("a pipe as data", special(PROVIDERS, os.mkfifo), f"{PROVIDERS}:1: file: is not a plain file"),
    ("a pipe as a page", special("content/tumors/piped.md", os.mkfifo), "content/tumors/piped.md:1: file: is not a plain file"),
    ("a link to a device", special(CHORDOMA, lambda p: os.symlink("/dev/zero", p)), f"{CHORDOMA}:1: file: is a link to a place outside"),
    (
        "a loop of links",
        special("content/tumors/loop.md", lambda p: os.symlink(p.name, p)),
        "content/tumors/loop.md:1: file: is a link that leads back to itself",
    ),
    ("a NUL in a body", replace(CHORDOMA, "\n## ", "\nA nul\x00 here.\n\n## "), f"{CHORDOMA}:15: file: holds a control character (U+0000)"),
    (
        "a bell in front matter",
        replace(CHORDOMA, "title: Chordoma", "title: Chor\x07doma"),
        f"{CHORDOMA}:2: file: holds a control character (U+0007)",
    ),
    (
        "a direction override in a body",
        replace(CHORDOMA, "\n## ", "\nSafe \u202edose\n\n## "),
        "holds a hidden character that changes the direction of text (U+202E)",
    ),
    (
        "an escaped override in YAML",
        replace(CHORDOMA, "title: Chordoma", 'title: "Chordoma\\u202e"'),
        f"{CHORDOMA}:2: title: holds a hidden character",
    ),
    ("an override in a file name", write("content/tumors/a\u202egpj.md", "---\ntitle: X\n---\n"), "its name holds a hidden character"),
    ("a page over 1 MB", replace(CHORDOMA, "\n## ", "\n" + "Word " * 210_000 + "\n\n## "), f"{CHORDOMA}:1: file: is 1,0"),
    ("data over 5 MB", prepend(PROVIDERS, "# " + "x" * 5_000_001 + "\n"), f"{PROVIDERS}:1: file: is 5,0"),
]


# Sources (issue 19): a published medical page cites at least two pages, each named in full.
SOURCE_ONE = '{title: "Sample source one on chordoma", publisher: Sample Publisher, url: "https://example.org/sources/chordoma-1", accessed: 2026-09-01}'
SOURCE_TWO = '{title: "Sample source two on chordoma", publisher: Sample Society, url: "https://example.org/sources/chordoma-2", accessed: 2026-09-01}'
SOURCES_LINE = f"sources: [{SOURCE_ONE}, {SOURCE_TWO}]\n"
CASES += [
    ("sources: missing", replace(CHORDOMA, SOURCES_LINE, ""), f"{CHORDOMA}:1: sources: missing; a medical page cites at least 2"),
    (
        "sources: only one",
        replace(CHORDOMA, f", {SOURCE_TWO}", ""),
        f"{CHORDOMA}:12: sources: lists 1 source; a medical page cites at least 2",
    ),
    ("sources: not a list", replace(CHORDOMA, SOURCES_LINE, "sources: NCI\n"), f"{CHORDOMA}:12: sources: should be a list"),
    (
        "sources: a home page",
        replace(CHORDOMA, "https://example.org/sources/chordoma-1", "https://example.org/"),
        f"{CHORDOMA}:12: sources[1].url: should be the full address of the page you read, starting https://",
    ),
    (
        "sources: http",
        replace(CHORDOMA, "https://example.org/sources/chordoma-2", "http://example.org/sources/chordoma-2"),
        f"{CHORDOMA}:12: sources[2].url: should be the full address",
    ),
    (
        "sources: no publisher",
        replace(CHORDOMA, "publisher: Sample Publisher, ", ""),
        f"{CHORDOMA}:12: sources[1].publisher: missing",
    ),
    (
        "sources: not a date",
        replace(CHORDOMA, "accessed: 2026-09-01}]", "accessed: last week}]"),
        f"{CHORDOMA}:12: sources[2].accessed: ",
    ),
    (
        "sources: an unknown field",
        replace(CHORDOMA, "publisher: Sample Society,", "publisher: Sample Society, author: Someone,"),
        f"{CHORDOMA}:12: sources[2].author: unknown field",
    ),
]

# Regions (issue 19): where in the spine a tumor usually grows, a published tumor page's figure.
REGIONS_LINE = "regions: {levels: [cervical, sacrum], compartments: [bone]}\n"
CASES += [
    (
        "regions: an unknown level",
        replace(CHORDOMA, "levels: [cervical, sacrum]", "levels: [cervical, lumbr]"),
        f'{CHORDOMA}:13: regions.levels[2]: "lumbr" is not one of cervical, thoracic, lumbar, sacrum; did you mean "lumbar"?',
    ),
    (
        "regions: an unknown compartment, nothing near",
        replace(CHORDOMA, "compartments: [bone]", "compartments: [bone, nerve]"),
        f'{CHORDOMA}:13: regions.compartments[2]: "nerve" is not one of bone, epidural, intradural-extramedullary, intramedullary\n',
    ),
    (
        "regions: a level twice",
        replace(CHORDOMA, "levels: [cervical, sacrum]", "levels: [sacrum, sacrum]"),
        f'{CHORDOMA}:13: regions.levels[2]: "sacrum" is listed twice; keep one',
    ),
    (
        "regions: levels not a list",
        replace(CHORDOMA, "levels: [cervical, sacrum]", "levels: sacrum"),
        f'{CHORDOMA}:13: regions.levels: should be a list; write it as ["sacrum"]',
    ),
    (
        "regions: no levels listed",
        replace(CHORDOMA, "levels: [cervical, sacrum]", "levels: []"),
        f"{CHORDOMA}:13: regions.levels: is empty; list at least one of cervical, thoracic, lumbar, sacrum",
    ),
    (
        "regions: not a group of fields",
        replace(CHORDOMA, REGIONS_LINE, "regions: [sacrum, bone]\n"),
        f"{CHORDOMA}:13: regions: should be a group of fields",
    ),
    (
        "regions: an unknown key",
        replace(CHORDOMA, "compartments: [bone]", "compartment: [bone]"),
        f"{CHORDOMA}:13: regions.compartment: unknown field; did you mean `compartments`?",
    ),
    (
        "regions: compartments left out",
        replace(CHORDOMA, ", compartments: [bone]", ""),
        f"{CHORDOMA}:13: regions.compartments: missing",
    ),
    (
        "regions: missing on a published tumor page",
        replace(CHORDOMA, REGIONS_LINE, ""),
        f"{CHORDOMA}:1: regions: missing; a published tumor page needs it (a draft may leave it out): where in the spine",
    ),
]

BIO = "    A sample neurosurgeon who removes tumors of the spine. See [MRI](/tests/mri/).\n"
# A bio is Markdown on a doctor's page: checked like a page's body, at its own lines (issue 17).
CASES += [
    (
        f"bio: {name}",
        replace(PROVIDERS, BIO, BIO + "\n" + "".join(f"    {line}\n" for line in text.split("\n"))),
        f"{PROVIDERS}:16: providers[dr-sample-lee].bio: {message}",
    )
    for name, text, message in (
        (
            "an image from another host",
            "![A portrait](https://evil.example/p.png)",
            '"https://evil.example/p.png" should be a file in content/media/',
        ),
        ("a link to no page", "See [the old page](/tests/mri-scan/).", "no page at /tests/mri-scan/"),
        ("a second main title", "# Dr. Lee", "a # heading makes a second main title"),
        ("an unsafe link", "[Call](javascript:alert(1))", '"javascript:alert(1)" is not allowed'),
        ("a claim", '{{ claim "five-year-survival" }}', "only pages show claims"),
    )
]


# static/: files published as they are, checked like every input (issue 17).
CASES += [
    ("static: a pipe", special("static/feed.xml", os.mkfifo), "static/feed.xml:1: file: is not a plain file"),
    ("static: a link out", link_outside("static/outside.md"), "static/outside.md:1: file: is a link to a place outside"),
    ("static: too big", special("static/big.bin", lambda p: (p.touch(), os.truncate(p, 25_000_001))), "more than the 25,000,000"),
    ("static: a space in a name", write("static/my file.pdf", "x"), "static/my file.pdf:1: file: 'my file.pdf' is not a name"),
    (
        "static: a page's address",
        write("static/tumors/chordoma/index.html", "x"),
        "static/tumors/chordoma/index.html:1: file: the build writes",
    ),
    ("static: the home page", write("static/index.html", "x"), "static/index.html:1: file: the build writes index.html itself"),
    ("static: the redirects", write("static/_redirects", "/* https://evil.example/ 301!"), "static/_redirects:1: file: the build writes"),
    ("static: the search index", write("static/pagefind/pagefind.js", "x"), "static/pagefind/pagefind.js:1: file: pagefind/ is a folder"),
    ("static: a file for a folder", write("static/tumors", "x"), "static/tumors:1: file: the build makes a folder named tumors"),
    (
        "static: below a built file",
        write("static/robots.txt/x", "x"),
        "static/robots.txt/x:1: file: the build writes a file named robots.txt",
    ),
    ("static: an alias", write("static/old/chordoma.html", "x"), "static/old/chordoma.html:1: file: its address is an alias of"),
]


@pytest.mark.parametrize(("name", "alias", "why"), [(n, a, w) for n, (a, w) in HOSTILE_ALIASES.items()], ids=list(HOSTILE_ALIASES))
def test_a_hostile_alias_says_why(basic: Path, name: str, alias: str, why: str):
    replace(CHORDOMA, "aliases: [/old/chordoma.html]", f"aliases: [{alias}]")(basic)
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert why in result.stderr, result.stderr


@pytest.mark.parametrize(("name", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_publishes_nothing(basic: Path, previous_site: Path, tmp_path: Path, name, edit, expected):
    out = tmp_path / "site"
    copy_built_site(previous_site, out)
    before = tree_digest(out)
    edit(basic)
    result = build_site(basic, out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert tree_digest(out) == before, "a failed build changed site/"
    lines = result.stderr.strip().splitlines()
    assert any(line.endswith(("error", "errors")) or " error" in line for line in lines[-3:])


def test_a_pipe_or_a_link_to_a_parent_does_not_hang_the_build(basic: Path, tmp_path: Path):
    """A pipe no one writes to, under a name the build does not read, is passed over (read, it
    would wait for ever), and so is a link back to a folder already walked."""
    os.mkfifo(basic / "data" / "zz.yaml")
    os.symlink("..", basic / "content" / "tumors" / "up")
    result = build_site(basic, tmp_path / "site", "--no-search")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


def test_every_problem_is_reported_at_once_sorted(basic: Path):
    replace(CHORDOMA, "2026-10-01", "2031-02-01")(basic)
    replace(PROVIDERS, '"+19195550120"', '"555 0123"')(basic)
    replace(ES_HOME, "![Un dibujo de la columna]", "![]")(basic)  # (the English page's would leave its translation behind: a warning)
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if re.match(r"[^:\s]+:\d+: ", line)]
    paths = [line.split(":")[0] for line in problems]
    assert paths == sorted(paths)
    assert {ES_HOME, CHORDOMA, PROVIDERS} <= set(paths)
    assert result.stderr.strip().splitlines()[-1] == "3 errors"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "crlf", "utf-8-sig+crlf"])
def test_bom_and_crlf_are_valid(basic: Path, tmp_path: Path, encoding: str):
    path = basic / CHORDOMA
    text = path.read_text(encoding="utf-8")
    if "crlf" in encoding:
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8-sig" if "sig" in encoding else "utf-8"))
    result = build_site(basic, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site/tumors/chordoma/index.html").read_text()
    assert "<h1>Chordoma</h1>" in html


def test_expired_claim_is_a_warning_then_a_production_error(basic: Path, tmp_path: Path):
    replace(HOME, '{{ claim "surgeries" }}', '{{ claim "old-ranking" }}')(basic)
    result = build_site(basic, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert f'{HOME}:17: warning: claim: "old-ranking" expired on 2024-07-31; the paragraph is left out' in result.stderr
    html = (tmp_path / "site/index.html").read_text()
    assert "Ranked first" not in html
    production = build_site(basic, tmp_path / "prod", "--production")
    assert production.returncode == 1
    assert f'{HOME}:17: claim: "old-ranking" expired on 2024-07-31' in production.stderr


def test_a_published_link_to_a_draft_builds_with_drafts(basic: Path, tmp_path: Path):
    replace(CHORDOMA, "An [MRI](/tests/mri/)", "An [MRI](/treatments/draft-therapy/)")(basic)
    assert build_site(basic, tmp_path / "a").returncode == 1
    result = build_site(basic, tmp_path / "b", "--drafts")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b/treatments/draft-therapy/index.html").is_file()


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).parent / "fixtures/basic/data").glob("*.yaml")))
def test_a_data_file_that_cannot_be_read_is_the_only_error(basic: Path, name: str):
    """The real cause alone: nothing that names a record of an unreadable file (a page's
    reviewer, a doctor's location, a specialty from site.yaml) becomes a second error."""
    path = basic / "data" / name
    path.write_bytes(b"\x00" + path.read_bytes())
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if re.match(r"[^:\s]+:\d+: ", line) and ": warning: " not in line]
    assert problems == [f"data/{name}:1: file: holds a control character (U+0000) that no reader would see; delete it"], result.stderr


def test_check_format_github_annotates_each_problem_at_its_line(basic: Path):
    replace(CHORDOMA, "group: spinal-column", "group: spinal-colum")(basic)
    result = run_cli("check", "--source", str(basic), "--today", TODAY, "--format", "github")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f'::error file={CHORDOMA},line=6::group: "spinal-colum" is not a group' in result.stdout
    assert all(line.startswith("::") for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("link", "on", "suggested"),
    [
        ("/tests/mri-scan/", "content/tumors/chordoma.md", "/tests/mri/"),
        ("/Tests/CT-Scan/", "content/tumors/chordoma.md", "/tests/ct-scan/"),
        ("/tests/bone/", "content/tumors/chordoma.md", "/tests/bone-scan/"),
        ("/tumors/spinal-cord/", "content/tumors/astrocytoma.md", None),
    ],
)
def test_a_link_to_no_page_suggests_the_page_meant_never_its_own(tmp_path: Path, link: str, on: str, suggested: str | None):
    """On the site's own pages: the address in lower case first, then the words of its slug
    against the pages' names, and never the page the link is on."""
    for folder in ("content", "data"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    page = tmp_path / on
    page.write_text(page.read_text() + f"\nSee [this page]({link}).\n")
    result = run_cli("check", "--source", str(tmp_path), "--today", TODAY)
    lines = [line for line in result.stderr.splitlines() if f"no page at {link}" in line]
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    if suggested:
        assert lines[0].endswith(f'did you mean "{suggested}"?'), lines[0]
    own = "/" + on.removeprefix("content/").removesuffix(".md") + "/"
    assert f'"{own}"' not in lines[0], "never the page the link is on"


def test_sample_phones_of_site_yaml_are_named_at_their_own_lines(basic: Path):
    result = run_cli("check", "--source", str(basic), "--today", TODAY, "--production")
    assert result.returncode == 1
    lines = (basic / "data/site.yaml").read_text().splitlines()
    for number in ("+19195550100", "+19195550101", "+19195550102", "+19195550103"):
        line = next(i for i, text in enumerate(lines, start=1) if number in text)
        assert f"data/site.yaml:{line}: phones." in result.stderr and f"{number} is a sample" in result.stderr, result.stderr
        assert any(f"data/site.yaml:{line}: " in row and number in row for row in result.stderr.splitlines())


def _tab_indented(path: Path) -> int:
    """Indent the first indented line of a YAML file with a tab instead (or the first line,
    where none is indented); its line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next((i for i, line in enumerate(lines) if line.startswith("  ")), 0)
    lines[number] = "\t" + lines[number].removeprefix("  ")
    path.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).parent / "fixtures/basic/data").glob("*.yaml")))
def test_a_file_that_cannot_be_read_comes_first_and_what_waits_for_it_is_counted(basic: Path, name: str):
    """The real cause first (before errors of files that sort earlier), then the rest sorted;
    the checks that need the unreadable file are counted in the summary, never shown as errors."""
    line = _tab_indented(basic / "data" / name)
    replace(ES_HOME, "![Un dibujo de la columna]", "![]")(basic)  # content/ sorts before data/
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if re.match(r"[^:\s]+:\d+: ", line) and ": warning: " not in line]
    assert problems[0] == f"data/{name}:{line}: yaml: this line starts with a tab; indent with spaces (YAML does not allow tabs there)"
    assert [p.split(":")[0] for p in problems[1:]] == [ES_HOME], result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    waiting = re.fullmatch(rf"2 errors \((\d+) checks? that need data/{re.escape(name)} wait until it can be read\)", summary)
    named = {"providers.yaml": "reviewed_by", "locations.yaml": "locations", "claims.yaml": "claim", "site.yaml": "specialties"}
    if name in named:  # the fixture names records of these files; synonyms are named by no one
        assert waiting and int(waiting[1]) > 0, summary
    else:
        assert summary == "2 errors", summary


def test_a_page_whose_front_matter_cannot_be_read_keeps_its_address_and_its_body_is_checked(basic: Path):
    """A colon in the title breaks the front matter: that is its one error, links to the page
    are not errors, and its body's own mistakes are reported in the same run."""
    replace(CHORDOMA, "title: Chordoma\n", "title: Chordoma: a bone cancer\n")(basic)
    text = (basic / CHORDOMA).read_text(encoding="utf-8")
    (basic / CHORDOMA).write_text(text + "\nSee [the scan](/tests/mri-scan/).\n", encoding="utf-8")
    link_line = text.count("\n") + 2
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if re.match(r"[^:\s]+:\d+: ", line) and ": warning: " not in line]
    assert problems == [
        f"{CHORDOMA}:2: yaml: mapping values are not allowed in this context; check the indentation, colons and quotes",
        f'{CHORDOMA}:{link_line}: link: no page at /tests/mri-scan/; did you mean "/tests/mri/"?',
    ], result.stderr


@pytest.mark.parametrize(("field", "written"), [("title", word) for word in ("yes", "No", "on", "OFF")] + [("also_known_as", "[on]")])
def test_a_yes_or_no_where_text_is_meant_is_an_error_with_the_quotes_it_needs(basic: Path, field: str, written: str):
    old = {"title": "title: Chordoma\n", "also_known_as": "also_known_as: [Sacral chordoma]\n"}[field]
    replace(CHORDOMA, old, f"{field}: {written}\n")(basic)
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    word = written.strip("[]")
    assert result.returncode == 1
    assert (
        f'{field}: {word} was read as {"true" if word.lower() in ("yes", "on") else "false"}, not text; put quotes around it: "{word}"'
        in result.stderr
    )


def test_a_yes_where_true_or_false_is_meant_is_read_as_one_and_quoted_it_is_an_error(basic: Path, tmp_path: Path):
    replace(PROVIDERS, "accepting_new_patients: true", "accepting_new_patients: yes")(basic)
    assert build_site(basic, tmp_path / "site", "--no-search").returncode == 0
    replace(PROVIDERS, "accepting_new_patients: yes", 'accepting_new_patients: "yes"')(basic)
    result = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 1
    assert 'accepting_new_patients: "yes" is in quotes, so it is text; write true or false, without quotes' in result.stderr


def test_a_draft_tumor_page_may_leave_its_regions_out(basic: Path):
    page = (
        (basic / SCHWANNOMA).read_text().replace("regions: {levels: [lumbar], compartments: [intradural-extramedullary, epidural]}\n", "")
    )
    (basic / "content/tumors/spinal-lipoma.md").write_text(page.replace("title: Schwannoma", "title: Spinal lipoma\ndraft: true"))
    result = run_cli("check", "--source", str(basic), "--today", TODAY, "--drafts")
    assert "spinal-lipoma.md" not in result.stderr and result.returncode == 0, result.stderr
    (basic / SCHWANNOMA).write_text(page)
    published = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert f"{SCHWANNOMA}:1: regions: missing" in published.stderr


def test_a_medical_page_shows_its_sources_and_cites_them(basic: Path, tmp_path: Path):
    import json

    assert build_site(basic, tmp_path / "site").returncode == 0
    html = (tmp_path / "site/tumors/chordoma/index.html").read_text()
    section = html[html.index('<section class="sources"') : html.index("</section>", html.index('<section class="sources"'))]
    for n, publisher in ((1, "Sample Publisher"), (2, "Sample Society")):
        assert (
            f'<a href="https://example.org/sources/chordoma-{n}">Sample source {"one" if n == 1 else "two"} on chordoma</a>, {publisher}.'
            in section
        )
    assert '<time datetime="2026-09-01">September 1, 2026</time>' in section
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
    assert [(c["name"], c["url"], c["publisher"]["name"]) for c in page["citation"]] == [
        ("Sample source one on chordoma", "https://example.org/sources/chordoma-1", "Sample Publisher"),
        ("Sample source two on chordoma", "https://example.org/sources/chordoma-2", "Sample Society"),
    ]
    visiting = (tmp_path / "site/visiting/index.html").read_text()
    assert 'class="sources"' not in visiting and "citation" not in visiting, "a page that is not medical cites nothing"


def test_a_source_read_longer_ago_than_the_review_interval_is_a_warning(basic: Path):
    # The fixture's sources were read on 2026-09-01; the biopsy page is reviewed every 12
    # months, the chordoma page every 36 (the site's policy).
    fresh = run_cli("check", "--source", str(basic), "--today", "2027-08-31")
    assert fresh.returncode == 0 and "accessed" not in fresh.stderr, fresh.stderr
    stale = run_cli("check", "--source", str(basic), "--today", "2027-09-02")
    assert stale.returncode == 0, stale.stderr
    expected = "content/tests/biopsy.md:7: warning: sources[1].accessed: 2026-09-01 is more than 12 months ago (the review interval)"
    assert expected in stale.stderr, stale.stderr
    assert f"{CHORDOMA}:12: warning: sources" not in stale.stderr, "the chordoma page's interval is the site's 36 months"
