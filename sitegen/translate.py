"""`translate PATH --to es`: a translation's first draft, and `review --retranslated PATH`:
record that a translation was brought up to date with its English page. Both write the
digest of the English text (content.translation_digest) as translated_from, which the build
compares with the English page as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .content import load_page, translation_digest
from .kinds import ENGLISH, TRANSLATIONS, language_of
from .problems import Problems
from .stamp import BOM, _replace, _shown, set_fields

# What a draft translation says where the translator has work to do.
TO_TRANSLATE = "translate this"


@dataclass
class Written:
    problems: Problems
    path: Path | None = None  # the file written
    message: str = ""  # for --retranslated: the commit message
    original: bytes | None = None  # the file before it was changed, to put back if a commit fails


def _english_page(source: Path, rel: str, problems: Problems):
    path = source / rel
    if not path.is_file():
        problems.error(rel, 1, "file", "does not exist; a translation is made of an English page in content/")
        return None
    page = load_page(path, rel, rel.removeprefix("content/"), problems)
    return None if problems.errors else page


def relative(source: Path, path: Path) -> str | None:
    """path as a path below the source folder (content/...), or None when it is not there."""
    shown = _shown(source, path)
    return shown if shown.startswith("content/") and shown.endswith(".md") else None


def write_translation(source: Path, path: Path, code: str) -> Written:
    """A draft translation of the English page at path into the language code: its own
    fields (title, summary, other names, search terms) and body copied to be translated,
    translated_from the English text's digest, and none of the fields it shares with the
    English page. It never overwrites a file."""
    problems = Problems()
    rel = relative(source, path)
    if rel is None:
        problems.error(str(path), 1, "file", "is not a page in content/ (a .md file)")
        return Written(problems)
    language, english_rel = language_of(rel.removeprefix("content/"))
    if language is not ENGLISH:
        problems.error(rel, 1, "file", f"is a {language.name} page; translate its English page, content/{english_rel}")
        return Written(problems)
    target = TRANSLATIONS[code]
    page = _english_page(source, rel, problems)
    if page is None:
        return Written(problems)
    out = source / "content" / target.code / english_rel
    if out.exists():
        problems.error(_shown(source, out), 1, "file", "already exists; nothing was written (edit that file)")
        return Written(problems)
    fields = [f"title: {_quoted(page.title)}  # {TO_TRANSLATE}", f"summary: {_quoted(page.summary)}  # {TO_TRANSLATE}"]
    if page.also_known_as:
        fields.append(f"also_known_as: [{', '.join(_quoted(name) for name in page.also_known_as)}]  # {TO_TRANSLATE}")
    fields.append(f"search_terms: []  # words and misspellings in {target.name} that should find the page")
    fields.append(f"translated_from: {translation_digest(page)}  # the English text this was made from; do not edit")
    fields.append(f"draft: true  # remove this line once it is translated{' and a doctor has reviewed it' if page.medical else ''}")
    text = "---\n" + "\n".join(fields) + "\n---\n" + page.body
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "x", encoding="utf-8") as handle:
        handle.write(text)
    return Written(problems, out)


def retranslated(source: Path, path: Path) -> Written:
    """Set a translation's translated_from to its English page's text as it is now, touching
    no other byte of the file, and write the commit message that says so."""
    problems = Problems()
    rel = relative(source, path)
    language = language_of(rel.removeprefix("content/"))[0] if rel else ENGLISH
    if rel is None or language is ENGLISH:
        problems.error(rel or str(path), 1, "file", "is not a translation; --retranslated takes a page in content/es/")
        return Written(problems)
    english_rel = "content/" + language_of(rel.removeprefix("content/"))[1]
    english = _english_page(source, english_rel, problems)
    if english is None:
        return Written(problems)
    raw = path.read_bytes()
    bom = BOM if raw.startswith(BOM) else b""
    text = raw[len(bom) :].decode("utf-8")
    digest = translation_digest(english)
    changed = set_fields(text, {"translated_from": digest})
    if changed == text:
        problems.warn(rel, 1, "translated_from", "already says the English page as it is now; the file is unchanged")
        return Written(problems, path)
    _replace(path, bom + changed.encode("utf-8"))
    message = f"Translation brought up to date: {rel}\n\n{rel} now translates {english_rel} as it is (translated_from: {digest[:19]}...).\n"
    return Written(problems, path, message, raw)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
