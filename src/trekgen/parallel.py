"""The one place trekgen runs in parallel: a function mapped over many items, in order.

Reading page files and rendering pages are independent, so on a large site they are spread
over forked worker processes (issue 6); `build` has each page written where it is rendered.
Workers inherit the function and the items through `fork`, so neither is pickled: each worker
takes the next chunk of indices from a shared counter and sends back its results, which come
out in the order of the items. Small maps, one core, platforms without `fork`, processes with
threads and TREKGEN_JOBS=1 run in the calling process, with the same results.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn, TypeVar, cast

from trekgen import collector

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a pool costs more than it saves: forking and joining two workers
# takes some 20-40 ms, what 10 to 20 pages cost to render; the bundled site's 92 pages
# already gain a little from a second core.
MIN_ITEMS = 64
# Pages a worker takes at a time: enough to amortise the pipes, few enough to share the work
# evenly at the end.
CHUNK = 8
# What a pipe from a worker may hold; Linux lets any process ask for up to 1 MB.
PIPE_BYTES = 1 << 20

# The map in progress, inherited by the workers it forks.
_task: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
# True in a forked worker, which never forks workers of its own.
_in_worker = False


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
    weight: float = 1,
) -> Iterator[R]:
    """`map(function, items)`, across processes when there are many items.

    `prepare` runs first when the map goes parallel, to fill caches the workers then share.
    `weight` is what one item costs in pages, for maps over smaller or larger things.
    """
    workers = min(jobs(), len(items))
    if workers < 2 or len(items) * weight < MIN_ITEMS or not can_fork():
        return map(function, items)
    if prepare is not None:
        prepare()
    return _forked(function, items, workers, max(1, round(CHUNK / weight)))


def can_fork() -> bool:
    """True where workers can be forked safely: Linux, one thread, not inside a worker."""
    # A lock held by another thread (trekgen serve has several) would stay locked in a forked
    # worker forever, so a process with threads renders in its own thread instead.
    return sys.platform == "linux" and threading.active_count() == 1 and not _in_worker


def _forked(
    function: Callable[[T], R], items: Sequence[T], workers: int, chunk: int = CHUNK
) -> Iterator[R]:
    """The map across forked workers that take chunks of items as they become free.

    Not multiprocessing.Pool: its worker-watching thread wakes at every result that comes
    back, which cost 4 of the 50 CPU seconds of a 10,000-page build on two cores (issue 6).
    """
    global _task
    _task = (function, items)
    context = multiprocessing.get_context("fork")
    taken = context.Value("q", 0)  # the first item no worker has taken yet, behind a lock
    pids: list[int] = []
    live: list[Connection] = []
    try:
        # Objects frozen out of the collector's reach are not copied into each worker.
        with collector.frozen():
            for _ in range(workers):
                reader, writer = context.Pipe(duplex=False)
                _widen(writer)
                pid = os.fork()
                if pid == 0:  # pragma: no cover - a worker: coverage does not follow forks
                    _worker(taken, chunk, writer, [reader, *live])
                writer.close()
                pids.append(pid)
                live.append(reader)
        done: dict[int, list[Any]] = {}
        for start in range(0, len(items), chunk):
            while start not in done:
                _receive(live, done)
            yield from done.pop(start)
    finally:
        _task = None
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        for reader in live:
            reader.close()


def _widen(pipe: Connection) -> None:
    """Let the pipe hold a megabyte of results instead of 64 KB, where Linux allows it.

    Read pages come back some 120 KB a chunk; with the default size a worker waited for the
    main process to take each one, and reading 10,000 pages took 5% longer (issue 6).
    """
    import fcntl  # Linux only, as is forking workers

    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _receive(live: list[Connection], done: dict[int, list[Any]]) -> None:
    """Wait for results from any worker; raise a worker's error as the map's own."""
    if not live:
        raise RuntimeError("a worker process ended without sending its results")
    for reader in cast(list[Connection], wait(live)):
        try:
            message: tuple[int, list[Any], BaseException | None] = reader.recv()
        except EOFError:  # the worker has finished, or died
            live.remove(reader)
            reader.close()
            continue
        start, results, error = message
        if error is not None:
            raise error
        done[start] = results


def _worker(taken: Any, chunk: int, writer: Connection, inherited: list[Connection]) -> NoReturn:
    """A forked worker's whole life: take chunks until none are left, send back each result."""
    global _in_worker
    _in_worker = True
    start = -1
    try:
        for reader in inherited:
            reader.close()
        assert _task is not None  # set by `_forked` before the fork
        function, items = _task
        while True:
            with taken.get_lock():
                start = taken.value
                taken.value = start + chunk
            if start >= len(items):
                break
            results = [function(items[i]) for i in range(start, min(start + chunk, len(items)))]
            writer.send((start, results, None))
    except BaseException as exc:
        # Where it was raised, for messages that point into templates (build.template_problem).
        frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
        exc.worker_frames = frames  # type: ignore[attr-defined]
        try:
            writer.send((start, None, exc))
        except Exception:  # an error that cannot be pickled: its type and message, at least
            with contextlib.suppress(BaseException):
                writer.send((start, None, RuntimeError(f"{type(exc).__name__}: {exc}")))
        os._exit(1)
    writer.close()
    os._exit(0)
