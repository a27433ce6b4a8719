"""Per-pose measurements the exercise definitions are written in.

A *measure* turns one pose and a side (``left``/``right``/``both``) into a number in degrees:
joint angles, a leg's elevation above the body line, the opening between the thighs. A *cue*
turns one pose into a signed score saying which leg is working (positive = left). Postures
(standing, on the back, face down, on the side) gate what is counted.

Everything here is a pure function of a :class:`~repcount.records.Pose`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from repcount.records import LM, FloatArray, Pose, Side
from repcount.signals import Joint, angle_between, joint_angle, sagittal_opening

Posture = Literal["standing", "supine", "prone", "side", "unknown"]
POSTURES: tuple[Posture, ...] = ("standing", "supine", "prone", "side", "unknown")

L, R = "left", "right"
#: How far (degrees) the 3D opening must be from straight to fully pick a side of 180.
UNFOLD_SOFTNESS_DEG = 20.0
JOINTS: dict[str, dict[str, Joint]] = {
    "hip": {L: Joint(LM.LEFT_SHOULDER, LM.LEFT_HIP, LM.LEFT_KNEE),
            R: Joint(LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.RIGHT_KNEE)},
    "knee": {L: Joint(LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE),
             R: Joint(LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE)},
    "elbow": {L: Joint(LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST),
              R: Joint(LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST)},
}
HIP = {L: LM.LEFT_HIP, R: LM.RIGHT_HIP}
KNEE = {L: LM.LEFT_KNEE, R: LM.RIGHT_KNEE}
ANKLE = {L: LM.LEFT_ANKLE, R: LM.RIGHT_ANKLE}
SHOULDER = {L: LM.LEFT_SHOULDER, R: LM.RIGHT_SHOULDER}


def _mid(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.asarray((p[a] + p[b]) / 2.0)


def torso_length_px(pose: Pose) -> float:
    """Shoulder-midpoint to hip-midpoint distance in pixels (the body's own scale)."""
    p = pose.pixels()
    d = _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP)
    return max(float(np.linalg.norm(d)), 1e-6)


def torso_tilt_deg(pose: Pose) -> float:
    """Angle of the hip-to-shoulder line from vertical (0 upright, 90 lying).

    Measured in the 3D world landmarks (their y axis is the picture's vertical), so a torso
    pointing towards an oblique camera is not mistaken for an upright one.
    """
    w = pose.world
    d = _mid(w, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(w, LM.LEFT_HIP, LM.RIGHT_HIP)
    return float(np.degrees(np.arctan2(np.hypot(d[0], d[2]), abs(d[1]) + 1e-9)))


def facing_up_score(pose: Pose) -> float:
    """Positive when the chest faces the ceiling, negative when it faces the floor.

    The torso normal (hips-to-shoulders crossed with right-to-left hip) from the 3D world
    landmarks, compared with gravity (world y points down in MediaPipe's coordinates), backed up
    by the nose-over-ears test in the picture.
    """
    w = pose.world
    up_body = _mid(w, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(w, LM.LEFT_HIP, LM.RIGHT_HIP)
    lateral = w[LM.LEFT_HIP] - w[LM.RIGHT_HIP]
    normal = np.cross(lateral, up_body)
    n = np.linalg.norm(normal)
    world_score = float(-normal[1] / n) if n > 0 else 0.0
    p = pose.pixels()
    ears = _mid(p, LM.LEFT_EAR, LM.RIGHT_EAR)
    nose_score = float(np.clip((ears[1] - p[LM.NOSE][1]) / (0.25 * torso_length_px(pose)), -1, 1))
    return 0.5 * world_score + 0.5 * nose_score


def side_lying_score(pose: Pose) -> float:
    """How far the hips and shoulders are stacked vertically in the picture (0..~1)."""
    p = pose.pixels()
    torso = torso_length_px(pose)
    hips = abs(p[LM.LEFT_HIP][1] - p[LM.RIGHT_HIP][1]) / torso
    shoulders = abs(p[LM.LEFT_SHOULDER][1] - p[LM.RIGHT_SHOULDER][1]) / torso
    return float(min(hips, shoulders))


def posture_of(pose: Pose | None) -> Posture:
    """Classify one pose's posture."""
    if pose is None:
        return "unknown"
    tilt = torso_tilt_deg(pose)
    if tilt < 40.0:
        return "standing"
    if tilt < 55.0:
        return "unknown"
    if side_lying_score(pose) > 0.25:
        return "side"
    return "supine" if facing_up_score(pose) > 0 else "prone"


class PostureTracker:
    """Posture with hysteresis: a new posture must last ``hold_s`` before it is adopted.

    Frames classified ``unknown`` (e.g. a bridge's hips up, between lying and upright) keep the
    current posture, so a movement is not cut at its turning point; nobody in frame for longer
    than ``hold_s`` resets it.
    """

    def __init__(self, hold_s: float = 0.4) -> None:
        self.hold_s = hold_s
        self.posture: Posture = "unknown"
        self._candidate: Posture = "unknown"
        self._since = 0.0
        self._last_seen = -1e9

    def update(self, t: float, pose: Pose | None) -> Posture:
        """Feed one frame; return the current (debounced) posture."""
        if pose is None:
            if t - self._last_seen > self.hold_s:
                self.posture = "unknown"
            return self.posture
        self._last_seen = t
        p = posture_of(pose)
        if p == "unknown" or p == self.posture:
            self._candidate = self.posture
            return self.posture
        if p != self._candidate:
            self._candidate = p
            self._since = t
        # The very first posture is adopted at once; a change must persist.
        if self.posture == "unknown" or t - self._since >= self.hold_s:
            self.posture = p
        return self.posture


def visibility(pose: Pose, *idx: int) -> float:
    """Smallest visibility among landmarks ``idx``."""
    return float(np.min(pose.image[list(idx), 3]))


def joint_measure(pose: Pose, kind: str, side: str, mode: str = "image") -> float:
    """One leg's (or arm's) joint angle in degrees, unfolded past 180 where it can be.

    ``image`` mode measures the angle in the picture, which is precise from a side view; the
    unsigned picture angle folds at 180 degrees, so the 3D sagittal opening decides on which
    side of straight the joint is. ``world`` mode is the 3D sagittal opening itself, which holds
    in oblique views where the picture angle flattens.
    """
    j = JOINTS[kind][side]
    opening = float(sagittal_opening(pose.world, j))
    if kind == "knee":  # the knee bends the other way round from the hip
        opening = 360.0 - opening
    if mode == "world":
        return opening
    p = pose.pixels()
    a2d = float(joint_angle(p[j.a], p[j.b], p[j.c]))
    # Blend rather than switch between the two branches (a2d and 360 - a2d): the 3D opening is
    # only trusted as far as it is from 180, and only near straight, so a depth estimate
    # wobbling around 180 moves the value by a few degrees instead of flipping it by 2 x dev.
    s = float(np.clip((opening - 180.0) / UNFOLD_SOFTNESS_DEG, -1.0, 1.0))
    w = float(np.clip((a2d - 140.0) / 20.0, 0.0, 1.0))
    return a2d + w * (1.0 + s) * (180.0 - a2d)


def leg_elevation(pose: Pose, side: str) -> float:
    """Signed angle (degrees) of the hip-to-ankle line above the shoulder-to-hip line, in the picture.

    Positive when the leg is raised towards the top of the picture (a prone hip extension or a
    supine leg raise), 0 when the leg continues the body line; it does not fold at 180.
    """
    p = pose.pixels()
    hip = p[HIP[side]]
    body = hip - p[SHOULDER[side]]
    leg = p[ANKLE[side]] - hip
    nb = np.linalg.norm(body)
    if nb == 0 or np.linalg.norm(leg) == 0:
        return float("nan")
    u = body / nb
    perp = np.array([u[1], -u[0]])
    if perp[1] > 0:  # choose the perpendicular that points up the picture
        perp = -perp
    return float(np.degrees(np.arctan2(np.dot(leg, perp), np.dot(leg, u))))


def thigh_opening(pose: Pose, mode: str = "world") -> float:
    """Angle (degrees) between the two thighs: a clamshell's opening.

    ``world`` measures it between the 3D thigh vectors (view-independent in principle, but
    MediaPipe's depth is unreliable with the legs stacked); ``image`` from the knees' separation
    in the picture.
    """
    if mode == "world":
        w = pose.world
        return float(angle_between(w[LM.LEFT_KNEE] - w[LM.LEFT_HIP], w[LM.RIGHT_KNEE] - w[LM.RIGHT_HIP]))
    # In the picture: the knees' separation as the arc of an opening of two thighs. A thigh is
    # about 0.85 torso lengths; the torso is rarely foreshortened when lying on the side, while
    # the thighs point at the camera in a front view. Unlike the angle at the hips' midpoint,
    # the chord stays proportional to the opening in oblique views.
    p = pose.pixels()
    sep = float(np.linalg.norm(p[LM.LEFT_KNEE] - p[LM.RIGHT_KNEE]))
    # Chord ~ arc for the openings of a clamshell; linear so it never saturates.
    return float(np.degrees(sep / (0.85 * torso_length_px(pose))))


def trunk_angle(pose: Pose) -> float:
    """Hip angle of both legs together (shoulders-hips-knees midpoints), for sit-ups."""
    p = pose.pixels()
    return float(joint_angle(_mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
                             _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP), _mid(p, LM.LEFT_KNEE, LM.RIGHT_KNEE)))




def landmarks_of(name: str, side: str) -> tuple[int, ...]:
    """Landmarks a per-side measure depends on (for visibility gating)."""
    if name == "elevation":
        return (SHOULDER[side], HIP[side], ANKLE[side])
    j = JOINTS[name][side]
    return (j.a, j.b, j.c)


def measure(pose: Pose, name: str, side: Side, mode: str = "image", min_vis: float = 0.2) -> float:
    """Evaluate measure ``name`` on ``side`` (``both`` = visibility-weighted mean of the legs)."""
    if name == "thigh_opening":
        if visibility(pose, LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_HIP, LM.RIGHT_HIP) < min_vis:
            return float("nan")
        return thigh_opening(pose, mode)
    if name == "trunk":
        return trunk_angle(pose)
    sides = (L, R) if side == "both" else (side,)
    values: list[float] = []
    weights: list[float] = []
    for s in sides:
        vis = visibility(pose, *landmarks_of(name, s))
        if vis < min_vis:
            continue
        v = leg_elevation(pose, s) if name == "elevation" else joint_measure(pose, name, s, mode)
        if np.isfinite(v):
            values.append(v)
            weights.append(max(vis, 1e-3))
    if not values:
        return float("nan")
    # The leg nearer the camera is seen better and dominates a side view.
    return float(np.average(values, weights=weights))


# ----------------------------------------------------------------------------- side cues
def world_leg_length(w: FloatArray) -> float:
    """Length (m) of the left leg, hip-knee plus knee-ankle, in world landmarks ``w``."""
    return float(np.linalg.norm(w[LM.LEFT_HIP] - w[LM.LEFT_KNEE])
                 + np.linalg.norm(w[LM.LEFT_KNEE] - w[LM.LEFT_ANKLE]))


def leg_length_px(pose: Pose) -> float:
    """Mean hip-knee-ankle length of the two legs in pixels."""
    p = pose.pixels()
    return float(np.mean([np.linalg.norm(p[HIP[s]] - p[KNEE[s]]) + np.linalg.norm(p[KNEE[s]] - p[ANKLE[s]])
                          for s in (L, R)]) + 1e-6)


def cue_higher_ankle(pose: Pose) -> float:
    """Positive when the left ankle is higher in the picture (dip: the standing leg is on the box)."""
    p = pose.pixels()
    return float((p[LM.RIGHT_ANKLE][1] - p[LM.LEFT_ANKLE][1]) / leg_length_px(pose))


def cue_lower_ankle(pose: Pose) -> float:
    """Positive when the left ankle is lower (single-leg bridge: the other leg points up)."""
    return -cue_higher_ankle(pose)


def cue_more_elevated(pose: Pose) -> float:
    """Positive when the left leg is raised further (prone leg lift), in degrees / 30."""
    return float((leg_elevation(pose, L) - leg_elevation(pose, R)) / 30.0)


def cue_higher_hip(pose: Pose) -> float:
    """Positive when the left hip is higher in the picture (clamshell: the top leg)."""
    p = pose.pixels()
    return float((p[LM.RIGHT_HIP][1] - p[LM.LEFT_HIP][1]) / torso_length_px(pose))


def cue_front_leg(pose: Pose) -> float:
    """Positive when the left foot is the front one (lunge), in leg lengths.

    The ankles' offset along the body's forward direction (pelvis axis crossed with the trunk)
    in the 3D world landmarks: it holds from either side and from oblique views, where picture
    angles make the rear knee look like the one bending most.
    """
    w = pose.world
    lateral = w[LM.LEFT_HIP] - w[LM.RIGHT_HIP]
    up = _mid(w, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(w, LM.LEFT_HIP, LM.RIGHT_HIP)
    fwd = np.cross(lateral, up)
    n = np.linalg.norm(fwd)
    if n == 0:
        return float("nan")
    return float(np.dot(w[LM.LEFT_ANKLE] - w[LM.RIGHT_ANKLE], fwd / n) / max(world_leg_length(w), 1e-6))


CUES: dict[str, Callable[[Pose], float]] = {
    "higher_ankle": cue_higher_ankle,
    "lower_ankle": cue_lower_ankle,
    "more_elevated": cue_more_elevated,
    "higher_hip": cue_higher_hip,
    "front_leg": cue_front_leg,
}
