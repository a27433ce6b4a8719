"""Read an iterable ahead on a background thread, so decoding overlaps inference."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetch(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """Iterate ``items`` on a background thread, ``depth`` ahead (decoding overlaps inference)."""
    q: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def worker() -> None:
        try:
            for it in items:
                while not stop.is_set():
                    try:
                        q.put((0, it), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((1, None))
        except BaseException as exc:  # re-raised in the consumer
            q.put((2, exc))

    th = threading.Thread(target=worker, daemon=True)
    th.start()
    try:
        while True:
            kind, val = q.get()
            if kind == 1:
                return
            if kind == 2:
                assert isinstance(val, BaseException)
                raise val
            yield val  # type: ignore[misc]
    finally:
        stop.set()
        th.join(timeout=2)
