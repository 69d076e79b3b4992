"""What git knows about the pages, read for the whole content/ folder at once: one `git log`
(renames followed), one `git status` for edits not yet committed, and one `git cat-file`
process for the texts of the versions asked for. Only `review` reads git; the build never does.

History follows the current branch's first-parent line, so its order is commit order (never
dates) and a merged branch counts as one change, made when it was merged."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CONTENT = "content"
# One record per commit: \x01 then hash, committer date, author, subject, author's and
# committer's emails, parents and the values of its Reviewed-by trailers (\x1f between them),
# NUL-separated.
LOG_FORMAT = "%x01%H%x00%cs%x00%an%x00%s%x00%ae%x00%ce%x00%P%x00%(trailers:key=Reviewed-by,valueonly,unfold,separator=%x1f)"
HEADER_FIELDS = 8


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, YYYY-MM-DD
    author: str
    subject: str
    author_email: str = ""
    committer_email: str = ""
    parents: tuple[str, ...] = ()
    reviewed_by: tuple[str, ...] = ()  # the values of its Reviewed-by: trailers, like "Avery Lee <dr-lee>"

    @property
    def merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Change:
    """One commit's change to one file, as the file's versions (blob ids) before and after."""

    commit: Commit
    before: str | None  # None: the commit added the file
    after: str
    boundary: bool = False  # a shallow clone starts here: the file was already there, from an unknown commit


@dataclass
class History:
    """The git history of a source folder's pages, by path relative to the source folder, or
    why there is none."""

    missing: str = ""  # why there is no history at all, such as "no git repository"
    shallow: bool = False
    files: dict[str, list[Change]] = field(default_factory=dict)  # current path → changes, oldest first
    uncommitted: set[str] = field(default_factory=set)  # paths with edits not yet committed


def read_history(source: Path) -> History:
    """The history of every file below source/content, with git run three times in all."""
    try:
        where = _git(source, "rev-parse", "--show-prefix", "--is-shallow-repository", "--git-path", "shallow")
    except FileNotFoundError:
        return History(missing="git is not installed")
    if where.returncode != 0:
        error = _first_line(where.stderr)
        return History(missing="no git repository" if "not a git repository" in error else f"git failed: {error}")
    prefix, shallow, shallow_file = where.stdout.decode().split("\n")[:3]
    history = History(shallow=shallow == "true")
    shallow_list = Path(source, shallow_file)
    boundary = set(shallow_list.read_text().split()) if history.shallow and shallow_list.is_file() else set()
    log = _git(
        source,
        *("log", "--first-parent", "--diff-merges=first-parent", "--reverse", "--root", "--raw", "--no-abbrev", "-M", "-z"),
        *("--no-relative", "--no-show-signature", f"--format={LOG_FORMAT}", "HEAD", "--", CONTENT),
    )
    if log.returncode != 0:
        error = _first_line(log.stderr)
        if "does not have any commits" not in error and "unknown revision" not in error:
            return History(missing=f"git failed: {error}")
    else:
        history.files = _relative(_parse_log(log.stdout, boundary), prefix)
    status = _git(source, "--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all", "--", CONTENT)
    if status.returncode != 0:
        return History(missing=f"git failed: {_first_line(status.stderr)}")
    for path, renamed_from in _parse_status(status.stdout).items():
        path = path.removeprefix(prefix)
        history.uncommitted.add(path)
        if renamed_from and path not in history.files:
            # Renamed in the working tree (git mv): the history is the old path's.
            history.files[path] = history.files.get(renamed_from.removeprefix(prefix), [])
    return history


def read_blobs(source: Path, blob_ids: Iterable[str]) -> dict[str, bytes]:
    """The contents of the given versions, read by one `git cat-file --batch`."""
    wanted = sorted(set(blob_ids))
    if not wanted:
        return {}
    result = _git(source, "cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
    out, blobs, at = result.stdout, {}, 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        if len(header) != 3:
            continue  # "<id> missing"
        size = int(header[2])
        blobs[header[0].decode()] = out[at : at + size]
        at += size + 1
    return blobs


def has_changes(source: Path, path: str) -> bool:
    """Whether path (relative to source) differs from its last commit, or was never committed."""
    status = _git(source, "--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all", "--", path)
    return status.returncode != 0 or bool(status.stdout.strip(b"\0"))


def commit_file(source: Path, path: str, message: str) -> tuple[bool, str]:
    """Commit path alone (git commit --only), whatever else is staged: (True, the new commit's
    hash) or (False, git's message)."""
    done = _git(source, "commit", "--quiet", "--only", "--file=-", "--", path, stdin=message.encode())
    if done.returncode != 0:
        return False, _first_line(done.stderr or done.stdout)
    head = _git(source, "rev-parse", "HEAD")
    return True, head.stdout.decode().strip()


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    # Messages in English, whatever the locale, so "not a git repository" can be recognised.
    env = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C"}
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, check=False)


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ") if lines else "no message"


def _parse_log(out: bytes, boundary: set[str]) -> dict[str, list[Change]]:
    """Replay `git log --reverse --raw -z` oldest first: every file's changes under the path it
    has at the end, a rename carrying its history to the new path."""
    tokens = out.split(b"\0")
    files: dict[str, list[Change]] = {}
    commit: Commit | None = None
    at = 0
    while at < len(tokens):
        token = tokens[at].lstrip(b"\n")
        if token.startswith(b"\x01"):
            commit = _commit(token[1:], tokens[at + 1 : at + HEADER_FIELDS])
            at += HEADER_FIELDS
        elif token.startswith(b":") and commit is not None:
            _, _, before, after, status = token[1:].decode().split(" ")
            if status[0] in "RC":
                old, new = (t.decode(errors="surrogateescape") for t in tokens[at + 1 : at + 3])
                at += 3
            else:
                old = new = tokens[at + 1].decode(errors="surrogateescape")
                at += 2
            _apply(files, commit, status[0], old, new, before, after, commit.sha in boundary)
        else:
            at += 1
    return files


def _commit(sha: bytes, fields: list[bytes]) -> Commit:
    date, author, subject, author_email, committer_email, parents, trailers = (t.decode(errors="replace") for t in fields)
    return Commit(
        sha.decode(),
        date,
        author,
        subject,
        author_email,
        committer_email,
        tuple(parents.split()),
        tuple(value.strip() for value in trailers.split("\x1f") if value.strip()),
    )


def branch_changes(source: Path, merge: Commit, path: str) -> list[Change]:
    """The changes to path (relative to source) made on the branches a merge commit brought
    in, newest first: where a review arrived by a merge, the commit that made it is there."""
    log = _git(
        source,
        *("log", "--raw", "--no-abbrev", "--no-renames", "-z", "--no-show-signature", f"--format={LOG_FORMAT}"),
        f"{merge.sha}^1..{merge.sha}",
        "--",
        path,
    )
    if log.returncode != 0:
        return []
    changes: list[Change] = []
    tokens, commit, at = log.stdout.split(b"\0"), None, 0
    while at < len(tokens):
        token = tokens[at].lstrip(b"\n")
        if token.startswith(b"\x01"):
            commit = _commit(token[1:], tokens[at + 1 : at + HEADER_FIELDS])
            at += HEADER_FIELDS
        elif token.startswith(b":") and commit is not None:
            _, _, before, after, _ = token[1:].decode().split(" ")
            missing = set("0")
            changes.append(Change(commit, None if set(before) == missing else before, after))
            at += 2
        else:
            at += 1
    return changes


def _apply(files: dict[str, list[Change]], commit: Commit, status: str, old: str, new: str, before: str, after: str, boundary: bool):
    if status == "A":
        files[new] = [Change(commit, None, after, boundary)]
    elif status == "D":
        files.pop(old, None)
    elif status == "R":
        changes = files.pop(old, [])
        if before != after:
            changes.append(Change(commit, before, after))
        files[new] = changes
    elif status == "C":  # a copy starts a history of its own
        files[new] = [Change(commit, None, after, boundary)]
    else:  # M, T: modified, or its type changed
        files.setdefault(new, []).append(Change(commit, before, after))


def _relative(files: dict[str, list[Change]], prefix: str) -> dict[str, list[Change]]:
    return {path.removeprefix(prefix): changes for path, changes in files.items()}


def _parse_status(out: bytes) -> dict[str, str | None]:
    """`git status --porcelain -z` → {path: the path it was renamed from, or None}."""
    tokens = out.split(b"\0")
    entries: dict[str, str | None] = {}
    at = 0
    while at < len(tokens):
        token = tokens[at]
        if len(token) < 4:
            at += 1
            continue
        code, path = token[:2].decode(), token[3:].decode(errors="surrogateescape")
        if "R" in code or "C" in code:
            entries[path] = tokens[at + 1].decode(errors="surrogateescape")
            at += 2
        else:
            entries[path] = None
            at += 1
    return entries
