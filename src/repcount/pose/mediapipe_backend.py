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
from repcount.pose.models import ModelInfo
from repcount.pose.turn import TurnFollower, unturn
from repcount.records import LM, NUM_LANDMARKS, Frame, Pose

#: The first mediapipe release whose Tasks API sends usage metrics to play.googleapis.com (found
#: in its libraries and seen in strace; 0.10.33 and older have no such code).
FIRST_METRICS_RELEASE = (0, 10, 35)


def mediapipe_version() -> str:
    """The installed mediapipe version (without importing it), or "" when it is missing."""
    from importlib import metadata

    try:
        return metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        return ""


def sends_metrics(version: str) -> bool | None:
    """Whether that mediapipe release is known to send usage metrics (None: unknown version)."""
    try:
        parts = tuple(int(p) for p in version.split(".")[:3])
    except ValueError:
        return None
    return parts >= FIRST_METRICS_RELEASE if len(parts) == 3 else None


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


#: cv2 rotation giving a picture that many counter-clockwise quarter turns (see :mod:`.turn`).
ROTATIONS = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


#: People the landmarker looks for by default: with two, a second person in view does not steal
#: the track (see :class:`MediaPipePose`). Part of the landmark-track cache key.
NUM_POSES = 2


class MediaPipePose:
    """MediaPipe PoseLandmarker in VIDEO mode, one instance per stream.

    With ``num_poses=1`` MediaPipe's own tracker follows whoever it detected first, which can
    be a bystander. With more, that one-person landmarker still gives the poses (so a video
    with one person gets exactly the same poses: the several-person landmarker's differ by a
    few pixels, which changed counts) while a second landmarker, looking for ``num_poses``
    people, checks every other frame of the first :attr:`SETTLE_S` seconds and then one frame
    every :attr:`PROBE_S` seconds (a person walking into view is seen within that time). Once it sees
    more than one person it alone gives the poses for the rest of the stream: the largest
    person is followed during the first :attr:`SETTLE_S` seconds of a track, then the person
    nearest the one followed before, so a second person in view does not steal the track. A
    lone detection far from a person followed less than :attr:`REACQUIRE_S` ago is someone else
    (the followed person was missed): that frame has no pose.

    Args:
        model: the resolved model file.
        num_poses: people to look for (see above).
        min_confidence: detection/presence/tracking confidence thresholds.

    """

    #: Seconds during which a new track still goes to the largest person (the detector may
    #: find a smaller person alone in the first frames); the probe looks often during them.
    SETTLE_S = 0.5
    #: Seconds between the probe's looks while settling: every other frame at 30 fps. On every
    #: frame, two inferences a frame for half a second put live posing 5 frames behind a 30 fps
    #: camera at the start, and the grabber dropped 3-4 of them.
    SETTLE_PROBE_S = 0.06
    #: After the settling time, the several-person landmarker looks once every this many seconds
    #: (each look is a second inference on that frame).
    PROBE_S = 2.0
    #: Largest move (normalised image units) of the followed hips between two detections.
    MAX_JUMP = 0.25
    #: Seconds without the followed person after which anyone in view is followed instead.
    REACQUIRE_S = 1.0
    #: Mean absolute change (0-255) of a 32x24 grey thumbnail between two posed frames above
    #: which the picture changed as a whole: a cut (a recording paused and resumed, clips joined).
    #: A person moving in front of a still camera changes a few percent of it (well under 10).
    CUT_DIFF = 20.0
    #: Seconds without anybody in a turned picture after which it is upright again. Losing a
    #: lying person for a few seconds is common (rolling over, a limb across the body); found
    #: again in an upright picture, they may be fitted head to feet, and the head's end is lost.
    TURN_LOST_S = 10.0

    def __init__(self, model: ModelInfo, num_poses: int = NUM_POSES, min_confidence: float = 0.5
                 ) -> None:
        self.model = model
        self.name = f"mediapipe-{model.name}"
        self.num_poses = num_poses
        self._last_ms = -1
        self._calls = 0
        self._multi_calls = 0
        self._first_t: float | None = None
        self._next_probe_t = -float("inf")
        #: True once the several-person landmarker has seen more than one person.
        self.crowded = False
        self._prev_center: np.ndarray | None = None
        self._track_start = 0.0
        self._last_seen = -float("inf")
        self._multi: Any = None
        self._landmarker: Any = None
        self._thumb: np.ndarray | None = None
        #: Cuts seen (the trackers were reset at each).
        self.cuts = 0
        #: Times the picture's turn changed.
        self.turns = 0
        self._follower = TurnFollower()
        try:
            with silenced_stderr():
                from mediapipe.tasks.python import BaseOptions, vision

                def create(n: int) -> Any:
                    opts = vision.PoseLandmarkerOptions(
                        base_options=BaseOptions(model_asset_path=str(model.path)),
                        running_mode=vision.RunningMode.VIDEO,
                        num_poses=n,
                        min_pose_detection_confidence=min_confidence,
                        min_pose_presence_confidence=min_confidence,
                        min_tracking_confidence=min_confidence,
                    )
                    return vision.PoseLandmarker.create_from_options(opts)

                self._landmarker = create(1)
                if num_poses > 1:
                    self._multi = create(num_poses)
        except (RuntimeError, ValueError, OSError) as exc:
            self.close()
            raise ModelError(f"{model.path}: MediaPipe could not load the model ({exc})") from None
        except BaseException:  # Ctrl-C while loading: release what was made, while modules live
            self.close()
            raise
        import mediapipe as mp

        self._mp = mp

    @staticmethod
    def _detect(landmarker: Any, image: Any, ts: int, calls: int) -> Any:
        if calls < 2:
            # The first inferences print LiteRT/calculator warnings straight to fd 2.
            with silenced_stderr():
                return landmarker.detect_for_video(image, ts)
        return landmarker.detect_for_video(image, ts)

    def estimate(self, frame: Frame) -> Pose | None:
        """Run the landmarker on one frame (timestamps are forced strictly increasing)."""
        ts = max(round(frame.t * 1000.0), self._last_ms + 1)
        self._last_ms = ts
        if self._first_t is None:
            self._first_t = frame.t
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        if self._is_cut(rgb):
            self._reset(rgb, ts)
            self.cuts += 1
            # A new scene: nothing says which way its person lies.
            self._follower.turned(0, frame.t)
            ts = self._last_ms = ts + 1
        turned = rgb if self.turn == 0 else cv2.rotate(rgb, ROTATIONS[self.turn])
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(turned))
        probe = self._multi is not None and (self.crowded or frame.t >= self._next_probe_t)
        if probe:
            settling = frame.t - self._first_t < self.SETTLE_S
            self._next_probe_t = frame.t + (self.SETTLE_PROBE_S if settling else self.PROBE_S)
        result = None
        if probe:
            result = self._detect(self._multi, image, ts, self._multi_calls)
            self._multi_calls += 1
            self.crowded = self.crowded or len(result.pose_landmarks) > 1
        if not self.crowded:
            result = self._detect(self._landmarker, image, ts, self._calls)
            self._calls += 1
        if result is None or not result.pose_landmarks:
            self._lost_turned(rgb, ts, frame.t)
            return None
        k = self._choose(result.pose_landmarks, frame.t)
        if k is None:
            return None
        img = np.array(
            [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in result.pose_landmarks[k]],
            dtype=np.float64,
        )
        world = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks[k]], dtype=np.float64)
        if img.shape[0] != NUM_LANDMARKS:
            return None
        w, h = frame.size
        img, world = unturn(img, world, self.turn, w, h)
        pose = Pose(t=frame.t, image=img, world=world, width=w, height=h)
        self._turn_to_body(pose, rgb, ts)
        return pose

    @property
    def turn(self) -> int:
        """Quarter turns (counter-clockwise) the picture is given before inference.

        0 unless a lying person's fit flipped head to feet (see :class:`TurnFollower`).
        """
        return self._follower.turn

    def _lost_turned(self, rgb: np.ndarray, ts: int, t: float) -> None:
        """Back to the upright picture when nobody was found in a turned one for a while.

        Whoever comes into view next (or the person, up again) most likely stands.
        """
        if self.turn and t - self._last_seen > self.TURN_LOST_S:
            self._turn(0, rgb, ts, t)

    def _turn_to_body(self, pose: Pose, rgb: np.ndarray, ts: int) -> None:
        """Turn the next pictures when :class:`TurnFollower` says so.

        That is, when a fit flipped head to feet, or a turned person sat up; the landmarkers
        then detect afresh.
        """
        p = pose.pixels()
        shoulders = p[LM.LEFT_SHOULDER, :2] + p[LM.RIGHT_SHOULDER, :2]
        hips = p[LM.LEFT_HIP, :2] + p[LM.RIGHT_HIP, :2]
        want = self._follower.update(pose.t, (shoulders - hips) / 2)
        if want is not None:
            self._turn(want, rgb, ts, pose.t)

    def _turn(self, turn: int, rgb: np.ndarray, ts: int, t: float) -> None:
        """Give the pictures after time ``t`` ``turn`` quarter turns; the landmarkers detect afresh.

        ``ts`` is MediaPipe's timestamp (ms) of the frame at ``t``.
        """
        self.turns += 1
        # The follower's clock is the frames', as in its updates.
        self._follower.turned(turn, t)
        self._reset(rgb, ts + 1)
        self._last_ms = ts + 1

    def _is_cut(self, rgb: np.ndarray) -> bool:
        """Whether the picture changed as a whole since the last posed frame (see CUT_DIFF)."""
        thumb = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (32, 24),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        prev, self._thumb = self._thumb, thumb
        return prev is not None and float(np.mean(np.abs(thumb - prev))) > self.CUT_DIFF

    def _reset(self, rgb: np.ndarray, ts: int) -> None:
        """Make MediaPipe detect the next frame afresh (after a cut, or a turn of the picture).

        Its tracker keeps the region of interest of the frame before; on a new scene it can
        keep fitting a skeleton there, flickering between guesses for seconds (seen on clips
        joined together). An empty frame loses the track, so the next frame runs the detector.
        """
        blank = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.zeros_like(rgb))
        for landmarker in (self._landmarker, self._multi):
            if landmarker is not None:
                landmarker.detect_for_video(blank, ts)
        self._prev_center = None

    def _choose(self, people: list[Any], t: float) -> int | None:
        """Index of the person to follow among ``people`` at time ``t``, or None for nobody."""
        centers = [np.array([(lms[23].x + lms[24].x) / 2, (lms[23].y + lms[24].y) / 2])
                   for lms in people]
        prev = self._prev_center
        lost = prev is None or t - self._last_seen > self.REACQUIRE_S
        k = 0
        if self.crowded and (lost or t - self._track_start < self.SETTLE_S):
            sizes = [(max(p.x for p in lms) - min(p.x for p in lms))
                     * (max(p.y for p in lms) - min(p.y for p in lms)) for lms in people]
            k = int(np.argmax(sizes))
        elif self.crowded:
            assert prev is not None
            dist = [float(np.linalg.norm(c - prev)) for c in centers]
            k = int(np.argmin(dist))
            if dist[k] > self.MAX_JUMP:
                return None  # only someone else is in view: the followed person was missed
        if lost:
            self._track_start = t
        self._prev_center = centers[k]
        self._last_seen = t
        return k

    def close(self) -> None:
        """Release the native graphs."""
        with silenced_stderr():
            for lm in (self._landmarker, self._multi):
                if lm is not None:
                    lm.close()
        self._landmarker = self._multi = None

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
