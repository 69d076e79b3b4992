"""The interface in English and Spanish (sitegen/i18n.py): every string the templates and the
code mark has its Spanish, a missing one fails `check` at its line, Spanish pages show no
English interface text, dates, times, days and lists in each language's style, Spanish
sorting, and English exactly as the templates write it, without Babel."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, copy_fixture

from sitegen import i18n
from sitegen.inputs import fingerprint, source_folders
from sitegen.kinds import LANGUAGES
from sitegen.options import TEMPLATES, Options
from sitegen.render import Renderer, Urls, make_environment

CATALOGUE = i18n.catalogue_path(i18n.LOCALES, "es")


def catalogue(path: Path = CATALOGUE):
    from babel.messages.pofile import read_po

    return read_po(BytesIO(path.read_bytes()), locale="es_US")


def extracted_messages() -> list[str | tuple[str, ...]]:
    """Every message the templates and the code mark, by Babel's own extraction, once each."""
    return list(dict.fromkeys(message for _, _, message in i18n.extracted(TEMPLATES)))


def msgid(message) -> str:
    return message[0] if isinstance(message, tuple) else message


# -- The catalogue -------------------------------------------------------------------------------


def test_every_marked_string_has_its_spanish():
    messages = extracted_messages()
    assert len(messages) > 150  # the templates, the JavaScript's texts and the tables are all there
    spanish = catalogue()
    for message in messages:
        entry = spanish.get(msgid(message))
        assert entry is not None, f"{message!r} is not in {CATALOGUE.name}: run make messages"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"{message!r} has no Spanish"
        if isinstance(message, tuple):
            assert entry.id == message, f"{message!r}: the catalogue's plural is {entry.id!r}"
    assert i18n.missing(i18n.LOCALES, TEMPLATES) == []


def test_the_template_file_is_what_make_messages_extracts():
    """locales/messages.pot and babel.cfg are in step with the templates and with i18n.extracted,
    which check uses: the same messages, extracted the same way."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (REPO / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    jinja = next(options_map[pattern] for pattern, method in method_map if method == "jinja2")
    assert {name: jinja.get(name) for name in i18n.TEMPLATE_SYNTAX} == {k: str(v).lower() for k, v in i18n.TEMPLATE_SYNTAX.items()}
    by_cfg = {message for *_, message, _, _ in extract_from_dir(REPO, method_map, options_map, DEFAULT_KEYWORDS) if msgid(message)}
    ours = set(extracted_messages())
    assert by_cfg == ours
    template = catalogue(REPO / "locales" / "messages.pot")
    assert {m.id for m in template if m.id} == ours, "locales/messages.pot is out of date: run make messages"


def test_the_environment_parses_templates_as_extraction_does():
    env = make_environment(TEMPLATES)
    assert {name: getattr(env, name) for name in i18n.TEMPLATE_SYNTAX} == i18n.TEMPLATE_SYNTAX


# -- A missing translation is an error -------------------------------------------------------------


@pytest.fixture(scope="module")
def generator(tmp_path_factory) -> Path:
    """A copy of the generator (command line, code, templates, catalogues) whose catalogue a
    test may break; its check reads its own locales/."""
    root = tmp_path_factory.mktemp("generator")
    shutil.copy2(REPO / "build.py", root)
    for folder in ("sitegen", "templates", "locales"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module")
def spanish_on(tmp_path_factory) -> Path:
    """The basic fixture, which has Spanish pages (content/es/): Spanish is on."""
    source = copy_fixture("basic", tmp_path_factory.mktemp("spanish-on"))
    assert (source / "content" / "es").is_dir()
    return source


def english_only(folder: Path) -> Path:
    """The basic fixture without its Spanish pages."""
    source = copy_fixture("basic", folder)
    shutil.rmtree(source / "content" / "es")
    return source


def po_line(text: str, message: str) -> int:
    """The line of a message's msgid in a .po file's text."""
    lines = text.splitlines()
    return lines.index(f'msgid "{message}"') + 1


BREAKS = {
    # what is done to the entry, and what check says
    "emptied": (
        lambda text, m, s: text.replace(f'msgid "{m}"\nmsgstr "{s}"', f'msgid "{m}"\nmsgstr ""'),
        "no Spanish translation; add a msgstr",
    ),
    "fuzzy": (
        lambda text, m, s: text.replace(f'msgid "{m}"\nmsgstr "{s}"', f'#, fuzzy\nmsgid "{m}"\nmsgstr "{s}"'),
        "the Spanish translation is marked fuzzy",
    ),
    "removed": (
        lambda text, m, s: text.replace(f'msgid "{m}"\nmsgstr "{s}"\n', 'msgid "removed"\nmsgstr "quitado"\n'),
        "no Spanish translation; add a msgstr (make messages adds the entry)",
    ),
}


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_string_without_its_spanish_fails_check_at_its_line(generator: Path, spanish_on: Path, how: str):
    po = i18n.catalogue_path(generator / "locales", "es")
    good = po.read_text()
    message, spanish = "Call to book", catalogue().get("Call to book").string
    change, said = BREAKS[how]
    broken = change(good, message, spanish)
    assert broken != good
    po.write_text(broken)
    try:
        result = _check(generator, spanish_on)
        without_spanish = _check(generator, english_only(spanish_on.parent / f"english-{how}"))
    finally:
        po.write_text(good)
    if how == "removed":  # where the string is used first: the header's call line
        path, line = next((p, n) for p, n, m in i18n.extracted(generator / "templates") if m == message)
        where = f"{path.relative_to(generator).as_posix()}:{line}"
    else:
        where = f"locales/es/LC_MESSAGES/messages.po:{po_line(broken, message)}"
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(line.startswith(f'{where}: msgid: "{message}": {said}') for line in result.stderr.splitlines()), result.stderr
    assert without_spanish.returncode == 0, without_spanish.stdout  # no content/es/: English only, nothing to translate


def test_a_translation_with_other_placeholders_fails_check(generator: Path, spanish_on: Path):
    po = i18n.catalogue_path(generator / "locales", "es")
    good = po.read_text()
    po.write_text(good.replace('msgstr "Foto de %(name)s"', 'msgstr "Foto de %(nombre)s"'))
    try:
        result = _check(generator, spanish_on)
    finally:
        po.write_text(good)
    assert result.returncode == 1
    line = po_line(good, "Portrait of %(name)s")
    assert (
        f'locales/es/LC_MESSAGES/messages.po:{line}: msgid: "Portrait of %(name)s": the Spanish translation\'s placeholders'
        in result.stderr
    )


def _check(generator: Path, source: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(generator / "build.py"), "check", "--source", str(source), "--today", TODAY],
        capture_output=True,
        text=True,
        cwd=generator,
        timeout=120,
    )


# -- Spanish pages show no English interface text ------------------------------------------------------


def english_texts() -> dict[str, re.Pattern]:
    """Each English message whose Spanish differs, as a pattern of what it shows: its text
    without tags, any value where a placeholder is."""
    spanish = catalogue()
    patterns = {}
    for message in extracted_messages():
        entry = spanish.get(msgid(message))
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for form in message if isinstance(message, tuple) else (message,):
            if form in strings:
                continue  # the same in both languages: "Hospital", the title's pattern
            shown = _plain(form)
            pieces = [re.escape(piece) for piece in re.split(r"%\(\w+\)s", shown)]
            words = " ".join(re.split(r"%\(\w+\)s", shown)).strip()
            # one lower-case word ("sacrum", "%(count)s doctors") is also a page's own word: the catalogue test covers it
            if re.search(r"[A-Za-z]{3,}", words) and not re.fullmatch(r"[a-z]+", words):
                patterns[form] = re.compile(r"(?<![\w])" + ".+?".join(pieces) + r"(?![\w])")
    return patterns


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{3,}", text))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


class _ShownText(HTMLParser):
    """The text a page shows or reads out: its text, its alt, aria-label, title and label
    attributes, and the messages of its JSON data blocks (the scripts show those)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self._script = tag == "script"
        self.parts += [value for name, value in attrs if name in ("alt", "aria-label", "title", "label") and value]

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if not self._script:
            self.parts.append(data)
            return
        try:
            found = json.loads(data)
        except ValueError:
            return
        if isinstance(found, dict) and "@context" not in found:  # not the JSON-LD, which is the lead's to translate
            self.parts += [re.sub(r"\{\w+\}", "1", text) for text in _strings(found)]


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def shown_pieces(html: str) -> list[str]:
    parser = _ShownText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


def shown_text(html: str) -> str:
    return " ".join(shown_pieces(html))


@pytest.fixture(scope="module")
def site_in_words_of_its_own(tmp_path_factory) -> Path:
    """The basic fixture with every English interface message taken out of its pages' and
    data's own words (as a Spanish page's would be), so that any left on a page came from
    the interface; and a location no doctor works at and a medical draft not yet reviewed,
    for the lines those show."""
    source = copy_fixture("basic", tmp_path_factory.mktemp("own-words"))
    pieces = sorted(
        {piece for message in english_texts() for piece in re.split(r"%\(\w+\)s", _plain(message)) if re.search(r"[A-Za-z]{3,}", piece)},
        key=len,
        reverse=True,
    )
    for path in [*(source / "content").rglob("*.md"), *(source / "data").glob("*.yaml")]:
        text = path.read_text()
        for piece in pieces:  # as words: not a link's path or a field's value (sacrum, a region)
            if not re.fullmatch(r"[a-z]+", piece.strip()):
                text = re.sub(r"(?<![\w/-])" + re.escape(piece.strip()) + r"(?![\w/-])", "palabra", text)
        path.write_text(text)
    with (source / "data" / "locations.yaml").open("a") as file:
        file.write(
            '\n- id: cary\n  name: Cary\n  kind: clinic\n  address: {street: 1 Calle, city: Cary, state: NC, zip: "27511"}\n'
            '  geo: {lat: 35.79, lng: -78.78}\n  phone: "+19195550112"\n  hours:\n    - {days: [Mo, We], opens: "12:00", closes: "16:30"}\n'
            "  sample: true\n"
        )
    for folder in ("tests", "treatments"):  # a folder's own page, which would otherwise take its kind's title (validate.py)
        (source / "content" / folder / "_index.md").write_text("---\ntitle: Palabra\nsummary: Palabras.\n---\nPalabras.\n")
    draft = source / "content" / "treatments" / "draft-therapy.md"
    draft.write_text(re.sub(r"(?m)^(medically_reviewed|reviewed_by):.*\n", "", draft.read_text()))
    return source


def make_renderer(source: Path, lang: str, locales: Path = i18n.LOCALES) -> Renderer:
    """The renderer of a site's pages in lang, its bodies analyzed in that language."""
    from sitegen.pipeline import load_and_check
    from sitegen.search import word_list_name

    options = Options(source=source, out=source / "site", today=dt.date.fromisoformat(TODAY), drafts=True, search=False, jobs=1)
    result = load_and_check(options)
    assert not result.problems.errors, result.problems.report()
    model = result.model
    assets = {path.name: f"assets/{path.name}" for path in (TEMPLATES / "assets").iterdir()}
    assets |= {name: f"assets/{name}" for name in ["zips.json", *(word_list_name(language.code) for language in LANGUAGES)]}
    urls = Urls(base_url=model.data.site.base_url, assets=assets, media={name: m.output for name, m in model.media.items()})
    english = Renderer(model, urls, TEMPLATES, locales=locales)
    renderer = english if lang == "en" else next(r for r in english.translated if r.language.code == lang)
    pages = [page for page in model.pages if page.language.code == lang]
    for page in pages:  # analyzed again (a claim's source line): the pipeline analyzed them with its own catalogue
        model.bodies[page.url].html = None
    renderer.fill_bodies(pages, 1)
    return renderer


def render_all(source: Path, lang: str) -> dict[str, str]:
    """Every page the site has in lang: its translations and its own pages in the language."""
    renderer = make_renderer(source, lang)
    outputs = renderer.outputs().items()
    return {path: make().decode() for path, make in outputs if path.endswith(".html") and (lang != "en") == path.startswith(f"{lang}/")}


def test_spanish_pages_show_no_english_interface_text(site_in_words_of_its_own: Path):
    patterns = english_texts()
    english = {path: shown_text(html) for path, html in render_all(site_in_words_of_its_own, "en").items()}
    spanish_pages = render_all(site_in_words_of_its_own, "es")
    spanish = {path: shown_text(html) for path, html in spanish_pages.items()}
    # The English pages show them (the test can see a string left in English) ...
    shown_in_english = {message for message, pattern in patterns.items() if any(pattern.search(text) for text in english.values())}
    assert len(shown_in_english) > 0.8 * len(patterns), sorted(set(patterns) - shown_in_english)
    # ... and no Spanish page does.
    left = sorted(f"{path}: {message!r}" for path, text in spanish.items() for message, pattern in patterns.items() if pattern.search(text))
    assert left == [], "\n".join(left)
    # Nor any other text, such as a string the code forgot to mark: each piece of text is the
    # site's own (its files say it), or each of its words, as written, is the catalogue's, the
    # site's own or Babel's (the months and days).
    own = " ".join(
        p.read_text()
        for folder in ("content", "data")
        for p in (site_in_words_of_its_own / folder).rglob("*.*")
        if p.suffix in (".md", ".yaml")
    )
    known = _words(" ".join(s for m in catalogue() if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))) + " " + own)
    known |= _words(" ".join(i18n.long_date(dt.date(2026, month, 1), "es") for month in range(1, 13)))
    known |= _words(i18n.days_display(["Mo", "We", "Fr"], "es") + " " + i18n.days_display(["Tu", "Th", "Sa", "Su"], "es"))
    unknown = sorted(
        {
            f"{path}: {piece!r}"
            for path, html in spanish_pages.items()
            for piece in shown_pieces(html)
            if piece not in own and _words(piece) - known
        }
    )
    assert unknown == [], "\n".join(unknown)


@pytest.mark.parametrize(
    "template",
    sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html") if p.name not in i18n.UNTRANSLATED_TEMPLATES),
)
def test_every_word_a_template_shows_is_in_a_message(template: str):
    """Text, alt, aria-label, title and label attributes hold no words of their own: each goes
    through {% trans %} or _() (what a tag's other attributes and the drawing's numbers say is
    not shown)."""
    text = (TEMPLATES / template).read_text()
    for pattern in (r"{% trans.*?{% endtrans %}", r"{#.*?#}", r"{%.*?%}", r"{{.*?}}"):
        text = re.sub(pattern, " ", text, flags=re.S)
    shown = re.findall(r'\b(?:alt|aria-label|title|label)="([^"]*)"', text)
    shown += re.sub(r"<[^>]*>", " ", text, flags=re.S).split("\n")
    assert [words.strip() for words in shown if re.search(r"[A-Za-z]{2,}", words)] == []


def test_a_component_in_spanish():
    env = make_environment(TEMPLATES, lang="es")
    call_bar = env.get_template("components/call_bar.html").module.call_bar
    assert 'Llame para pedir cita<span class="visually-hidden"> con Ana Ruiz</span>' in call_bar("+19195550100", "Ana Ruiz", "")
    stamp = env.get_template("components/review_stamp.html").module.review_stamp
    shown = stamp({"reviewed": dt.date(2026, 11, 20), "reviewer": None, "overdue": False, "next_due": dt.date(2029, 11, 20)})
    assert 'Revisión médica del <time datetime="2026-11-20">20 de noviembre de 2026</time>' in shown
    assert 'Próxima revisión: <time datetime="2029-11-20">20 de noviembre de 2029</time>.' in shown
    # a value in a message is escaped as the template's own {{ }} would escape it
    search_box = env.get_template("components/search_box.html").module.search_box
    assert '<label for="q">Buscar en este sitio</label>' in search_box("/buscar/", "q")
    hours = env.from_string("{% trans days=d|days, opens=o|time, closes=c|time %}{{ days }}: {{ opens }} to {{ closes }}{% endtrans %}")
    assert hours.render(d=["Mo", "Tu", "We", "Th", "Fr"], o="08:00", c="17:00") == "lunes a viernes: de 8:00\u202fa.m. a 5:00\u202fp.m."


# -- English is the templates' own words ----------------------------------------------------------------


def test_english_shows_every_message_as_written():
    env = make_environment(TEMPLATES)
    for message in extracted_messages():
        if isinstance(message, tuple):
            assert env.translations.ngettext(*message, 1) == message[0]
            assert env.translations.ngettext(*message, 2) == message[1]
        else:
            assert env.translations.gettext(message) == message
    assert env.from_string('{% trans %}Doctor\'s name & "more"{% endtrans %}').render() == 'Doctor\'s name & "more"'
    assert (
        env.from_string("{% trans name=n %}Portrait of {{ name }}{% endtrans %}").render(n="O'Neil & <b>")
        == "Portrait of O&#39;Neil &amp; &lt;b&gt;"
    )
    assert env.from_string("{{ n }}").render(n="O'Neil & <b>") == "O&#39;Neil &amp; &lt;b&gt;"


def test_an_english_build_does_not_import_babel(tmp_path: Path):
    """Babel is for Spanish: an English build, its processes and its check never load it
    (Python's -X importtime lists every module each process imports)."""
    source = english_only(tmp_path)
    command = [sys.executable, "-X", "importtime", str(REPO / "build.py"), "build", "--source", str(source)]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "site"), "--no-search", "--today", TODAY], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file() and "| jinja2.ext" in result.stderr  # the i18n extension is in
    assert "babel" not in result.stderr


# -- Formatting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "english", "spanish"),
    [
        (lambda lang: i18n.long_date(dt.date(2026, 11, 20), lang), "November 20, 2026", "20 de noviembre de 2026"),
        (lambda lang: i18n.long_date("2026-03-01", lang), "March 1, 2026", "1 de marzo de 2026"),
        (lambda lang: i18n.time_display("08:00", lang), "8 a.m.", "8:00\u202fa.m."),
        (lambda lang: i18n.time_display("12:00", lang), "noon", "12:00\u202fp.m."),
        (lambda lang: i18n.time_display("13:30", lang), "1:30 p.m.", "1:30\u202fp.m."),
        (lambda lang: i18n.time_display("00:15", lang), "12:15 a.m.", "12:15\u202fa.m."),
        (lambda lang: i18n.days_display(["Mo", "Tu", "We", "Th", "Fr"], lang), "Monday to Friday", "lunes a viernes"),
        (lambda lang: i18n.days_display(["Sa", "Mo"], lang), "Monday, Saturday", "lunes y sábado"),
        (lambda lang: i18n.days_display(["Fr", "We", "Mo"], lang), "Monday, Wednesday, Friday", "lunes, miércoles y viernes"),
        (lambda lang: i18n.days_display(["Th", "Fr", "Sa", "Su"], lang), "Thursday to Sunday", "jueves a domingo"),
        (lambda lang: i18n.and_list(["cuello"], lang), "cuello", "cuello"),
        (lambda lang: i18n.and_list(["a", "b"], lang), "a and b", "a y b"),
        (lambda lang: i18n.and_list(["a", "b", "c"], lang), "a, b and c", "a, b y c"),
        (lambda lang: i18n.and_list(["español", "inglés"], lang), "español and inglés", "español e inglés"),
        (lambda lang: i18n.and_list(["francés", "hindi"], lang), "francés and hindi", "francés e hindi"),
        (lambda lang: i18n.and_list(["francés", "alemán", "inglés"], lang), "francés, alemán and inglés", "francés, alemán e inglés"),
        (lambda lang: i18n.and_list(["agua", "hielo"], lang), "agua and hielo", "agua y hielo"),
    ],
)
def test_dates_times_days_and_lists(shown, english, spanish):
    assert (shown("en"), shown("es")) == (english, spanish)


def test_the_environment_formats_in_its_language():
    date = dt.date(2026, 11, 20)
    for lang, expected in (("en", "November 20, 2026 8 a.m."), ("es", "20 de noviembre de 2026 8:00\u202fa.m.")):
        env = make_environment(TEMPLATES, lang=lang)
        assert env.from_string("{{ d|long_date }} {{ t|time }}").render(d=date, t="08:00") == expected


# -- Sorting ----------------------------------------------------------------------------------------


def test_spanish_sorts_accents_with_their_letter_and_n_tilde_after_n():
    words = [
        "ñandú",
        "Óscar",
        "nube",
        "oro",
        "zapato",
        "ángel",
        "azul",
        "Árbol",
        "cuello",
        "Cáncer",
        "chico",
        "canal",
        "luz",
        "llama",
        "año",
        "anual",
    ]
    assert sorted(words, key=lambda w: i18n.sort_key(w, "es")) == [
        "ángel",
        "anual",
        "año",
        "Árbol",
        "azul",
        "canal",
        "Cáncer",
        "chico",
        "cuello",
        "llama",
        "luz",
        "nube",
        "ñandú",
        "oro",
        "Óscar",
        "zapato",
    ]
    # family names: ñ after n (Muniz, Muñoz), and both before r (Murillo)
    assert sorted(["Murillo", "Muñoz", "Muniz", "Núñez", "Nuñez", "Ortiz"], key=lambda w: i18n.sort_key(w, "es")) == [
        "Muniz",
        "Muñoz",
        "Murillo",
        "Nuñez",
        "Núñez",
        "Ortiz",
    ]
    # words the same but for accents or case: a fixed order, plain and lower case first
    assert sorted(["papá", "Papa", "papa"], key=lambda w: i18n.sort_key(w, "es")) == ["papa", "Papa", "papá"]


def test_english_sorts_as_it_always_has():
    words = ["Óscar", "oro", "ñandú", "nube", "Zeta", "ángel", "azul", "MRI", "meningioma"]
    assert sorted(words, key=lambda w: i18n.sort_key(w, "en")) == sorted(words, key=str.casefold)


@pytest.mark.parametrize(
    ("text", "lang", "letter"), [("ángel", "es", "A"), ("ñandú", "es", "Ñ"), ("Óscar", "en", "Ó"), ("3D scan", "es", "#")]
)
def test_the_letter_a_word_is_listed_under(text, lang, letter):
    assert i18n.initial(text, lang) == letter


# -- The scripts' texts come from the page --------------------------------------------------------------


@pytest.mark.parametrize("script", ["finder.js", "search.js"])
def test_the_scripts_have_no_words_of_their_own(script):
    source = (TEMPLATES / "assets" / script).read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*|new Error\([^)]*\)", "", source, flags=re.S)  # comments, and errors no one is shown
    literals = re.findall(r'"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`', code)
    assert [text for text in literals if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", text) and text != '"use strict"'] == []


@pytest.mark.parametrize(
    ("page", "script", "guarded"),
    [
        ("doctors/index.html", "finder.js", ()),
        ("locations/index.html", "finder.js", ("showing", "noMatch")),
        ("search/index.html", "search.js", ()),
    ],
)
def test_each_page_gives_its_script_every_message_it_asks_for(basic_site: Path, page: str, script: str, guarded: tuple):
    """guarded: messages the script asks for only where the page has their place (the
    locations list has no count)."""
    html = (basic_site / page).read_text()
    block = re.search(r'<script type="application/json" id="ui-text">(.*?)</script>', html).group(1)
    assert "<" not in block
    given = json.loads(block)
    code = (TEMPLATES / "assets" / script).read_text()
    assert set(re.findall(r"(?<!function )phrase\(\s*(\S)", code)) == {'"'}  # every call names its message
    asked = set(re.findall(r'phrase\(\s*"(\w+)"', code))
    assert len(asked) > 3 and asked - set(guarded) <= set(given), sorted(asked - set(given))


# -- The catalogues are a build's input ----------------------------------------------------------------


def test_a_spanish_output_reads_the_catalogue(tmp_path: Path):
    """Every use of a template in Spanish reads the Spanish catalogue, whose value is its .po
    file's digest: an output is made again when its words' translation changes. English reads
    none."""
    import hashlib

    from sitegen.render import CATALOGUE

    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES, locales)
    read = (CATALOGUE + "es", "")
    assert read in make_environment(TEMPLATES, lang="es", locales=locales).needs("components/call_bar.html")
    assert not [r for r in make_environment(TEMPLATES).needs("tumor.html") if r[0].startswith(CATALOGUE)]
    renderer = make_renderer(copy_fixture("basic", tmp_path), "es", locales)
    po = i18n.catalogue_path(locales, "es")
    before = renderer.value(read[0])
    assert before == hashlib.sha256(po.read_bytes()).hexdigest()
    po.write_text(po.read_text().replace("Llame para pedir cita", "Llame para hacer una cita"))
    assert renderer.value(read[0]) == hashlib.sha256(po.read_bytes()).hexdigest() != before


def test_an_edited_catalogue_is_seen_by_the_build(tmp_path: Path):
    locales = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES, locales)
    options = Options(source=FIXTURES / "basic", out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), locales=locales)
    assert locales in source_folders(options)
    before = fingerprint(options)
    po = i18n.catalogue_path(locales, "es")
    po.write_text(po.read_text() + "\n")
    os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns - 10_000_000_000))
    assert fingerprint(options) != before
