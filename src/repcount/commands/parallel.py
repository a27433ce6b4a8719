"""One task per item in worker processes, shared by ``repcount bench`` and batch ``analyze``.

Workers are started with ``spawn`` (MediaPipe/TFLite threads do not survive a ``fork`` of a
threaded parent) and ignore SIGINT: Ctrl-C is the parent's, which cancels what has not started,
stops the busy workers at once instead of waiting for their video, and re-raises, so the caller
can write what finished.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is handled by the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_in_processes(
    fn: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    on_result: Callable[[int, R], None],
    on_error: Callable[[int, Exception], R],
) -> None:
    """Run ``fn(item)`` for every item in up to ``jobs`` worker processes.

    Args:
        fn: a picklable callable (a module-level function, or a ``functools.partial`` of one).
        items: its arguments, one task each.
        jobs: worker processes (at most one per item).
        on_result: called in this process as each task finishes, in completion order, with the
            item's index and its result.
        on_error: turns a task that did not return (a worker killed by the OS, a result that
            cannot be unpickled) into a result, which then goes to ``on_result``.

    Raises:
        KeyboardInterrupt: after stopping the pool; results delivered so far stand.

    """
    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(items))),
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_sigint)
    pending: dict[Future[R], int] = {}
    try:
        pending = {pool.submit(fn, item): i for i, item in enumerate(items)}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                i = pending.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:
                    result = on_error(i, exc)
                on_result(i, result)
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
