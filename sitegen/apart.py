"""The command line's build, in two processes. A child reads, checks and renders the site into a
staging folder (pipeline.prepare) and plans the search index. When Pagefind has to run, the
child leaves its writer in a file and exits, and this process runs Pagefind beside nothing
else, then takes the writer over and publishes: the indexer, the biggest user of memory in a
build, runs beside a coordinating process of a few megabytes instead of beside the whole model.
Otherwise the child publishes before it exits. When nothing the build reads has changed, this
process says so from the file times alone, without loading the generator."""

from __future__ import annotations

from .options import Options
from .output import Writer, building
from .publish import LastBuild, Prepared, finish, plan_index, run_index
from .workers import run_apart


def build_apart(options: Options) -> Prepared:
    """The whole build as the command line runs it. A child process reads, checks and
    renders, and plans the index. When Pagefind has to run, the child leaves its writer in
    a file and exits, and this process runs Pagefind beside nothing else, then reads the
    writer back and publishes; otherwise the child publishes before it exits."""
    with building(options.out):
        last = LastBuild.of(options)
        if last.up_to_date is not None:  # known from the file times alone
            return last.up_to_date
        prepared, plan, handed = run_apart(lambda: _prepare_apart(options, last))
        if handed is None:
            return prepared
        try:  # the child hands its writer over only when Pagefind has pages to index
            hashed = run_index(plan, prepared.problems)
        except BaseException:
            Writer.taken_over(handed).abandon()
            raise
        prepared.writer = Writer.taken_over(handed)
        finish(prepared, plan, hashed)
    return prepared


def _prepare_apart(options: Options, last: LastBuild):
    """In the child: prepare, then publish at once when there is no index to build, else
    leave the writer in a file for the parent (what it returns: Writer.taken_over)."""
    from .pipeline import prepare  # in the child only: the coordinating process never loads the generator

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
        handed = writer.hand_over()
    except BaseException:
        writer.abandon()
        raise
    prepared.writer = None
    return prepared, plan, handed
