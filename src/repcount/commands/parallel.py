"""One task per item in worker processes, shared by ``repcount bench`` and batch ``analyze``.

Workers are started with ``spawn`` (MediaPipe/TFLite threads do not survive a ``fork`` of a
threaded parent) and ignore SIGINT: Ctrl-C is the parent's, which cancels what has not started,
stops the busy workers at once instead of waiting for their video, and re-raises, so the caller
can write what finished.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
#: Seconds the busy workers get, after Ctrl-C, to return what they have (a partial result).
STOP_GRACE_S = 20.0
#: (key, frames done, frames total) from a worker's task to the parent.
Progress = Callable[[str, int, int | None], None]

#: In a worker: the parent's stop flag and progress queue (see :func:`task_progress`).
_link: tuple[Any, Any] | None = None


def _init_worker(stop: Any = None, progress: Any = None) -> None:
    """Worker initializer: Ctrl-C is handled by the parent; keep the link to it."""
    global _link
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _link = (stop, progress) if stop is not None else None


def task_progress(key: str) -> Callable[[int, int | None], None] | None:
    """A per-frame progress callback for a task running in a worker, or None outside one.

    It reports to the parent every few frames and raises ``KeyboardInterrupt`` once the parent
    asked the batch to stop, so the task ends the way Ctrl-C ends a single run: with what it
    has so far, marked interrupted.
    """
    if _link is None:
        return None
    stop, progress = _link

    def report(done: int, total: int | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        if done % 15 == 0 or (total is not None and done >= total):
            with contextlib.suppress(Exception):
                progress.put_nowait((key, done, total))

    return report


def run_in_processes(
    fn: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    on_result: Callable[[int, R], None],
    on_error: Callable[[int, Exception], R],
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
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
        on_progress: called in this process (on a helper thread) with what tasks report
            through :func:`task_progress`.
        cancel: once set, the run stops as on Ctrl-C (for a caller on another thread, which
            Ctrl-C does not reach).

    Raises:
        KeyboardInterrupt: after stopping the pool. Results delivered so far stand, and the
            tasks under way get :data:`STOP_GRACE_S` to return their partial results first.

    """
    ctx = multiprocessing.get_context("spawn")
    stop, progress = ctx.Event(), ctx.Queue()
    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(items))), mp_context=ctx,
                               initializer=_init_worker, initargs=(stop, progress))
    done_reading = threading.Event()

    def read_progress() -> None:
        while not done_reading.is_set():
            try:
                key, n, total = progress.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if on_progress is not None:
                with contextlib.suppress(Exception):
                    on_progress(key, n, total)

    reader = threading.Thread(target=read_progress, name="repcount-progress", daemon=True)
    reader.start()
    pending: dict[Future[R], int] = {}

    def deliver(finished: set[Future[R]]) -> None:
        for fut in finished:
            i = pending.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:
                result = on_error(i, exc)
            on_result(i, result)

    try:
        pending = {pool.submit(fn, item): i for i, item in enumerate(items)}
        while pending:
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            deliver(finished)
            if cancel is not None and cancel.is_set() and pending:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        for fut in pending:
            fut.cancel()
        stop.set()  # the busy tasks stop at their next frame and return what they have
        running = {f for f in pending if not f.cancelled()}
        with contextlib.suppress(KeyboardInterrupt):
            finished, _ = wait(running, timeout=STOP_GRACE_S)
            deliver({f for f in finished if not f.cancelled()})
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        done_reading.set()
        reader.join(timeout=2.0)
    pool.shutdown(wait=True)
