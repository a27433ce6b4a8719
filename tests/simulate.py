"""Synthetic MediaPipe-like landmark tracks with exact ground truth, for detector unit tests.

A 3D stick-figure body (average-adult segment lengths, all 33 BlazePose landmarks) is posed by
joint angles, placed in a room by posture (standing, supine, prone, side-lying), and filmed by a
pinhole camera. No model and no rendering are involved, so every rep, hold and angle is known.

Frames (all right-handed):

* body frame: origin at the hip midpoint, x = the body's left, y = up the trunk, z = anterior.
* room frame: Y up. A standing person faces +Z with their left on +X; lying people lie along
  Z with their head towards -Z (supine: left on +X; prone: left on -X).
* camera azimuth: 0 puts the camera on +Z (in front of a standing person, at the feet of a
  lying one), +90 on +X. ``view="side"`` picks the side that shows the working leg (the
  anterior side for side-lying), ``"side_flipped"`` the opposite one.
* world landmarks: the room points rotated into the camera axes (x right in the image, y down,
  z away from the camera) and centred on the hip midpoint, like MediaPipe's world landmarks.

Angle conventions of :attr:`SimTruth.angles` (degrees, per frame), all recomputable from the
world landmarks:

* ``{side}_knee``: hip-knee-ankle angle (180 = straight).
* ``{side}_hip_flexion``: thigh angle in the body's sagittal plane, from the trunk's downward
  axis, positive forwards (negative = hip extension).
* ``{side}_hip``: ``180 - hip_flexion``, i.e. the shoulder-hip-knee angle measured in the
  sagittal plane, so it can pass 180 (hip extension).
* ``{side}_hip_abduction``: thigh elevation out of the sagittal plane, positive away from the
  midline.
* ``{side}_hip_rotation``: external rotation of the thigh about its long axis.
* ``{side}_elbow``: shoulder-elbow-wrist angle.
* ``thigh_spread``: angle between the two thigh vectors (the clamshell opening).
* ``trunk_incline``: hip-to-shoulder axis from the vertical (0 upright, 90 lying); the
  world-frame up vector is in ``track.meta["up_world"]``.

Exercises (rest -> turning point of a full rep at ``amplitude_scale=1``; "work" is the leg
named by ``side``):

* ``single_leg_dip``: standing on the work leg on a box; work knee 175 -> 120, hip flexion
  3 -> 45, trunk leans 0 -> 12; the other foot hangs in front. The standing ankle is fixed.
* ``single_leg_bridge``: supine, work foot planted (knee ~78-92), other leg straight up (hip
  flexion 85); work ``hip`` 130 -> 181 as the pelvis rises. Shoulders and foot stay put.
* ``single_leg_bridge_hold``: the same, rising in 1 s to ``hip`` ~181 +- 1.5 (sway) for
  ``hold_s``; an optional ``sag_s`` drops it to ~153 mid-hold and splits the hold in two.
* ``prone_leg_lift``: prone, straight legs; work ``hip_flexion`` 0 -> -20 (``hip`` 180 -> 200).
* ``ball_leg_curl``: supine, heels on a ball; knees 170 -> 90, ``hip`` 160 -> 182.
* ``clamshell``: lying on the side opposite the work (top) leg, hips flexed 45, knees 90;
  the top knee opens 45° about the hip-ankle axis (abduction 0 -> 29, external rotation
  0 -> 36, ``thigh_spread`` 0 -> 31); feet stay together.
* ``glute_bridge``: both feet planted; ``hip`` 130 -> 181 on both sides.
* ``squat``: knees 175 -> 90, hip flexion 4 -> 97, trunk leans 0 -> 30; feet flat.
* ``lunge``: front (work) knee 175 -> 90, front hip flexion 30 -> 80; the back knee drops
  ~160 -> ~95 towards the floor with the back toe fixed and the heel rising.
* ``situp``: supine, knees bent (80); ``trunk_incline`` 90 -> 20 (trunk up 70°), hip flexion
  50 -> 120 with the thighs still.
* ``pushup``: plank on hands and toes (both fixed); elbows 175 -> 90, body slope 17 -> 10.
* ``leg_raise``: supine, straight legs; hip flexion 0 -> 80 on the work leg (``side="both"``:
  both legs together).

Every track starts with ``lead_in_s`` of getting into position (walking in turned away, then
a step or kneeling down to the floor), which has big joint motion and no reps; a side switch
(``switch_side_after``) is a 2.5 s repositioning, also without reps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import numpy.typing as npt

from repcount.pose.track import Track
from repcount.records import LM, NUM_LANDMARKS, FloatArray, PoseSample

BoolArray = npt.NDArray[np.bool_]
Channels = dict[str, FloatArray]

# Segment lengths of an average adult, metres.
HIP_HALF = 0.09
SHOULDER_HALF = 0.19
TRUNK = 0.50  # hip joint to shoulder joint height
THIGH = 0.45
SHIN = 0.43
UPPER_ARM = 0.30
FOREARM = 0.26

_JOINT_KEYS = ("flex", "abd", "rot", "knee", "ankle", "sflex", "sabd", "elbow")
CHANNELS: tuple[str, ...] = (
    "yaw",
    "pitch",
    "twist",
    *(f"{s}_{k}" for s in "lr" for k in _JOINT_KEYS),
)

# Face points in the body frame (x left, y up, z anterior); the head is rigid on the trunk.
_FACE: dict[int, tuple[float, float, float]] = {
    LM.NOSE: (0.0, 0.70, 0.10),
    LM.LEFT_EYE_INNER: (0.015, 0.735, 0.09),
    LM.LEFT_EYE: (0.032, 0.737, 0.085),
    LM.LEFT_EYE_OUTER: (0.05, 0.735, 0.075),
    LM.RIGHT_EYE_INNER: (-0.015, 0.735, 0.09),
    LM.RIGHT_EYE: (-0.032, 0.737, 0.085),
    LM.RIGHT_EYE_OUTER: (-0.05, 0.735, 0.075),
    LM.LEFT_EAR: (0.075, 0.71, 0.0),
    LM.RIGHT_EAR: (-0.075, 0.71, 0.0),
    LM.MOUTH_LEFT: (0.025, 0.655, 0.085),
    LM.MOUTH_RIGHT: (-0.025, 0.655, 0.085),
}

OCCLUSION_GROUPS: dict[str, tuple[int, ...]] = {
    "face": tuple(range(11)),
    "left_arm": (11, 13, 15, 17, 19, 21),
    "right_arm": (12, 14, 16, 18, 20, 22),
    "left_hand": (15, 17, 19, 21),
    "right_hand": (16, 18, 20, 22),
    "left_leg": (23, 25, 27, 29, 31),
    "right_leg": (24, 26, 28, 30, 32),
    "left_foot": (27, 29, 31),
    "right_foot": (28, 30, 32),
}
OCCLUSION_GROUPS["arms"] = OCCLUSION_GROUPS["left_arm"] + OCCLUSION_GROUPS["right_arm"]
OCCLUSION_GROUPS["legs"] = OCCLUSION_GROUPS["left_leg"] + OCCLUSION_GROUPS["right_leg"]
OCCLUSION_GROUPS["hands"] = OCCLUSION_GROUPS["left_hand"] + OCCLUSION_GROUPS["right_hand"]
OCCLUSION_GROUPS["feet"] = OCCLUSION_GROUPS["left_foot"] + OCCLUSION_GROUPS["right_foot"]

VIEWS = ("side", "side_flipped", "oblique", "front")


@dataclass(frozen=True)
class SimSpec:
    """What to simulate.

    Attributes:
        exercise: one of :data:`EXERCISES`.
        reps: full reps (for ``single_leg_bridge_hold``: number of holds).
        side: ``left``/``right``/``both``: the standing leg for dips, the planted/working leg
            for single-leg bridges and holds, the lifted leg for prone leg lifts, the top leg
            for clamshells, the front leg for lunges, the raised leg(s) for leg raises.
            ``both`` on a single-leg exercise does half the reps left then half right.
            Both-leg exercises always report ``both``.
        view: ``side`` (camera on the working leg's side), ``side_flipped``, ``oblique``
            (35° from the front towards the working side) or ``front``.
        azimuth_deg: camera azimuth in the room (see module doc); overrides ``view``.
        elevation_deg: camera elevation above the horizontal.
        fps: frame rate.
        period_s: nominal rep duration (70 % movement, 30 % rest at the bottom).
        tempo_jitter: relative random variation of each rep's movement duration.
        pauses_s: extra random rest between reps, uniform in 0..pauses_s.
        lead_in_s: walking in / getting down to the floor (big joint motion that must not be
            counted), then still.
        tail_s: still time at the end.
        partial_reps: extra reps at ~30 % of the range of motion, interleaved; not counted.
        hold_s: hold duration of ``single_leg_bridge_hold`` (0 means 10 s).
        sag_s: for holds, the hips drop for this long in the middle of each hold (0 = none).
        noise_px: gaussian landmark noise in pixels (also applied to world landmarks).
        dropout: fraction of frames with no person, in short bursts.
        occlude: landmark groups (keys of :data:`OCCLUSION_GROUPS`) with low visibility and
            extra jitter.
        amplitude_scale: scales every rep's range of motion.
        switch_side_after: switch the working leg after this many reps.
        width: frame width in pixels.
        height: frame height in pixels.
        seed: random seed; equal specs give equal tracks.
        vis_near: visibility of landmarks facing the camera.
        vis_far: visibility of landmarks facing away (far-side limbs when side-on).

    """

    exercise: str
    reps: int = 8
    side: str = "right"
    view: str = "side"
    azimuth_deg: float | None = None
    elevation_deg: float = 5.0
    fps: float = 30.0
    period_s: float = 2.0
    tempo_jitter: float = 0.0
    pauses_s: float = 0.0
    lead_in_s: float = 2.0
    tail_s: float = 1.0
    partial_reps: int = 0
    hold_s: float = 0.0
    sag_s: float = 0.0
    noise_px: float = 0.0
    dropout: float = 0.0
    occlude: tuple[str, ...] = ()
    amplitude_scale: float = 1.0
    switch_side_after: int | None = None
    width: int = 640
    height: int = 480
    seed: int = 0
    vis_near: float = 0.95
    vis_far: float = 0.5


@dataclass(frozen=True)
class SimTruth:
    """Exact ground truth of a simulated track.

    Attributes:
        reps: (side, start_s, peak_s, end_s) of each full rep.
        partials: the same for partial reps.
        holds: (side, start_s, end_s) of each hold interval.
        angles: true per-frame angles in degrees (see the module doc for the keys), defined
            on every frame, dropouts included.

    """

    reps: tuple[tuple[str, float, float, float], ...]
    partials: tuple[tuple[str, float, float, float], ...]
    holds: tuple[tuple[str, float, float], ...]
    angles: dict[str, FloatArray] = field(default_factory=dict)


# --------------------------------------------------------------------------- rotations


def _rot(axis: int, deg: FloatArray) -> FloatArray:
    """Return (N, 3, 3) right-handed rotations about a coordinate axis."""
    a = np.radians(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((*a.shape, 3, 3))
    i, j = [k for k in range(3) if k != axis]
    if axis == 1:  # about y the sign pattern flips (z x x = y)
        i, j = j, i
    r[..., axis, axis] = 1.0
    r[..., i, i] = c
    r[..., j, j] = c
    r[..., i, j] = -s
    r[..., j, i] = s
    return r


def _apply(r: FloatArray, v: tuple[float, float, float] | FloatArray) -> FloatArray:
    """Rotate a constant vector (3,) or per-frame vectors (N, 3) by (N, 3, 3) rotations."""
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 1:
        return np.asarray(np.einsum("nij,j->ni", r, v))
    return np.asarray(np.einsum("nij,nj->ni", r, v))


def _root_rotation(ch: Channels) -> FloatArray:
    """Body-to-room rotation: yaw about the room vertical, pitch, then twist about the trunk."""
    return np.asarray(_rot(1, ch["yaw"]) @ _rot(0, ch["pitch"]) @ _rot(1, ch["twist"]))


# --------------------------------------------------------------------------- kinematics


def _forward(ch: Channels) -> FloatArray:
    """Place the 33 landmarks in the body frame from joint-angle channels, (N, 33, 3)."""
    n = len(ch["yaw"])
    p = np.zeros((n, NUM_LANDMARKS, 3))
    for idx, xyz in _FACE.items():
        p[:, idx] = xyz
    for s, sign in (("l", 1.0), ("r", -1.0)):
        off = 0 if s == "l" else 1
        # Leg: flexion about the lateral axis, then abduction, then rotation about the femur.
        hip = np.array([sign * HIP_HALF, 0.0, 0.0])
        r_leg = _rot(0, -ch[f"{s}_flex"]) @ _rot(2, sign * ch[f"{s}_abd"]) @ _rot(1, sign * ch[f"{s}_rot"])
        r_shin = r_leg @ _rot(0, ch[f"{s}_knee"])  # knee flexion swings the shin backwards
        knee = hip + _apply(r_leg, (0.0, -THIGH, 0.0))
        ankle = knee + _apply(r_shin, (0.0, -SHIN, 0.0))
        p[:, LM.LEFT_HIP + off] = hip
        p[:, LM.LEFT_KNEE + off] = knee
        p[:, LM.LEFT_ANKLE + off] = ankle
        r_foot = r_shin @ _rot(0, -ch[f"{s}_ankle"])  # dorsiflexion lifts the toes
        p[:, LM.LEFT_HEEL + off] = ankle + _apply(r_foot, (0.0, -0.05, -0.05))
        p[:, LM.LEFT_FOOT_INDEX + off] = ankle + _apply(r_foot, (0.0, -0.07, 0.15))
        # Arm: flexion forwards, abduction sideways, elbow flexion forwards.
        sho = np.array([sign * SHOULDER_HALF, TRUNK, 0.0])
        r_arm = _rot(0, -ch[f"{s}_sflex"]) @ _rot(2, sign * ch[f"{s}_sabd"])
        r_fore = r_arm @ _rot(0, -ch[f"{s}_elbow"])
        elbow = sho + _apply(r_arm, (0.0, -UPPER_ARM, 0.0))
        wrist = elbow + _apply(r_fore, (0.0, -FOREARM, 0.0))
        p[:, LM.LEFT_SHOULDER + off] = sho
        p[:, LM.LEFT_ELBOW + off] = elbow
        p[:, LM.LEFT_WRIST + off] = wrist
        p[:, LM.LEFT_PINKY + off] = wrist + _apply(r_fore, (sign * 0.01, -0.075, -0.03))
        p[:, LM.LEFT_INDEX + off] = wrist + _apply(r_fore, (sign * 0.01, -0.085, 0.02))
        p[:, LM.LEFT_THUMB + off] = wrist + _apply(r_fore, (-sign * 0.01, -0.045, 0.045))
    return p


def _blank(n: int) -> Channels:
    return {k: np.zeros(n) for k in CHANNELS}


def _set_legs(ch: Channels, left: BoolArray, work: Mapping[str, object], free: Mapping[str, object]) -> None:
    """Give the working leg ``work`` and the other leg ``free`` (per frame by ``left``)."""
    for k in set(work) | set(free):
        w = np.broadcast_to(np.asarray(work.get(k, 0.0), dtype=np.float64), left.shape)
        f = np.broadcast_to(np.asarray(free.get(k, 0.0), dtype=np.float64), left.shape)
        ch[f"l_{k}"] = np.where(left, w, f)
        ch[f"r_{k}"] = np.where(left, f, w)


def _set_both(ch: Channels, **vals: object) -> None:
    for k, v in vals.items():
        for s in "lr":
            arr = np.asarray(v, dtype=np.float64)
            ch[f"{s}_{k}"] = np.broadcast_to(arr, ch["yaw"].shape).copy()


def _bisect(fn: Callable[[FloatArray], FloatArray], target: FloatArray, lo: float, hi: float) -> FloatArray:
    """Solve increasing ``fn(x) = target`` element-wise on [lo, hi]."""
    a = np.full(target.shape, lo)
    b = np.full(target.shape, hi)
    for _ in range(50):
        m = 0.5 * (a + b)
        below = fn(m) < target
        a = np.where(below, m, a)
        b = np.where(below, b, m)
    return 0.5 * (a + b)


# Bridge geometry in the sagittal plane, relative to the shoulder joint on the floor: the
# planted ankle sits at (_FOOT_DIST, 0). Chosen so hips on the floor give ~130° and a
# straight shoulder-hip-knee line leaves the knee at ~90°.
_FOOT_DIST = 1.05


def _planted_leg(beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Hip flexion and knee flexion (deg) of a planted leg for trunk lift ``beta`` (rad)."""
    hx, hy = TRUNK * np.cos(beta), TRUNK * np.sin(beta)
    dx, dy = _FOOT_DIST - hx, -hy
    d = np.clip(np.hypot(dx, dy), abs(THIGH - SHIN) + 1e-6, THIGH + SHIN - 1e-6)
    k = np.arccos((THIGH**2 + SHIN**2 - d**2) / (2 * THIGH * SHIN))
    g = np.arccos((THIGH**2 + d**2 - SHIN**2) / (2 * THIGH * d))
    thigh = np.arctan2(dy, dx) + g  # knee up
    return np.degrees(thigh - beta), np.degrees(np.pi - k)


def _bridge_ik(hip_angle: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Trunk lift, hip flexion and knee flexion (deg) giving a shoulder-hip-knee angle."""
    beta = _bisect(lambda b: 180.0 - _planted_leg(b)[0], hip_angle, -0.15, 0.9)
    f, q = _planted_leg(beta)
    return np.degrees(beta), f, q


# --------------------------------------------------------------------------- exercises

PoseFn = Callable[[FloatArray, BoolArray, bool], Channels]


def _standing(n: int) -> Channels:
    ch = _blank(n)
    _set_both(ch, flex=2.0, abd=4.0, knee=3.0, sflex=8.0, sabd=8.0, elbow=15.0)
    return ch


def _supine(n: int) -> Channels:
    ch = _blank(n)
    ch["pitch"][:] = -90.0
    _set_both(ch, flex=0.0, abd=3.0, knee=3.0, sflex=3.0, sabd=12.0, elbow=5.0)
    return ch


def _flat_foot_standing(f: FloatArray, q: FloatArray, lean: FloatArray) -> FloatArray:
    """Ankle dorsiflexion that keeps a standing foot flat: it cancels the shin's tilt."""
    return np.asarray(q + lean - f)


def _flat_foot_supine(f: FloatArray, q: FloatArray, beta: FloatArray) -> FloatArray:
    """Ankle angle that keeps a lying person's planted foot flat (``beta`` = trunk lift)."""
    return np.asarray(q - beta - f - 90.0)


def _dip(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _standing(len(p))
    q = 5.0 + 55.0 * p
    lean = 12.0 * p
    # The thigh drops to ~0.55 of the knee bend so the knee travels forward over the foot.
    f = 0.55 * q + lean
    _set_legs(
        ch,
        left,
        {"flex": f, "knee": q, "abd": 2.0, "ankle": _flat_foot_standing(f, q, lean)},
        {"flex": 20.0 + 0.3 * f, "knee": 15.0 + 0.3 * q, "abd": 6.0, "ankle": -20.0},
    )
    ch["pitch"] = lean
    _set_both(ch, sflex=20.0 + 40.0 * p, sabd=10.0, elbow=30.0)
    return ch


def _bridge_common(p: FloatArray, single: BoolArray | None) -> Channels:
    ch = _supine(len(p))
    beta, f, q = _bridge_ik(130.0 + 51.0 * p)
    left = single if single is not None else np.ones(len(p), dtype=bool)
    free = {"flex": 85.0, "knee": 3.0, "abd": 3.0}
    work = {"flex": f, "knee": q, "abd": 3.0, "ankle": _flat_foot_supine(f, q, beta)}
    _set_legs(ch, left, work, work if single is None else free)
    ch["pitch"] = -90.0 - beta
    # Shoulder extension keeps the arms flat on the floor while the trunk tilts.
    _set_both(ch, sflex=-beta, sabd=12.0, elbow=5.0)
    return ch


def _single_leg_bridge(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    return _bridge_common(p, left)


def _glute_bridge(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    return _bridge_common(p, None)


def _prone_leg_lift(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    ch["twist"][:] = 180.0
    _set_legs(ch, left, {"flex": -20.0 * p, "knee": 3.0, "abd": 3.0}, {"flex": 0.0, "knee": 3.0, "abd": 3.0})
    return ch


_BALL_ANKLE_H = 0.40  # ankle height on the ball, relative to the shoulder joint


def _ball_leg_curl(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    f = 20.0 - 22.0 * p  # shoulder-hip-knee 160 -> 182
    q = 10.0 + 80.0 * p  # knee 170 -> 90
    fr, qr = np.radians(f), np.radians(q)

    def ankle_h(b: FloatArray) -> FloatArray:
        return np.asarray(TRUNK * np.sin(b) + THIGH * np.sin(b + fr) + SHIN * np.sin(b + fr - qr))

    # The heels ride on the ball: the trunk lift keeps the ankles at ball height.
    beta = np.degrees(_bisect(ankle_h, np.full(len(p), _BALL_ANKLE_H), -0.3, 1.4))
    _set_both(ch, flex=f, knee=q, abd=3.0, sflex=-beta, sabd=15.0, elbow=5.0)
    ch["pitch"] = -90.0 - beta
    return ch


def _axis_rotation(axis: FloatArray, deg: FloatArray) -> FloatArray:
    """(N, 3, 3) rotations by ``deg`` about unit ``axis`` (3,) (Rodrigues)."""
    a = np.radians(deg)[:, None, None]
    k = np.array([[0.0, -axis[2], axis[1]], [axis[2], 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.asarray(np.eye(3) + np.sin(a) * k + (1.0 - np.cos(a)) * (k @ k))


def _leg_angles(r_leg: FloatArray, sign: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Invert ``R_x(-flex) R_z(sign*abd) R_y(sign*rot)`` into (flex, abd, rot) degrees."""
    d = r_leg[:, :, 1] * -1.0  # thigh direction
    abd = np.arcsin(np.clip(d[:, 0], -1.0, 1.0))
    flex = np.arctan2(d[:, 2], -d[:, 1])
    m = _rot(2, -np.degrees(abd)) @ _rot(0, np.degrees(flex)) @ r_leg
    rot = np.arctan2(m[:, 0, 2], m[:, 0, 0])
    return np.degrees(flex), sign * np.degrees(abd), sign * np.degrees(rot)


def _clamshell(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    # Top leg right => lying on the left side (twist +90 rolls the left side down).
    ch["twist"] = np.where(left, -90.0, 90.0)
    _set_both(ch, flex=45.0, knee=90.0, abd=0.0, rot=0.0)
    for s, sign in (("l", 1.0), ("r", -1.0)):
        # The knee opens about the hip-ankle axis so the feet stay together: a mix of
        # abduction and external rotation, decomposed back into the hip channels.
        r0 = _rot(0, np.array([-45.0]))[0]
        shin0 = r0 @ _rot(0, np.array([90.0]))[0]
        axis = r0 @ np.array([0.0, -THIGH, 0.0]) + shin0 @ np.array([0.0, -SHIN, 0.0])
        axis = axis / np.linalg.norm(axis)
        theta = np.where(left == (s == "l"), 45.0 * p, 0.0)
        r_leg = _axis_rotation(axis, -sign * theta) @ r0
        ch[f"{s}_flex"], ch[f"{s}_abd"], ch[f"{s}_rot"] = _leg_angles(r_leg, sign)
    for s, top in (("l", left), ("r", ~left)):
        ch[f"{s}_sflex"] = np.where(top, 50.0, 170.0)
        ch[f"{s}_elbow"] = np.where(top, 60.0, 90.0)
        ch[f"{s}_sabd"] = np.full(len(p), 10.0)
    return ch


def _squat(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _standing(len(p))
    q = 5.0 + 85.0 * p
    lean = 30.0 * p
    f = 0.75 * q + lean
    ankle = _flat_foot_standing(f, q, lean)
    _set_both(ch, flex=f, knee=q, abd=8.0, ankle=ankle, sflex=10.0 + 70.0 * p, elbow=10.0)
    ch["pitch"] = lean
    return ch


def _two_link(dx: FloatArray, dy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return thigh angle (from straight down, forwards +) and knee flexion in degrees.

    The leg reaches an ankle at (dx forwards, dy up) from the hip, knee in front.
    """
    d = np.clip(np.hypot(dx, dy), abs(THIGH - SHIN) + 1e-6, THIGH + SHIN - 1e-6)
    k = np.arccos((THIGH**2 + SHIN**2 - d**2) / (2 * THIGH * SHIN))
    g = np.arccos((THIGH**2 + d**2 - SHIN**2) / (2 * THIGH * d))
    return np.degrees(np.arctan2(dx, -dy) + g), np.degrees(np.pi - k)


# Back toe of a lunge relative to the front ankle (behind, on the floor).
_LUNGE_TOE = (-0.76, -0.07)


def _lunge(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _standing(len(p))
    lean = 5.0 * p
    ff, qf = 30.0 + 50.0 * p, 5.0 + 85.0 * p
    # Hip relative to the (fixed) front ankle, in the sagittal plane (forwards, up).
    a, s = np.radians(ff - lean), np.radians(ff - lean - qf)
    hx = -(THIGH * np.sin(a) + SHIN * np.sin(s))
    hy = THIGH * np.cos(a) + SHIN * np.cos(s)
    # The back toe stays on the floor while the heel rises; the back leg reaches its ankle.
    heel_up = np.radians(20.0 + 30.0 * p)
    toe_x = 0.15 * np.cos(heel_up) - 0.07 * np.sin(heel_up)
    toe_y = -0.15 * np.sin(heel_up) - 0.07 * np.cos(heel_up)
    ab, qb = _two_link(_LUNGE_TOE[0] - toe_x - hx, _LUNGE_TOE[1] - toe_y - hy)
    _set_legs(
        ch,
        left,
        {"flex": ff, "knee": qf, "ankle": _flat_foot_standing(ff, qf, lean)},
        {"flex": ab + lean, "knee": qb, "ankle": -np.degrees(heel_up) - (ab - qb)},
    )
    _set_both(ch, abd=0.0)  # keeps both legs in their sagittal planes, so the solve is exact
    ch["pitch"] = lean
    return ch


def _situp(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    alpha = 70.0 * p
    ch["pitch"] = -90.0 + alpha
    # The thighs stay put in the room, so hip flexion grows with the trunk.
    f = 50.0 + alpha
    ankle = _flat_foot_supine(f, np.full(len(p), 100.0), -alpha)
    _set_both(ch, flex=f, knee=100.0, abd=5.0, ankle=ankle, sflex=35.0, sabd=10.0, elbow=5.0)
    return ch


# Plank geometry: the toe tip relative to the shoulder joint in the body frame (legs straight,
# foot at 90°), as (along the trunk, anterior).
_TOE_Y = -(TRUNK + THIGH + SHIN + 0.07)
_TOE_Z = 0.15


def _toe_from_shoulder(g: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Toe tip minus shoulder in the room's sagittal plane (towards the head, up)."""
    c, s = np.cos(g), np.sin(g)
    # Body +y (towards the head) is (c, s); body +z (anterior, floor-wards) is (s, -c).
    return _TOE_Y * c + _TOE_Z * s, _TOE_Y * s - _TOE_Z * c


def _arm_reach(e: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Shoulder-to-wrist distance and the shoulder's angle in that triangle, for elbow flexion."""
    d = np.sqrt(UPPER_ARM**2 + FOREARM**2 + 2 * UPPER_ARM * FOREARM * np.cos(np.radians(e)))
    alpha = np.arccos((UPPER_ARM**2 + d**2 - FOREARM**2) / (2 * UPPER_ARM * d))
    return d, alpha


def _pushup(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    e = 5.0 + 85.0 * p
    d, alpha = _arm_reach(e)
    # Hands and toes stay on the floor: at rest the hands are under the shoulders, which fixes
    # the hand-to-toe distance; each elbow angle then sets the body's slope.
    d0 = _arm_reach(np.array([5.0]))[0]
    g0 = _bisect(lambda g: -_toe_from_shoulder(g)[1], d0, 0.0, 0.8)
    hand_to_toe = -_toe_from_shoulder(g0)[0]

    def reach(g: FloatArray) -> FloatArray:
        ts, th = _toe_from_shoulder(g)
        return np.asarray(np.hypot(ts + hand_to_toe, th))

    gamma = _bisect(reach, d, 0.0, 0.8)
    ts, th = _toe_from_shoulder(gamma)
    ws, wh = ts + hand_to_toe, th  # wrist minus shoulder in the room
    c, s = np.cos(gamma), np.sin(gamma)
    wy, wz = ws * c + wh * s, ws * s - wh * c  # ... in the body frame
    # The elbow points back towards the feet, so the upper arm sits alpha behind the wrist line.
    sflex = np.degrees(np.arctan2(wz, -wy) - alpha)
    ch["twist"][:] = 180.0
    ch["pitch"] = -90.0 + np.degrees(gamma)
    _set_both(ch, flex=0.0, knee=0.0, abd=0.0, sflex=sflex, sabd=0.0, elbow=e)
    return ch


def _leg_raise(p: FloatArray, left: BoolArray, both: bool) -> Channels:
    ch = _supine(len(p))
    work = {"flex": 80.0 * p, "knee": 3.0, "abd": 3.0}
    _set_legs(ch, left, work, work if both else {"flex": 0.0, "knee": 3.0, "abd": 3.0})
    return ch


@dataclass(frozen=True)
class _Exercise:
    pose: PoseFn
    floor: bool  # lead-in gets down to the floor
    sided: bool  # the movement belongs to one leg
    anchor: str  # which point stays put in the room


_EXERCISES: dict[str, _Exercise] = {
    "single_leg_dip": _Exercise(_dip, False, True, "work_ankle_fixed"),
    "single_leg_bridge": _Exercise(_single_leg_bridge, True, True, "shoulders"),
    "single_leg_bridge_hold": _Exercise(_single_leg_bridge, True, True, "shoulders"),
    "prone_leg_lift": _Exercise(_prone_leg_lift, True, True, "hips"),
    "ball_leg_curl": _Exercise(_ball_leg_curl, True, False, "shoulders"),
    "clamshell": _Exercise(_clamshell, True, True, "hips"),
    "glute_bridge": _Exercise(_glute_bridge, True, False, "shoulders"),
    "squat": _Exercise(_squat, False, False, "ankles"),
    "lunge": _Exercise(_lunge, False, True, "work_ankle"),
    "situp": _Exercise(_situp, True, False, "hips"),
    "pushup": _Exercise(_pushup, True, False, "wrists"),
    "leg_raise": _Exercise(_leg_raise, True, True, "hips"),
}
EXERCISES: tuple[str, ...] = tuple(_EXERCISES)


def _lead_in_states(floor: bool) -> tuple[Channels, Channels]:
    """Return walking-in (turned away) and step/kneel states: big motion that is no rep."""
    start = _standing(1)
    start["yaw"][:] = -60.0
    start["l_flex"][:] = 20.0
    start["r_flex"][:] = -15.0
    start["l_sflex"][:] = -20.0
    start["r_sflex"][:] = 25.0
    via = _standing(1)
    if floor:
        via["pitch"][:] = 10.0
        _set_both(via, flex=10.0, knee=95.0, sflex=30.0)
    else:
        via["yaw"][:] = -25.0
        via["l_flex"][:] = 40.0
        via["l_knee"][:] = 55.0
        via["r_sflex"][:] = -15.0
    return start, via


# --------------------------------------------------------------------------- timeline


def _smooth(u: FloatArray) -> FloatArray:
    u = np.clip(u, 0.0, 1.0)
    return np.asarray(0.5 - 0.5 * np.cos(np.pi * u))


@dataclass
class _Plan:
    bumps: list[tuple[float, float, float, float]] = field(default_factory=list)  # t0 pk t1 amp
    holds: list[tuple[float, float, float, float, float]] = field(default_factory=list)
    sides: list[tuple[float, float, bool, bool]] = field(default_factory=list)  # t0 t1 from to
    transitions: list[tuple[float, float, list[Channels]]] = field(default_factory=list)
    reps: list[tuple[str, float, float, float]] = field(default_factory=list)
    partials: list[tuple[str, float, float, float]] = field(default_factory=list)
    hold_truth: list[tuple[str, float, float]] = field(default_factory=list)
    duration: float = 0.0


def _rep_sides(spec: SimSpec, ex: _Exercise) -> list[str]:
    if not ex.sided or (spec.exercise == "leg_raise" and spec.side == "both"):
        return ["both"] * spec.reps
    first = "left" if spec.side == "both" else spec.side
    other = "right" if first == "left" else "left"
    n = spec.switch_side_after
    if n is None and spec.side == "both":
        n = spec.reps // 2
    if n is None:
        n = spec.reps
    return [first] * min(n, spec.reps) + [other] * max(spec.reps - n, 0)


def _rest_state(ex: _Exercise, left: bool, both: bool) -> Channels:
    return ex.pose(np.zeros(1), np.array([left]), both)


def _plan(spec: SimSpec, ex: _Exercise, rng: np.random.Generator) -> _Plan:
    plan = _Plan()
    sides = _rep_sides(spec, ex)
    both = spec.side == "both"
    is_left = [s == "left" for s in sides] or [spec.side == "left"]
    t = 0.0
    if spec.lead_in_s > 0:
        start, via = _lead_in_states(ex.floor)
        plan.transitions.append((0.0, 0.7 * spec.lead_in_s, [start, via, _rest_state(ex, is_left[0], both)]))
        t = spec.lead_in_s
    hold_ex = spec.exercise == "single_leg_bridge_hold"
    # Partials go after random full reps (a rep index may take several).
    after = sorted(rng.integers(0, max(spec.reps, 1), size=spec.partial_reps).tolist())
    cur_left = is_left[0]
    for i, side in enumerate(sides):
        left = side == "left"
        if side != "both" and left != cur_left:
            # Switching legs: a slow repositioning, not a rep.
            a, b = _rest_state(ex, cur_left, both), _rest_state(ex, left, both)
            plan.transitions.append((t, t + 2.5, [a, b]))
            plan.sides.append((t, t + 2.5, cur_left, left))
            t += 3.0
            cur_left = left
        if hold_ex:
            hold = spec.hold_s if spec.hold_s > 0 else 10.0
            up, down = t + 1.0, t + 1.0 + hold
            plan.holds.append((t, up, down, down + 1.0, float(i)))
            sag = min(spec.sag_s, 0.8 * hold)
            if sag > 0:
                mid = 0.5 * (up + down)
                plan.hold_truth += [(side, up, mid - sag / 2), (side, mid + sag / 2, down)]
            else:
                plan.hold_truth.append((side, up, down))
            t = down + 1.0 + spec.period_s + spec.pauses_s * rng.uniform()
            continue
        for is_partial in [False] + [True] * after.count(i):
            move = spec.period_s * 0.7 * (1.0 + spec.tempo_jitter * rng.uniform(-1.0, 1.0))
            move = max(move, 0.3) * (0.6 if is_partial else 1.0)
            amp = spec.amplitude_scale * (0.3 if is_partial else 1.0)
            peak = t + 0.5 * move
            plan.bumps.append((t, peak, t + move, amp))
            (plan.partials if is_partial else plan.reps).append((side, t, peak, t + move))
            t += move + spec.period_s * 0.3 + spec.pauses_s * rng.uniform()
    plan.duration = t + spec.tail_s
    plan.sides.insert(0, (-1.0, 0.0, is_left[0], is_left[0]))
    return plan


def _progress(plan: _Plan, spec: SimSpec, t: FloatArray) -> FloatArray:
    """Per-frame progress: 0 at rest, 1 at a full rep's turning point."""
    p = np.zeros_like(t)
    for t0, pk, t1, amp in plan.bumps:
        rise = (t >= t0) & (t < pk)
        fall = (t >= pk) & (t <= t1)
        p[rise] = amp * _smooth((t[rise] - t0) / (pk - t0))
        p[fall] = amp * _smooth((t1 - t[fall]) / (t1 - pk))
    for t0, up, down, t1, k in plan.holds:
        seg = (t >= t0) & (t <= t1)
        tt = t[seg]
        v = np.where(tt < up, _smooth((tt - t0) / (up - t0)), _smooth((t1 - tt) / (t1 - down)))
        in_hold = (tt >= up) & (tt <= down)
        # Small sway while holding, faded in and out so the curve stays smooth.
        fade = np.sin(np.pi * np.clip((tt - up) / (down - up), 0, 1))
        v = np.where(in_hold, 1.0 + 0.03 * np.sin(2 * np.pi * (tt - up) / 1.7 + k) * fade, v)
        sag = min(spec.sag_s, 0.8 * (down - up))
        if sag > 0:
            mid = 0.5 * (up + down)
            u = (tt - (mid - sag / 2)) / sag
            dip = np.where((u >= 0) & (u <= 1), 0.5 - 0.5 * np.cos(2 * np.pi * u), 0.0)
            v = v - 0.55 * dip
        p[seg] = spec.amplitude_scale * v
    return p


def _side_weight(plan: _Plan, t: FloatArray) -> FloatArray:
    """Per-frame 1 = left working, 0 = right, blended smoothly during a switch."""
    w = np.zeros_like(t)
    for t0, t1, a, b in plan.sides:
        fa, fb = float(a), float(b)
        w = np.where(t >= t0, fa + (fb - fa) * _smooth((t - t0) / max(t1 - t0, 1e-9)), w)
    return w


def _apply_transitions(ch: Channels, plan: _Plan, t: FloatArray) -> None:
    for t0, t1, keys in plan.transitions:
        seg = (t >= t0) & (t <= t1)
        u = (t[seg] - t0) / (t1 - t0) * (len(keys) - 1)
        i = np.minimum(u.astype(int), len(keys) - 2)
        w = _smooth(u - i)
        for k in CHANNELS:
            vals = np.array([float(key[k][0]) for key in keys])
            ch[k][seg] = vals[i] + (vals[i + 1] - vals[i]) * w


# --------------------------------------------------------------------------- placement


def _anchor_weights(anchor: str, w_left: FloatArray) -> FloatArray:
    wts = np.zeros((len(w_left), NUM_LANDMARKS))
    if anchor in ("work_ankle", "work_ankle_fixed"):
        wts[:, LM.LEFT_ANKLE] = w_left
        wts[:, LM.RIGHT_ANKLE] = 1.0 - w_left
        return wts
    pair = {
        "shoulders": LM.LEFT_SHOULDER,
        "hips": LM.LEFT_HIP,
        "ankles": LM.LEFT_ANKLE,
        "wrists": LM.LEFT_WRIST,
    }[anchor]
    wts[:, pair] = 0.5
    wts[:, pair + 1] = 0.5
    return wts


def _place(
    ch: Channels, anchor: str, w_left: FloatArray, moving: BoolArray, rest_h: FloatArray
) -> FloatArray:
    """Pose the body in the room, (N, 33, 3), with the anchor point held in place.

    While getting into position (``moving``) the lowest point stands on the floor; otherwise
    the anchor keeps its rest height ``rest_h`` so contacts do not bob with the rep.
    """
    room = np.einsum("nij,nkj->nki", _root_rotation(ch), _forward(ch))
    a = np.einsum("nk,nkj->nj", _anchor_weights(anchor, w_left), room)
    room[:, :, 0] -= a[:, None, 0]
    room[:, :, 2] -= a[:, None, 2]
    floor = room[:, :, 1].min(axis=1)
    shift = np.where(moving, floor, a[:, 1] - rest_h)
    if anchor == "work_ankle_fixed":
        # Standing on a box: the standing ankle stays put; the other foot hangs below.
        shift = a[:, 1] - 0.4
    room[:, :, 1] -= shift[:, None]
    return np.asarray(room)


def _rest_heights(ex: _Exercise, both: bool, w_left: FloatArray) -> FloatArray:
    """Per-frame height of the anchor above the floor in the current side's rest pose."""
    ch = ex.pose(np.zeros(2), np.array([True, False]), both)
    room = np.einsum("nij,nkj->nki", _root_rotation(ch), _forward(ch))
    a = np.einsum("nk,nkj->nj", _anchor_weights(ex.anchor, np.array([1.0, 0.0])), room)
    h = a[:, 1] - room[:, :, 1].min(axis=1)
    return np.asarray(np.where(w_left > 0.5, h[0], h[1]))


def _camera_basis(az: float, el: float) -> tuple[FloatArray, FloatArray]:
    """Camera direction (room, from target to camera) and room-to-camera rotation."""
    a, e = np.radians(az), np.radians(el)
    back = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    fwd = -back
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    return back, np.stack([right, down, fwd])


def _azimuth(spec: SimSpec, r_rest: FloatArray, left: bool) -> float:
    """Camera azimuth for the spec, given the body-to-room rotation at rest."""
    if spec.azimuth_deg is not None:
        return float(spec.azimuth_deg)
    lateral = r_rest[:, 0] if left else -r_rest[:, 0]
    if abs(lateral[1]) > 0.7:
        # Side-lying: film the anterior side (knees towards the camera).
        lateral = r_rest[:, 2]
    side_az = float(np.degrees(np.arctan2(lateral[0], lateral[2])))
    if spec.view == "side":
        return side_az
    if spec.view == "side_flipped":
        return side_az + 180.0 if side_az <= 0 else side_az - 180.0
    if spec.view == "oblique":
        return float(np.sign(side_az) or 1.0) * 35.0
    return 0.0


def _normals(r_root: FloatArray) -> FloatArray:
    """Per-landmark outward directions in the room, (N, 33, 3), for visibility."""
    x, z = r_root[:, :, 0], r_root[:, :, 2]
    nrm = np.zeros((len(r_root), NUM_LANDMARKS, 3))
    for i in range(NUM_LANDMARKS):
        if i == LM.NOSE:
            v = z
        elif i <= LM.MOUTH_RIGHT:
            sign = 1.0 if i in (1, 2, 3, 7, 9) else -1.0
            lat = 1.0 if i in (LM.LEFT_EAR, LM.RIGHT_EAR) else 0.6
            v = z * (1.0 - lat) + sign * lat * x
        else:
            v = x if i % 2 == 1 else -x
        nrm[:, i] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return nrm


# --------------------------------------------------------------------------- truth angles


def _angle(a: FloatArray, b: FloatArray) -> FloatArray:
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _truth_angles(ch: Channels, body: FloatArray, r_root: FloatArray) -> dict[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for s, name in (("l", "left"), ("r", "right")):
        out[f"{name}_knee"] = 180.0 - ch[f"{s}_knee"]
        out[f"{name}_hip_flexion"] = ch[f"{s}_flex"].copy()
        out[f"{name}_hip"] = 180.0 - ch[f"{s}_flex"]
        out[f"{name}_hip_abduction"] = ch[f"{s}_abd"].copy()
        out[f"{name}_hip_rotation"] = ch[f"{s}_rot"].copy()
        out[f"{name}_elbow"] = 180.0 - ch[f"{s}_elbow"]
    lt = body[:, LM.LEFT_KNEE] - body[:, LM.LEFT_HIP]
    rt = body[:, LM.RIGHT_KNEE] - body[:, LM.RIGHT_HIP]
    out["thigh_spread"] = _angle(lt, rt)
    out["trunk_incline"] = np.degrees(np.arccos(np.clip(r_root[:, 1, 1], -1.0, 1.0)))
    return out


# --------------------------------------------------------------------------- main


def simulate(spec: SimSpec) -> tuple[Track, SimTruth]:
    """Simulate a landmark track of ``spec`` and return it with its exact ground truth.

    Raises:
        ValueError: for an unknown exercise, side, view or occlusion group.

    """
    if spec.exercise not in _EXERCISES:
        raise ValueError(f"unknown exercise {spec.exercise!r}; choose from {EXERCISES}")
    if spec.side not in ("left", "right", "both"):
        raise ValueError(f"side must be left, right or both, got {spec.side!r}")
    if spec.view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {spec.view!r}")
    bad = [g for g in spec.occlude if g not in OCCLUSION_GROUPS]
    if bad:
        raise ValueError(f"unknown occlusion groups {bad}; choose from {sorted(OCCLUSION_GROUPS)}")
    ex = _EXERCISES[spec.exercise]
    rng = np.random.default_rng(spec.seed)
    plan = _plan(spec, ex, rng)
    n = int(np.floor(plan.duration * spec.fps)) + 1
    t = np.arange(n) / spec.fps

    w_left = _side_weight(plan, t)
    ch = ex.pose(_progress(plan, spec, t), w_left > 0.5, spec.side == "both")
    _apply_transitions(ch, plan, t)
    body = _forward(ch)
    r_root = _root_rotation(ch)
    moving = np.zeros(n, dtype=bool)
    for t0, t1, _ in plan.transitions:
        moving |= (t >= t0) & (t <= t1)
    room = _place(ch, ex.anchor, w_left, moving, _rest_heights(ex, spec.side == "both", w_left))

    # Camera: aim at the middle of everything the person does, back off until it all fits.
    first_rest = plan.transitions[0][1] if plan.transitions else 0.0
    i_rest = min(int(np.ceil(first_rest * spec.fps)), n - 1)
    az = _azimuth(spec, r_root[i_rest], bool(w_left[i_rest] > 0.5))
    back, r_cam = _camera_basis(az, spec.elevation_deg)
    focal = 0.9 * max(spec.width, spec.height)
    pts = room.reshape(-1, 3) @ r_cam.T
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    dist = (
        max(focal * (hi[0] - lo[0]) / (0.8 * spec.width), focal * (hi[1] - lo[1]) / (0.8 * spec.height))
        + 0.5 * (hi[2] - lo[2])
        + 0.5
    )
    target = r_cam.T @ (0.5 * (lo + hi))
    cam_pos = target + dist * back
    cam = (room - cam_pos) @ r_cam.T  # (N, 33, 3): x right, y down, z forward

    hip_mid = 0.5 * (cam[:, LM.LEFT_HIP] + cam[:, LM.RIGHT_HIP])
    world = cam - hip_mid[:, None, :]
    image = np.zeros((n, NUM_LANDMARKS, 5))
    image[:, :, 0] = (focal * cam[:, :, 0] / cam[:, :, 2] + spec.width / 2) / spec.width
    image[:, :, 1] = (focal * cam[:, :, 1] / cam[:, :, 2] + spec.height / 2) / spec.height
    image[:, :, 2] = (cam[:, :, 2] - hip_mid[:, None, 2]) * focal / hip_mid[:, None, 2]
    image[:, :, 2] /= spec.width

    # Visibility falls off for points whose outward side faces away from the camera.
    to_cam = cam_pos - room
    to_cam /= np.linalg.norm(to_cam, axis=2, keepdims=True)
    facing = np.sum(_normals(r_root) * to_cam, axis=2)
    vis = spec.vis_near - (spec.vis_near - spec.vis_far) * np.clip(-facing, 0.0, 1.0) ** 0.7
    vis = vis + rng.normal(0.0, 0.015, vis.shape)
    sigma = np.full((n, NUM_LANDMARKS), spec.noise_px)
    for g in spec.occlude:
        idx = list(OCCLUSION_GROUPS[g])
        vis[:, idx] *= 0.3
        sigma[:, idx] = max(3.0 * spec.noise_px, 4.0)
    image[:, :, 3] = np.clip(vis, 0.0, 1.0)
    image[:, :, 4] = np.clip(0.5 + 0.5 * vis + 0.03, 0.0, 1.0)

    if np.any(sigma > 0):
        noise = rng.normal(0.0, 1.0, (n, NUM_LANDMARKS, 3)) * sigma[:, :, None]
        image[:, :, 0] += noise[:, :, 0] / spec.width
        image[:, :, 1] += noise[:, :, 1] / spec.height
        # The same pixel error seen at the landmark's depth, in metres.
        world = world + noise * (cam[:, :, 2:3] / focal)

    if spec.dropout > 0:
        missing = np.zeros(n, dtype=bool)
        goal = round(spec.dropout * n)
        for _ in range(10 * n):
            if missing.sum() >= goal:
                break
            start = int(rng.integers(0, n))
            missing[start : start + int(rng.integers(2, 9))] = True
        image[missing] = np.nan
        world[missing] = np.nan

    up_world = r_cam @ np.array([0.0, 1.0, 0.0])
    meta: dict[str, object] = {
        "source": "simulate",
        "spec": asdict(spec),
        "azimuth_deg": az,
        "focal_px": focal,
        "camera_room": cam_pos.tolist(),
        "up_world": up_world.tolist(),
    }
    track = Track(
        t=t, image=image, world=world, width=spec.width, height=spec.height, fps=spec.fps, meta=meta
    )
    truth = SimTruth(
        reps=tuple(plan.reps),
        partials=tuple(plan.partials),
        holds=tuple(plan.hold_truth),
        angles=_truth_angles(ch, body, r_root),
    )
    return track, truth


def join(*parts: Iterable[PoseSample], fps: float = 30.0) -> list[PoseSample]:
    """The parts one after the other as one recording, each re-timed to start one frame after
    the last frame before it (a part cut from a track need not start at 0)."""
    out: list[PoseSample] = []
    for part in parts:
        frames = list(part)
        if not frames:
            continue
        shift = (out[-1].t + 1 / fps if out else 0.0) - frames[0].t
        for s in frames:
            t = s.t + shift
            out.append(PoseSample(len(out), t, None if s.pose is None else replace(s.pose, t=t)))
    return out
