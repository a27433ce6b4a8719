"""Angle arithmetic over numpy arrays: unsigned, signed in the picture, signed about a 3D axis."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from repcount.records import LM, FloatArray


def angle_between(u: FloatArray, v: FloatArray) -> FloatArray:
    """Unsigned angle in degrees between vectors along the last axis (NaN for zero length)."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if u.ndim == 1 and v.ndim == 1:  # one joint per frame: plain floats are ~10x faster
        nu, nv = math.hypot(*u), math.hypot(*v)
        if nu == 0 or nv == 0 or not (math.isfinite(nu) and math.isfinite(nv)):
            return cast(FloatArray, np.float64(np.nan))
        c = float(np.dot(u, v)) / (nu * nv)
        return cast(FloatArray, np.float64(math.degrees(math.acos(min(1.0, max(-1.0, c))))))
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    cos = np.where((nu > 0) & (nv > 0), cos, np.nan)
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), dtype=np.float64)


def joint_angle(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Unsigned angle a-b-c at vertex b in degrees (0..180), for 2D or 3D points."""
    return angle_between(np.asarray(a) - np.asarray(b), np.asarray(c) - np.asarray(b))


def signed_angle_2d(u: FloatArray, v: FloatArray) -> FloatArray:
    """Signed angle in degrees from 2D vector ``u`` to ``v`` in (-180, 180].

    Positive is the rotation from image +x towards image +y (clockwise on screen, where y
    points down).
    """
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    return np.asarray(np.degrees(np.arctan2(cross, dot)), dtype=np.float64)


def cross_2d(u: FloatArray, v: FloatArray) -> FloatArray:
    """The z component of the cross product of two 2D vectors."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    return np.asarray(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])


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
    return straightness(signed_angle_about(u, v, axis))
