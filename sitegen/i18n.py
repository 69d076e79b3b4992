"""The interface's own words in each language: the message catalogues in locales/ (Babel's
.po files, compiled in memory when a build needs them), dates, times, days and lists in each
language's house style, the order Spanish readers sort words in, and the check that every
string the templates and the code mark for translation has its Spanish.

English is the language the templates and the code are written in: it needs no catalogue, and
an English build never imports Babel (warm builds are measured; Babel costs tens of
milliseconds to import). Spanish goes through Babel with the es_US locale."""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
import unicodedata
from io import BytesIO
from pathlib import Path

CODE = Path(__file__).resolve().parent
LOCALES = CODE.parent / "locales"
DOMAIN = "messages"
# The languages the interface is written in, with the locale Babel formats each in.
LOCALE_OF = {"en": "en_US", "es": "es_US"}
# How the templates are written, for the environment that renders them (render.py) and for
# extraction, which must parse them the same way (babel.cfg says the same; test_i18n checks it).
TEMPLATE_SYNTAX = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
# The templates that are not the site's: the review report is an English-only tool for editors.
UNTRANSLATED_TEMPLATES = ("review-report.html",)


def N_(message: str) -> str:
    """Marks a string of a Python table (a kind's title, a menu entry) for extraction, where it
    is defined; it is translated where it is shown, in the page's language."""
    return message


# Each language's name in itself, as the language switcher offers it on the other language's
# pages; their translations are the same words.
# What a translated page says after a link to a page that is only in English, and what an
# English page says, in the language of a page it has not yet been translated into, where it
# offers that language's pages instead (each message is translated by that language's
# catalogue: "your language" is the language the catalogue is of).
IN_ENGLISH = N_("(in English)")
NOT_YET = N_("not yet in your language")
NOT_TRANSLATED = N_(
    'This page is not in your language yet. <a href="%(pages)s">See our pages in your language</a>. '
    'For help in your language, call <a href="tel:%(number)s">%(shown)s</a>.'
)


# -- Catalogues ---------------------------------------------------------------------------------


def catalogue_path(locales: Path, lang: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def translations(locales: Path, lang: str) -> gettext.NullTranslations:
    """The interface's translations into lang: none for English (its strings are the
    messages themselves), else the catalogue compiled from its .po file."""
    if lang == "en":
        return gettext.NullTranslations()
    return _compiled(catalogue_path(locales, lang).read_bytes(), lang)


@functools.lru_cache(maxsize=4)
def _compiled(po: bytes, lang: str) -> gettext.NullTranslations:
    """A .po file's bytes as translations, compiled in memory (kept while its bytes are the
    same: every environment of a build, and serve's rebuilds, share one). Fuzzy entries are
    left out, as msgfmt leaves them: an entry flagged as maybe wrong shows no translation,
    and `check` says so (missing)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    catalog = read_po(BytesIO(po), locale=LOCALE_OF[lang], domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# -- Dates, times, days and lists ------------------------------------------------------------------

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")  # as data/locations.yaml writes them, Monday first
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))


def long_date(date: dt.date | str, lang: str = "en") -> str:
    """November 20, 2026 (20 de noviembre de 2026); from a date or its ISO text (a source's accessed)."""
    date = dt.date.fromisoformat(date) if isinstance(date, str) else date
    if lang == "en":
        return f"{date:%B} {date.day}, {date.year}"
    from babel.dates import format_date

    return format_date(date, format="long", locale=LOCALE_OF[lang])


def time_display(value: str, lang: str = "en") -> str:
    """08:00 → 8 a.m.; 13:30 → 1:30 p.m.; 12:00 → noon. In Spanish, Babel's short time for
    es_US: 8:00 a.m. (with a narrow no-break space before a.m.)."""
    hour, minute = (int(x) for x in value.split(":"))
    if lang != "en":
        from babel.dates import format_time

        return format_time(dt.time(hour, minute), format="short", locale=LOCALE_OF[lang])
    suffix = "a.m." if hour < 12 else "p.m."
    if hour == 12 and minute == 0:
        return "noon"
    shown = hour % 12 or 12
    return f"{shown}:{minute:02d} {suffix}" if minute else f"{shown} {suffix}"


def days_display(days: list[str], lang: str = "en") -> str:
    """Three or more days in a row as a range, "Monday to Friday" ("lunes a viernes"), others
    listed in the week's order, "Monday, Saturday" ("lunes y sábado", as Spanish lists them)."""
    names = DAY_NAMES if lang == "en" else _day_names(lang)
    indexes = sorted(DAYS.index(d) for d in days)
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        first, last = names[DAYS[indexes[0]]], names[DAYS[indexes[-1]]]
        return f"{first} to {last}" if lang == "en" else f"{first} a {last}"
    listed = [names[DAYS[i]] for i in indexes]
    return ", ".join(listed) if lang == "en" else and_list(listed, lang)


@functools.cache
def _day_names(lang: str) -> dict[str, str]:
    from babel.dates import get_day_names

    wide = get_day_names("wide", locale=LOCALE_OF[lang])  # Babel counts from Monday, 0
    return {day: wide[i] for i, day in enumerate(DAYS)}


def and_list(words: list[str], lang: str = "en") -> str:
    """Words as a sentence lists them: "a", "a and b", "a, b and c" ("a, b y c")."""
    words = list(words)
    if lang == "en":
        return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
    from babel.lists import format_list

    if lang == "es" and len(words) > 1 and _sounds_like_i(words[-1]):
        # Spanish says "e" for "and" before the sound i ("español e inglés"), which Babel's
        # list pattern ("{0}, {1}" then "{0} y {1}") does not know.
        return ", ".join(words[:-1]) + " e " + words[-1]
    return format_list(words, locale=LOCALE_OF[lang])


def _sounds_like_i(word: str) -> bool:
    """A Spanish word that starts with the vowel i (inglés, hígado, ícono), not with the
    semivowel of hielo or hiato."""
    return bool(re.match(r"h?i(?![aeiou])", _without_accents(word.casefold())))


# -- Sorting --------------------------------------------------------------------------------------

_AFTER_N = "\U0010ffff"  # sorts after every letter: n + this is after every n-word and before o


def sort_key(text: str, lang: str) -> tuple:
    """Where text stands in a list sorted for readers of lang (the A to Z list, doctors by
    family name). English: case set aside (str.casefold), as the site has always sorted.
    Spanish: accents set aside first (á is a), ñ a letter of its own between n and o, case
    set aside; words that differ only by accent or case then in a fixed order, unaccented
    and lower case first."""
    folded = text.casefold()
    if lang == "en":
        return (folded,)
    decomposed = unicodedata.normalize("NFD", folded)
    primary = []
    for char in decomposed:
        if char == "\u0303" and primary and primary[-1] == "n":  # the tilde of ñ
            primary.append(_AFTER_N)
        elif not unicodedata.combining(char):
            primary.append(char)
    return ("".join(primary), decomposed, text.swapcase())


def initial(text: str, lang: str) -> str:
    """The letter a list sorted by sort_key files text under: its first letter in capitals,
    without an accent in Spanish (Á under A; Ñ is its own letter), or # when it is not a
    letter."""
    first = text[:1]
    if not first.isalpha():
        return "#"
    if lang != "en" and first.casefold() != "ñ":
        first = _without_accents(first)
    return first.upper()


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# -- Every string has its Spanish -------------------------------------------------------------------

# The names of the functions that mark a string in the code: Babel's own (gettext, ngettext,
# _ and the rest, N_ among them). A module that names none of them is not tokenized.
_MARKED = r"\b(?:N_|_|[dnpu]*gettext)\s*\("


def extracted(templates: Path) -> list[tuple[Path, int, str | tuple[str, ...]]]:
    """(file, line, message) of every string marked for translation: in the templates (the
    review report aside) and in the generator's code. A message with a plural form is the
    tuple of its forms. The same as `make messages` extracts, by Babel's own extractors."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract
    from jinja2.ext import babel_extract

    found = []
    jinja_options = {"silent": "false", **{name: str(value).lower() for name, value in TEMPLATE_SYNTAX.items()}}
    for path in sorted(templates.rglob("*.html")):
        if path.relative_to(templates).as_posix() in UNTRANSLATED_TEMPLATES:
            continue
        with path.open("rb") as file:
            for line, message, _, _ in extract(babel_extract, file, DEFAULT_KEYWORDS, options=jinja_options):
                found.append((path, line, message))
    for path in sorted(CODE.glob("*.py")):
        source = path.read_bytes()
        if not re.search(_MARKED, source.decode("utf-8")):
            continue
        for line, message, _, _ in extract("python", BytesIO(source), DEFAULT_KEYWORDS):
            found.append((path, line, message))
    return found


def missing(locales: Path, templates: Path, lang: str = "es") -> list[tuple[str, int, str]]:
    """(path, line, message) for every string marked for translation that has no translation
    into lang: not in the catalogue (at the first place it is used), or there with an empty
    translation, or one marked fuzzy, or one whose placeholders are not the English's (at
    its line of the .po file). Paths are from the folder that holds locales/ (templates/ and
    sitegen/ beside it, in this repository)."""
    from babel.messages.pofile import read_po

    po = catalogue_path(locales, lang)
    root = locales.parent
    where = _shown_from(root)
    if not po.is_file():
        return [(where(po), 1, f"no {_LANGUAGE[lang]} catalogue; run make messages, which makes it, and fill in its translations")]
    catalog = read_po(BytesIO(po.read_bytes()), locale=LOCALE_OF[lang], domain=DOMAIN)
    language = _LANGUAGE[lang]
    found: dict[str, tuple[str, int, str]] = {}
    for path, line, message in extracted(templates):
        msgid = message[0] if isinstance(message, tuple) else message
        if not msgid or msgid in found:
            continue
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (entry.string if entry else "",)
        shown = _shown(msgid)
        if entry is None:
            found[msgid] = (where(path), line, f"{shown}: no {language} translation; add a msgstr (make messages adds the entry)")
        elif not all(strings):
            found[msgid] = (where(po), entry.lineno, f"{shown}: no {language} translation; add a msgstr")
        elif entry.fuzzy:
            found[msgid] = (
                where(po),
                entry.lineno,
                f'{shown}: the {language} translation is marked fuzzy (it may not say what the English says); check it and remove "fuzzy"',
            )
        else:
            errors = entry.check(catalog)
            if errors:
                found[msgid] = (
                    where(po),
                    entry.lineno,
                    f"{shown}: the {language} translation's placeholders are not the English's ({errors[0]})",
                )
    return sorted(found.values())


_LANGUAGE = {"es": "Spanish"}


def _shown(msgid: str) -> str:
    """A message as a problem names it: quoted, its first 60 characters."""
    one_line = " ".join(msgid.split())
    return '"' + (one_line if len(one_line) <= 60 else one_line[:59] + "…") + '"'


def _shown_from(root: Path):
    def where(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)

    return where
