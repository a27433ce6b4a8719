"""Frame sources: video files, webcams and image folders behind one iterator interface.

This is the only module that touches ``cv2.VideoCapture``. Every source yields :class:`Frame`
records whose timestamps strictly increase, taken from the container where it has them (so
variable-frame-rate files keep their real timing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from repcount.errors import InputError
from repcount.records import Frame

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
#: Leading bytes of still-image formats, which OpenCV's FFmpeg backend would open as a
#: one-frame "video".
IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
)
#: Smallest step forced between two timestamps (MediaPipe needs strictly increasing ms).
MIN_STEP_S = 0.001


class FrameSource:
    """Base class: an iterable of frames with a nominal rate and size.

    Attributes:
        name: human-readable name (file name, ``camera 0``, folder name).
        fps: nominal frames per second (container rate, or measured for cameras).
        width: frame width after any downscaling.
        height: frame height after any downscaling.
        frame_count: number of frames if known up front, else None.

    """

    name: str = ""
    fps: float = 30.0
    width: int = 0
    height: int = 0
    frame_count: int | None = None

    def __init__(self, max_side: int | None = None) -> None:
        self.max_side = max_side
        self._last_t = -float("inf")
        self._index = 0

    def _scaled_size(self, w: int, h: int) -> tuple[int, int]:
        if self.max_side and max(w, h) > self.max_side:
            s = self.max_side / max(w, h)
            return max(1, round(w * s)), max(1, round(h * s))
        return w, h

    def _stamp(self, t: float) -> float:
        """The next frame's timestamp, forced to increase."""
        if not np.isfinite(t) or t <= self._last_t:
            t = self._last_t + MIN_STEP_S if np.isfinite(self._last_t) else 0.0
        self._last_t = t
        return t

    def _emit(self, image: np.ndarray, t: float) -> Frame:
        """Wrap an image as the next frame, forcing the timestamp to increase."""
        t = self._stamp(t)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        h, w = image.shape[:2]
        tw, th = self._scaled_size(w, h)
        if (tw, th) != (w, h):
            image = cv2.resize(image, (tw, th), interpolation=cv2.INTER_AREA)
        frame = Frame(index=self._index, t=t, image=image)
        self._index += 1
        return frame

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying device or file."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quiet_native_logs() -> None:
    """Silence OpenCV's and FFmpeg's own logging, which goes straight to fd 2.

    repcount reports every failure itself, in one line ("moov atom not found" or a dozen
    VIDEOIO warnings for a missing camera would only bury it). ``REPCOUNT_DEBUG=1`` keeps them.
    """
    if os.environ.get("REPCOUNT_DEBUG"):
        return
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET, read at each open
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


_quiet_native_logs()


def image_format(path: Path) -> str | None:
    """The still-image format of ``path`` from its first bytes, or None."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in IMAGE_MAGIC if head.startswith(magic)), None)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a video (pass the folder as an image source?)")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file (0 bytes)")
    kind = image_format(path)
    if kind is not None:
        raise InputError(f"{path}: is a {kind} image, not a video "
                         "(for still images pass a folder of them)")


def header_frame_count(path: str | os.PathLike[str]) -> int:
    """The frame count a video's header states (0 when unknown or unreadable); nothing decoded."""
    cap = cv2.VideoCapture(str(path))
    try:
        return max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)) if cap.isOpened() else 0
    finally:
        cap.release()


class VideoFileSource(FrameSource):
    """Frames of a video file, timestamped from the container."""

    def __init__(self, path: str | os.PathLike[str], max_side: int | None = None) -> None:
        super().__init__(max_side)
        self.path = Path(path)
        _check_file(self.path)
        self.name = self.path.name
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            self._cap.release()
            raise InputError(f"{self.path}: not a readable video (unknown format or corrupt)")
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 < fps < 1000 else 30.0
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.width, self.height = self._scaled_size(w, h)
        n = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = n if n > 0 else None
        # Read one frame now so a file whose header parses but holds no decodable picture is
        # rejected up front; it is handed out again as the first frame.
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise InputError(f"{self.path}: no decodable video frames (corrupt or truncated)")
        self._first: np.ndarray | None = first
        self._first_ms = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        # Phone videos store rotation as metadata; OpenCV applies it, so report the real size.
        if (first.shape[1], first.shape[0]) != (w, h):
            self.width, self.height = self._scaled_size(first.shape[1], first.shape[0])
        self.frames_read = 0

    def _time_of(self, pos_ms: float, index: int) -> float:
        # POS_MSEC is the presentation time of the frame just read; some containers report 0
        # for every frame, which _emit then repairs from the nominal rate.
        if pos_ms > 0 or index == 0:
            return pos_ms / 1000.0
        return index / self.fps

    def __iter__(self) -> Iterator[Frame]:
        if self._first is not None:
            first, self._first = self._first, None
            self.frames_read = 1
            yield self._emit(first, self._time_of(self._first_ms, 0))
        while True:
            ok, image = self._cap.read()
            if not ok or image is None:
                return
            t = self._time_of(float(self._cap.get(cv2.CAP_PROP_POS_MSEC)), self.frames_read)
            if self.frames_read > 0 and t <= self._last_t:
                t = self.frames_read / self.fps
            self.frames_read += 1
            yield self._emit(image, t)

    def seek(self, index: int) -> None:
        """Start reading at frame ``index`` (for one segment of a long video); use on a fresh source.

        The frame indices handed out continue from ``index``; their times are the container's.
        """
        if index <= 0:
            return
        self._first = None
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        self._index = self.frames_read = index

    def sparse(self, want: Callable[[int], bool], stop: int | None = None
               ) -> Iterator[tuple[int, float, Frame | None]]:
        """(index, time, frame) of every frame; the image is decoded only where ``want(index)``.

        Frames not wanted are only grabbed (demuxed and decoded, not converted to BGR or scaled),
        which is most of the cost of a frame that is not posed. ``stop``: the index to end before.
        """
        while stop is None or self._index < stop:
            index = self._index
            if self._first is not None:
                image: np.ndarray | None = self._first
                self._first = None
                pos_ms = self._first_ms
            elif want(index):
                ok, image = self._cap.read()
                if not ok or image is None:
                    return
                pos_ms = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
            else:
                if not self._cap.grab():
                    return
                image, pos_ms = None, float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
            t = self._time_of(pos_ms, index)
            if index > 0 and t <= self._last_t:
                t = index / self.fps
            self.frames_read = index + 1
            if image is None:
                self._index += 1
                yield index, self._stamp(t), None
            else:
                frame = self._emit(image, t)
                yield index, frame.t, frame

    def images_at(self, indices: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
        """(index, BGR image) of the frames at ``indices``, for key frames of a report.

        The frames in between are only grabbed (demuxed, not converted), so picking a dozen
        frames out of a long video costs much less than reading it. Use on a fresh source.
        """
        pos = 0
        for i in sorted(set(indices)):
            if i < pos:
                continue
            image = None
            if i == 0 and self._first is not None:
                image, self._first = self._first, None
                pos = 1
            else:
                if self._first is not None:  # frame 0 was read already: the capture is at 1
                    self._first, pos = None, 1
                while pos < i and self._cap.grab():
                    pos += 1
                ok, image = self._cap.read()
                if not ok or image is None:
                    return
                pos += 1
            tw, th = self.width, self.height
            if (image.shape[1], image.shape[0]) != (tw, th):
                image = cv2.resize(image, (tw, th), interpolation=cv2.INTER_AREA)
            yield i, image

    def close(self) -> None:
        """Release the capture."""
        self._cap.release()


class CameraSource(FrameSource):
    """Frames from a webcam, timestamped with the monotonic clock from the first frame."""

    def __init__(
        self,
        index: int,
        width: int | None = 640,
        height: int | None = 480,
        max_side: int | None = None,
    ) -> None:
        super().__init__(max_side)
        self.name = f"camera {index}"
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise InputError(f"camera {index} could not be opened (is it connected and free?)")
        if width and height:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise InputError(f"camera {index} opened but delivers no frames")
        self._first: np.ndarray | None = first
        self.width, self.height = self._scaled_size(first.shape[1], first.shape[0])
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0.5 < fps < 1000 else 30.0
        self._t0 = time.monotonic()

    def read(self) -> Frame | None:
        """Grab the next frame, or None when the camera stops delivering."""
        if self._first is not None:
            image, self._first = self._first, None
            return self._emit(image, 0.0)
        ok, image = self._cap.read()
        if not ok or image is None:
            return None
        return self._emit(image, time.monotonic() - self._t0)

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def close(self) -> None:
        """Release the camera."""
        self._cap.release()


class ImageFolderSource(FrameSource):
    """Frames from the images of a folder, in name order, at a nominal rate."""

    def __init__(
        self, folder: str | os.PathLike[str], fps: float = 30.0, max_side: int | None = None
    ) -> None:
        super().__init__(max_side)
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise InputError(f"{self.folder}: not a folder")
        self.files = sorted(
            p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        if not self.files:
            raise InputError(f"{self.folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in folder")
        first = cv2.imread(str(self.files[0]), cv2.IMREAD_COLOR)
        if first is None:
            raise InputError(f"{self.files[0]}: not a readable image")
        self.name = self.folder.name
        self.fps = fps
        self.width, self.height = self._scaled_size(first.shape[1], first.shape[0])
        self.frame_count = len(self.files)

    def __iter__(self) -> Iterator[Frame]:
        for i, path in enumerate(self.files):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise InputError(f"{path}: not a readable image")
            yield self._emit(image, i / self.fps)


def open_source(
    spec: str | os.PathLike[str], *, fps: float = 30.0, max_side: int | None = None
) -> FrameSource:
    """Open a source from a CLI argument: a video path, an image folder or a camera index.

    Args:
        spec: ``"0"`` (camera index), a folder of images, or a video file.
        fps: nominal rate for image folders.
        max_side: downscale frames whose longer side exceeds this many pixels.

    Raises:
        InputError: when the source cannot be opened.

    """
    text = os.fspath(spec)
    if isinstance(text, str) and text.isdigit() and not Path(text).exists():
        return CameraSource(int(text), max_side=max_side)
    path = Path(text)
    if path.is_dir():
        return ImageFolderSource(path, fps=fps, max_side=max_side)
    return VideoFileSource(path, max_side=max_side)
