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


class _H264Writer:
    """H.264 (yuv420p) in MP4 through PyAV's bundled FFmpeg, the format every browser plays.

    OpenCV's pip wheels have no H.264 encoder (only MPEG-4 part 2, which browsers refuse). The
    ``moov`` index goes to the front (faststart), so a browser starts playing before the end.
    """

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        from fractions import Fraction

        import av

        self._av = av
        self._out = av.open(str(path), mode="w", format="mp4",
                            options={"movflags": "+faststart"})
        self._stream = self._out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        # yuv420p needs even sizes: the frame is written one pixel smaller when odd.
        self.size = (size[0] - size[0] % 2, size[1] - size[1] % 2)
        self._stream.width, self._stream.height = self.size
        self._stream.pix_fmt = "yuv420p"
        # veryfast keeps encoding at a few ms a frame on a laptop core (live records as it goes).
        self._stream.options = {"preset": "veryfast", "crf": "23"}

    def write(self, image: npt.NDArray[np.uint8]) -> None:
        frame = self._av.VideoFrame.from_ndarray(image[: self.size[1], : self.size[0]], format="bgr24")
        for packet in self._stream.encode(frame):
            self._out.mux(packet)

    def release(self) -> None:
        for packet in self._stream.encode():
            self._out.mux(packet)
        self._out.close()


def _open_writer(tmp: Path, fps: float, size: tuple[int, int]) -> _H264Writer | cv2.VideoWriter | None:
    """An H.264 writer when PyAV is installed, else OpenCV's MPEG-4 writer (None if neither opens)."""
    try:
        return _H264Writer(tmp, fps, size)
    except Exception:  # PyAV missing or built without libx264: the file still gets written
        pass
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), float(fps), size)
    return writer if writer.isOpened() else None


class VideoSink:
    """Writes frames to an MP4: H.264 through PyAV (browsers play it), else OpenCV's MPEG-4.

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
        self._writer = _open_writer(self._tmp, float(fps), size)
        if self._writer is None:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write video {self.path}: no MP4 writer could be opened")
        self.codec = "h264" if isinstance(self._writer, _H264Writer) else "mp4v"
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
        try:
            self._writer.write(image)
        except OSError as exc:  # PyAV raises on a full disk (OpenCV drops the write silently)
            raise OutputError(f"cannot write video {self.path}: {exc.strerror or exc}") from None
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
        try:
            self._writer.release()
        except OSError as exc:  # PyAV reports a full disk here
            self._writer = None
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write video {self.path}: {exc.strerror or exc}") from None
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
