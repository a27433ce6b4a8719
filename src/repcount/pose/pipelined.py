"""Pose estimation on its own thread, one frame ahead of the consumer (live runs).

While the main thread counts, draws and shows frame N, this stage already runs the model on
frame N+1: MediaPipe's inference releases the GIL, so on two cores the model and the drawing
overlap instead of adding up. The queue between them holds one posed frame, so nothing waits
longer than one frame's drawing; a slower consumer makes the capture thread drop frames (the
newest is always posed next), not build a backlog.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from repcount.pose import PoseEstimator
from repcount.records import Frame, Pose


@dataclass(frozen=True)
class PosedFrame:
    """A frame with its capture time, its pose and the seconds the model took on it."""

    frame: Frame
    captured: float
    pose: Pose | None
    pose_s: float


class PoseStage:
    """Iterate posed frames, the model running on a worker thread.

    Args:
        frames: (frame, capture time) pairs, e.g. from the newest-frame grabber.
        estimator: the pose model; used only on the worker thread while the stage runs.
        depth: posed frames waiting for the consumer at most.

    """

    def __init__(self, frames: Iterator[tuple[Frame, float]], estimator: PoseEstimator,
                 depth: int = 1) -> None:
        self._frames = frames
        self._estimator = estimator
        self._q: queue.Queue[PosedFrame | BaseException | None] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="repcount-pose", daemon=True)
        self._thread.start()

    def _put(self, item: PosedFrame | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for frame, captured in self._frames:
                if self._stop.is_set():
                    return
                t0 = time.perf_counter()
                pose = self._estimator.estimate(frame)
                if not self._put(PosedFrame(frame, captured, pose, time.perf_counter() - t0)):
                    return
            self._put(None)
        except BaseException as exc:  # re-raised on the consumer's thread
            self._put(exc)

    def __iter__(self) -> Iterator[PosedFrame]:
        while True:
            try:
                item = self._q.get(timeout=0.1)  # a timeout keeps Ctrl-C deliverable
            except queue.Empty:
                if not self._thread.is_alive() and self._q.empty():
                    return
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop the worker and wait for it (the model must not be closed while it runs)."""
        self._stop.set()
        self._thread.join(timeout=10.0)

    def __enter__(self) -> PoseStage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
