"""Pose only the frames the signals need, and fill the frames in between.

The joint angles of this circuit move below about 2 Hz, so posing a 30 fps video on every frame
is mostly redundant work. :class:`StridePlan` decides, frame by frame, which frames go to the
model: every ``stride``-th one, and every frame while the person is lost (MediaPipe re-detects
from scratch, and the first frame it finds the person again should not wait) or for a moment
after a fast movement. :func:`fill_skipped` then interpolates the landmarks of the skipped
frames from the posed ones (a local cubic through the two posed frames on either side), so
detectors see a pose on every frame and rep times keep full-rate resolution.

Pure numpy/scipy: no model and no video here.
"""

from __future__ import annotations

import math

import numpy as np

from repcount.pose.track import Track
from repcount.records import LM, FloatArray, Pose

#: Poses per second aimed at by ``--stride auto``: five times the fastest joint-angle rhythm of
#: the circuit (about 2 Hz), so a turning point is never more than 0.05 s from a posed frame.
AUTO_POSE_HZ = 10.0
#: Landmarks whose movement decides whether the person moves fast (hips, knees, ankles).
_MOVING = (LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
#: A move between two posed frames larger than this fraction of the thigh length (per posed
#: interval) counts as fast: at 10 poses a second that is a limb sweeping ~3 thigh lengths a second.
FAST_MOVE = 0.3
#: Seconds of posing every frame after a fast movement.
DENSE_S = 1.0


def auto_stride(fps: float) -> int:
    """The stride ``--stride auto`` uses at ``fps``: about :data:`AUTO_POSE_HZ` poses a second."""
    if not math.isfinite(fps) or fps <= 0:
        return 1
    return max(1, math.floor(fps / AUTO_POSE_HZ + 1e-6))


def parse_stride(text: str) -> int | None:
    """``auto`` (None) or a positive integer; raises ValueError otherwise."""
    if text.strip().lower() == "auto":
        return None
    n = int(text)
    if n < 1:
        raise ValueError(f"stride must be at least 1, got {n}")
    return n


class StridePlan:
    """Which frames to pose: every ``stride``-th, and every frame when tracking needs it.

    :meth:`want` is asked by the decoder (possibly a few frames ahead on its own thread),
    :meth:`observe` is told each pose as it comes out of the model.

    Args:
        stride: pose one frame in this many (1: every frame).
        fps: the video's frame rate (for :data:`DENSE_S`).

    """

    def __init__(self, stride: int, fps: float) -> None:
        self.stride = max(1, int(stride))
        self.fps = fps if fps > 0 else 30.0
        self._last_wanted = -(10**9)
        self._dense_until = -1
        self._lost = False
        self._prev: FloatArray | None = None
        #: Frames posed because tracking was lost, and because the person moved fast.
        self.dense_lost = 0
        self.dense_fast = 0

    def want(self, index: int) -> bool:
        """Whether frame ``index`` should go to the model (called once per frame, in order)."""
        if self.stride == 1 or index - self._last_wanted >= self.stride:
            self._last_wanted = index
            return True
        if self._lost:
            self.dense_lost += 1
        elif index <= self._dense_until:
            self.dense_fast += 1
        else:
            return False
        self._last_wanted = index
        return True

    def observe(self, index: int, pose: Pose | None) -> None:
        """Learn from the pose of posed frame ``index`` (None: nobody found)."""
        if self.stride == 1:
            return
        self._lost = pose is None
        if pose is None:
            self._prev = None
            return
        if self._prev is not None and fast_moves(np.stack([self._prev, pose.image]), np.array([0]),
                                                 np.array([1]), (pose.width, pose.height))[0]:
            self._dense_until = index + round(DENSE_S * self.fps)
        self._prev = pose.image


def fast_moves(image: FloatArray, a: np.ndarray, b: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Whether the hips, knees or ankles moved fast (:data:`FAST_MOVE`) from frames ``a`` to ``b``."""
    scale = np.array(size, dtype=np.float64)
    pa = image[a][:, list(_MOVING), :2] * scale
    pb = image[b][:, list(_MOVING), :2] * scale
    thigh = (np.linalg.norm(pa[:, 0] - pa[:, 2], axis=1) + np.linalg.norm(pa[:, 1] - pa[:, 3], axis=1)) / 2
    move = np.max(np.linalg.norm(pb - pa, axis=2), axis=1)
    return np.asarray((thigh > 0) & (move > FAST_MOVE * thigh))


def fill_skipped(t: FloatArray, image: FloatArray, world: FloatArray, posed: np.ndarray,
                 size: tuple[int, int] | None = None) -> tuple[FloatArray, FloatArray]:
    """Interpolate the landmarks of frames that were not posed.

    Args:
        t: (N,) frame times.
        image: (N, 33, 5) image landmarks; NaN on skipped frames and where nobody was found.
        world: (N, 33, 3) world landmarks, likewise.
        posed: (N,) True on frames that went to the model.
        size: the frame size in pixels; with it, a gap across which the legs moved fast
            (:func:`fast_moves`) stays empty.

    Returns:
        (image, world) with every skipped frame between two found poses filled: a cubic through
        the two posed frames on either side (a quadratic or a line where a neighbour is missing
        or nobody was found there). The interpolation is local (four posed frames), so a long
        track can be filled block by block. A skipped frame next to a posed frame where nobody
        was found stays empty; so does a gap across which the legs jumped (a fast movement or
        one of MediaPipe's single-frame flips: interpolating towards it would smear a flip the
        signal filters remove when it is one frame wide over the whole gap). Frames after the
        last posed one repeat it.

    """
    image, world = image.copy(), world.copy()
    posed = np.asarray(posed, dtype=bool)
    n = len(t)
    if n == 0 or posed.all():
        return image, world
    idx = np.flatnonzero(posed)
    if not len(idx):
        return image, world
    found = posed & ~np.isnan(image[:, 0, 0])
    gaps = np.flatnonzero(~posed)
    k2 = np.searchsorted(idx, gaps)  # the posed frame after each gap frame is idx[k2]
    inside = (k2 > 0) & (k2 < len(idx))
    tail = gaps[k2 >= len(idx)]
    if len(tail) and found[idx[-1]]:
        image[tail], world[tail] = image[idx[-1]], world[idx[-1]]
    gaps, k2 = gaps[inside], k2[inside]
    p1, p2 = idx[k2 - 1], idx[k2]
    ok = found[p1] & found[p2]
    if size is not None and ok.any():
        ok[ok] = ~fast_moves(image, p1[ok], p2[ok], size)
    gaps, k2, p1, p2 = gaps[ok], k2[ok], p1[ok], p2[ok]
    if not len(gaps):
        return image, world
    has0 = k2 >= 2
    p0 = np.where(has0, idx[np.maximum(k2 - 2, 0)], p1)
    has0 &= found[p0]
    has3 = k2 + 1 < len(idx)
    p3 = np.where(has3, idx[np.minimum(k2 + 1, len(idx) - 1)], p2)
    has3 &= found[p3]
    points = np.stack([np.where(has0, p0, -1), p1, p2, np.where(has3, p3, -1)], axis=1)
    weights = _lagrange_weights(t, gaps, points)
    gather = np.where(points >= 0, points, p1[:, None])  # unused points: weight 0, a found pose
    for arr in (image, world):
        src = arr[gather]  # (G, 4, 33, C)
        arr[gaps] = np.einsum("gk,gklc->glc", weights, src)
    # Visibility and presence are probabilities: a cubic must not push them out of [0, 1].
    image[gaps, :, 3:5] = np.clip(image[gaps, :, 3:5], 0.0, 1.0)
    return image, world


def _lagrange_weights(t: FloatArray, at: np.ndarray, points: np.ndarray) -> FloatArray:
    """(G, 4) Lagrange weights of the usable points (index >= 0) for the value at ``t[at]``."""
    x = t[at][:, None]
    tp = np.where(points >= 0, t[np.maximum(points, 0)], np.nan)
    use = points >= 0
    w = np.ones(points.shape)
    for j in range(4):
        for m in range(4):
            if j == m:
                continue
            term = (x[:, 0] - tp[:, m]) / (tp[:, j] - tp[:, m])
            w[:, j] *= np.where(use[:, m], term, 1.0)
    return np.where(use, w, 0.0)


def strided_copy(track: Track, stride: int) -> Track:
    """``track`` as a pose pass at ``stride`` would give it: the same frames posed, then filled.

    For recorded tracks without their video (the corpus): :class:`StridePlan` is run over the
    track's own poses (so frames are posed densely where tracking is lost or the legs jump, as
    in a real pass), the other frames are blanked and filled. MediaPipe's own tracking between
    posed frames is not reproduced, only the sampling.
    """
    plan = StridePlan(stride, track.fps)
    posed = np.zeros(len(track), dtype=bool)
    for i in range(len(track)):
        if plan.want(i):
            posed[i] = True
            plan.observe(i, track.pose_at(i))
    image, world = track.image.copy(), track.world.copy()
    image[~posed], world[~posed] = np.nan, np.nan
    image, world = fill_skipped(track.t, image, world, posed, (track.width, track.height))
    return Track(track.t, image, world, track.width, track.height, track.fps,
                 {**track.meta, "stride": stride, "posed": int(posed.sum())})
