"""Writing the site: hashed assets, the security and caching headers (_headers), the manifest of
what the last build wrote, and the staging folder that is swapped in only when the whole build
succeeded. Only the standard library is needed here."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300, must-revalidate"
HSTS = "max-age=63072000"
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
PERMISSIONS = "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), browsing-topics=()"


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


def hsts(base: str, under_sub_path: bool = False, include_subdomains: bool = False) -> str | None:
    """The Strict-Transport-Security value for a site at base ("/" or "/spine/"), or None: a
    site under a sub-path shares its host's policy, and sets one only when asked."""
    if base != "/" and not under_sub_path:
        return None
    return HSTS + ("; includeSubDomains" if include_subdomains else "")


def headers(base: str, hashed: list[str] = (), transport: str | None = HSTS) -> bytes:
    """Security headers everywhere, a short cache for HTML and for the search index's entry
    files, a year for content-hashed files (our assets and media, and the index's own
    hashed files: `hashed` lists those outside its hashed folders). base is the site's path,
    like "/" or "/spine/"; transport the Strict-Transport-Security value, if any (hsts)."""
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
    if transport:
        lines[-1:-1] = [f"  Strict-Transport-Security: {transport}"]
    patterns = [f"{base}{folder}/*" for folder in ("assets", "media")]
    if hashed:
        patterns += [f"{base}pagefind/{folder}/*" for folder in ("index", "fragment", "filter")]
        patterns += [base + path for path in sorted(hashed)]
    for pattern in patterns:
        lines += [pattern, "  ! Cache-Control", f"  Cache-Control: {IMMUTABLE}", ""]
    return "\n".join(lines).encode()


class OutputRefused(Exception):
    """The output folder cannot be built into as it is; the message says why and what to do."""


class Manifest:
    """What the last successful build wrote into out: for each file its hash, size and
    modification time (so a file changed by hand is noticed), and in extra what the build
    records beside it. Kept beside out (never in it: it is not published). It names the tree
    it describes (the folder's inode): the folder out is at changes with every publish
    (Writer.commit), and a manifest of another tree describes nothing here.

    Nothing in it is trusted: its paths must stay inside out, and a file it lists counts only
    while its size and time are as listed. Without a manifest that describes out, out must be
    empty or absent: the build never deletes or overwrites what it did not make."""

    def __init__(self, entries: dict[str, list] | None = None, extra: dict | None = None) -> None:
        self.entries = entries or {}  # path -> [sha256, size, mtime_ns]
        self.extra = extra or {}

    @classmethod
    def load(cls, out: Path) -> Manifest:
        """The manifest that describes the folder at out now, or an empty one."""
        try:
            tree = os.stat(out).st_ino
        except OSError:
            return cls()
        for path in (manifest_path(out), _next(manifest_path(out))):
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                if stored.get("version") != MANIFEST_VERSION or stored.get("tree") != tree:
                    continue
                entries, extra = stored["entries"], stored.get("extra", {})
                if isinstance(entries, dict) and isinstance(extra, dict) and all(map(confined, entries)):
                    if all(isinstance(e, list) and len(e) == 3 for e in entries.values()):
                        return cls(entries, extra)
            except (OSError, ValueError, KeyError, AttributeError, TypeError):
                continue
        return cls()

    def save(self, path: Path, tree: int) -> None:
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(json.dumps({"version": MANIFEST_VERSION, "tree": tree, "entries": self.entries, "extra": self.extra}))
        os.replace(temp, path)

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

    def companion(self, out: Path, name: str) -> bytes | None:
        """The file the build that wrote this manifest left beside it as .OUT.NAME (what each
        output read), when its bytes are the ones that build recorded."""
        want = self.extra.get("companions", {}).get(name)
        for path in (companion_path(out, name), _next(companion_path(out, name))):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() == want:
                return data
        return None

    def stray(self, out: Path) -> list[str]:
        """Up to ten names at the top of out that no file of this manifest accounts for."""
        tops = {rel.partition("/")[0] for rel in self.entries}
        try:
            return sorted(name for name in os.listdir(out) if name not in tops)[:10]
        except OSError:
            return []


MANIFEST_VERSION = 4


def confined(rel) -> bool:
    """Whether a path read from a manifest or a cache is a plain relative path that stays
    inside its folder: no absolute path, no '..', no empty or '.' part, no backslash."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel or "\0" in rel:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def manifest_path(out: Path) -> Path:
    return out.parent / f".{out.name}.manifest.json"


def companion_path(out: Path, name: str) -> Path:
    return out.parent / f".{out.name}.{name}"


def spare_path(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def _dirty_path(out: Path) -> Path:
    """Present while a build is changing the spare tree: a build killed then leaves it, and
    the next one makes the spare again from out instead of trusting it."""
    return out.parent / f".{out.name}.spare-changing"


def _next(path: Path) -> Path:
    return path.with_name(path.name + ".next")


def output_problem(given: Path, source: Path) -> str | None:
    """Why --out cannot be this folder (as given, before links are resolved), or None."""
    if given.is_symlink():
        return f"--out: {given} is a symbolic link; give the folder it points to, or another folder"
    out, source = given.resolve(), source.resolve()
    if out.exists() and not out.is_dir():
        return f"--out: {given} is a file, not a folder; give a folder that is empty or does not exist yet"
    if out == source or source.is_relative_to(out):
        return f"--out: {given} holds the source folder; give a folder of its own, like {source / 'site'}"
    for name in ("content", "data", "templates", "static", ".cache", ".git"):
        inside = source / name
        if out.is_relative_to(inside):
            return f"--out: {given} is inside {name}/, which the build reads; give a folder outside it, like {source / 'site'}"
    if os.path.ismount(out):
        return f"--out: {given} is a mount point, which cannot be swapped whole; give a folder inside it, like {out / 'site'}"
    return None


def check_output(out: Path, manifest: Manifest) -> None:
    """Refuse an output folder that holds files no earlier build made (OutputRefused)."""
    if manifest.entries:
        stray = manifest.stray(out)
        what = "files and folders the build did not make"
    else:
        try:
            stray = sorted(os.listdir(out))[:10]
        except FileNotFoundError:
            return
        except NotADirectoryError:
            raise OutputRefused(f"{out} is a file, not a folder; give a folder that is empty or does not exist yet") from None
        what = f"files, and no record of an earlier build into it (.{out.name}.manifest.json)"
    if stray:
        shown = ", ".join(stray) + (", ..." if len(stray) == 10 else "")
        raise OutputRefused(
            f"{out} holds {what}: {shown}. The build replaces the whole folder, so it will not "
            f"build there: move those files elsewhere, or build into an empty folder. Files that "
            f"must be published as they are belong in static/."
        )


RENAME_EXCHANGE = 2


# Why renameat2 cannot exchange two folders: the system or file system has no such call, the
# two are on different file systems, or one is a mount point. The build is refused (exit 2).
CANNOT_SWAP = (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP, errno.EBUSY)


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step (Linux renameat2 with RENAME_EXCHANGE): whoever reads
    either path sees the whole of one tree or the whole of the other. OSError where it
    cannot (CANNOT_SWAP: it never can there)."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        raise OSError(errno.ENOSYS, "this system has no renameat2", str(b)) from None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_cwd = -100
    if renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(b))


def _cannot_swap(out: Path, why: str) -> str:
    return (
        f"{out} cannot be swapped whole with the new build ({why}); nothing was published. Build into "
        f"a folder on a local Linux file system, for example {Path.home() / 'site'}"
    )


class Writer:
    """Where a build puts its files, so that out changes in one step, and only when the whole
    build succeeded.

    A first build (no manifest describes out) writes every file into a staging folder beside
    out and renames it to out. Later builds keep two trees beside each other: out and a
    spare (.OUT.spare: the tree out was before the last publish, its unchanged files hard
    links to out's). A build writes the files whose bytes changed into the spare, links
    every other file in from out where the spare's is not already the same file, deletes
    what the site no longer has, and then exchanges the two folders in one step. The old
    tree becomes the spare: it is not deleted, so a deploy still reading it is not cut off,
    and an edit costs the files it changes.

    `place` runs in worker processes too: it only writes into the tree being made and
    returns the file's manifest entry, which the parent records with `add`."""

    def __init__(self, out: Path, previous: Manifest, spare: Callable[[], set[str]] | None = None) -> None:
        """spare: what ready_spare returned, started a while ago; else the spare is made
        ready now."""
        self.out = out
        self.previous = previous
        self.patch = _patches(out, previous)
        out.parent.mkdir(parents=True, exist_ok=True)
        # Scratch beside out: a first build's tree, the search index as Pagefind writes it,
        # the files that go beside the manifest.
        self.staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
        self.tree = self.staging  # where this build's tree is made
        self.spare_has: set[str] = set()  # the files the spare held at the start
        if self.patch:
            self.tree = spare_path(out)
            self.spare_has = (spare or ready_spare(out, previous))()
        self.manifest = Manifest()
        self.written: set[str] = set()
        self.companions: set[str] = set()  # files to go beside the manifest (stage_companion)
        # Folders in the tree this process made or found: each worker keeps its own copy.
        self.folders: set[str] = {str(self.tree)}

    def reuse(self, rel: str) -> bool:
        """Record rel as the last build wrote it, when out still has it so; else False."""
        entry = self.previous.intact(self.out, rel)
        if entry is None:
            return False
        self.manifest.entries[rel] = entry
        return True

    def place(self, rel: str, data: bytes) -> tuple[list, bool]:
        """(manifest entry, written) for rel with these bytes: written into the tree being
        made unless out has the same bytes already."""
        sha = hashlib.sha256(data).hexdigest()
        old = self.previous.intact(self.out, rel)
        if old is not None and old[0] == sha:
            return old[:3], False
        target = f"{self.tree}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        if self.patch:
            _unshare(target)
        stat = _write_file(target, data)
        return [sha, stat.st_size, stat.st_mtime_ns], True

    def add(self, rel: str, entry: list, written: bool) -> None:
        self.manifest.entries[rel] = entry
        if written:
            self.written.add(rel)

    def put(self, rel: str, data: bytes) -> None:
        self.add(rel, *self.place(rel, data))

    def adopt(self, rel: str) -> None:
        """Record rel, which something else (Pagefind) wrote into the staging folder: it is
        moved into the tree being made unless out has the same bytes already."""
        path = self.staging / rel
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        old = self.previous.intact(self.out, rel)
        if old is not None and old[0] == sha:
            path.unlink()
            self.add(rel, old, False)
            return
        if self.tree != self.staging:
            target = self.tree / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _unshare(str(target))
            os.replace(path, target)
            path = target
        stat = path.stat()
        self.add(rel, [sha, stat.st_size, stat.st_mtime_ns], True)

    def where(self, rel: str) -> Path:
        """The file rel is in this build: in the tree being made when written, else in out."""
        return self.tree / rel if not self.patch or rel in self.written else self.out / rel

    def commit(self) -> None:
        """Make out what this build produced, in one step, and remember it in the manifest."""
        self.manifest.extra["companions"] = {name: _sha256_file(self._companion(name)) for name in self.companions}
        if not self.patch:
            self.staging.chmod(0o755)
            self._save(os.stat(self.staging).st_ino)
            if self.out.exists():
                os.rmdir(self.out)  # empty: check_output refused anything else
            os.replace(self.staging, self.out)
        else:
            self._complete_spare()
            # After the exchange the spare is the tree out was: the last build's files.
            self.manifest.extra["spare"] = {
                "gone": sorted(self.previous.entries.keys() - self.manifest.entries.keys()),
                "new": sorted(self.manifest.entries.keys() - self.previous.entries.keys()),
            }
            self._save(os.stat(self.tree).st_ino)
            try:
                exchange(self.tree, self.out)
            except OSError as err:
                if err.errno in CANNOT_SWAP:
                    raise OutputRefused(_cannot_swap(self.out, err.strerror)) from None
                raise
            _dirty_path(self.out).unlink(missing_ok=True)
            discard(self.staging)
        os.replace(_next(manifest_path(self.out)), manifest_path(self.out))
        for name in sorted(self.companions):
            os.replace(_next(companion_path(self.out, name)), companion_path(self.out, name))

    def _save(self, tree: int) -> None:
        """The manifest and companions of the tree about to become out, each beside its
        current one (.next): whichever describes the folder at out is the one read."""
        for name in sorted(self.companions):
            os.replace(self._companion(name), _next(companion_path(self.out, name)))
        self.manifest.save(_next(manifest_path(self.out)), tree)

    def _complete_spare(self) -> None:
        """Make the spare this build's tree: every file not written now is out's own file
        (hard-linked: no bytes copied), and the files the site no longer has are gone."""
        out, tree = str(self.out), str(self.tree)
        for rel in self.manifest.entries:
            if rel in self.written:
                continue
            have = os.stat(f"{out}/{rel}")
            try:
                spare = os.stat(f"{tree}/{rel}")
                if spare.st_ino == have.st_ino and spare.st_dev == have.st_dev:
                    continue
            except FileNotFoundError:
                pass
            _link_into(f"{out}/{rel}", f"{tree}/{rel}")
        for rel in sorted(self.spare_has - self.manifest.entries.keys(), reverse=True):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{tree}/{rel}")
            _remove_empty_parents(self.tree, rel)

    def abandon(self) -> None:
        discard(self.staging)
        for companion in self.staging.parent.glob(f"{self.staging.name}.*"):
            companion.unlink(missing_ok=True)

    def stage_companion(self, name: str, data: bytes) -> None:
        """A file that goes beside the manifest when this build is published (.OUT.NAME),
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
            "tree": str(self.tree),
            "previous": [self.previous.entries, previous],
            "manifest": [self.manifest.entries, self.manifest.extra],
            "written": sorted(self.written),
            "companions": sorted(self.companions),
            "spare_has": sorted(self.spare_has),
        }
        path.write_text(json.dumps(state), encoding="utf-8")
        return path

    @classmethod
    def taken_over(cls, path: Path) -> Writer:
        """The writer another process left in path (hand_over); the file goes."""
        state = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        writer = cls.__new__(cls)
        writer.out, writer.staging, writer.tree = Path(state["out"]), Path(state["staging"]), Path(state["tree"])
        writer.previous, writer.manifest = Manifest(*state["previous"]), Manifest(*state["manifest"])
        writer.patch = writer.tree != writer.staging
        writer.written = set(state["written"])
        writer.companions = set(state["companions"])
        writer.spare_has = set(state["spare_has"])
        writer.folders = {str(writer.tree)}
        return writer


def _patches(out: Path, previous: Manifest) -> bool:
    """Whether a build into out changes the spare tree (else it makes a tree of its own)."""
    return bool(previous.entries) and out.is_dir()


def ready_spare(out: Path, previous: Manifest, meanwhile: Callable | None = None) -> Callable[[], set[str]]:
    """Start making the spare tree ready to be changed; the call returned waits until it is
    and gives the files it holds. The spare is trusted only when the last build published it
    whole (no build was killed while changing it since); else it is made again of hard links
    to out's files. That is one folder a page, which takes about as long as checking the
    site: meanwhile(make), where given, starts make beside this process (a forked child)
    and returns the call that waits for it."""
    if not _patches(out, previous):
        return set
    spare, dirty = spare_path(out), _dirty_path(out)
    known = previous.extra.get("spare")
    has = None
    if spare.is_dir() and not spare.is_symlink() and not dirty.exists() and isinstance(known, dict):
        gone, new = known.get("gone", []), known.get("new", [])
        if isinstance(gone, list) and isinstance(new, list) and all(map(confined, gone + new)):
            has = (previous.entries.keys() - set(new)) | set(gone)
    if has is not None:

        def trusted() -> set[str]:
            dirty.touch()  # from here on the build changes it
            return has

        return trusted
    dirty.touch()
    wait = meanwhile(lambda: _remake_spare(out, previous)) if meanwhile else lambda: _remake_spare(out, previous)
    return lambda: wait() or set(previous.entries)


def _remake_spare(out: Path, previous: Manifest) -> None:
    """The spare made again: a hard link to each of out's files that the manifest lists."""
    spare = spare_path(out)
    if spare.is_symlink() or spare.is_file():
        spare.unlink()
    elif spare.exists():
        shutil.rmtree(spare)
    spare.mkdir()
    folders = {str(spare)}
    for rel in previous.entries:
        target = f"{spare}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in folders:
            os.makedirs(folder, exist_ok=True)
            folders.add(folder)
        try:
            os.link(f"{out}/{rel}", target)
        except FileNotFoundError:
            continue  # gone from out: the build writes it anew


def _unshare(target: str) -> None:
    """Before a file of the spare is written: where it is a hard link shared with out, take
    it away, so that out's file stays as it is."""
    try:
        if os.stat(target).st_nlink > 1:
            os.unlink(target)
    except FileNotFoundError:
        pass


def _link_into(source: str, target: str) -> None:
    temp = f"{target.rpartition('/')[0]}/.{target.rpartition('/')[2]}.~link"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
    try:
        os.link(source, temp)
    except FileNotFoundError:
        os.makedirs(target.rpartition("/")[0], exist_ok=True)
        os.link(source, temp)
    os.replace(temp, target)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
