"""Results worth keeping between runs: files in .cache/ under the source folder, keyed by
what they were computed from (a content hash, a pair of git versions). A key never outlives
its input, so an entry is never stale, and the folder is safe to delete at any time.

The files are in Python's marshal format, which reads and writes plain values (dicts, lists,
strings, numbers) two to five times as fast as JSON: a warm build reads about 7 MB of them.
The format belongs to the Python version, which is part of each file's version."""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Collection
from pathlib import Path
from types import ModuleType

FOLDER = ".cache"
# Files to split a cache with an entry for every page into (Cache's shards).
PER_PAGE = 16


def code_version(*modules: ModuleType) -> str:
    """A version that changes whenever the code of these modules does: a value computed by
    older code is never used."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def installed_versions(*distributions: str) -> str:
    """The installed versions of these distributions (like markdown-it-py), as the names of
    their dist-info folders on sys.path (markdown_it_py-4.3.0.dist-info): a few folder
    listings, where importlib.metadata would first import the email package."""
    wanted = {name.lower().replace("-", "_"): name for name in distributions}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            stem, _, version = name.removesuffix(".dist-info").partition("-")
            if name.endswith(".dist-info") and stem.lower() in wanted and stem.lower() not in found:
                found[stem.lower()] = f"{stem.lower()}-{version}"
    for key, name in wanted.items():
        if key not in found:  # installed some other way: ask the slow way
            from importlib.metadata import version

            found[key] = f"{key}-{version(name)}"
    return " ".join(found[key] for key in sorted(wanted))


# Which Python wrote a cache file: another one may read marshal's format differently.
FORMAT = f"marshal {marshal.version} python {sys.version_info[0]}.{sys.version_info[1]}"


class Cache:
    """Files of key → value, values made of dicts, lists, strings and numbers. `version`
    names how the values were computed: a file written by another version is ignored.
    Entries not used in a run are dropped on save. A cache of thousands of entries (one a
    page) is split by key into `shards` files, and a run writes again only the files it
    changed: an edit to one page rewrites a sixteenth of it."""

    def __init__(self, path: Path, version: str, shards: int = 1) -> None:
        self.path = path
        self.version = f"{version} {FORMAT}"
        self.shards = shards
        self.entries: dict = {}
        self.used: dict = {}
        self.changed: set[int] = set()  # the shards with an entry put in this run
        self.loaded = [0] * shards  # how many entries each shard had when read
        for shard in range(shards):
            self._read(shard)

    def _read(self, shard: int) -> None:
        try:
            stored = marshal.loads(self._file(shard).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return
        if isinstance(stored, dict) and stored.get("version") == self.version and isinstance(stored.get("entries"), dict):
            self.entries.update(stored["entries"])
            self.loaded[shard] = len(stored["entries"])

    @classmethod
    def in_source(cls, source: Path, name: str, version: str, shards: int = 1) -> Cache:
        return cls(source / FOLDER / f"{name}.marshal", version, shards)

    def _file(self, shard: int) -> Path:
        return self.path if self.shards == 1 else self.path.with_name(f"{self.path.stem}.{shard:02d}{self.path.suffix}")

    def _shard(self, key: str) -> int:
        return zlib.crc32(key.encode()) % self.shards if self.shards > 1 else 0

    def get(self, key: str):
        value = self.entries.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str, value) -> None:
        self.used[key] = value
        self.changed.add(self._shard(key))

    def save(self) -> None:
        """Write what this run used, in each shard that differs from what was read. A cache
        that cannot be written (a read-only checkout) only costs time."""
        if not self.changed and len(self.used) == len(self.entries):
            return
        parts: list[dict] = [{} for _ in range(self.shards)]
        for key, value in self.used.items():
            parts[self._shard(key)][key] = value
        for shard, part in enumerate(parts):
            if shard in self.changed or len(part) != self.loaded[shard]:
                self._write(self._file(shard), part)

    def _write(self, path: Path, entries: dict) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps({"version": self.version, "entries": entries}))
            os.replace(temp, path)
        except OSError:
            Path(temp).unlink(missing_ok=True)


class LazyCache(Cache):
    """A Cache whose files are each read when a key in them is first asked for, and whose
    entries stay for as long as their keys are live, used in a run or not: for values too
    large to read whole in every run (each page's body HTML), of which a run needs a few.

    save(live) writes again only the files this run put entries in, each with those of its
    entries whose keys are in live: an entry whose key is no longer live goes when its file
    is next written."""

    def __init__(self, path: Path, version: str, shards: int = 1) -> None:
        self.read: set[int] = set()  # the shards read so far
        super().__init__(path, version, shards)

    def _read(self, shard: int) -> None:  # on first use (_ensure), not all at once
        pass

    def _ensure(self, key: str) -> int:
        shard = self._shard(key)
        if shard not in self.read:
            self.read.add(shard)
            super()._read(shard)
        return shard

    def get(self, key: str):
        self._ensure(key)
        return self.entries.get(key)

    def put(self, key: str, value) -> None:
        self.changed.add(self._ensure(key))
        self.entries[key] = value

    def save(self, live: Collection[str]) -> None:
        parts: dict[int, dict] = {shard: {} for shard in self.changed}
        for key, value in self.entries.items():
            part = parts.get(self._shard(key))
            if part is not None and key in live:
                part[key] = value
        for shard, part in parts.items():
            self._write(self._file(shard), part)
        self.changed.clear()
