"""What a build reads, told apart by file sizes and modification times (as make and git do),
so that a build that finds nothing changed since the last one can stop at once."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

CODE = Path(__file__).resolve().parent

# A file modified this recently may be modified again within the same clock tick without its
# time changing (git's "racy" files): a fingerprint that saw one is not trusted.
RACY_NS = 2_000_000_000


def fingerprint(options) -> str | None:
    """A digest of the build's options and the size and time of every file it reads (content,
    data, templates, the generator's code and its libraries' folder), or None when some file
    changed too recently to be told apart by its time."""
    newest_allowed = time.time_ns() - RACY_NS
    files: list = []
    for root in (options.source / "content", options.source / "data", options.templates, CODE):
        if not _walk(root, root, files, newest_allowed):
            return None
    libraries = [Path(spec.origin).parent.parent for name in ("jinja2", "markdown_it", "yaml") if (spec := importlib.util.find_spec(name))]
    for folder in libraries:
        stat = folder.stat()
        files.append([str(folder), stat.st_mtime_ns])
    settings = [
        str(options.source.resolve()),
        str(options.templates.resolve()),
        options.base_url,
        options.drafts,
        options.production,
        options.search,
        options.today.isoformat(),
        sys.version,
    ]
    return hashlib.sha256(json.dumps([settings, files]).encode()).hexdigest()


def _walk(folder: Path, root: Path, files: list, newest_allowed: int) -> bool:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        files.append([str(folder), None])
        return True
    for entry in entries:
        if entry.name in (".cache", "__pycache__"):
            continue
        if entry.is_dir():
            if not _walk(Path(entry.path), root, files, newest_allowed):
                return False
            continue
        stat = entry.stat()
        if stat.st_mtime_ns > newest_allowed:
            return False
        # The change time too: a file written and then given back its old time is not missed.
        files.append([entry.path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino])
    return True
