"""Keeping left and right apart when MediaPipe swaps their labels.

MediaPipe sometimes exchanges the left and right labels of the legs (or of the whole body) for
a few frames, most often side-on, where the two legs overlap. Limbs do not teleport: a limb is
next to where it was a frame ago. :class:`LimbIdentity` compares each frame with the previous
(corrected) one and exchanges the labels when that explains the frame much better than keeping
them. The choice is made afresh on every frame against the previous corrected frame, so when
MediaPipe's labels come back, keeping them is again the better fit: it cannot stick in a
wrong state. With no clear evidence (overlapping limbs, jitter) MediaPipe's labels are kept.
"""

from __future__ import annotations

import numpy as np

from repcount.records import LM, Pose

#: (left, right) landmark indices of each limb group, swapped together.
GROUPS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "legs": ((LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE, LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
             (LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE, LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX)),
    "arms": ((LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST, LM.LEFT_PINKY, LM.LEFT_INDEX, LM.LEFT_THUMB),
             (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST, LM.RIGHT_PINKY, LM.RIGHT_INDEX,
              LM.RIGHT_THUMB)),
}
#: Landmarks of a group whose motion is compared (the distal ones move apart most).
TRACKED = {"legs": (1, 2, 4), "arms": (1, 2)}
#: A swap is undone when exchanging the labels makes the frame-to-frame motion this much smaller
#: (overlapping limbs give both choices alike: MediaPipe's labels are kept).
SWAP_RATIO = 0.5
#: ... and the labelled motion is a real jump (share of the body's scale, summed over the
#: compared landmarks of both limbs), not jitter.
MIN_JUMP = 0.06
#: Frames without a pose after which continuity is lost.
MAX_GAP = 5
#: A swap lasting longer than this (seconds) is MediaPipe changing its mind for good, not a
#: flicker: its labels are taken from then on (the majority of the time decides who is who).
MAX_SWAP_S = 1.0


def _scale(p: np.ndarray) -> float:
    sh = (p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER]) / 2
    hip = (p[LM.LEFT_HIP] + p[LM.RIGHT_HIP]) / 2
    return max(float(np.linalg.norm(sh - hip)), 1e-6) * 2.0


class LimbIdentity:
    """Undoes left/right label swaps of the legs and of the arms, frame by frame (causal)."""

    def __init__(self) -> None:
        self.swapped = {g: False for g in GROUPS}
        self._prev: np.ndarray | None = None
        self._missing = 0
        self._since = {g: 0.0 for g in GROUPS}
        #: Frames on which a swap was undone, per group (for tests and diagnostics).
        self.undone = {g: 0 for g in GROUPS}

    def update(self, pose: Pose | None) -> Pose | None:
        """The pose with the tracked labels (the same object when nothing is swapped)."""
        if pose is None:
            self._missing += 1
            if self._missing > MAX_GAP:
                self._prev = None
            return None
        p = pose.pixels()
        self._missing = 0
        if self._prev is not None:
            scale = _scale(self._prev)
            for g, (left, right) in GROUPS.items():
                a = [left[i] for i in TRACKED[g]]
                b = [right[i] for i in TRACKED[g]]
                same = _dist(p[a], self._prev[a]) + _dist(p[b], self._prev[b])
                cross = _dist(p[a], self._prev[b]) + _dist(p[b], self._prev[a])
                swap = bool(np.isfinite(same) and np.isfinite(cross)
                            and same > MIN_JUMP * scale and cross < SWAP_RATIO * same)
                if swap and not self.swapped[g]:
                    self._since[g] = pose.t
                self.swapped[g] = swap and pose.t - self._since[g] <= MAX_SWAP_S
        out = self._apply(pose)
        q = out.pixels()
        self._prev = q if np.all(np.isfinite(q[[LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER,
                                                  LM.RIGHT_SHOULDER]])) else None
        return out

    def _apply(self, pose: Pose) -> Pose:
        if not any(self.swapped.values()):
            return pose
        img, world = pose.image.copy(), pose.world.copy()
        for g, (left, right) in GROUPS.items():
            if self.swapped[g]:
                self.undone[g] += 1
                idx, rev = list(left) + list(right), list(right) + list(left)
                img[idx] = pose.image[rev]
                world[idx] = pose.world[rev]
        return Pose(pose.t, img, world, pose.width, pose.height)


def _dist(u: np.ndarray, v: np.ndarray) -> float:
    return float(np.sum(np.linalg.norm(u - v, axis=-1)))
