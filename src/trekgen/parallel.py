"""The one place trekgen runs in parallel: a pure function mapped over many items, in order.

Reading page files and rendering pages are pure and independent, so on a large site they are
spread over forked worker processes (issue 6). Workers inherit the function and the items
through `fork`, so neither is pickled: a worker gets a range of indices and sends back
its results, which come out in the order of the items. Small maps, one core, platforms
without `fork`, processes with threads and TREKGEN_JOBS=1 run in the calling process, with
the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from trekgen import collector

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a pool costs more than it saves: forking and joining two workers
# takes some 20-40 ms, what 10 to 20 pages cost to render; the bundled site's 92 pages
# already gain a little from a second core.
MIN_ITEMS = 64
# Items sent to a worker at a time: large enough to amortise the pipes, small enough to share
# the work evenly at the end.
CHUNK = 8

# The map in progress, inherited by the workers it forks.
_task: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def jobs() -> int:
    """Worker processes to use: TREKGEN_JOBS when set, else the cores this process may use."""
    value = os.environ.get("TREKGEN_JOBS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def imap(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    prepare: Callable[[], object] | None = None,
    cost: int = 1,
) -> Iterator[R]:
    """`map(function, items)`, across processes when there are many items.

    `prepare` runs first when the map goes parallel, to fill caches the workers then share.
    `cost` says how many items cost what a page does, for maps over smaller things.
    """
    workers = min(jobs(), len(items))
    if workers < 2 or len(items) < MIN_ITEMS * cost or not can_fork():
        return map(function, items)
    if prepare is not None:
        prepare()
    return _forked(function, items, workers)


def can_fork() -> bool:
    """True where workers can be forked safely: Linux, one thread, not inside a worker."""
    # A lock held by another thread (trekgen serve has several) would stay locked in a forked
    # worker forever, so a process with threads renders in its own thread instead.
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and multiprocessing.parent_process() is None
    )


def _forked(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    global _task
    _task = (function, items)
    # Objects frozen out of the collector's reach are not copied into each worker when it runs.
    try:
        with collector.frozen(), multiprocessing.get_context("fork").Pool(workers) as pool:
            bounds = [(i, min(i + CHUNK, len(items))) for i in range(0, len(items), CHUNK)]
            for results in pool.imap(_run, bounds):
                yield from results
    finally:
        _task = None


def _run(bounds: tuple[int, int]) -> list[Any]:
    assert _task is not None  # set by `_forked` before the fork
    function, items = _task
    return [function(items[i]) for i in range(*bounds)]
