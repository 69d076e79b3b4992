"""The end of a build: the search index over the rendered pages, `_headers`, and moving the
new files into place. Only the standard library and the writer are needed here.

The command-line build renders in a child process that exits before this step starts
(`build_apart`), so that the search indexer, the biggest user of memory in a build, runs
beside a coordinating process of a few megabytes instead of beside the whole site's model.
When there is no index to build, the child publishes itself. serve runs both steps in its
own process (`pipeline.build`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .inputs import file_stats, fingerprint
from .output import Manifest, Writer, building, headers
from .problems import Problem, Problems
from .workers import run_apart

if TYPE_CHECKING:
    from .options import Options


@dataclass
class Prepared:
    """A build with every page rendered into its writer's staging folder and not yet
    published; writer is None when there is nothing to publish (errors, or nothing changed)."""

    problems: Problems
    writer: Writer | None = None
    base_path: str = "/"
    unchanged: bool = False  # nothing the build reads had changed: nothing was done
    written: int = 0  # files in the site once published
    changed: set[str] = field(default_factory=set)  # output files written or deleted


@dataclass
class IndexPlan:
    """What the search index step does: Pagefind reads `pages` (None: keep the last build's
    index, whose pages are these pages byte for byte) and writes into `into`."""

    digest: str  # of every indexed page's path and bytes
    pages: Path | None = None
    into: Path | None = None
    links: Path | None = None  # a folder of links made for Pagefind, deleted after


@dataclass
class LastBuild:
    """What the last build into out left (its manifest), the fingerprint of what this build
    reads (inputs.fingerprint), and, when nothing it reads has changed since the last build
    and its output is as that build left it, this build's answer: nothing to do, the last
    build's warnings repeated."""

    manifest: Manifest
    inputs: str | None
    stats: dict[str, os.stat_result]  # the files the fingerprint looked at, by path
    up_to_date: Prepared | None = None

    @classmethod
    def of(cls, options: Options) -> LastBuild:
        stats: dict[str, os.stat_result] = {}
        manifest, inputs = Manifest.load(options.out), fingerprint(options, stats)
        last = cls(manifest, inputs, stats)
        if inputs is not None and manifest.extra.get("inputs") == inputs and manifest.all_intact(options.out):
            warnings = Problems([Problem(*warning, warning=True) for warning in manifest.extra.get("warnings", [])])
            last.up_to_date = Prepared(warnings, written=len(manifest.entries), unchanged=True)
        return last


def build_apart(options: Options) -> Prepared:
    """The whole build as the command line runs it. A child process reads, checks and
    renders, and plans the index. When Pagefind has to run, the child leaves its writer in
    a file and exits, and this process runs Pagefind beside nothing else, then reads the
    writer back and publishes; otherwise the child publishes before it exits."""
    with building(options.out):
        last = LastBuild.of(options)
        if last.up_to_date is not None:  # known without loading the generator
            return last.up_to_date
        prepared, plan, stash = run_apart(lambda: _prepare_apart(options, last))
        if stash is None:
            return prepared
        try:  # the child hands its writer over only when Pagefind has pages to index
            hashed = run_index(plan, prepared.problems)
        except BaseException:
            _unstash(stash).abandon()
            raise
        prepared.writer = _unstash(stash)
        finish(prepared, plan, hashed)
    return prepared


def _unstash(stash: Path) -> Writer:
    writer = pickle.loads(stash.read_bytes())
    stash.unlink()
    return writer


def _prepare_apart(options: Options, last: LastBuild) -> tuple[Prepared, IndexPlan | None, Path | None]:
    from .pipeline import prepare

    prepared = prepare(options, last)[1]
    writer = prepared.writer
    if writer is None:
        return prepared, None, None
    try:
        plan = plan_index(writer) if options.search else None
        if plan is None or plan.pages is None:  # no index to build: nothing to hand over
            finish(prepared, plan, None)
            prepared.writer = None
            return prepared, None, None
        stash = writer.staging.with_name(writer.staging.name + ".writer")
        stash.write_bytes(pickle.dumps(writer))
    except BaseException:
        writer.abandon()
        raise
    prepared.writer = None
    return prepared, plan, stash


def publish(prepared: Prepared, search: bool, lock=None, cancelled=None) -> bool:
    """Index and publish a prepared build in this process (serve); False when nothing was
    published (a problem in this step, or cancelled() said a newer build is due, asked
    while holding lock)."""
    try:
        plan = plan_index(prepared.writer) if search else None
        hashed = run_index(plan, prepared.problems) if plan else []
    except BaseException:
        prepared.writer.abandon()
        raise
    return finish(prepared, plan, hashed, lock, cancelled)


def finish(prepared: Prepared, plan: IndexPlan | None, hashed: list[str] | None, lock=None, cancelled=None) -> bool:
    """Record the index (hashed is what run_index returned), write _headers and move the
    staged files into place, unless a problem was found or cancelled() says not to."""
    writer, problems = prepared.writer, prepared.problems
    previous = writer.previous.entries
    try:
        if plan is not None:
            hashed = record_index(writer, plan, hashed)
        writer.put("_headers", headers(prepared.base_path, hashed or []))
        if problems.errors:
            writer.abandon()
            return False
        with lock or contextlib.nullcontext():
            if cancelled is not None and cancelled():
                writer.abandon()
                return False
            writer.commit()
    except BaseException:
        writer.abandon()
        raise
    prepared.written = len(writer.manifest.entries)
    prepared.changed = writer.written | (previous.keys() - writer.manifest.entries.keys())
    return True


# -- The search index ----------------------------------------------------------------------
# Pagefind runs again only when some indexed page's bytes changed since the last build.


def plan_index(writer: Writer) -> IndexPlan:
    entries, previous = writer.manifest.entries, writer.previous
    html = sorted(path for path in entries if path.endswith(".html"))
    digest = hashlib.sha256(json.dumps([[path, entries[path][0]] for path in html]).encode()).hexdigest()
    old = previous.extra.get("index", {})
    if old.get("pages") == digest and all(previous.intact(writer.out, path) for path in old.get("files", [])):
        return IndexPlan(digest)
    if not writer.patch:  # a first build: staging has this build's pages and nothing else
        return IndexPlan(digest, writer.staging, writer.staging / "pagefind")
    links = writer.staging.with_name(writer.staging.name + "-pages")
    for path in html:  # links to the pages wherever they are, in out or in staging
        target = links / path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(writer.where(path), target)
        except OSError:
            shutil.copyfile(writer.where(path), target)
    return IndexPlan(digest, links, writer.staging / "pagefind", links)


def run_index(plan: IndexPlan, problems: Problems) -> list[str] | None:
    """Run Pagefind as planned: the paths of its content-hashed files outside its hashed
    folders, or None when the last index is kept."""
    if plan.pages is None:
        return None
    from .search import build_index

    try:
        return build_index(plan.pages, plan.into, problems)
    finally:
        if plan.links is not None:
            shutil.rmtree(plan.links, ignore_errors=True)


def record_index(writer: Writer, plan: IndexPlan, hashed: list[str] | None) -> list[str]:
    """Put the new index's files in the manifest, or keep the last ones; its hashed files."""
    old = writer.previous.extra.get("index", {})
    if plan.pages is None:
        for path in old["files"]:
            writer.keep_as_is(path)
        hashed = old["hashed"]
    else:
        start = len(str(writer.staging)) + 1
        for path, _ in file_stats(plan.into):  # about 4,000 files: listed as strings, not Paths
            writer.adopt(path[start:].replace(os.sep, "/"))
    files = sorted(p for p in writer.manifest.entries if p.startswith("pagefind/"))
    writer.manifest.extra["index"] = {"pages": plan.digest, "files": files, "hashed": hashed}
    return hashed
