"""What a build reads, told apart by file sizes and modification times (as make and git do),
so that a build that finds nothing changed since the last one can stop at once."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

CODE = Path(__file__).resolve().parent

# A file modified this recently may be modified again within the same clock tick without its
# time changing (git's "racy" files): a fingerprint that saw one is not trusted, and neither
# is a page file's entry in the files cache (content.py).
RACY_NS = 2_000_000_000


def source_folders(options) -> list[Path]:
    """The folders of the site's own files that a build reads and serve watches."""
    return [options.source / "content", options.source / "data", options.source / "static", options.templates, options.locales]


def fingerprint(options, seen: dict[str, os.stat_result] | None = None) -> str | None:
    """A digest of the build's options and the size and time of every file it reads (content,
    data, templates, the generator's code and its libraries' folder), or None when some file
    changed too recently to be told apart by its time (or while we looked). seen, where
    given, gets each file's stat by its path, for the build to use again."""
    newest_allowed = time.time_ns() - RACY_NS
    files: list = []
    trusted = True
    for root in (*source_folders(options), CODE):
        files.append([str(root), root.is_dir()])
        for path, stat in file_stats(root):
            if seen is not None and stat is not None:
                seen[path] = stat
            if stat is None or stat.st_mtime_ns > newest_allowed:
                trusted = False  # the file just edited, most often: the stats are still worth taking
                if seen is None:
                    return None
                continue
            # The change time too: a file written and then given back its old time is not missed.
            files.append([path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino])
    if not trusted:
        return None
    libraries = [
        Path(spec.origin).parent.parent for name in ("jinja2", "markdown_it", "yaml", "babel") if (spec := importlib.util.find_spec(name))
    ]
    for folder in libraries:
        stat = folder.stat()
        files.append([str(folder), stat.st_mtime_ns])
    settings = [
        str(options.source.resolve()),
        str(options.templates.resolve()),
        str(options.locales.resolve()),
        options.base_url,
        options.drafts,
        options.production,
        options.search,
        options.today.isoformat(),
        sys.version,
    ]
    return hashlib.sha256(json.dumps([settings, files]).encode()).hexdigest()


def file_stats(folder: Path, _seen: set | None = None) -> Iterator[tuple[str, os.stat_result | None]]:
    """(path, stat) of every file below folder, in name order, caches left out; the stat is
    None for a file that went away while we looked (it was being changed); a link that
    cannot be followed (a loop: the checks say so) gives its own stat. A folder reached again through a link is
    not walked again."""
    seen = set() if _seen is None else _seen
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        real = os.path.realpath(folder)
    except FileNotFoundError:
        return
    if real in seen:
        return
    seen.add(real)
    for entry in entries:
        if entry.name in (".cache", "__pycache__"):
            continue
        try:
            if entry.is_dir():
                yield from file_stats(Path(entry.path), seen)
                continue
            yield entry.path, entry.stat()
        except FileNotFoundError:
            yield entry.path, None
        except OSError:  # a link that cannot be followed (a loop): the link itself
            yield entry.path, _own_stat(entry)


def _own_stat(entry: os.DirEntry) -> os.stat_result | None:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None
