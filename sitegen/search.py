"""The search index: Pagefind's own command over the rendered pages (it reads them on every
core and adds them in path order, so the same pages give the same index), plus the
index-time half of synonyms."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

from .kinds import ENGLISH, TRANSLATIONS
from .problems import Problems


def synonym_terms(names: list[str], synonyms: dict[str, list[str]]) -> list[str]:
    """The synonyms that should find a page whose title and other names are `names`:
    `cat scan: [ct]` gives "cat scan" to a page called "CT scan", and `tomografía: [ct]` gives
    "tomografía" to the Spanish page whose names include its English page's "CT scan". Words
    are compared without their accents."""
    text = " " + " ".join(_words(" ".join(names))) + " "
    found = []
    for phrase, targets in sorted(synonyms.items()):
        if any(f" {' '.join(_words(target))} " in text for target in targets if _words(target)):
            found.append(phrase)
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", unaccented(text.lower()))


def unaccented(text: str) -> str:
    """The text without its accents (raquídeo: raquideo; ñ: n), as search.js compares words."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def data_words(model, code: str = ENGLISH.code) -> set[str]:
    """The words of a language's word list (word_list) that are not its pages': the names of
    doctors and places, and the language's synonyms."""
    texts = [p.name for p in model.data.providers if p.active]
    texts += [n for loc in model.data.locations for n in (loc.name, loc.city)]
    texts += list(model.data.synonyms_in(code))
    words: set[str] = set()
    for text in texts:
        words.update(WORD.findall(text.lower()))
    return words


def word_list(words) -> bytes:
    """search-words.json (search-words.es.json for Spanish): the words search can correct a
    misspelling to (every word of every page in the language, page_words, and data_words),
    sorted, as a JSON list. A query word in this list is never "corrected". search.js compares
    words without their accents, so of the forms of one word (radiocirugia, a search term, and
    radiocirugía) the list keeps the one with accents, which a correction then shows."""
    forms: dict[str, str] = {}
    for word in sorted(words):
        bare = unaccented(word)
        if bare not in forms or word != bare:
            forms[bare] = word
    return json.dumps(sorted(forms.values()), ensure_ascii=False, separators=(",", ":")).encode()


def word_list_name(code: str) -> str:
    """The word list's file of a language, in the assets folder."""
    return "search-words.json" if code == ENGLISH.code else f"search-words.{code}.json"


def page_words(page) -> list[str]:
    """The words of one page (title, body, other names, search terms) the word list holds."""
    text = " ".join([page.title, page.body, *page.meta.get("also_known_as", []), *page.meta.get("search_terms", [])])
    return sorted(set(WORD.findall(text.lower())))


# A word of four letters or more, accents and ñ included (Spanish words are kept whole).
WORD = re.compile(r"[^\W\d_]{4,}")


def build_index(site: Path, out: Path, problems: Problems) -> list[str]:
    """Write Pagefind's bundle for the HTML pages in site into out, and return the paths
    (below the site root) of its content-hashed files outside its hashed folders."""
    try:
        _run_pagefind(site, out)
        _check_room(out)
        _stabilize(out)
    except (OSError, ValueError, SearchIndexError, EOFError, gzip.BadGzipFile) as err:
        if _disk_full(out) or getattr(err, "errno", None) == errno.ENOSPC:
            message = f"no space left on device where the search index is written ({out.parent}); free some space and build again"
        else:
            message = f"the search index failed ({err}); build with --no-search to skip it"
        problems.error("search", 1, "pagefind", message)
        return []
    return [f"{out.name}/{path.name}" for path in sorted(out.glob("*.pf_meta"))]


def _disk_full(folder: Path) -> bool:
    """Whether the file system folder is on has no block or no file left. Pagefind says
    nothing of a write that failed (it exits 0 with the file cut short), so the index is
    trusted only with room left."""
    try:
        room = os.statvfs(folder)
    except OSError:
        return False
    return room.f_bavail == 0 or (room.f_files > 0 and room.f_favail == 0)


def _check_room(folder: Path) -> None:
    if _disk_full(folder):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))


def _run_pagefind(site: Path, out: Path) -> None:
    from pagefind_bin import get_executable

    # Every indexed page has data-pagefind-body on its <main>: treating <main> as the root
    # spares Pagefind the header, menus and footer of 4,000 pages (about a tenth of its CPU
    # time) and gives the same index.
    command = [str(get_executable()), "--site", str(site), "--output-path", str(out), "--root-selector", "main"]
    # A site in English only is one English index whatever a page says; a site with
    # translations gets an index for each <html lang>, which search.js loads by its page's.
    translated = any((site / code).is_dir() for code in TRANSLATIONS)
    ran = subprocess.run(
        [*command, *([] if translated else ["--force-language", "en"]), "--silent"],
        capture_output=True,
        text=True,
    )
    if ran.returncode != 0:
        raise SearchIndexError((ran.stderr or ran.stdout).strip()[-500:] or f"Pagefind exited with {ran.returncode}")
    for path in out.iterdir():
        if path.is_file() and not (path.name.startswith(KEEP) or path.name.endswith(".pf_meta")):
            path.unlink()  # Pagefind's ready-made interfaces: our own search script replaces them


class SearchIndexError(Exception):
    pass


# What the site's own search script loads; Pagefind's ready-made interfaces are left out.
KEEP = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.")


# -- Byte-identical output ------------------------------------------------------------------
# Pagefind writes each filter's values in hash-map order, which changes from run to run, and
# the filter file's name (a hash of its bytes) is written into the .pf_meta file, whose own
# name is written into pagefind-entry.json. We sort the values and rename the chain.

SIGNATURE = b"pagefind_dcd"


def _stabilize(out: Path) -> None:
    entry = out / "pagefind-entry.json"
    index = json.loads(entry.read_text())  # a half-written index fails here, not in a visitor's browser
    # Pagefind writes its languages in hash-map order too: in the order of their names.
    index["languages"] = dict(sorted(index.get("languages", {}).items()))
    entry.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")))
    renamed: dict[str, str] = {}
    for path in sorted((out / "filter").glob("*.pf_filter")):
        raw = _unpack(path)
        key, values = _cbor_decode(raw, 0)[0]
        data = SIGNATURE + _cbor_encode([key, sorted(values, key=lambda value: value[0])])
        old = path.name.removesuffix(".pf_filter")
        new = _hashed_name(old, data, 7)
        path.unlink()
        (path.parent / f"{new}.pf_filter").write_bytes(gzip.compress(data, mtime=0))
        renamed[old] = new
    if not renamed:
        return
    for meta in sorted(out.glob("*.pf_meta")):
        data = _unpack(meta, raw=True)
        for old, new in renamed.items():
            data = data.replace(old.encode(), new.encode())
        old_hash = meta.name.removeprefix("pagefind.").removesuffix(".pf_meta")
        new_hash = _hashed_name(old_hash, data, 10)
        meta.unlink()
        (out / f"pagefind.{new_hash}.pf_meta").write_bytes(gzip.compress(data, mtime=0))
        entry.write_text(entry.read_text().replace(f'"{old_hash}"', f'"{new_hash}"'))


def _hashed_name(old: str, data: bytes, digits: int) -> str:
    """A name like Pagefind's own (language prefix, then as many hex digits) for these bytes."""
    prefix, _, digest = old.rpartition("_")
    if len(digest) != digits:
        raise ValueError(f"unexpected Pagefind file name {old}")
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[:digits]}"


def _unpack(path: Path, raw: bool = False) -> bytes:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ValueError(f"unexpected Pagefind file {path.name}")
    return data if raw else data[len(SIGNATURE) :]


def _cbor_decode(data: bytes, at: int):
    """(value, next position) for the CBOR subset Pagefind's filter files use."""
    head = data[at]
    major, info = head >> 5, head & 0x1F
    at += 1
    if info < 24:
        argument = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        argument = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise ValueError("unsupported CBOR item in a Pagefind filter file")
    if major == 0:
        return argument, at
    if major in (2, 3):
        chunk = data[at : at + argument]
        return (chunk if major == 2 else chunk.decode("utf-8")), at + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, at = _cbor_decode(data, at)
            items.append(item)
        return items, at
    raise ValueError("unsupported CBOR item in a Pagefind filter file")


def _cbor_encode(value) -> bytes:
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(item) for item in value)
    raise ValueError(f"cannot encode {type(value).__name__}")


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("integer too large")
