"""Writing the site: hashed assets, the security and caching headers (_headers), the manifest of
what the last build wrote, and the staging folder that is swapped in only when the whole build
succeeded. Only the standard library is needed here."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300, must-revalidate"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "upgrade-insecure-requests",
    ]
)
PERMISSIONS = "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()"


def hashed_assets(folder: Path, generated: dict[str, bytes] | None = None) -> dict[str, tuple[str, bytes]]:
    """templates/assets/* and the files the build makes (name → bytes) → {name: (output path
    with a content hash, bytes)}."""
    files = dict(generated or {})
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                files[path.name] = path.read_bytes()
    assets = {}
    for name, data in sorted(files.items()):
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, _, ext = name.rpartition(".")
        assets[name] = (f"assets/{stem}.{digest}.{ext}", data)
    return assets


def headers(base: str, hashed: list[str] = ()) -> bytes:
    """Security headers everywhere, a short cache for HTML and for the search index's entry
    files, a year for content-hashed files (our assets and media, and the index's own
    hashed files: `hashed` lists those outside its hashed folders). base is the site's path,
    like "/" or "/spine/"."""
    lines = [
        f"{base}*",
        f"  Content-Security-Policy: {CSP}",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: strict-origin-when-cross-origin",
        f"  Permissions-Policy: {PERMISSIONS}",
        "  X-Frame-Options: DENY",
        f"  Cache-Control: {SHORT}",
        "",
    ]
    patterns = [f"{base}{folder}/*" for folder in ("assets", "media")]
    if hashed:
        patterns += [f"{base}pagefind/{folder}/*" for folder in ("index", "fragment", "filter")]
        patterns += [base + path for path in sorted(hashed)]
    for pattern in patterns:
        lines += [pattern, "  ! Cache-Control", f"  Cache-Control: {IMMUTABLE}", ""]
    return "\n".join(lines).encode()


class Manifest:
    """What the last successful build wrote into out: for each file its hash, size and
    modification time (so a file changed by hand is noticed), and in extra what the build
    records beside (what each output read: incremental.py). Kept beside out (never in it: it
    is not published); deleting it only makes the next build write everything again."""

    def __init__(self, entries: dict[str, list] | None = None, extra: dict | None = None) -> None:
        self.entries = entries or {}  # path -> [sha256, size, mtime_ns]
        self.extra = extra or {}

    @classmethod
    def load(cls, out: Path) -> Manifest:
        path = manifest_path(out)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("version") == MANIFEST_VERSION and out.is_dir():
                return cls(stored["entries"], stored.get("extra", {}))
        except (OSError, ValueError, KeyError, AttributeError):
            pass
        return cls()

    def save(self, out: Path) -> None:
        path = manifest_path(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            temp.write_text(json.dumps({"version": MANIFEST_VERSION, "entries": self.entries, "extra": self.extra}))
            os.replace(temp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def all_intact(self, out: Path) -> bool:
        return bool(self.entries) and all(self.intact(out, rel) is not None for rel in self.entries)

    def intact(self, out: Path, rel: str) -> list | None:
        """The entry of rel when the file in out is still the one this manifest describes."""
        entry = self.entries.get(rel)
        if entry is None:
            return None
        try:
            stat = os.stat(f"{out}/{rel}")  # a warm build asks for every file: no Path objects
        except OSError:
            return None
        return entry if (stat.st_size, stat.st_mtime_ns) == (entry[1], entry[2]) else None


MANIFEST_VERSION = 3


def manifest_path(out: Path) -> Path:
    return out.parent / f".{out.name}.manifest.json"


class Writer:
    """Where a build puts its files, so that out changes only when the whole build succeeded.

    A first build (no manifest describes out) writes every file into a staging folder beside
    out and swaps it in whole. Later builds write only the files whose bytes changed into
    the staging folder and, on commit, move each over its old self and delete the files the
    site no longer has: nothing else in out is touched, so an edit costs the files it changes.

    `place` runs in worker processes too: it only writes into staging and returns the file's
    manifest entry, which the parent records with `add`."""

    def __init__(self, out: Path, previous: Manifest) -> None:
        self.out = out
        self.previous = previous
        self.patch = bool(previous.entries)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
        self.manifest = Manifest()
        self.written: set[str] = set()
        self.companions: set[str] = set()  # files to go beside the manifest (stage_companion)
        # Folders in staging this process made or found: each worker keeps its own copy.
        self.folders: set[str] = {str(self.staging)}

    def reuse(self, rel: str) -> bool:
        """Record rel as the last build wrote it, when out still has it so; else False."""
        entry = self.previous.intact(self.out, rel)
        if entry is None:
            return False
        self.manifest.entries[rel] = entry
        return True

    def place(self, rel: str, data: bytes) -> tuple[list, bool]:
        """(manifest entry, written) for rel with these bytes: written into staging unless out
        has the same bytes already."""
        sha = hashlib.sha256(data).hexdigest()
        old = self.previous.intact(self.out, rel)
        if old is not None and old[0] == sha:
            return old[:3], False
        target = f"{self.staging}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in self.folders:  # staging starts empty: most pages need their folder made
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        stat = _write_file(target, data)
        return [sha, stat.st_size, stat.st_mtime_ns], True

    def add(self, rel: str, entry: list, written: bool) -> None:
        self.manifest.entries[rel] = entry
        if written:
            self.written.add(rel)

    def put(self, rel: str, data: bytes) -> None:
        self.add(rel, *self.place(rel, data))

    def adopt(self, rel: str) -> None:
        """Record rel, which something else (Pagefind) wrote into staging: it stays there to be
        moved in only when out does not have the same bytes already."""
        path = self.staging / rel
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        old = self.previous.intact(self.out, rel)
        if old is not None and old[0] == sha:
            path.unlink()
            self.add(rel, old, False)
            return
        stat = path.stat()
        self.add(rel, [sha, stat.st_size, stat.st_mtime_ns], True)

    def where(self, rel: str) -> Path:
        """The file rel is in this build: in staging when written, else in out."""
        return self.staging / rel if not self.patch or rel in self.written else self.out / rel

    def commit(self) -> None:
        """Make out what this build produced, and remember it in the manifest."""
        if not self.patch:
            self.staging.chmod(0o755)
            swap_in(self.staging, self.out)
        else:
            retired = sorted(self.previous.entries.keys() - self.manifest.entries.keys(), reverse=True)
            for rel in retired:
                (self.out / rel).unlink(missing_ok=True)
            for rel in retired:
                _remove_empty_parents(self.out, rel)
            for rel in sorted(self.written):
                _making_folder(self.out / rel, os.replace, self.staging / rel, self.out / rel)
            discard(self.staging)
        self.manifest.save(self.out)
        for name in sorted(self.companions):
            os.replace(self._companion(name), self.out.parent / f".{self.out.name}.{name}")

    def abandon(self) -> None:
        discard(self.staging)
        for companion in self.staging.parent.glob(f"{self.staging.name}.*"):
            companion.unlink(missing_ok=True)

    def stage_companion(self, name: str, data: bytes) -> None:
        """A file that goes beside the manifest when this build is published (.site.NAME),
        written beside the staging folder until then."""
        _write_file(str(self._companion(name)), data)
        self.companions.add(name)

    def _companion(self, name: str) -> Path:
        return self.staging.with_name(f"{self.staging.name}.{name}")

    def hand_over(self) -> Path:
        """Leave this writer in a file beside its staging folder (plain JSON), for another
        process to go on with (taken_over)."""
        path = self.staging.with_name(self.staging.name + ".writer.json")
        previous = {name: value for name, value in self.previous.extra.items() if name == "index"}
        state = {
            "out": str(self.out),
            "staging": str(self.staging),
            "previous": [self.previous.entries, previous],
            "manifest": [self.manifest.entries, self.manifest.extra],
            "written": sorted(self.written),
            "companions": sorted(self.companions),
        }
        path.write_text(json.dumps(state), encoding="utf-8")
        return path

    @classmethod
    def taken_over(cls, path: Path) -> Writer:
        """The writer another process left in path (hand_over); the file goes."""
        state = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        writer = cls.__new__(cls)
        writer.out, writer.staging = Path(state["out"]), Path(state["staging"])
        writer.previous, writer.manifest = Manifest(*state["previous"]), Manifest(*state["manifest"])
        writer.patch = bool(writer.previous.entries)
        writer.written = set(state["written"])
        writer.companions = set(state["companions"])
        writer.folders = {str(writer.staging)}
        return writer


def _making_folder(target: Path, write, *args):
    """write(*args), which puts a file at target, making target's folder first if it is
    missing (tried after, not before: most folders exist); what write returns."""
    try:
        return write(*args)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return write(*args)


def _write_file(target: str, data: bytes) -> os.stat_result:
    """Write a new file and return its stat, in four system calls (open, write, fstat,
    close) where Path.write_bytes and Path.stat take seven: a build writes thousands."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return os.fstat(fd)
    finally:
        os.close(fd)


def _remove_empty_parents(out: Path, rel: str) -> None:
    folder = (out / rel).parent
    while folder != out:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def swap_in(staging: Path, out: Path) -> None:
    """Replace out with staging; out is never left half-written."""
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def building(out: Path):
    """Hold out's build lock (a file beside it) for one build: two builds of the same folder
    take turns instead of mixing their files. Whoever holds it first clears what a build
    that was killed left beside out (its staging folder and what came with it)."""
    try:
        import fcntl
    except ImportError:  # no POSIX locks here: builds do not wait for each other
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"Waiting for another build of {out.name}/ to finish...", file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        for left in out.parent.glob(f".{out.name}-*"):
            if left.name.startswith((f".{out.name}-staging-", f".{out.name}-old-")):
                shutil.rmtree(left) if left.is_dir() else left.unlink()
        yield
