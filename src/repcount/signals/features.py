"""Per-pose measurements the exercise definitions are written in, and posture evidence.

A *measure* turns one pose and a side (``left``/``right``/``both``) into a number in degrees:
joint openings, a leg's elevation above the body line, the opening between the thighs. A *cue*
turns one pose into a signed score saying which leg is working (positive = left). Posture facts
say whether the person is upright or lying, as evidence a detector may act on.

Joint openings are measured in the picture, signed by the way the body faces (see
:class:`BodySense`), so they continue past 180 degrees (a bridge's hip extension) without
folding back and without relying on MediaPipe's depth, whose sign flips.

Everything here is a pure function of a :class:`~repcount.records.Pose` except the small
trackers, which hold a few numbers of state and are fed one pose at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar, get_args

import numpy as np

from repcount.records import LM, FloatArray, Pose, Side
from repcount.signals.angles import (
    Joint,
    angle_between,
    cross_2d,
    joint_angle,
    sagittal_opening,
    signed_angle_2d,
)

T = TypeVar("T")

Posture = Literal["standing", "supine", "prone", "side", "unknown"]
POSTURES: tuple[Posture, ...] = ("standing", "supine", "prone", "side", "unknown")
#: Coarse position a detector gates on: upright (standing, on the feet) or lying down.
Stance = Literal["upright", "lying", "unknown"]

L, R = "left", "right"
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
#: How far past straight (degrees) a signed opening may go before it is taken as a fold the
#: wrong way: a bridge extends the hip 20-30 degrees in the picture, a knee barely at all.
MAX_EXTENSION_DEG = {"hip": 45.0, "knee": 20.0}


def _mid(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.asarray((p[a] + p[b]) / 2.0)


def torso_length_px(pose: Pose) -> float:
    """Shoulder-midpoint to hip-midpoint distance in pixels (the body's own scale)."""
    p = pose.pixels()
    d = _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP)
    return max(float(np.linalg.norm(d)), 1e-6)


def leg_length_px(pose: Pose) -> float:
    """Mean hip-knee-ankle length of the two legs in pixels."""
    p = pose.pixels()
    return float(np.mean([np.linalg.norm(p[HIP[s]] - p[KNEE[s]]) + np.linalg.norm(p[KNEE[s]] - p[ANKLE[s]])
                          for s in (L, R)]) + 1e-6)


def body_scale_px(pose: Pose) -> float:
    """A length that stays put whatever the pose: the larger of leg and 1.6 torso lengths."""
    return max(leg_length_px(pose), 1.6 * torso_length_px(pose))


def world_leg_length(w: FloatArray) -> float:
    """Length (m) of the left leg, hip-knee plus knee-ankle, in world landmarks ``w``."""
    return float(np.linalg.norm(w[LM.LEFT_HIP] - w[LM.LEFT_KNEE])
                 + np.linalg.norm(w[LM.LEFT_KNEE] - w[LM.LEFT_ANKLE]))


# ----------------------------------------------------------------------------- body sense
def sense_evidence(pose: Pose) -> float:
    """Which way the body faces across the picture, in -1..1 (0 = no evidence).

    The sign of the cross product of the torso line (shoulders to hips) and the facing
    direction (ears to nose): positive and negative are the two mirror images of a side view.
    Face-on views give values near 0. Only image coordinates are used: MediaPipe's depth is
    the least reliable part of a pose.
    """
    p = pose.pixels()
    torso = _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP) - _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    front = p[LM.NOSE] - _mid(p, LM.LEFT_EAR, LM.RIGHT_EAR)
    nt, nf = float(np.linalg.norm(torso)), float(np.linalg.norm(front))
    if nt <= 0 or nf < 0.08 * nt:
        return 0.0
    return float(np.clip(cross_2d(torso, front) / (nt * nf), -1.0, 1.0))


class BodySense:
    """The body's facing sense across the picture, smoothed over frames (hysteresis).

    ``sense`` is +1 or -1 once evidence has been seen, 0 before. A person turns around rarely
    and slowly, while single frames (a head turn, a fumbled face) mislead: the sense flips only
    when the smoothed evidence has clearly changed sign.
    """

    def __init__(self, alpha: float = 0.1, flip: float = 0.3) -> None:
        self.alpha = alpha
        self.flip = flip
        self._ema = 0.0
        self.sense = 0

    def update(self, pose: Pose | None) -> int:
        """Feed one pose; returns the current sense."""
        if pose is None:
            return self.sense
        ev = sense_evidence(pose)
        if ev == 0.0:
            return self.sense
        self._ema = ev if self.sense == 0 else (1 - self.alpha) * self._ema + self.alpha * ev
        if self.sense == 0:
            self.sense = 1 if ev > 0 else -1
        elif self.sense > 0 and self._ema < -self.flip:
            self.sense = -1
        elif self.sense < 0 and self._ema > self.flip:
            self.sense = 1
        return self.sense


def joint_opening(pose: Pose, kind: str, side: str, sense: int = 0, mode: str = "image") -> float:
    """One leg's (or arm's) joint opening in degrees: 180 straight, below flexed, above extended.

    ``image`` mode measures the picture angle, signed by the body's facing ``sense`` so the
    opening continues past 180 (hip extension in a bridge) instead of folding back; with no
    sense yet, or a value past straight further than anatomy allows (a fold the other way
    round, e.g. in a face-on view), it is the unsigned picture angle. ``world`` mode is the 3D
    opening seen along the pelvis axis (holds up in oblique views, but depth flips its sign).
    """
    j = JOINTS[kind][side]
    if mode == "world":
        opening = float(sagittal_opening(pose.world, j))
        return 360.0 - opening if kind == "knee" else opening
    p = pose.pixels()
    unsigned = float(joint_angle(p[j.a], p[j.b], p[j.c]))
    if sense == 0 or kind == "elbow":
        return unsigned
    # Flexion is a rotation of the distal segment away from the straight continuation of the
    # proximal one: towards the front at the hip, towards the back at the knee.
    proximal = p[j.b] - p[j.a]
    distal = p[j.c] - p[j.b]
    flex = float(signed_angle_2d(proximal, distal)) * sense
    if kind == "knee":
        flex = -flex
    opening = 180.0 - flex
    if opening > 180.0 + MAX_EXTENSION_DEG.get(kind, 20.0):
        return unsigned
    return opening


def leg_elevation(pose: Pose, side: str) -> float:
    """Signed angle (degrees) of the hip-to-ankle line above the torso's line, in the picture.

    Positive when the leg is raised towards the top of the picture (a prone hip extension or a
    supine leg raise), 0 when the leg continues the body line; it does not fold at 180.
    """
    p = pose.pixels()
    hip = p[HIP[side]]
    # The body line is the torso's midline, the same for both legs: one side's shoulder-hip line
    # turns with perspective and jitter, and would make the idle leg seem to lift.
    body = _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP) - _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    leg = p[ANKLE[side]] - hip
    nb = np.linalg.norm(body)
    if nb == 0 or np.linalg.norm(leg) == 0:
        return float("nan")
    u = body / nb
    perp = np.array([u[1], -u[0]])
    if perp[1] > 0:  # choose the perpendicular that points up the picture
        perp = -perp
    return float(np.degrees(np.arctan2(np.dot(leg, perp), np.dot(leg, u))))


def thigh_opening(pose: Pose, mode: str = "image") -> float:
    """Angle (degrees) between the two thighs: a clamshell's opening.

    ``world`` measures it between the 3D thigh vectors (MediaPipe's depth is unreliable with
    the legs stacked); ``image`` from the knees' separation in the picture as the arc of an
    opening of two thighs of about 0.85 torso lengths (the torso is rarely foreshortened when
    lying on the side, while the thighs point at the camera in a front view). Unlike the angle
    at the hips' midpoint, the chord stays proportional to the opening in oblique views.
    """
    if mode == "world":
        w = pose.world
        return float(angle_between(w[LM.LEFT_KNEE] - w[LM.LEFT_HIP], w[LM.RIGHT_KNEE] - w[LM.RIGHT_HIP]))
    p = pose.pixels()
    sep = float(np.linalg.norm(p[LM.LEFT_KNEE] - p[LM.RIGHT_KNEE]))
    return float(np.degrees(sep / (0.85 * torso_length_px(pose))))


def trunk_angle(pose: Pose) -> float:
    """Hip angle of both legs together (shoulders-hips-knees midpoints), for sit-ups."""
    p = pose.pixels()
    return float(joint_angle(_mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
                             _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP), _mid(p, LM.LEFT_KNEE, LM.RIGHT_KNEE)))


def visibility(pose: Pose, *idx: int) -> float:
    """Smallest visibility among landmarks ``idx``."""
    return float(np.min(pose.image[list(idx), 3]))


def landmarks_of(name: str, side: str) -> tuple[int, ...]:
    """Landmarks a per-side measure depends on (for visibility)."""
    if name == "elevation":
        return (SHOULDER[side], HIP[side], ANKLE[side])
    j = JOINTS[name][side]
    return (j.a, j.b, j.c)


def measure(pose: Pose, name: str, side: Side, mode: str = "image", min_vis: float = 0.05,
            sense: int = 0) -> float:
    """Evaluate measure ``name`` on ``side`` (``both`` = visibility-weighted mean of the legs).

    ``min_vis`` only drops landmarks MediaPipe places outside the picture: a far leg seen
    through the near one often has a visibility of 0.1-0.3 and is still where it is drawn.
    """
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
        v = leg_elevation(pose, s) if name == "elevation" else joint_opening(pose, name, s, sense, mode)
        if np.isfinite(v):
            values.append(v)
            weights.append(max(vis, 1e-3))
    if not values:
        return float("nan")
    # The leg nearer the camera is seen better and dominates a side view.
    return float(np.average(values, weights=weights))


# ----------------------------------------------------------------------------- posture
def torso_tilt_deg(pose: Pose) -> float:
    """Angle of the hip-to-shoulder line from vertical in the 3D world landmarks (0 upright)."""
    w = pose.world
    d = _mid(w, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(w, LM.LEFT_HIP, LM.RIGHT_HIP)
    return float(np.degrees(np.arctan2(np.hypot(d[0], d[2]), abs(d[1]) + 1e-9)))


def image_tilt_deg(pose: Pose) -> float:
    """Angle of the hip-to-shoulder line from the picture's vertical (0 upright, 90 lying)."""
    p = pose.pixels()
    d = _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP)
    return float(np.degrees(np.arctan2(abs(d[0]), -d[1])))


def feet_drop(pose: Pose) -> float:
    """How far the ankles are below the hips in the picture, in leg lengths (1 = straight below)."""
    p = pose.pixels()
    return float((_mid(p, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)[1] - _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP)[1])
                 / leg_length_px(pose))


def stance_of(pose: Pose | None) -> Stance:
    """Upright or lying, only on clear evidence (``unknown`` otherwise).

    Upright: the torso near vertical in the picture and in 3D, and the feet well below the
    hips. Lying: the torso far from vertical in the picture (any camera within 60 degrees of
    a side view and 30 degrees of elevation sees a lying torso at least ~45 degrees from
    vertical). A bridge's raised hips or a ball curl's lifted pelvis stay "lying" or
    "unknown", never "upright", because the feet are not below the hips.
    """
    if pose is None:
        return "unknown"
    img = image_tilt_deg(pose)
    if img < 30.0 and feet_drop(pose) > 0.55 and torso_tilt_deg(pose) < 45.0:
        return "upright"
    if img > 50.0:
        return "lying"
    return "unknown"


def facing_up_score(pose: Pose) -> float:
    """Positive when the chest faces the ceiling, negative when it faces the floor.

    The nose above or below the ears in the picture (a face seen lying down), backed up by the
    3D torso normal against the world's vertical.
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


def pelvis_lift(pose: Pose) -> float:
    """How far the hips' midpoint is above the shoulders' midpoint in the picture, in body scales.

    A bridge lifts the pelvis off the floor while the shoulders stay down. Midpoints of the two
    sides do not change when MediaPipe swaps the left and right labels, and no joint angle (whose
    sign an oblique view makes ambiguous) is involved.
    """
    p = pose.pixels()
    shoulders = _mid(p, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    hips = _mid(p, LM.LEFT_HIP, LM.RIGHT_HIP)
    return float((shoulders[1] - hips[1]) / body_scale_px(pose))


def side_lying_score(pose: Pose) -> float:
    """How far the hips and shoulders are stacked vertically in the picture (0..~1)."""
    p = pose.pixels()
    torso = torso_length_px(pose)
    hips = abs(p[LM.LEFT_HIP][1] - p[LM.RIGHT_HIP][1]) / torso
    shoulders = abs(p[LM.LEFT_SHOULDER][1] - p[LM.RIGHT_SHOULDER][1]) / torso
    return float(min(hips, shoulders))


def posture_of(pose: Pose | None) -> Posture:
    """Classify one pose's posture (for recognition and guidance, not for gating)."""
    stance = stance_of(pose)
    if pose is None or stance == "unknown":
        return "unknown"
    if stance == "upright":
        return "standing"
    if side_lying_score(pose) > 0.25:
        return "side"
    return "supine" if facing_up_score(pose) > 0 else "prone"


class _Hysteresis(Generic[T]):
    """A value that changes only after a new one was voted for ``hold_s`` without a break.

    A vote for ``abstain`` (no clear evidence) or for the current value breaks a run towards
    another value and keeps the current one.
    """

    def __init__(self, initial: T, abstain: T, hold_s: float) -> None:
        self.value = initial
        self.hold_s = hold_s
        self._abstain = abstain
        self._candidate = initial
        self._since = 0.0

    def vote(self, t: float, v: T) -> T:
        """Count one frame's vote at time ``t``; return the current value."""
        if v == self._abstain or v == self.value:
            self._candidate = self.value
            return self.value
        if v != self._candidate:
            self._candidate = v
            self._since = t
        if t - self._since >= self.hold_s:
            self.value = v
        return self.value


class StanceTracker:
    """Stance with hysteresis: a new stance must last ``hold_s`` before it is adopted.

    ``unknown`` frames (between clear evidence) keep the current stance; nobody in frame for
    longer than ``hold_s`` resets it. ``frame`` is the last frame's own call (before hysteresis).
    """

    def __init__(self, hold_s: float = 0.5) -> None:
        self.hold_s = hold_s
        self._h: _Hysteresis[Stance] = _Hysteresis("unknown", "unknown", hold_s)
        self._last_seen = -1e9
        self.frame: Stance = "unknown"

    @property
    def stance(self) -> Stance:
        """The current (debounced) stance."""
        return self._h.value

    def update(self, t: float, pose: Pose | None) -> Stance:
        """Feed one frame; return the current (debounced) stance."""
        self.frame = stance_of(pose)
        if pose is None:
            if t - self._last_seen > self.hold_s:
                self._h.value = "unknown"
            return self._h.value
        self._last_seen = t
        return self._h.vote(t, self.frame)


#: A facing score (see :func:`facing_up_score`) beyond this is clearly face up (or, negated, face
#: down). During the reps and holds of the 144 corpus clips a lying person's score went beyond
#: it the wrong way for 0.27 s at most (0.5 was crossed for up to 1 s).
FACING_CLEAR = 0.6
#: ... and it must stay beyond it this long before a lying person counts as facing that way.
FACING_HOLD_S = 1.0

Facing = Literal["up", "down", "unknown"]


class FacingTracker:
    """Lying face up or face down, on clear and lasting evidence only.

    A frame votes when its :func:`facing_up_score` is beyond :data:`FACING_CLEAR` either way;
    a new way must be voted for :data:`FACING_HOLD_S` without a break before it is adopted, and
    frames that do not vote (standing, side-lying, unclear) keep the current answer. A person who
    rolled over flips the score for good; MediaPipe's wrong calls on a lying person last a
    fraction of a second.
    """

    def __init__(self) -> None:
        self._h: _Hysteresis[Facing] = _Hysteresis("unknown", "unknown", FACING_HOLD_S)

    @property
    def facing(self) -> Facing:
        """The current (debounced) answer."""
        return self._h.value

    def update(self, t: float, pose: Pose | None, stance: Stance | None = None) -> Facing:
        """Feed one frame; return the current (debounced) answer.

        ``stance`` is the frame's own :func:`stance_of`, when the caller has it already.
        """
        if pose is None or (stance if stance is not None else stance_of(pose)) != "lying":
            return self._h.value
        score = facing_up_score(pose)
        vote: Facing = "up" if score > FACING_CLEAR else "down" if score < -FACING_CLEAR else "unknown"
        return self._h.vote(t, vote)


# ----------------------------------------------------------------------------- side cues
def cue_higher_ankle(pose: Pose) -> float:
    """Positive when the left ankle is higher in the picture, in leg lengths."""
    p = pose.pixels()
    return float((p[LM.RIGHT_ANKLE][1] - p[LM.LEFT_ANKLE][1]) / leg_length_px(pose))


def cue_lower_ankle(pose: Pose) -> float:
    """Positive when the left ankle is lower (single-leg bridge: the other leg points up)."""
    return -cue_higher_ankle(pose)


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


CueName = Literal["lower_ankle", "higher_hip", "front_leg"]
CUES: dict[str, Callable[[Pose], float]] = {
    "lower_ankle": cue_lower_ankle,
    "higher_hip": cue_higher_hip,
    "front_leg": cue_front_leg,
}
# The registry and the type name the same cues (checked at import).
assert set(CUES) == set(get_args(CueName))
MeasureName = Literal["hip", "knee", "elbow", "elevation", "thigh_opening", "trunk"]
MEASURES: tuple[str, ...] = get_args(MeasureName)
