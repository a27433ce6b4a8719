"""Angle signals from poses: joint angles, visibility gating, gap filling and de-spiking.

All functions are pure numpy over whole arrays; the streaming path feeds the same functions one
sample at a time through :class:`SignalFilter`, so live and offline signals are identical.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from repcount.records import LM, FloatArray, Pose


def angle_between(u: FloatArray, v: FloatArray) -> FloatArray:
    """Unsigned angle in degrees between vectors along the last axis (NaN for zero length)."""
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    cos = np.where((nu > 0) & (nv > 0), cos, np.nan)
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def joint_angle(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Unsigned angle a-b-c at vertex b in degrees (0..180), for 2D or 3D points."""
    return angle_between(np.asarray(a) - np.asarray(b), np.asarray(c) - np.asarray(b))


def signed_angle_about(u: FloatArray, v: FloatArray, axis: FloatArray) -> FloatArray:
    """Signed angle from ``u`` to ``v`` in degrees, measured about ``axis`` (right-hand rule).

    Both vectors are projected onto the plane normal to ``axis`` first, so the angle is the
    rotation seen along that axis (e.g. flexion seen along the pelvis' left-right axis). The
    result is in (-180, 180].
    """
    axis = np.asarray(axis, dtype=np.float64)
    n = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    up = u - np.sum(u * n, axis=-1, keepdims=True) * n
    vp = v - np.sum(v * n, axis=-1, keepdims=True) * n
    cross = np.cross(up, vp)
    return np.asarray(
        np.degrees(np.arctan2(np.sum(cross * n, axis=-1), np.sum(up * vp, axis=-1))),
        dtype=np.float64,
    )


def straightness(signed: FloatArray) -> FloatArray:
    """Map a signed a-b-c angle to a 0..360 "opening" that does not fold at 180 degrees.

    ``signed`` is the signed angle from b->a to b->c; 180 means a straight line. Values past a
    straight line continue above 180 instead of folding back.
    """
    return np.mod(np.asarray(signed, dtype=np.float64), 360.0)


@dataclass(frozen=True)
class Joint:
    """Three landmarks a-b-c defining a joint angle at b."""

    a: int
    b: int
    c: int


LEFT_HIP = Joint(LM.LEFT_SHOULDER, LM.LEFT_HIP, LM.LEFT_KNEE)
RIGHT_HIP = Joint(LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.RIGHT_KNEE)
LEFT_KNEE = Joint(LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE)
RIGHT_KNEE = Joint(LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE)


def image_points(image: FloatArray, width: int, height: int) -> FloatArray:
    """Convert (..., 33, >=2) normalised landmarks to isotropic pixel coordinates."""
    return np.asarray(image[..., :2] * np.array([width, height], dtype=np.float64))


def pelvis_axis(world: FloatArray) -> FloatArray:
    """Right-to-left hip vector in world coordinates, shape (..., 3)."""
    return np.asarray(world[..., LM.LEFT_HIP, :] - world[..., LM.RIGHT_HIP, :])


def sagittal_opening(world: FloatArray, joint: Joint) -> FloatArray:
    """Opening of ``joint`` in degrees seen along the pelvis axis, not folding at 180.

    Uses 3D world landmarks, so it holds in oblique views where the 2D angle flattens. The
    direction is chosen so a straight joint is 180 and folding forward (flexion of the hip)
    goes below 180; extension past straight goes above 180.
    """
    axis = pelvis_axis(world)
    u = world[..., joint.a, :] - world[..., joint.b, :]
    v = world[..., joint.c, :] - world[..., joint.b, :]
    signed = signed_angle_about(u, v, axis)
    return straightness(signed)


def visibility_of(image: FloatArray, joint: Joint) -> FloatArray:
    """Smallest visibility of the joint's three landmarks, shape (...)."""
    return np.asarray(np.min(image[..., [joint.a, joint.b, joint.c], 3], axis=-1))


def pose_angle_2d(pose: Pose, joint: Joint) -> float:
    """Unsigned image-plane angle of ``joint`` in one pose (degrees)."""
    p = pose.pixels()
    return float(joint_angle(p[joint.a], p[joint.b], p[joint.c]))


class SignalFilter:
    """Gap filling and de-spiking, one sample in, one sample out (causal).

    Short gaps (up to ``max_gap_s``) hold the last valid value; longer gaps stay NaN so a
    detector restarts instead of bridging a missing stretch. A running median of ``median_k``
    samples removes single-frame landmark flips that MediaPipe's own temporal filter lets
    through; it is deliberately not a second low-pass filter.
    """

    def __init__(self, max_gap_s: float, median_k: int) -> None:
        self.max_gap_s = max_gap_s
        self.median_k = median_k
        self._last_v = np.nan
        self._last_t = -np.inf
        self._window: deque[float] = deque(maxlen=max(1, median_k))

    def update(self, t: float, x: float) -> float:
        """Filter one sample; returns NaN while the signal is missing beyond the gap limit."""
        if np.isnan(x):
            if t - self._last_t <= self.max_gap_s:
                x = self._last_v
            else:
                self._window.clear()
                return float("nan")
        else:
            self._last_v = x
            self._last_t = t
        if np.isnan(x):
            return float("nan")
        self._window.append(x)
        return float(np.median(np.fromiter(self._window, dtype=np.float64)))


def filter_signal(t: FloatArray, x: FloatArray, max_gap_s: float, median_k: int) -> FloatArray:
    """Offline application of :class:`SignalFilter` (identical output, sample for sample)."""
    f = SignalFilter(max_gap_s, median_k)
    return np.array([f.update(float(ti), float(xi)) for ti, xi in zip(t, x)], dtype=np.float64)
