"""Keeping left and right apart when MediaPipe swaps their labels.

MediaPipe sometimes exchanges the left and right labels of the legs (or of the whole body) for
a few frames, most often side-on, where the two legs overlap. Limbs do not teleport: a limb is
next to where it was a frame ago. :class:`LimbIdentity` compares each frame with the previous
(corrected) one and exchanges the labels when that explains the frame much better than keeping
them. The choice is made afresh on every frame against the previous corrected frame, so when
MediaPipe's labels come back, keeping them is again the better fit: it cannot stick in a
wrong state. With no clear evidence (overlapping limbs, jitter) MediaPipe's labels are kept.

The other leg error is the far leg drawn on top of the near one (MediaPipe guessing a leg it
cannot see): one leg jumps onto the other in a frame while the other stays put. That leg's
landmarks are then held where they were until MediaPipe lets go (at most ``MAX_COPY_S``).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from repcount.records import LM, Pose
from repcount.signals.features import JOINTS

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
#: Legs closer than this (share of the body's scale, summed over the compared landmarks) are
#: drawn on top of each other.
COPY_GAP = 0.06
#: A copy lasting longer than this (seconds) is taken as where the leg really is.
MAX_COPY_S = 1.0


def _scale(p: np.ndarray) -> float:
    sh = (p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER]) / 2
    hip = (p[LM.LEFT_HIP] + p[LM.RIGHT_HIP]) / 2
    return max(float(np.linalg.norm(sh - hip)), 1e-6) * 2.0


class LimbIdentity:
    """Undoes left/right label swaps of the legs and of the arms, frame by frame (causal)."""

    def __init__(self) -> None:
        self.swapped = {g: False for g in GROUPS}
        self._prev: np.ndarray | None = None
        self._prev_pose: Pose | None = None
        self._missing = 0
        #: The leg being held while MediaPipe copies it from the other one, and since when.
        self.copied: str | None = None
        self._copy_since = 0.0
        self._since = {g: 0.0 for g in GROUPS}
        #: Frames on which a swap was undone, per group (for tests and diagnostics).
        self.undone = {g: 0 for g in GROUPS}

    def update(self, pose: Pose | None) -> Pose | None:
        """The pose with the tracked labels (the same object when nothing is swapped)."""
        if pose is None:
            self._missing += 1
            if self._missing > MAX_GAP:
                self._prev = self._prev_pose = None
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
        if self._prev is not None and self._prev_pose is not None:
            out = self._undo_copy(out, self._prev, self._prev_pose)
        q = out.pixels()
        self._prev_pose = out
        self._prev = q if np.all(np.isfinite(q[[LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER,
                                                  LM.RIGHT_SHOULDER]])) else None
        return out

    def _undo_copy(self, pose: Pose, prev: np.ndarray, prev_pose: Pose) -> Pose:
        """Hold a leg that jumped on top of the other one (see the module's docstring)."""
        left, right = GROUPS["legs"]
        a = [left[i] for i in TRACKED["legs"]]
        b = [right[i] for i in TRACKED["legs"]]
        p = pose.pixels()
        scale = _scale(prev)
        move = {"left": _dist(p[a], prev[a]), "right": _dist(p[b], prev[b])}
        together = _dist(p[a], p[b]) < COPY_GAP * scale
        apart = _dist(prev[a], prev[b]) > 2 * MIN_JUMP * scale
        jumper = max(move, key=lambda k: move[k])
        still = min(move.values())
        copy = bool(together and apart and move[jumper] > MIN_JUMP * scale
                    and still < SWAP_RATIO * move[jumper])
        if copy and self.copied != jumper:
            self._copy_since = pose.t
        self.copied = jumper if copy and pose.t - self._copy_since <= MAX_COPY_S else None
        if self.copied is None:
            return pose
        idx = list(left if self.copied == "left" else right)
        img, world = pose.image.copy(), pose.world.copy()
        img[idx] = prev_pose.image[idx]
        world[idx] = prev_pose.world[idx]
        return Pose(pose.t, img, world, pose.width, pose.height)

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


#: A still leg drawn shorter than this share of its own recent length has lost its tracking
#: (MediaPipe folding the skeleton up), not moved: a planted leg keeps its picture length.
COLLAPSE_SHARE = 0.5
#: Seconds of a leg's recent picture lengths its usual length is the median of.
LENGTH_WINDOW_S = 5.0


class LegLength:
    """A leg's picture length against its own recent median, to spot a collapsed skeleton.

    Meant for a leg that stays put (the planted leg of a hold): its thigh plus shin in the
    picture hardly changes, so a sudden shrink to half is MediaPipe losing the pose, and the
    frame says nothing about the position. Collapsed frames do not enter the median.
    """

    def __init__(self) -> None:
        self._hist: deque[tuple[float, float]] = deque()

    def collapsed(self, t: float, pose: Pose | None, side: str) -> bool:
        """Whether ``side``'s leg is drawn far shorter than it has recently been."""
        if pose is None or side not in ("left", "right"):
            return False
        p = pose.pixels()
        leg = JOINTS["knee"][side]  # hip, knee, ankle
        length = _dist(p[leg.a], p[leg.b]) + _dist(p[leg.b], p[leg.c])
        if not np.isfinite(length):
            return False
        while self._hist and self._hist[0][0] < t - LENGTH_WINDOW_S:
            self._hist.popleft()
        usual = float(np.median([v for _, v in self._hist])) if len(self._hist) >= 5 else float("nan")
        if np.isfinite(usual) and length < COLLAPSE_SHARE * usual:
            return True
        self._hist.append((t, length))
        return False
