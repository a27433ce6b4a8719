"""Forward kinematics and linear blend skinning in numpy.

Joint rotations are expressed in rest-aligned frames: each bone's local frame is parallel to the
world axes in the rest pose (standing, facing -y, left towards +x, z up). So a rotation about +x
at a hip or knee is a sagittal-plane rotation for either leg, which keeps the exercise
descriptions short. Sign conventions (right-hand rule about +x): hip flexion is ``rot_x(-a)``,
knee flexion ``rot_x(+a)``, ankle plantar flexion ``rot_x(+a)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from repcount.synth.body import Body


def rot_x(deg: float) -> np.ndarray:
    """Rotation matrix about +x by ``deg`` degrees."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation matrix about +y by ``deg`` degrees."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation matrix about +z by ``deg`` degrees."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_axis(axis: np.ndarray, deg: float) -> np.ndarray:
    """Rotation matrix about an arbitrary axis (Rodrigues)."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    a = np.radians(deg)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return cast(np.ndarray, np.eye(3) + np.sin(a) * kx + (1.0 - np.cos(a)) * (kx @ kx))


@dataclass
class SkeletonPose:
    """A body pose.

    Attributes:
        local: bone name -> 3x3 rotation in its rest-aligned frame (missing = identity).
        root_rot: global rotation applied about the root bone's head.
        root_offset: world translation added after ``root_rot``.

    """

    local: dict[str, np.ndarray] = field(default_factory=dict)
    root_rot: np.ndarray = field(default_factory=lambda: np.eye(3))
    root_offset: np.ndarray = field(default_factory=lambda: np.zeros(3))

    def set(self, bone: str, rot: np.ndarray) -> None:
        """Compose ``rot`` after any rotation already set on ``bone``."""
        self.local[bone] = rot @ self.local.get(bone, np.eye(3))


#: The identity, shared by the bones a pose leaves unrotated (never written to).
_EYE = np.eye(3)
_EYE.flags.writeable = False


def forward_kinematics(body: Body, pose: SkeletonPose) -> tuple[np.ndarray, np.ndarray]:
    """Global bone rotations and head positions.

    Args:
        body: the rigged body.
        pose: joint rotations and root placement.

    Returns:
        (rots, heads): (B, 3, 3) global rotations and (B, 3) posed head positions.

    """
    n = len(body.bone_names)
    rots = np.empty((n, 3, 3))
    heads = np.empty((n, 3))
    local: Mapping[str, np.ndarray] = pose.local
    for i, name in enumerate(body.bone_names):
        r_local = local.get(name, _EYE)
        p = body.parents[i]
        if p < 0:
            rots[i] = pose.root_rot @ r_local
            heads[i] = pose.root_rot @ body.heads[i] + pose.root_offset
        else:
            rots[i] = rots[p] @ r_local
            heads[i] = rots[p] @ (body.heads[i] - body.heads[p]) + heads[p]
    return rots, heads


def posed_tails(body: Body, rots: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Posed bone tails from the FK result."""
    return cast(np.ndarray, np.einsum("bij,bj->bi", rots, body.tails - body.heads) + heads)


def skin(body: Body, rots: np.ndarray, heads: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """Linear blend skinning of the body's vertices (or the subset ``idx``).

    Each bone moves a rest point x to ``R (x - rest_head) + posed_head``; a vertex takes the
    weight-blended affine map of its bones.
    """
    verts = body.verts if idx is None else body.verts[idx]
    weights = body.weights if idx is None else body.weights[idx]
    trans = heads - np.einsum("bij,bj->bi", rots, body.heads)
    mats = np.concatenate([rots.reshape(-1, 9), trans], axis=1)  # (B, 12)
    blended = weights @ mats  # (V, 12)
    r = blended[:, :9].reshape(-1, 3, 3)
    return cast(np.ndarray, np.einsum("vij,vj->vi", r, verts) + blended[:, 9:])


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in degrees between vectors along the last axis."""
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return cast(np.ndarray, np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle at ``b`` of the chain a-b-c in degrees (180 = straight)."""
    return angle_between(a - b, c - b)
