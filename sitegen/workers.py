"""Spreading per-page work over the machine's cores.

Work runs in forked processes, which inherit what the build has in memory (parsed pages,
the model, compiled templates) instead of having it pickled across; only each task's result
travels back. Results are gathered by key, so the output never depends on which worker
finished first. One job, and platforms without fork, run in this process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence

# What a forked worker calls: set just before a pool starts, inherited by its workers.
_task: Callable | None = None


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_all(task: Callable[[list], list], items: Sequence, jobs: int) -> list:
    """task applied to items in chunks, possibly in several processes; results in item order.
    task takes a list of items and returns a list of results of the same length."""
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return task(list(items))
    global _task
    _task = task
    chunks = [list(range(start, len(items), jobs * 4)) for start in range(jobs * 4)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_run_chunk, [(chunk, [items[i] for i in chunk]) for chunk in chunks if chunk])
    finally:
        _task = None
    results: list = [None] * len(items)
    for chunk, values in parts:
        for index, value in zip(chunk, values):
            results[index] = value
    return results


def _run_chunk(job: tuple[list[int], list]) -> tuple[list[int], list]:
    indexes, items = job
    return indexes, _task(items)
