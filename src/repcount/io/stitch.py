"""Join video clips into one recording, with the person idling between them (test material).

A recording of several exercises is made from labelled clips: each clip is letterboxed to one
size, resampled to one frame rate by time (a 24 fps clip's frames are repeated as a 30 fps camera
would have seen them), optionally looped (a short real clip played several times to make a set),
and preceded by a few seconds of idling (its first frame held: the person waiting in the start
position). The times of every clip in the result are returned, so the labels give the truth per
block.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from repcount.errors import InputError


@dataclass(frozen=True)
class Piece:
    """One clip of a stitched recording.

    Attributes:
        path: the clip.
        loops: times it is played in a row.
        idle_s: seconds of its first frame shown before it.

    """

    path: Path
    loops: int = 1
    idle_s: float = 3.0


def _letterbox(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    scale = min(w / img.shape[1], h / img.shape[0])
    nw, nh = max(1, round(img.shape[1] * scale)), max(1, round(img.shape[0] * scale))
    out = np.zeros((h, w, 3), np.uint8)
    x, y = (w - nw) // 2, (h - nh) // 2
    out[y:y + nh, x:x + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


def _frames(path: Path, size: tuple[int, int]) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(os.fspath(path))
    if not cap.isOpened():
        raise InputError(f"{path}: cannot be read as a video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(_letterbox(img, size))
    cap.release()
    if not frames:
        raise InputError(f"{path}: no frames")
    return frames, fps


def stitch_videos(pieces: Sequence[Piece], out: str | os.PathLike[str], size: tuple[int, int] = (640, 480),
                  fps: float = 30.0) -> list[tuple[float, float]]:
    """Write ``pieces`` one after another to ``out`` (mp4v); return each clip's (start, end) seconds.

    A piece's span starts after its idling and covers all its loops.
    """
    writer = cv2.VideoWriter(os.fspath(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise InputError(f"{out}: cannot be written")
    spans: list[tuple[float, float]] = []
    n = 0
    try:
        for piece in pieces:
            frames, src_fps = _frames(piece.path, size)
            for _ in range(round(piece.idle_s * fps)):
                writer.write(frames[0])
                n += 1
            start = n / fps
            length = len(frames) / src_fps
            for _ in range(piece.loops):
                # Frame k of the output shows the clip's frame at the same time (nearest before).
                for k in range(round(length * fps)):
                    writer.write(frames[min(len(frames) - 1, int(k / fps * src_fps + 1e-6))])
                    n += 1
            spans.append((start, n / fps))
    finally:
        writer.release()
    return spans
