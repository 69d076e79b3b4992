"""Spreading work over processes.

`run_all` shares per-page work among forked processes, which inherit what the build has in
memory (parsed pages, the model, compiled templates, the items themselves) instead of having
it pickled across: a worker is sent the positions of its items, and only each task's result
travels back. Results are gathered by key, so the output never depends on which worker
finished first. A little work stays in this process, a middling amount is shared with one
forked child, and a build's worth goes to a pool (FEW and POOL). One job, and platforms
without fork, run in this process.

`run_apart` runs one call in a forked child that exits when it is done: whatever the call
held in memory is given back at once, which a long build step after it (the search indexer)
can use. `Apart` starts such a call and lets this process go on meanwhile."""

from __future__ import annotations

import gc
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Sequence

# What a forked worker calls, and on what: set just before a pool starts, inherited by its
# workers.
_task: Callable | None = None
_items: Sequence | None = None
# Chunks per worker, each its own task: small enough that no worker is left with a long
# last chunk while the others wait (scripts/BENCH-NOTES.md has what fewer cost).
CHUNKS = 16
# Work is counted in items of the usual kind (a page to render). Less than FEW is done here.
# Up to POOL, one forked child (quick to start) does half. Beyond, a pool (slower to start in
# a large build process; figures in scripts/BENCH-NOTES.md) shares it out in chunks,
# which evens out items of unequal cost.
FEW = 16
POOL = 512


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def run_all(task: Callable[[list], list], items: Sequence, jobs: int, weights: Sequence[float] | None = None) -> list:
    """task applied to items, possibly in several processes; results in item order. task
    takes a list of items and returns a list of results of the same length. weights: each
    item's cost, counted in items of the usual kind (1 each when not given), which decide
    between this process, one forked child and a pool (see FEW and POOL)."""
    if jobs <= 1 or not can_fork() or len(items) < 2:
        return task(list(items))
    total = sum(weights) if weights is not None else len(items)
    if total < FEW:
        return task(list(items))
    if total < POOL or len(items) < FEW:
        return _in_two(task, items, weights or [1] * len(items))
    import multiprocessing

    global _task, _items
    _task, _items = task, items
    count = jobs * CHUNKS
    chunks = [list(range(start, len(items), count)) for start in range(count)]
    gc.freeze()  # what exists now is shared with the workers: their collector leaves it alone
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_run_chunk, [chunk for chunk in chunks if chunk], chunksize=1)
    finally:
        _task, _items = None, None
        gc.unfreeze()
    results: list = [None] * len(items)
    for chunk, values in parts:
        for index, value in zip(chunk, values):
            results[index] = value
    return results


def _run_chunk(indexes: list[int]) -> tuple[list[int], list]:
    return indexes, _task([_items[i] for i in indexes])


def _in_two(task: Callable[[list], list], items: Sequence, weights: Sequence[float]) -> list:
    """task on items worth sharing but not worth a pool, shared with one forked child: the
    heaviest first, each to the side with less so far."""
    sides: tuple[list[int], list[int]] = ([], [])
    loads = [0.0, 0.0]
    for index in sorted(range(len(items)), key=lambda i: -weights[i]):
        side = 0 if loads[0] <= loads[1] else 1
        sides[side].append(index)
        loads[side] += weights[index]
    here, there = sides
    results: list = [None] * len(items)
    with Apart(lambda: task([items[i] for i in there])) as child:
        for index, value in zip(here, task([items[i] for i in here])):
            results[index] = value
        for index, value in zip(there, child.result()):
            results[index] = value
    return results


def run_apart(call: Callable[[], object]):
    """call() in a forked child process, and its (pickled) result here; an exception it
    raises is raised here, with the child's traceback as a note. Without fork, call() runs
    in this process. Call it with no other threads running: only the calling thread forks."""
    with Apart(call) as apart:
        return apart.result()


class Apart:
    """call() started in a forked child process (or, without fork, run when its result is
    asked for), while this process goes on. result() waits for it; leaving the `with` block
    ends the child if its result was never asked for."""

    def __init__(self, call: Callable[[], object], fork: bool = True) -> None:
        self.call, self.pid, self.pipe = call, 0, None
        if not (fork and can_fork()):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(read_end)
                try:
                    message = pickle.dumps((True, call()))
                except BaseException as err:  # noqa: BLE001 - every failure goes to the parent
                    message = _pickled_failure(err)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(message)
                code = 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(write_end)
        self.pid, self.pipe = pid, os.fdopen(read_end, "rb")

    def result(self):
        if self.pipe is None:
            return self.call()
        try:
            message = self.pipe.read()
        finally:
            status = self._end()
        if not message:
            raise ChildDied(f"a build process stopped without an answer ({_how_it_ended(status)})")
        succeeded, value = pickle.loads(message)
        if succeeded:
            return value
        raise value

    def _end(self) -> int:
        """Close our end (a child still writing stops) and wait for the child."""
        self.pipe.close()
        self.pipe = None
        return os.waitpid(self.pid, 0)[1]

    def __enter__(self) -> Apart:
        return self

    def __exit__(self, *exc) -> None:
        if self.pipe is not None:
            self._end()


class ChildDied(RuntimeError):
    """A child process ended (killed, out of memory) before it could answer."""


def _pickled_failure(err: BaseException) -> bytes:
    note = "in the build's child process:\n" + "".join(traceback.format_exception(err)).rstrip()
    try:
        err.add_note(note)
        return pickle.dumps((False, err))
    except Exception:  # an exception that cannot travel: its text does
        return pickle.dumps((False, RuntimeError(f"{type(err).__name__}: {err}\n{note}")))


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
