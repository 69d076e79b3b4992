"""The end of a build: what the last build left (LastBuild), the search index over the rendered
pages, `_headers`, and moving the new files into place. Only the standard library, the writer
and the search index's module are needed here: the process that coordinates the command
line's build (pipeline.build_apart) runs this step without loading the generator."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .inputs import file_stats, fingerprint
from .output import Manifest, Writer, check_output, headers
from .problems import Problem, Problems

if TYPE_CHECKING:
    from .options import Options


@dataclass
class Prepared:
    """A build with every page rendered into its writer's staging folder and not yet
    published; writer is None when there is nothing to publish (errors, or nothing changed)."""

    problems: Problems
    writer: Writer | None = None
    base_path: str = "/"
    hsts: str | None = None  # the Strict-Transport-Security value (output.hsts)
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
        manifest = Manifest.load(options.out)
        check_output(options.out, manifest)
        inputs = fingerprint(options, stats)
        last = cls(manifest, inputs, stats)
        if inputs is not None and manifest.extra.get("inputs") == inputs and manifest.all_intact(options.out):
            warnings = Problems([Problem(*warning, warning=True) for warning in manifest.extra.get("warnings", [])])
            drafts = manifest.extra.get("drafts", [])
            warnings.drafts = [path for path in drafts if isinstance(path, str)] if isinstance(drafts, list) else []
            last.up_to_date = Prepared(warnings, written=len(manifest.entries), unchanged=True)
        return last


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
        if problems.errors:  # the index failed: what it left is not looked at
            writer.abandon()
            return False
        if plan is not None:
            hashed = record_index(writer, plan, hashed)
        writer.put("_headers", headers(prepared.base_path, hashed or [], prepared.hsts))
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
            if not writer.reuse(path):
                raise ValueError(f"{path} was to be kept, but it changed in {writer.out}")
        hashed = old["hashed"]
    else:
        start = len(str(writer.staging)) + 1
        for path, _ in file_stats(plan.into):  # about 4,000 files: listed as strings, not Paths
            writer.adopt(path[start:].replace(os.sep, "/"))
    files = sorted(p for p in writer.manifest.entries if p.startswith("pagefind/"))
    writer.manifest.extra["index"] = {"pages": plan.digest, "files": files, "hashed": hashed}
    return hashed
