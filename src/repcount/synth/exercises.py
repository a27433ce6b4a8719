"""Exercise poses as a function of a movement amplitude ``a`` in [0, 1].

``a = 0`` is the start/rest position of a repetition and ``a = 1`` its peak. Each exercise builds
a :class:`~repcount.synth.kinematics.SkeletonPose` for a given ``a`` and places the body so that the
right parts rest on the floor, a box or a ball. Sagittal joint motion uses rotations about x, so
the two-link leg problems below are solved exactly in the y-z plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from repcount.synth.body import Body
from repcount.synth.kinematics import (
    SkeletonPose,
    forward_kinematics,
    rot_axis,
    rot_x,
    rot_y,
    rot_z,
    skin,
)


@dataclass(frozen=True)
class Prop:
    """A static or moving scene object.

    Attributes:
        kind: "box" or "sphere".
        center: world centre (m).
        size: box extents (m) or (radius, radius, radius) for a sphere.
        color: RGB in [0, 1].

    """

    kind: str
    center: tuple[float, float, float]
    size: tuple[float, float, float]
    color: tuple[float, float, float] = (0.5, 0.5, 0.5)


@dataclass
class Scene:
    """One posed instant: the pose and the props at that instant."""

    pose: SkeletonPose
    props: list[Prop] = field(default_factory=list)


def _yz_angle(v: np.ndarray) -> float:
    """Angle (deg) of a vector's y-z projection; rot_x(phi) adds phi to it."""
    return math.degrees(math.atan2(float(v[2]), float(v[1])))


def _other(side: str) -> str:
    return "r" if side == "l" else "l"


def _sgn(side: str) -> float:
    """+1 for the left side (towards +x in the rest pose), -1 for the right."""
    return 1.0 if side == "l" else -1.0


def _straighten(body: Body, bone: str, parent: str, frac: float) -> np.ndarray:
    """Local rotation that straightens ``bone`` towards its parent's direction by ``frac``."""
    i, p = body.bone(bone), body.bone(parent)
    u = body.tails[i] - body.heads[i]
    v = body.tails[p] - body.heads[p]
    axis = np.cross(u, v)
    ang = math.degrees(math.acos(np.clip(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v), -1, 1)))
    return rot_axis(axis, ang * frac)


def _arms(
    body: Body,
    pose: SkeletonPose,
    adduct: float = 35.0,
    flex: tuple[float, float] = (0.0, 0.0),
    straight: float = 0.9,
) -> None:
    """Bring the A-pose arms down by the sides, optionally flexed forward (l, r)."""
    for s, f in zip(("l", "r"), flex):
        pose.set(f"upperarm_{s}", rot_x(-f) @ rot_y(_sgn(s) * adduct))
        pose.set(f"lowerarm_{s}", _straighten(body, f"lowerarm_{s}", f"upperarm_{s}", straight))


def _wrap(deg: float) -> float:
    """Wrap an angle to (-180, 180]."""
    return -((-deg + 180.0) % 360.0 - 180.0)


def _leg_ik(
    body: Body, hip: np.ndarray, target: np.ndarray, side: str, pelvis_pitch: float, knee_up: bool,
    toward: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Two-link sagittal IK: local hip and knee x-rotations putting the ankle at ``target``.

    Rotations about x keep x and y-z lengths, so the problem is exactly planar in y-z.

    Args:
        body: the body (rest bone lengths).
        hip: posed hip joint position.
        target: wanted ankle position (only y, z matter; clamped to the leg's reach).
        side: "l" or "r".
        pelvis_pitch: global x-rotation of the pelvis (deg).
        knee_up: pick the solution whose knee is higher (+z).
        toward: instead, pick the one whose knee is further along this (y, z) direction (a foot
            right under the hip has its two knees equally high, in front and behind).

    Returns:
        (hip_x, knee_x) local rotation angles in degrees.

    """
    t, c, f = body.bone(f"thigh_{side}"), body.bone(f"calf_{side}"), body.bone(f"foot_{side}")
    thigh = body.heads[c] - body.heads[t]
    shank = body.heads[f] - body.heads[c]
    l1 = float(np.hypot(thigh[1], thigh[2]))
    l2 = float(np.hypot(shank[1], shank[2]))
    d_yz = (np.asarray(target, dtype=np.float64) - hip)[1:]
    dist = float(np.hypot(*d_yz))
    d = float(np.clip(dist, abs(l1 - l2) + 1e-6, l1 + l2 - 1e-6))
    end = hip[1:] + d_yz / max(dist, 1e-9) * d
    base = math.degrees(math.atan2(d_yz[1], d_yz[0]))
    off = math.degrees(math.acos(np.clip((l1 * l1 + d * d - l2 * l2) / (2 * l1 * d), -1, 1)))
    best = (0.0, 0.0)
    best_z = -math.inf
    for sign in (1.0, -1.0):
        a1 = math.radians(base + sign * off)
        knee = hip[1:] + l1 * np.array([math.cos(a1), math.sin(a1)])
        a2 = math.degrees(math.atan2(end[1] - knee[1], end[0] - knee[0]))
        z = knee[1] if knee_up else -knee[1]
        if toward is not None:
            z = float(np.dot(knee - hip[1:], toward))
        if z > best_z:
            best_z = z
            hip_x = _wrap(math.degrees(a1) - _yz_angle(thigh) - pelvis_pitch)
            knee_x = _wrap(a2 - _yz_angle(shank) - pelvis_pitch - hip_x)
            best = (hip_x, knee_x)
    return best


def _dominant_bones(body: Body) -> np.ndarray:
    return cast(np.ndarray, np.argmax(body.weights, axis=1))


def _vertex_set(body: Body, bones: tuple[str, ...]) -> np.ndarray:
    """Vertices whose dominant bone is one of ``bones``."""
    ids = [body.bone(b) for b in bones]
    return np.flatnonzero(np.isin(_dominant_bones(body), ids))


_UPPER_BACK = (
    "spine_03",
    "clavicle_l",
    "clavicle_r",
    "neck_01",
    "head",
    "upperarm_l",
    "upperarm_r",
    "lowerarm_l",
    "lowerarm_r",
    "hand_l",
    "hand_r",
)


class Exercise:
    """Base class: an exercise posed from a movement amplitude.

    Attributes:
        name: CLI name.
        side_view_label: label of the straight camera view ("side" or "front").

    """

    name = "exercise"
    side_view_label = "side"

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        """Prepare the exercise for ``body``; ``side`` is "l" or "r" (ignored for "both")."""
        self.body = body
        self.side = side
        self.other = _other(side)
        self.style = style

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:
        """Random per-clip style parameters (depth, amplitudes, prop sizes)."""
        return {}

    @staticmethod
    def wide_style(rng: np.random.Generator) -> dict[str, float]:
        """Extra style variety of the wide corpus (merged over :meth:`sample_style`)."""
        return {}

    @staticmethod
    def view_dirs() -> list[np.ndarray]:
        """Horizontal unit vectors from the subject towards a straight-on camera."""
        return [np.array([1.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0])]

    def frame(self, a: float) -> Scene:
        """Pose and props at amplitude ``a``."""
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------
    def _place_offset(self, pose: SkeletonPose, anchor_idx: np.ndarray, target: np.ndarray) -> None:
        """Translate so the mean of skinned vertices ``anchor_idx`` lands on ``target``."""
        pose.root_offset = np.zeros(3)
        rots, heads = forward_kinematics(self.body, pose)
        p = skin(self.body, rots, heads, anchor_idx).mean(axis=0)
        pose.root_offset = np.asarray(target, dtype=np.float64) - p

    def _floor_offset(self, pose: SkeletonPose, xy_bones: tuple[str, ...], idx: np.ndarray | None) -> None:
        """Translate so the lowest vertex (of ``idx``) touches z=0 and the bones' mean xy is 0."""
        pose.root_offset = np.zeros(3)
        rots, heads = forward_kinematics(self.body, pose)
        v = skin(self.body, rots, heads, idx)
        c = heads[[self.body.bone(b) for b in xy_bones]].mean(axis=0)
        pose.root_offset = np.array([-c[0], -c[1], -v[:, 2].min()])


class SingleLegDip(Exercise):
    """Single-leg squat on a box; ``side`` is the standing leg."""

    name = "single_leg_dip"

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {
            "depth": float(rng.uniform(55.0, 75.0)),
            "box_h": float(rng.uniform(0.28, 0.36)),
            "arm_flex": float(rng.uniform(10.0, 45.0)),
            "free_knee": float(rng.uniform(10.0, 30.0)),
        }

    @staticmethod
    def wide_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        # The free foot hangs straight down, or is held bent behind or in front.
        return {
            "depth": float(rng.uniform(50.0, 75.0)),
            "free_knee": float(rng.uniform(5.0, 75.0)),
            "free_forward": float(rng.uniform(-5.0, 35.0)),
            "arm_flex": float(rng.uniform(0.0, 70.0)),
        }

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        heel = body.heel[side]
        self.heel_idx = np.array([heel])
        rest = body.verts[heel]
        self.anchor = np.array([rest[0], rest[1], style["box_h"]])
        sg = _sgn(side)
        self.box = Prop(
            "box",
            (float(rest[0] + sg * 0.08), float(rest[1] - 0.1), style["box_h"] / 2.0),
            (0.40, 0.50, style["box_h"]),
            (0.45, 0.33, 0.22),
        )

    def frame(self, a: float) -> Scene:  # noqa: D102
        s, o = self.side, self.other
        k = 4.0 + a * self.style["depth"]
        d = 0.45 * k
        h = 0.85 * k + 5.0
        pitch = h - k + d  # keeps the standing foot flat: pitch - h + k - d = 0
        pose = SkeletonPose(root_rot=rot_x(pitch))
        pose.set(f"thigh_{s}", rot_x(-h))
        pose.set(f"calf_{s}", rot_x(k))
        pose.set(f"foot_{s}", rot_x(-d))
        # Free leg hangs just in front of vertical beside the box, toes pointing down.
        fwd = self.style.get("free_forward", 8.0)
        pose.set(f"thigh_{o}", rot_y(-_sgn(o) * -4.0) @ rot_x(-(pitch + fwd + 8.0 * a)))
        pose.set(f"calf_{o}", rot_x(self.style["free_knee"] + 10.0 * a))
        pose.set(f"foot_{o}", rot_x(35.0))
        flex = self.style["arm_flex"] * (0.5 + a)
        _arms(self.body, pose, adduct=36.0, flex=(flex, flex))
        self._place_offset(pose, self.heel_idx, self.anchor)
        return Scene(pose, [self.box])


class _Supine(Exercise):
    """Shared set-up for exercises lying on the back with the shoulders as the pivot."""

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        self.upper_idx = _vertex_set(body, _UPPER_BACK)
        self.shoulders = [body.bone("upperarm_l"), body.bone("upperarm_r")]

    def _trunk(self, alpha: float, arm_abduct: float) -> tuple[SkeletonPose, float]:
        """Supine pose with the pelvis raised ``alpha`` degrees about the shoulders, placed."""
        pitch = -90.0 - alpha
        pose = SkeletonPose(root_rot=rot_x(pitch))
        # Upper back, neck and head curl back onto the floor as the hips rise.
        pose.set("spine_02", rot_x(0.1 * alpha))
        pose.set("spine_03", rot_x(0.45 * alpha))
        pose.set("neck_01", rot_x(0.45 * alpha))
        ext = 0.45 * alpha + 3.0  # the part of alpha the spine did not flatten
        _arms(self.body, pose, adduct=arm_abduct, flex=(-ext, -ext), straight=0.95)
        rots, heads = forward_kinematics(self.body, pose)
        v = skin(self.body, rots, heads, self.upper_idx)
        sh = heads[self.shoulders].mean(axis=0)
        pose.root_offset = np.array([-sh[0], -sh[1], -v[:, 2].min()])
        return pose, pitch


class SingleLegBridge(_Supine):
    """Single-leg glute bridge; ``side`` is the planted leg, the other points to the sky."""

    name = "single_leg_bridge"

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {
            "alpha_max": float(rng.uniform(34.0, 42.0)),
            "hip0": float(rng.uniform(45.0, 60.0)),
            "knee0": float(rng.uniform(95.0, 110.0)),
            "free_tilt": float(rng.uniform(-10.0, 5.0)),
        }

    @staticmethod
    def wide_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {"free_tilt": float(rng.uniform(-25.0, 10.0)), "free_knee": float(rng.uniform(0.0, 30.0)),
                "alpha_max": float(rng.uniform(30.0, 44.0))}

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        pose, _ = self._trunk(2.0, 38.0)
        pose.set(f"thigh_{side}", rot_x(-style["hip0"]))
        pose.set(f"calf_{side}", rot_x(style["knee0"]))
        _, heads = forward_kinematics(body, pose)
        self.ankle_target = heads[body.bone(f"foot_{side}")].copy()
        # Flat foot on the floor: the ankle sits at its standing height above the sole.
        self.ankle_target[2] = body.heads[body.bone(f"foot_{side}")][2]

    def frame(self, a: float) -> Scene:  # noqa: D102
        s, o = self.side, self.other
        body = self.body
        pose, pitch = self._trunk(2.0 + a * (self.style["alpha_max"] - 2.0), 38.0)
        _, heads = forward_kinematics(body, pose)
        hip = heads[body.bone(f"thigh_{s}")]
        hx, kx = _leg_ik(body, hip, self.ankle_target, s, pitch, knee_up=True)
        pose.set(f"thigh_{s}", rot_x(hx))
        pose.set(f"calf_{s}", rot_x(kx))
        pose.set(f"foot_{s}", rot_x(-(pitch + hx + kx)))  # sole flat on the floor
        thigh = body.heads[body.bone(f"calf_{o}")] - body.heads[body.bone(f"thigh_{o}")]
        free = _wrap(90.0 + self.style["free_tilt"] - _yz_angle(thigh) - pitch)
        pose.set(f"thigh_{o}", rot_x(free))
        pose.set(f"calf_{o}", rot_x(self.style.get("free_knee", 4.0)))
        pose.set(f"foot_{o}", rot_x(-8.0))
        return Scene(pose)


class SingleLegBridgeHold(SingleLegBridge):
    """The single-leg bridge held at the top."""

    name = "single_leg_bridge_hold"


class ProneLegLift(Exercise):
    """Lying face down, one straight leg raised; ``side`` is the lifted leg."""

    name = "prone_leg_lift"

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {"ext_max": float(rng.uniform(18.0, 30.0)), "point": float(rng.uniform(45.0, 60.0))}

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        self.offset = self._base(0.0).root_offset

    def _base(self, a: float) -> SkeletonPose:
        pose = SkeletonPose(root_rot=rot_x(90.0))
        for s in ("l", "r"):
            pose.set(f"foot_{s}", rot_x(self.style["point"]))
        pose.set(f"thigh_{self.side}", rot_x(a * self.style["ext_max"]))
        pose.set(f"calf_{self.side}", rot_x(3.0 * a))
        pose.set("neck_01", rot_x(-12.0))
        pose.set("head", rot_x(-8.0))
        _arms(self.body, pose, adduct=33.0, straight=0.95)
        if a == 0.0:
            self._floor_offset(pose, ("thigh_l", "thigh_r"), None)
        return pose

    def frame(self, a: float) -> Scene:  # noqa: D102
        pose = self._base(a)
        pose.root_offset = self.offset.copy()
        return Scene(pose)


class BallLegCurl(_Supine):
    """Supine hamstring curl with the heels on a stability ball (both legs)."""

    name = "ball_leg_curl"

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {
            "radius": float(rng.uniform(0.26, 0.30)),
            "contact1": float(rng.uniform(25.0, 40.0)),
            "alpha0": float(rng.uniform(8.0, 14.0)),
            "alpha1": float(rng.uniform(34.0, 42.0)),
            "knee1": float(rng.uniform(95.0, 110.0)),
        }

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        self.heel_idx = np.array([body.heel["l"], body.heel["r"]])
        self.ball_color = (0.2, 0.45, 0.85)

    def frame(self, a: float) -> Scene:  # noqa: D102
        body, st = self.body, self.style
        alpha = st["alpha0"] + a * (st["alpha1"] - st["alpha0"])
        pose, pitch = self._trunk(alpha, 36.0)
        k = 3.0 + a * (st["knee1"] - 3.0)
        # The heels sit on the ball's crown with straight legs and slide towards the body side
        # of the ball as it rolls in, so the ball stays clear of the buttocks.
        beta = math.radians(a * st["contact1"])
        r = st["radius"]
        top = r * (1.0 + math.cos(beta))

        def heel_z(hx: float) -> tuple[float, np.ndarray]:
            for s in ("l", "r"):
                pose.local[f"thigh_{s}"] = rot_x(hx)
                pose.local[f"calf_{s}"] = rot_x(k)
                # Heels on the crown (feet up) at the start, soles on the ball at the top.
                flat = _wrap(-math.degrees(beta) - (pitch + hx + k))
                pose.local[f"foot_{s}"] = rot_x(a * flat)
            rots, heads = forward_kinematics(body, pose)
            hv = skin(body, rots, heads, self.heel_idx)
            return float(hv[:, 2].mean()), hv

        # Hip flexion rises monotonically until the leg is vertical: scan, then bisect.
        lo, hi = 30.0, 30.0
        for hx in np.arange(30.0, -130.0, -5.0):
            if heel_z(float(hx))[0] >= top:
                hi = float(hx)
                break
            lo = float(hx)
        for _ in range(25):
            mid = 0.5 * (lo + hi)
            if heel_z(mid)[0] < top:
                lo = mid
            else:
                hi = mid
        _, hv = heel_z(hi)
        ball = Prop(
            "sphere",
            (0.0, float(hv[:, 1].mean() - r * math.sin(beta)), r),
            (r, r, r),
            self.ball_color,
        )
        return Scene(pose, [ball])


ADD_TOP, ADD_BOTTOM, HIP_ER = 16.0, 6.0, 12.0


class Clamshell(Exercise):
    """Side-lying clamshell; ``side`` is the top (moving) leg."""

    name = "clamshell"
    side_view_label = "front"

    @staticmethod
    def sample_style(rng: np.random.Generator) -> dict[str, float]:  # noqa: D102
        return {
            "hip_flex": float(rng.uniform(40.0, 55.0)),
            "knee_flex": float(rng.uniform(80.0, 100.0)),
            "open_max": float(rng.uniform(35.0, 50.0)),
        }

    @staticmethod
    def view_dirs() -> list[np.ndarray]:  # noqa: D102
        return [np.array([0.0, -1.0, 0.0])]

    def __init__(self, body: Body, side: str, style: dict[str, float]) -> None:
        super().__init__(body, side, style)
        # Opening axis: through the top hip and heel, so the feet stay together.
        pose = self._legs(SkeletonPose(), 0.0, None)
        rots, heads = forward_kinematics(body, pose)
        hip = heads[body.bone(f"thigh_{side}")]
        heel = skin(body, rots, heads, np.array([body.heel[side]]))[0]
        self.axis = heel - hip
        test = self._legs(SkeletonPose(), 1.0, 1.0)
        rots, heads = forward_kinematics(body, test)
        knee_x = heads[body.bone(f"calf_{side}")][0]
        base_x = forward_kinematics(body, pose)[1][body.bone(f"calf_{side}")][0]
        self.open_sign = 1.0 if (knee_x - base_x) * _sgn(side) > 0 else -1.0
        self.offset = self._full(0.0, fixed=False).root_offset

    def _legs(self, pose: SkeletonPose, a: float, sign: float | None) -> SkeletonPose:
        st = self.style
        # Legs adducted (before flexing, so it is true adduction): the top knee rests on the
        # bottom one and the feet touch.
        for s, add in ((self.side, ADD_TOP), (self.other, ADD_BOTTOM)):
            # External rotation swings the shanks of the bent knees in, feet together.
            rot = rot_y(_sgn(s) * add) @ rot_z(_sgn(s) * HIP_ER)
            pose.local[f"thigh_{s}"] = rot_x(-st["hip_flex"]) @ rot
            pose.local[f"calf_{s}"] = rot_x(st["knee_flex"])
            pose.local[f"foot_{s}"] = rot_x(10.0)
        if sign is not None:
            r = rot_axis(self.axis, sign * a * st["open_max"])
            pose.local[f"thigh_{self.side}"] = r @ pose.local[f"thigh_{self.side}"]
        return pose

    def _full(self, a: float, fixed: bool = True) -> SkeletonPose:
        s, o = self.side, self.other
        pose = SkeletonPose(root_rot=rot_y(90.0 if s == "r" else -90.0))
        self._legs(pose, a, self.open_sign)
        # Bottom arm stretched overhead under the head; top arm along the flank.
        pose.set(f"upperarm_{o}", rot_x(-160.0) @ rot_y(_sgn(o) * 30.0))
        pose.set(f"lowerarm_{o}", _straighten(self.body, f"lowerarm_{o}", f"upperarm_{o}", 0.9))
        pose.set(f"upperarm_{s}", rot_x(-15.0) @ rot_y(_sgn(s) * 40.0))
        pose.set(f"lowerarm_{s}", _straighten(self.body, f"lowerarm_{s}", f"upperarm_{s}", 0.8))
        pose.set("neck_01", rot_y(_sgn(o) * 8.0))
        pose.set("head", rot_y(_sgn(o) * 8.0))
        if fixed:
            pose.root_offset = self.offset.copy()
        else:
            self._floor_offset(pose, ("thigh_l", "thigh_r"), None)
        return pose

    def frame(self, a: float) -> Scene:  # noqa: D102
        return Scene(self._full(a))


EXERCISE_CLASSES: dict[str, type[Exercise]] = {
    cls.name: cls
    for cls in (
        SingleLegDip,
        SingleLegBridge,
        SingleLegBridgeHold,
        ProneLegLift,
        BallLegCurl,
        Clamshell,
    )
}
