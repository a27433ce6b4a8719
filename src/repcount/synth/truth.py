"""Ground truth from a posed body: named 3D joints and the exercise's joint angles."""

from __future__ import annotations

import numpy as np

from repcount.synth.body import Body
from repcount.synth.kinematics import joint_angle, posed_tails, skin

#: Joints stored per frame, in this order (MediaPipe-like names; "toe" is the foot tip).
JOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_toe",
    "right_toe",
)

#: Angles stored per frame (degrees unless the name ends in ``_m``).
ANGLE_NAMES: tuple[str, ...] = (
    "knee_angle_left",
    "knee_angle_right",
    "hip_angle_left",
    "hip_angle_right",
    "hip_flexion_left",
    "hip_flexion_right",
    "hip_abduction_left",
    "hip_abduction_right",
    "ankle_angle_left",
    "ankle_angle_right",
    "trunk_incline",
    "hip_height_m",
    "knee_separation_m",
)


#: The last body's nose vertex: it is looked up every frame, and a search costs an argmax over
#: every skin weight (one entry only, so a batch of clips does not keep its bodies alive).
_NOSE: list[tuple[Body, int]] = []


def nose_vertex(body: Body) -> int:
    """The most forward vertex of the head (the nose tip in the rest pose)."""
    if _NOSE and _NOSE[0][0] is body:
        return _NOSE[0][1]
    head = np.flatnonzero(np.argmax(body.weights, axis=1) == body.bone("head"))
    idx = int(head[np.argmin(body.verts[head, 1])])
    _NOSE[:] = [(body, idx)]
    return idx


def joints_3d(body: Body, rots: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """World positions (J, 3) of :data:`JOINT_NAMES` for one posed frame."""
    b = body.bone
    tails = posed_tails(body, rots, heads)
    pts = skin(body, rots, heads, np.array([nose_vertex(body), body.heel["l"], body.heel["r"]]))
    return np.stack(
        [
            pts[0],
            heads[b("upperarm_l")],
            heads[b("upperarm_r")],
            heads[b("thigh_l")],
            heads[b("thigh_r")],
            heads[b("calf_l")],
            heads[b("calf_r")],
            heads[b("foot_l")],
            heads[b("foot_r")],
            pts[1],
            pts[2],
            tails[b("ball_l")],
            tails[b("ball_r")],
        ]
    )


def angles(j3: np.ndarray) -> np.ndarray:
    """Joint angles (..., K) in the order of :data:`ANGLE_NAMES` from joints (..., J, 3).

    Knee, hip and ankle angles are interior angles (180 = straight) as a 2D/3D keypoint
    pipeline would measure them. Hip flexion/abduction are signed, in a trunk frame built from
    the hips (lateral axis) and the hip-to-shoulder line (up axis): flexion > 0 is the thigh
    forward of the trunk line, < 0 is extension; abduction > 0 is away from the midline.
    ``trunk_incline`` is the hip-to-shoulder line's elevation above the floor, ``hip_height_m``
    the hip midpoint's height, ``knee_separation_m`` the distance between the knees.
    """
    j = {n: j3[..., i, :] for i, n in enumerate(JOINT_NAMES)}
    hip_mid = (j["left_hip"] + j["right_hip"]) / 2.0
    sh_mid = (j["left_shoulder"] + j["right_shoulder"]) / 2.0
    lat = j["left_hip"] - j["right_hip"]
    lat = lat / np.linalg.norm(lat, axis=-1, keepdims=True)
    up = sh_mid - hip_mid
    up = up - np.sum(up * lat, axis=-1, keepdims=True) * lat
    up = up / np.linalg.norm(up, axis=-1, keepdims=True)
    fwd = np.cross(lat, up)  # rest pose: cross(+x, +z) = -y, the facing direction
    out = []
    for s in ("left", "right"):
        out.append(joint_angle(j[f"{s}_hip"], j[f"{s}_knee"], j[f"{s}_ankle"]))
    for s in ("left", "right"):
        out.append(joint_angle(j[f"{s}_shoulder"], j[f"{s}_hip"], j[f"{s}_knee"]))
    thighs = {s: j[f"{s}_knee"] - j[f"{s}_hip"] for s in ("left", "right")}
    for s in ("left", "right"):
        t = thighs[s]
        out.append(np.degrees(np.arctan2(np.sum(t * fwd, -1), -np.sum(t * up, -1))))
    for s, sign in (("left", 1.0), ("right", -1.0)):
        t = thighs[s] / np.linalg.norm(thighs[s], axis=-1, keepdims=True)
        out.append(np.degrees(np.arcsin(np.clip(sign * np.sum(t * lat, -1), -1.0, 1.0))))
    for s in ("left", "right"):
        out.append(joint_angle(j[f"{s}_knee"], j[f"{s}_ankle"], j[f"{s}_toe"]))
    trunk = sh_mid - hip_mid
    horiz = np.linalg.norm(trunk[..., :2], axis=-1)
    out.append(np.degrees(np.arctan2(trunk[..., 2], horiz)))
    out.append(hip_mid[..., 2])
    out.append(np.linalg.norm(j["left_knee"] - j["right_knee"], axis=-1))
    return np.stack(out, axis=-1)
