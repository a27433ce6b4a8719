"""Frames for a live run: the newest frame of a camera (or a paced file), or every frame of a file."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Generator, Iterator

from repcount.errors import InputError
from repcount.io.prefetch import prefetch
from repcount.io.sources import FrameSource
from repcount.records import Frame


class LatestFrameGrabber:
    """Reads a source on a thread and keeps only the newest frames (no backlog).

    With ``pace`` (a video file played like a camera), each frame is released at its own
    presentation time on the wall clock. At most ``keep`` frames wait for the consumer; when
    another arrives the oldest waiting one is dropped. Two absorb the odd slow pose (one frame
    over its time) without a drop, at the cost of one frame of delay only while the consumer is
    behind; a consumer that is always slower (a slow machine) gets every other frame or fewer,
    always recent ones.

    Args:
        source: the frame source.
        pace: release frames at their timestamps (for files); cameras pace themselves.
        keep: frames waiting for the consumer at most.

    """

    def __init__(self, source: FrameSource, pace: bool, keep: int = 2) -> None:
        self.source = source
        self.pace = pace
        self.keep = max(1, keep)
        self.dropped = 0
        self.captured = 0
        self._slot: deque[tuple[Frame, float]] = deque()
        self._ended = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="repcount-capture", daemon=True)

    def start(self) -> LatestFrameGrabber:
        """Start the capture thread."""
        self._thread.start()
        return self

    def _run(self) -> None:
        t0: float | None = None
        try:
            for frame in self.source:
                if self._stop.is_set():
                    break
                now = time.monotonic()
                if self.pace:
                    if t0 is None:
                        t0 = now - frame.t
                    due = t0 + frame.t
                    while not self._stop.is_set() and (wait := due - time.monotonic()) > 0:
                        time.sleep(min(wait, 0.05))
                    now = max(due, time.monotonic()) if self._stop.is_set() else due
                with self._cond:
                    if len(self._slot) >= self.keep:
                        self._slot.popleft()
                        self.dropped += 1
                    self._slot.append((frame, now))
                    self.captured += 1
                    self._cond.notify_all()
        except BaseException as exc:  # re-raised on the main thread
            self._error = exc
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def get(self, timeout: float = 5.0) -> tuple[Frame, float] | None:
        """The oldest frame still waiting and its capture time; None at the end of the source."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._slot and not self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise InputError(f"{self.source.name}: no frame for {timeout:.0f} s (camera stalled?)")
                self._cond.wait(min(left, 0.1))
            if self._error is not None:
                raise self._error
            return self._slot.popleft() if self._slot else None

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        while (item := self.get()) is not None:
            yield item

    def close(self) -> None:
        """Stop the thread (the source is closed by its owner)."""
        self._stop.set()
        self._thread.join(timeout=2.0)


def every_frame(source: FrameSource) -> Generator[tuple[Frame, float], None, None]:
    """Every frame of a file, decoded ahead on a thread; capture time = when it is taken."""
    for frame in prefetch(source):
        yield frame, time.monotonic()
