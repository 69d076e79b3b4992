"""The search index: Pagefind over the rendered pages, fed from memory in a fixed order (its
output depends on the order pages are added), plus the index-time half of synonyms.

Pagefind runs as a service (`pagefind --service`): requests are base64 JSON messages ending
in a comma, answered the same way. Pages are sent one at a time, each after the answer to
the last: the service handles requests concurrently, so sending them all at once would let
the order (and so the index bytes) vary from build to build."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import subprocess
from pathlib import Path

from .problems import Problems

KINDS = {"tumor": "Tumor type", "test": "Test", "treatment": "Treatment", "doctor": "Doctor", "location": "Location"}
PAGE_KIND = "Page"


def kind_label(kind: str) -> str:
    return KINDS.get(kind, PAGE_KIND)


def synonym_terms(names: list[str], synonyms: dict[str, list[str]]) -> list[str]:
    """The synonyms that should find a page whose title and other names are `names`:
    `cat scan: [ct]` gives "cat scan" to a page called "CT scan"."""
    text = " " + " ".join(_words(" ".join(names))) + " "
    found = []
    for phrase, targets in sorted(synonyms.items()):
        if any(f" {' '.join(_words(target))} " in text for target in targets if _words(target)):
            found.append(phrase)
    return found


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def search_words(model) -> bytes:
    """The words search can correct a misspelling to: every word of every page, the names of
    doctors and places, and the synonyms, as a sorted JSON list. A query word in this list is
    never "corrected"."""
    texts = [p.name for p in model.active_providers]
    texts += [n for loc in model.data.locations for n in (loc.name, loc.city)]
    texts += list(model.data.synonyms)
    for page in model.pages:
        texts += [page.title, page.body, *page.meta.get("also_known_as", []), *page.meta.get("search_terms", [])]
    words: set[str] = set()
    for text in texts:
        words.update(re.findall(r"[a-z]{4,}", text.lower()))
    return json.dumps(sorted(words), separators=(",", ":")).encode()


class SearchIndexError(Exception):
    pass


# What the site's own search script loads; Pagefind's ready-made interfaces are left out.
KEEP = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.")


def build_index(pages: dict[str, bytes], out: Path, problems: Problems) -> list[str]:
    """Write Pagefind's bundle for pages (output path -> HTML bytes) into out, and return the
    paths (below the site root) of its content-hashed files outside its hashed folders."""
    try:
        _run_service(pages, out)
        _stabilize(out)
    except (OSError, ValueError, SearchIndexError) as err:
        problems.error("search", 1, "pagefind", f"the search index failed ({err}); build with --no-search to skip it")
        return []
    return [f"{out.name}/{path.name}" for path in sorted(out.glob("*.pf_meta"))]


def _run_service(pages: dict[str, bytes], out: Path) -> None:
    from pagefind_bin import get_executable

    process = subprocess.Popen(
        [str(get_executable()), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    answers = _Answers(process.stdout)
    try:
        _send(process, 1, {"type": "NewIndex", "config": {"force_language": "en"}})
        index_id = answers.next()["index_id"]
        for message_id, path in enumerate(sorted(pages), start=2):
            url = "/" + path.removesuffix("index.html")
            _send(
                process,
                message_id,
                {"type": "AddFile", "index_id": index_id, "url": url, "file_path": None, "file_contents": pages[path].decode("utf-8")},
            )
            answers.next()
        # GetFiles, not WriteFiles: the service answers WriteFiles before its files are all on
        # disk and drops what is left when it exits, so we write the files ourselves.
        _send(process, len(pages) + 2, {"type": "GetFiles", "index_id": index_id})
        files = answers.next()["files"]
    finally:
        process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()
    for file in sorted(files, key=lambda f: f["path"]):
        if not file["path"].startswith(KEEP) and "/" not in file["path"] and not file["path"].endswith(".pf_meta"):
            continue  # Pagefind's ready-made interfaces: our own search script replaces them
        target = out / file["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(file["content"]))


def _send(process: subprocess.Popen, message_id: int, payload: dict) -> None:
    try:
        process.stdin.write(base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode()) + b",")
        process.stdin.flush()
    except BrokenPipeError:
        raise SearchIndexError("Pagefind stopped unexpectedly") from None


class _Answers:
    """Pagefind's answers, one base64 JSON message per comma."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.buffer = bytearray()

    def next(self) -> dict:
        searched = 0
        while (end := self.buffer.find(b",", searched)) < 0:
            searched = len(self.buffer)
            chunk = self.stream.read1(1 << 20)
            if not chunk:
                raise SearchIndexError("Pagefind stopped unexpectedly")
            self.buffer += chunk
        raw = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        payload = json.loads(base64.b64decode(raw)).get("payload", {})
        if payload.get("type") == "Error":
            raise SearchIndexError(payload.get("message", "unknown error"))
        return payload


# -- Byte-identical output ------------------------------------------------------------------
# Pagefind writes each filter's values in hash-map order, which changes from run to run, and
# the filter file's name (a hash of its bytes) is written into the .pf_meta file, whose own
# name is written into pagefind-entry.json. We sort the values and rename the chain.

SIGNATURE = b"pagefind_dcd"


def _stabilize(out: Path) -> None:
    entry = out / "pagefind-entry.json"
    json.loads(entry.read_text())  # a half-written index fails here, not in a visitor's browser
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
