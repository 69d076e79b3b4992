"""Everything kept between runs, in one store: `.cache/` in the source folder.

One interface (`memo`, and `get`/`put` for work done in bulk) and one version: a digest of
every module of the generator, the installed libraries and the Python that runs them. A
change to any of them makes every result computed again; nothing keeps its own list of what
it depends on. What a result is computed from otherwise (a page's text, the base URL, a
template's source) is its key, so an entry is never stale, and deleting `.cache/` only makes
the next run slower.

Entries are plain values (dicts, lists, tuples, strings, numbers, bytes) in Python's marshal
format, a table to a few files (`table.NN.marshal`, split by key so that a run rewrites only
the files it changed). Each file is sealed: an HMAC of its version and bytes, under a key kept
outside `.cache/` (SITE_CACHE_KEY, or a key made once in the user's configuration folder). A
file that is not sealed with it, or does not read back, is not decoded and its results are
computed again: a cache shared between machines or changed by hand can slow a run, never
change what it makes."""

from __future__ import annotations

import functools
import hashlib
import hmac
import marshal
import os
import secrets
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

FOLDER = ".cache"
GENERATOR = Path(__file__).resolve().parent
MAGIC = b"spine-site-store 1\n"
# Entries a file holds, at most, before a table is split into more files (a power of two).
PER_FILE = 256
MAX_FILES = 64


@functools.cache
def generator_version() -> str:
    """A digest of every module of the generator, every installed distribution (the names of
    their dist-info folders carry the versions) and the Python that runs them."""
    digest = hashlib.sha256(f"{sys.version} marshal {marshal.version}".encode())
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in installed_distributions():
        digest.update(name.encode() + b"\0")
    return digest.hexdigest()


def installed_distributions() -> list[str]:
    """The dist-info folders on sys.path, like markdown_it_py-4.3.0.dist-info, in order."""
    found = set()
    for folder in sys.path:
        try:
            found.update(name for name in os.listdir(folder or ".") if name.endswith(".dist-info"))
        except OSError:
            continue
    return sorted(found)


def key(*parts: object) -> str:
    """A key for an entry made from these parts."""
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()


@functools.cache
def seal_key() -> bytes:
    """The key files are sealed with: SITE_CACHE_KEY where set (a CI secret, to share the
    cache between runs), else a random key made once in the user's configuration folder
    (never in .cache/, which may come from elsewhere). Where neither can be had, a key for
    this process alone: nothing from earlier runs is used."""
    given = os.environ.get("SITE_CACHE_KEY")
    if given:
        return given.encode()
    folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "spine-tumor-site"
    path = folder / "cache.key"
    try:
        return path.read_bytes()
    except OSError:
        pass
    new_key = secrets.token_hex(32).encode()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(new_key)
        return new_key
    except FileExistsError:  # another run made it first
        return path.read_bytes()
    except OSError:
        return new_key


def seal(version: str, value) -> bytes:
    payload = marshal.dumps(value)
    mac = hmac.new(seal_key(), version.encode() + b"\0" + payload, hashlib.sha256).digest()
    return MAGIC + version.encode() + b"\n" + mac + payload


def unseal(version: str, data: bytes):
    """The value sealed in data for this version, or raise ValueError: another version (not an
    error), or a file not sealed with our key (tampered, copied from elsewhere, half-written)."""
    head = MAGIC + version.encode() + b"\n"
    if not data.startswith(head):
        raise StaleFile
    mac, payload = data[len(head) : len(head) + 32], data[len(head) + 32 :]
    expected = hmac.new(seal_key(), version.encode() + b"\0" + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise ValueError("not sealed with this machine's key")
    return marshal.loads(payload)


class StaleFile(ValueError):
    """A file of another version of the generator: ignored without a word."""


class _Table:
    """One table's entries, in `count` files (table-COUNT.NN.marshal), each read when a key in
    it is first asked for."""

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name
        self.count = self._count_on_disk()
        self.entries: dict[str, object] = {}  # of every file read so far
        self.parts: dict[int, dict] = {}  # file number -> its entries, for the files read
        self.complete = False  # every file read
        self.used: set[str] = set()
        self.changed: set[int] = set()  # the files put in

    def _count_on_disk(self) -> int:
        """How many files the table was last split into: that of its newest file."""
        newest = (0, 1)
        try:
            entries = list(os.scandir(self.store.folder))
        except OSError:
            return 1
        for entry in entries:
            stem, _, number = entry.name.removesuffix(".marshal").rpartition(".")
            name, _, count = stem.rpartition("-")
            if name == self.name and count.isdigit() and number.isdigit() and entry.name.endswith(".marshal"):
                try:
                    newest = max(newest, (entry.stat().st_mtime_ns, int(count)))
                except OSError:
                    continue
        return newest[1]

    def _file_of(self, key: str) -> int:
        return zlib.crc32(key.encode()) % self.count if self.count > 1 else 0

    def _path(self, number: int, count: int | None = None) -> Path:
        return self.store.folder / f"{self.name}-{count or self.count}.{number:02d}.marshal"

    def _load(self, number: int) -> dict:
        part = self.parts[number] = {}
        if len(self.parts) == self.count:
            self.complete = True
        path = self._path(number)
        try:
            data = path.read_bytes()
        except OSError:
            return part
        try:
            stored = unseal(self.store.version, data)
        except StaleFile:
            return part
        except (ValueError, EOFError, TypeError):
            self.store.distrusted.append(f"{FOLDER}/{path.name}")
            return part
        if isinstance(stored, dict):
            part.update(stored)
            self.entries.update(stored)
        return part

    def get(self, key: str):
        if not self.complete:  # once every file is read, no key needs its file worked out
            number = self._file_of(key)
            if number not in self.parts:
                self._load(number)
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value) -> None:
        number = self._file_of(key)
        part = self.parts.get(number)
        if part is None:
            part = self._load(number)
        part[key] = value
        self.entries[key] = value
        self.used.add(key)
        self.changed.add(number)

    def keep(self, keys: Iterable[str]) -> None:
        self.used.update(keys)

    def save(self) -> None:
        """Write each file that gained an entry, with the entries this run used or kept: those
        left out go. A table whose files were all read is split into as many as its entries
        need."""
        if self.complete:
            count = 1
            while count < MAX_FILES and count * PER_FILE < len(self.used):
                count *= 2
            if count != self.count:
                self._resplit(count)
                return
        for number in sorted(self.changed):
            used = self.used
            self._write(self._path(number), {key: value for key, value in self.parts[number].items() if key in used})
        self.changed.clear()

    def _resplit(self, count: int) -> None:
        old = [self._path(number) for number in range(self.count)]
        self.count = count
        parts: list[dict] = [{} for _ in range(count)]
        for entry_key in self.used:
            if entry_key in self.entries:
                parts[self._file_of(entry_key)][entry_key] = self.entries[entry_key]
        for number, part in enumerate(parts):
            self._write(self._path(number), part)
        for path in old:
            path.unlink(missing_ok=True)
        self.parts = dict(enumerate(parts))
        self.changed.clear()

    def _write(self, path: Path, entries: dict) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        except OSError:
            return  # a read-only checkout: every run computes its results
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(seal(self.store.version, entries))
            os.replace(temp, path)
        except OSError:
            Path(temp).unlink(missing_ok=True)


class Store:
    """The results kept in source/.cache/ (see the module's docstring). Tables are read as
    they are used and written by save(); one process writes a table at a time (a build's
    child, or serve)."""

    def __init__(self, source: Path, version: str | None = None) -> None:
        self.folder = source / FOLDER
        self.version = version or generator_version()
        self.tables: dict[str, _Table] = {}
        self.distrusted: list[str] = []  # files not sealed with our key, left unread

    def _table(self, name: str) -> _Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = _Table(self, name)
        return table

    def get(self, table: str, entry: str):
        """The value kept under entry, or None."""
        return self._table(table).get(entry)

    def put(self, table: str, entry: str, value) -> None:
        self._table(table).put(entry, value)

    def keep(self, table: str, entries: Iterable[str]) -> None:
        """Keep these entries, still needed but not read this run, when their file is written."""
        self._table(table).keep(entries)

    def entries(self, table: str) -> dict:
        """Every entry of a table, all its files read (to look into the store)."""
        found = self._table(table)
        for number in range(found.count):
            if number not in found.parts:
                found._load(number)
        return dict(found.entries)

    def memo(self, table: str, key_parts: Sequence[object], compute: Callable[[], object]):
        """The value computed from key_parts: kept, or computed now and kept."""
        entry = key(*key_parts)
        value = self.get(table, entry)
        if value is None:
            value = compute()
            self.put(table, entry, value)
        return value

    def memo_many(self, table: str, entries: Sequence[str], compute: Callable[[list[int]], list]) -> list:
        """The values kept under entries; compute(positions) makes those missing, all at once
        (on every core, say), in the order of the positions it is given."""
        values = [self.get(table, entry) for entry in entries]
        missing = [i for i, value in enumerate(values) if value is None]
        if missing:
            for i, value in zip(missing, compute(missing)):
                values[i] = value
                self.put(table, entries[i], value)
        return values

    def save(self, warn: bool = True) -> None:
        """Write the tables put in; and, unless told not to (a helper process, whose caller
        warns), one line on standard error for the files found not sealed with our key."""
        for table in self.tables.values():
            table.save()
        if warn:
            self.warn()

    def warn(self) -> None:
        """One line on standard error for the files found not sealed with our key this run
        (each is made again now, and sealed anew by save)."""
        new = [name for name in self.distrusted if name not in _TOLD]
        if new:
            _TOLD.update(new)
            more = f" and {len(new) - 1} more" if len(new) > 1 else ""
            print(
                f"warning: {new[0]}{more}: not sealed with this machine's key (changed, damaged or made elsewhere); "
                "the results were made again. To share .cache/ between machines, set SITE_CACHE_KEY on each",
                file=sys.stderr,
            )


_TOLD: set[str] = set()  # distrusted files already named by this process
