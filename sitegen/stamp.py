"""`review --stamp PATH --by PROVIDER_ID`: record a medical review by setting a page's
medically_reviewed and reviewed_by, touching no other byte of the file (line endings, a byte
order mark, comments and quoting stay as they were), and write the commit message for it."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .data import load_data
from .kinds import KINDS, place
from .problems import Problems
from .source import YMap, load_yaml, plain_yaml, read_text, split_front_matter
from .validate import nearest

BOM = b"\xef\xbb\xbf"
# Where medical pages are, from the table of kinds: "the home page and the pages in tumors/, ..."
_PLACES = [f"the {kind.noun} page" if kind.file else f"the pages in {kind.folder}/" for kind in KINDS if kind.medical]
MEDICAL_PAGES = ", ".join(_PLACES[:-1]) + " and " + _PLACES[-1]


@dataclass
class Stamped:
    problems: Problems
    message: str = ""  # the commit message, with a Reviewed-by trailer
    usage: str = ""  # what is wrong with the command line (--by), when that is what stopped it
    original: bytes | None = None  # the file's bytes before the stamp, where it was written


def stamp_review(source: Path, path: Path, provider_id: str, today: dt.date) -> Stamped:
    problems = Problems()
    rel = _shown(source, path)
    if not _is_medical_page(source, path):
        problems.error(rel, 1, "file", f"is not a medical page; {MEDICAL_PAGES} carry a review")
        return Stamped(problems)
    data = load_data(source, problems)
    meta = _front_matter(path, rel, problems)
    if problems.errors or meta is None:
        return Stamped(problems)
    providers = {p.id: p for p in data.providers}
    provider = providers.get(provider_id)
    line = meta.key_lines.get("reviewed_by", 1)
    if provider is None:
        active = sorted(p.id for p in data.providers if p.active)
        return Stamped(
            problems, usage=f'--by: no provider with id "{provider_id}" in data/providers.yaml; {nearest(provider_id, active, "known ids")}'
        )
    if not provider.active:
        return Stamped(
            problems,
            usage=f"--by: {provider.name} ({provider.id}) is inactive (active: false in data/providers.yaml); a new review needs an active provider",
        )
    raw = path.read_bytes()
    bom = BOM if raw.startswith(BOM) else b""
    text = raw[len(bom) :].decode("utf-8")
    values = _review_values(provider.id, today)
    stamped = set_fields(text, values)
    if not _only_fields_changed(text, stamped, values):
        problems.error(rel, 1, "front matter", "medically_reviewed and reviewed_by could not be set alone here; set them by hand")
        return Stamped(problems)
    if stamped == text:
        problems.warn(rel, line, "reviewed_by", f"already reviewed on {today.isoformat()} by {provider.id}; the file is unchanged")
        raw = None
    else:
        _replace(path, bom + stamped.encode("utf-8"))
    title = meta.get("title") if isinstance(meta.get("title"), str) else rel
    # Where the page already said this review, a commit of it signs the page as it is now.
    signs = "" if raw is not None else ", as it is now (it already said this review)"
    message = (
        f"Medical review: {title}\n\n"
        f"{rel} reviewed on {today.isoformat()} by {provider.full_name}{signs}.\n\n"
        f"Reviewed-by: {provider.name} <{provider.id}>\n"
    )
    return Stamped(problems, message, original=raw)


def says_review(path: Path, provider_id: str, today: dt.date) -> bool:
    """Whether the page's review fields already say this review: today, by provider_id (the
    doctor reviewed the page earlier today and now reviews an edit of it)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    values = _review_values(provider_id, today)
    return set_fields(text, values) == text


def _review_values(provider_id: str, today: dt.date) -> dict[str, str]:
    """The fields a review stamp sets, as it writes them."""
    return {"medically_reviewed": today.isoformat(), "reviewed_by": provider_id}


def undo(path: Path, stamped: Stamped) -> None:
    """Put the file back as it was before the stamp (a commit of it failed)."""
    if stamped.original is not None:
        _replace(path, stamped.original)


def set_fields(text: str, values: dict[str, str]) -> str:
    """The text with each field's value in the front matter replaced (keeping its quotes and
    any comment after it), or the field added before the closing --- where it is missing."""
    lines = io.StringIO(text, newline="").readlines()
    close = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    newline = lines[0][len(lines[0].rstrip("\r\n")) :] or "\n"
    for key, value in values.items():
        pattern = re.compile(rf"({re.escape(key)}[ \t]*:[ \t]*)(.*?)([ \t]+#.*)?")
        found = False
        for index in range(1, close):
            content = lines[index].rstrip("\r\n")
            match = pattern.fullmatch(content)
            if not match:
                continue
            found = True
            prefix, old = match.group(1), match.group(2).strip()
            quote = old[0] if old[:1] in ("'", '"') else ""
            prefix = prefix if prefix[-1] in " \t" else prefix + " "
            lines[index] = f"{prefix}{quote}{value}{quote}{match.group(3) or ''}{lines[index][len(content) :]}"
        if not found:
            lines.insert(close, f"{key}: {value}{newline}")
            close += 1
    return "".join(lines)


def _only_fields_changed(before: str, after: str, values: dict[str, str]) -> bool:
    """Whether the front matter now reads as before but for the new values, and the body is
    the same: a check on set_fields against front matter it was not written for."""
    old, new = (_split(text) for text in (before, after))
    if old is None or new is None or old[1] != new[1]:
        return False
    if not (isinstance(old[0], dict) and isinstance(new[0], dict)):
        return False
    rest = {key: value for key, value in old[0].items() if key not in values}
    return {key: value for key, value in new[0].items() if key not in values} == rest and all(
        _as_text(new[0].get(key)) == value for key, value in values.items()
    )


def _split(text: str):
    split = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"), "", Problems())
    return None if split is None else (plain_yaml(split[0]), split[2])


def _as_text(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _front_matter(path: Path, rel: str, problems: Problems) -> YMap | None:
    text = read_text(path, rel, problems)
    split = split_front_matter(text, rel, problems) if text is not None else None
    if split is None:
        return None
    meta = load_yaml(split[0], rel, split[1], problems)
    if not isinstance(meta, YMap):
        if meta is not None or not problems.errors:
            problems.error(rel, 1, "front matter", "should be fields like `title: ...`, one a line")
        return None
    return meta


def _is_medical_page(source: Path, path: Path) -> bool:
    try:
        rel_to_content = path.resolve().relative_to((source / "content").resolve())
    except ValueError:
        return False
    if path.suffix != ".md" or not rel_to_content.parts or rel_to_content.parts[0] == "media":
        return False
    return place(rel_to_content.as_posix())[1].medical


def _shown(source: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(source.resolve()).as_posix()
    except ValueError:
        return str(path)


def _replace(path: Path, data: bytes) -> None:
    """Write the file whole or not at all, keeping its permissions."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
