"""Frame sinks: an MP4 writer (atomic, closed properly on interrupt) and a PNG still."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from repcount.errors import OutputError
from repcount.io.atomic import atomic_path, check_writable, publish


class VideoSink:
    """Writes frames to an MP4 through ``cv2.VideoWriter``.

    Frames go to a temporary file beside the destination, renamed into place by :meth:`close`,
    so a reader never sees a half-written video; an interrupted run still closes and keeps what
    was written.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float, size: tuple[int, int]) -> None:
        self.path = Path(path)
        check_writable(self.path)
        self.size = size
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".mp4",
                                   dir=self.path.parent if str(self.path.parent) else ".")
        os.close(fd)
        self._tmp = Path(tmp)
        fourcc = cv2.VideoWriter.fourcc(*"mp4v")
        self._writer: cv2.VideoWriter | None = cv2.VideoWriter(str(self._tmp), fourcc, float(fps), size)
        if not self._writer.isOpened():
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write video {self.path}: OpenCV could not open an MP4 writer")
        self.frames = 0
        self.fps = float(fps)
        self._last: npt.NDArray[np.uint8] | None = None
        self._t0_index: int | None = None

    def write(self, image: npt.NDArray[np.uint8]) -> None:
        """Append one BGR frame (resized if its size differs)."""
        if (image.shape[1], image.shape[0]) != self.size:
            image = np.asarray(cv2.resize(image, self.size), dtype=np.uint8)
        if self._writer is None:
            raise OutputError(f"{self.path}: video already closed")
        self._writer.write(image)
        self.frames += 1
        self._last = image

    def write_at(self, image: npt.NDArray[np.uint8], t: float) -> None:
        """Write ``image`` as the frame shown at ``t`` seconds, keeping the file in real time.

        A live run drops frames when the pose model is slower than the camera; the frames it
        missed are filled with the previous image (what the screen showed meanwhile), so the
        recording plays at the speed it happened instead of fast-forwarding.
        """
        due = round(t * self.fps)  # frame index of t
        if self._t0_index is None:
            self._t0_index = due
        while self._last is not None and self.frames < due - self._t0_index:
            self.write(self._last)
        self.write(image)

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        if not self.frames:
            self._tmp.unlink(missing_ok=True)
            return
        # OpenCV's writer drops failed writes silently (a full disk): read the container back
        # (its header only) so an unplayable file is reported, not renamed into place.
        cap = cv2.VideoCapture(str(self._tmp))
        written = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
        cap.release()
        if written < self.frames:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write video {self.path}: only {written} of {self.frames} frames "
                              "reached the disk (is it full?)")
        publish(self._tmp, self.path)

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_png(path: str | os.PathLike[str], image: npt.NDArray[np.uint8]) -> None:
    """Write one BGR image as a PNG, atomically (a reader never sees half a file)."""
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise OutputError(f"cannot encode {path} as PNG")
    with atomic_path(path) as tmp:
        tmp.write_bytes(png.tobytes())
