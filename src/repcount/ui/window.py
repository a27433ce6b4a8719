"""The OpenCV window the live view is shown in."""

from __future__ import annotations

import contextlib

import cv2
import numpy as np
import numpy.typing as npt

from repcount.errors import OutputError


class WindowSink:
    """Shows frames in an OpenCV window; :meth:`show` returns the key pressed (or -1)."""

    def __init__(self, title: str = "repcount", size: tuple[int, int] | None = None) -> None:
        self.title = title
        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
        except cv2.error as exc:
            raise OutputError(f"cannot open a window ({exc.msg.strip()}); use --no-window") from None
        if size is not None:  # some window managers ignore it: not an error
            with contextlib.suppress(cv2.error):
                cv2.resizeWindow(self.title, *size)

    def show(self, image: npt.NDArray[np.uint8], wait_ms: int = 1) -> int:
        """Display a frame and poll the keyboard."""
        cv2.imshow(self.title, image)
        return int(cv2.waitKey(wait_ms))

    def closed(self) -> bool:
        """Whether the user closed the window."""
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        """Destroy the window."""
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(self.title)
