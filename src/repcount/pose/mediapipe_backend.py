"""MediaPipe Pose Landmarker (Tasks API, VIDEO mode) as a :class:`PoseEstimator`.

mediapipe is imported lazily so the rest of repcount (detectors, replay, tests of the core)
works without loading it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np

from repcount.errors import ModelError
from repcount.models import ModelInfo
from repcount.records import NUM_LANDMARKS, Frame, Pose


@contextlib.contextmanager
def silenced_stderr() -> Iterator[None]:
    """Send fd 2 to /dev/null for the duration (MediaPipe's C++ logging ignores env vars)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class MediaPipePose:
    """MediaPipe PoseLandmarker in VIDEO mode, one instance per stream.

    Args:
        model: the resolved model file.
        num_poses: people to detect; with more than one, the person nearest the previously
            followed one (or the largest, at first) is returned, so a second person in the
            frame does not steal the track.
        min_confidence: detection/presence/tracking confidence thresholds.

    """

    def __init__(self, model: ModelInfo, num_poses: int = 1, min_confidence: float = 0.5) -> None:
        self.model = model
        self.name = f"mediapipe-{model.name}"
        self.num_poses = num_poses
        self._last_ms = -1
        self._calls = 0
        self._prev_center: np.ndarray | None = None
        try:
            with silenced_stderr():
                from mediapipe.tasks.python import BaseOptions, vision

                opts = vision.PoseLandmarkerOptions(
                    base_options=BaseOptions(model_asset_path=str(model.path)),
                    running_mode=vision.RunningMode.VIDEO,
                    num_poses=num_poses,
                    min_pose_detection_confidence=min_confidence,
                    min_pose_presence_confidence=min_confidence,
                    min_tracking_confidence=min_confidence,
                )
                self._landmarker: Any = vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"{model.path}: MediaPipe could not load the model ({exc})") from None
        import mediapipe as mp

        self._mp = mp

    def estimate(self, frame: Frame) -> Pose | None:
        """Run the landmarker on one frame (timestamps are forced strictly increasing)."""
        ts = max(round(frame.t * 1000.0), self._last_ms + 1)
        self._last_ms = ts
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._calls < 2:
            # The first inferences print LiteRT/calculator warnings straight to fd 2.
            with silenced_stderr():
                result = self._landmarker.detect_for_video(image, ts)
        else:
            result = self._landmarker.detect_for_video(image, ts)
        self._calls += 1
        if not result.pose_landmarks:
            return None
        k = self._choose(result.pose_landmarks)
        img = np.array(
            [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in result.pose_landmarks[k]],
            dtype=np.float64,
        )
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[k]], dtype=np.float64)
        if img.shape[0] != NUM_LANDMARKS:
            return None
        w, h = frame.size
        return Pose(t=frame.t, image=img, world=world, width=w, height=h)

    def _choose(self, people: list[Any]) -> int:
        if len(people) == 1:
            lms = people[0]
            self._prev_center = np.array([lms[23].x + lms[24].x, lms[23].y + lms[24].y]) / 2
            return 0
        centers = []
        sizes = []
        for lms in people:
            xs = np.array([p.x for p in lms])
            ys = np.array([p.y for p in lms])
            centers.append(np.array([(lms[23].x + lms[24].x) / 2, (lms[23].y + lms[24].y) / 2]))
            sizes.append((xs.max() - xs.min()) * (ys.max() - ys.min()))
        if self._prev_center is None:
            k = int(np.argmax(sizes))
        else:
            k = int(np.argmin([np.linalg.norm(c - self._prev_center) for c in centers]))
        self._prev_center = centers[k]
        return k

    def close(self) -> None:
        """Release the native graph."""
        if self._landmarker is not None:
            with silenced_stderr():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
