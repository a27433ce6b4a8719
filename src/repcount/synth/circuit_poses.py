"""Where the circuit happens and how the body gets from one exercise to the next.

A circuit recording has one room and one camera: the box and the ball stand at fixed spots and
the person moves between them. Every exercise pose comes from its
:class:`~repcount.synth.exercises.Exercise` class, moved into the room by a :class:`Placement`
(a turn about the vertical and a shift), and the transitions blend between postures built here
from the same parts: standing (behind the box, on it, in front of it, on the mat), a foot on the
box, sitting, lying on the back with the knees bent, the legs in the air (tabletop), lying on a
side half-way through a roll.

Layout (world frame of :mod:`repcount.synth.body`: metres, z up): the lying body's long axis is
y, head towards +y, its shoulders at the origin; the camera looks from the ``cam_sign`` side of
x. The box stands beyond the head end, out of reach of every lying pose; the ball lies at the
feet end, beside the bridges' line, where the rolls to prone and back onto the back bring the
body (each quarter roll moves it about a body's depth away from the camera).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from repcount.synth.body import Body
from repcount.synth.exercises import EXERCISE_CLASSES, Exercise, Prop, Scene, _arms, _leg_ik
from repcount.synth.kinematics import SkeletonPose, forward_kinematics, rot_x, rot_y, rot_z, skin
from repcount.synth.script import (
    PoseSpec,
    Script,
    Segment,
    _FidgetNoise,
    ease,
    lift_onto_floor,
    slerp_pose,
    standing_pose,
)

#: Distance (m, away from the camera) of the lying spots from the bridges' line: each quarter
#: roll moves the body about a body's depth, so rolling to prone and on onto the back ends
#: beside the ball, clear of the bridges' feet.
ROLL_X = {"roll_away": 0.2, "prone": 0.45, "clam1": 0.7, "ball": 0.9, "sit_side": 0.45, "clam2": 0.2}
#: Gap (m) between the box and the nearest lying pose, and between the ball and any lying pose
#: but the ball curl's own (the ball curl's spot moves down the mat until it is kept).
BOX_CLEARANCE = 0.15
BALL_CLEARANCE = 0.06
#: Pelvis behind the box foot when stepping up, in front of it when stepping down (m): the
#: standing foot's toes stay clear of the box edge, the box foot within reach.
STEP_BACK, STEP_FRONT = 0.55, 0.45
#: A foot lifted over the box edge: this far (m) outside the edge, the sole this high above the top.
EDGE_OUT, EDGE_OVER = 0.2, 0.09
#: The standing postures face -y: their knees bend that way.
FORWARD = (-1.0, 0.0)
#: Standing on the mat before sitting down: this far (m) in front of where the pelvis sits.
SIT_BACK = 0.35


@dataclass(frozen=True)
class Placement:
    """A turn about the vertical (degrees) then a shift (m): an exercise's pose moved into the room."""

    yaw_deg: float = 0.0
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def pose(self, pose: SkeletonPose) -> SkeletonPose:
        """The placed copy of ``pose`` (every joint turned and shifted rigidly)."""
        r = rot_z(self.yaw_deg)
        return SkeletonPose(dict(pose.local), r @ pose.root_rot,
                            r @ np.asarray(pose.root_offset) + np.asarray(self.offset))

    def prop(self, prop: Prop) -> Prop:
        """The placed copy of ``prop`` (boxes are only shifted, never turned)."""
        c = rot_z(self.yaw_deg) @ np.asarray(prop.center) + np.asarray(self.offset)
        return replace(prop, center=(float(c[0]), float(c[1]), float(c[2])))


def _copy(pose: SkeletonPose) -> SkeletonPose:
    return SkeletonPose(dict(pose.local), pose.root_rot.copy(), np.array(pose.root_offset, dtype=np.float64))


def _pitch(pose: SkeletonPose) -> float:
    """The root's rotation about x (degrees), for a root turned about x only."""
    r = pose.root_rot
    return math.degrees(math.atan2(r[2, 1], r[1, 1]))


def _other(side: str) -> str:
    return "r" if side == "l" else "l"


class CircuitPoser:
    """Poses a circuit script frame by frame: the stations, the postures between them, the props.

    Args:
        body: the body.
        script: the circuit script (:func:`repcount.synth.circuit.build_circuit_script`); its
            ``info`` gives ``cam_sign`` (+1: camera on the +x side) and its segments the
            exercises, sides and postures.
        styles: each exercise's style (:meth:`Exercise.sample_style`).
        rng: random generator of the fidgeting.

    """

    def __init__(self, body: Body, script: Script, styles: dict[str, dict[str, float]],
                 rng: np.random.Generator) -> None:
        self.body = body
        self.script = script
        self.cam = int(script.info.get("cam_sign", 1))
        self.away = -float(self.cam)
        feet = np.flatnonzero(np.isin(np.argmax(body.weights, axis=1),
                                      [body.bone(b) for b in ("foot_l", "foot_r", "ball_l", "ball_r")]))
        self.idx = np.union1d(np.arange(0, len(body.verts), 23), feet[::3])
        seat = np.isin(np.argmax(body.weights, axis=1),
                       [body.bone(b) for b in ("pelvis", "spine_01", "thigh_l", "thigh_r")])
        self.seat = np.flatnonzero(seat)[::3]
        dom = np.argmax(body.weights, axis=1)[self.idx]
        self.leg_of = {leg: np.isin(dom, [body.bone(f"{b}_{leg}") for b in ("thigh", "calf", "foot", "ball")])
                       for leg in ("l", "r")}
        self.stations: dict[tuple[str, str], tuple[Exercise, Placement]] = {}
        self.postures: dict[str, SkeletonPose] = {}
        self._gaps: dict[tuple[PoseSpec, str], float] = {}
        self._support: dict[tuple[PoseSpec, PoseSpec], str] = {}
        self._cache: dict[PoseSpec, Scene] = {}
        self._starts = [s.t0 for s in script.segments]
        self._build(styles)
        self._ball = (self.scene_of(PoseSpec("ex", "l", 0.0, "ball_leg_curl")).props
                      if ("ball_leg_curl", "l") in self.stations else [])
        self._noise = _FidgetNoise(rng, script)

    # -- building ----------------------------------------------------------------------------
    def _build(self, styles: dict[str, dict[str, float]]) -> None:
        """Place the lying stations, then the box beyond them, then the postures between."""
        used = {(s.exercise, s.side) for s in self.script.segments if s.kind == "move"}
        for spec in self._specs():
            if spec.kind == "ex":
                used.add((spec.exercise, spec.side))
        for ex, side in sorted(used):
            cls = EXERCISE_CLASSES[ex]
            self.stations[(ex, side)] = (cls(self.body, side, styles[ex]), Placement())
        self._lying_postures()
        self._place_lying()
        self._place_box()
        self._standing_postures()

    def _specs(self) -> list[PoseSpec]:
        """Every posture the script blends from or to, once each, in order of use."""
        out: dict[PoseSpec, None] = {}
        for s in self.script.segments:
            out.update({p: None for p in (s.src, s.dst) if p is not None})
        return list(out)

    def _lying_postures(self) -> None:
        """Lying with the knees bent, the legs in the air, and sitting, at the bridges' spot."""
        bridge = next(e for (name, _), (e, _) in self.stations.items()
                      if name.startswith("single_leg_bridge"))
        hook = bridge.frame(0.0).pose
        s, o = bridge.side, _other(bridge.side)
        for part in ("thigh", "calf", "foot"):  # both feet planted like the bridge's planted one
            hook.local[f"{part}_{o}"] = hook.local[f"{part}_{s}"].copy()
        self.postures["hook"] = hook
        table = _copy(hook)
        for leg in ("l", "r"):  # thighs vertical, shins level
            table.local[f"thigh_{leg}"] = rot_x(-180.0 - _pitch(hook))
            table.local[f"calf_{leg}"] = rot_x(90.0)
            table.local[f"foot_{leg}"] = rot_x(10.0)
        self.postures["tabletop"] = table
        pelvis = self._joint(hook, "pelvis")
        self.y_pelvis = float(pelvis[1])
        self.postures["sit_mat"] = self._sitting(np.array([pelvis[0], self.y_pelvis + 0.05]), 0.0)

    def _place_lying(self) -> None:
        """Prone, the ball, the clamshells and the half-rolls beside the bridges' line."""
        away, y = self.away, self.y_pelvis
        for (ex, side), (inst, _) in list(self.stations.items()):
            if ex == "prone_leg_lift":
                self.stations[(ex, side)] = (inst, self._centred(inst.frame(0.0).pose, 180.0,
                                                                 (away * ROLL_X["prone"], y)))
            elif ex == "ball_leg_curl":
                self.stations[(ex, side)] = (inst, Placement(offset=(away * ROLL_X["ball"], 0.0, 0.0)))
            elif ex == "clamshell":
                # Both sides face the camera: the first lies on the side nearer it, head at +y.
                first = side == ("r" if self.cam > 0 else "l")
                spot = (away * ROLL_X["clam1" if first else "clam2"], y)
                self.stations[(ex, side)] = (inst, self._centred(inst.frame(0.0).pose, 90.0 * self.cam, spot))
        prone = next((st for (ex, _), st in self.stations.items() if ex == "prone_leg_lift"), None)
        clam = self.stations.get(("clamshell", "r" if self.cam > 0 else "l"))
        if prone is not None:
            base = prone[0].frame(0.0).pose
            self.postures["roll_away"] = self._rolled(base, self.away, away * ROLL_X["roll_away"])
            toward = self._rolled(base, float(self.cam), away * ROLL_X["clam1"])
            if clam is not None:  # knees bent as for the clamshell: the feet stay clear of the ball
                legs = clam[0].frame(0.0).pose.local
                toward.local.update({k: v.copy() for k, v in legs.items() if k.split("_")[0] in
                                     ("thigh", "calf", "foot")})
            self.postures["roll_toward"] = self._rest_on_floor(toward)
        self.postures["sit_side"] = self._sitting(np.array([away * ROLL_X["sit_side"], y]), 90.0 * self.cam)
        ball = self.stations.get(("ball_leg_curl", "l"))
        if ball is not None:
            self.stations[("ball_leg_curl", "l")] = (ball[0], self._ball_spot(ball[0]))
        place = self.stations.get(("ball_leg_curl", "l"), (None, Placement()))[1]
        self.postures["tabletop_ball"] = place.pose(self.postures["tabletop"])

    def _ball_spot(self, curl: Exercise) -> Placement:
        """The ball curl beside the bridges' line, down the mat until its ball clears every other pose."""
        others = [p.pose(e.frame(a).pose) for (ex, _), (e, p) in self.stations.items()
                  if ex not in ("single_leg_dip", "ball_leg_curl") for a in (0.0, 1.0)]
        pts = np.concatenate([self._verts(p) for p in [*others, *self.postures.values()]])
        ball = curl.frame(0.0).props[0]
        for down in np.arange(0.0, 1.01, 0.05):
            place = Placement(offset=(self.away * ROLL_X["ball"], -float(down), 0.0))
            c = np.asarray(place.prop(ball).center)
            if float(np.linalg.norm(pts - c, axis=1).min()) >= ball.size[0] + BALL_CLEARANCE:
                return place
        return place

    def _rolled(self, prone: SkeletonPose, facing: float, x: float) -> SkeletonPose:
        """Prone (face down, head -y) turned a quarter about its long axis, facing ``facing`` x."""
        # Placed with a half turn (head +y), the chest faces +x after rot_y(+90).
        roll = rot_y(90.0 * facing)
        pose = SkeletonPose(dict(prone.local), roll @ prone.root_rot, roll @ np.asarray(prone.root_offset))
        pose = self._centred(pose, 180.0, (x, self.y_pelvis)).pose(pose)
        return self._rest_on_floor(pose)

    def _place_box(self) -> None:
        """The box beyond the head end of every lying pose; the dips' bodies placed on it."""
        lying = [p.pose(e.frame(a).pose) for (ex, _), (e, p) in self.stations.items()
                 if ex != "single_leg_dip" for a in (0.0, 1.0)] + list(self.postures.values())
        far = max(float(self._verts(p)[:, 1].max()) for p in lying)
        dips = [(side, st) for (ex, side), st in self.stations.items() if ex == "single_leg_dip"]
        self.box: Prop | None = None
        for side, (inst, _) in sorted(dips, key=lambda d: d[0] != self.script.info.get("first", "l")):
            box = inst.frame(0.0).props[0]
            if self.box is None:  # the first leg's box sets the spot; the body starts at x = 0
                shift = (0.0, far + BOX_CLEARANCE + box.size[1] / 2.0 - box.center[1], 0.0)
                self.box = Placement(offset=shift).prop(box)
            else:  # the other leg's set uses the same box: move the body, not the box
                shift = (self.box.center[0] - box.center[0], self.box.center[1] - box.center[1], 0.0)
            self.stations[("single_leg_dip", side)] = (inst, Placement(offset=shift))

    def _standing_postures(self) -> None:
        """Standing behind, on and in front of the box, a foot on it or lifted over its edge, on the mat."""
        heading = np.array([0.0, -1.0, 0.0])
        for (ex, side), (inst, place) in list(self.stations.items()):
            if ex != "single_leg_dip" or self.box is None:
                continue
            dip = place.pose(inst.frame(0.0).pose)
            ankle = self._joint(dip, f"foot_{side}")
            x = float(self._joint(dip, "pelvis")[0])
            c, size = self.box.center, self.box.size
            # Over the edge: the ankle outside the edge by EDGE_OUT, the sole EDGE_OVER above the top.
            over_z = size[2] + EDGE_OVER + float(self.body.heads[self.body.bone(f"foot_{side}")][2])
            for where, dy, edge in (("behind", STEP_BACK, c[1] + size[1] / 2 + EDGE_OUT),
                                    ("front", -STEP_FRONT, c[1] - size[1] / 2 - EDGE_OUT)):
                stand = standing_pose(self.body, np.array([x, ankle[1] + dy]), heading, 0.0, 0.0, self.idx)
                self.postures[f"stand_{where}_{side}"] = _copy(stand)
                name = "step_up" if where == "behind" else "step_down"
                self.postures[f"{name}_{side}"] = self._foot_on(stand, side, ankle)
                lifted = np.array([ankle[0], edge, over_z])
                self.postures[f"lift_{where}_{side}"] = self._foot_on(stand, side, lifted)
        if self.box is not None:
            c = self.box.center
            on_box = standing_pose(self.body, np.array([c[0], c[1] + 0.05]), heading, 0.0, 0.0, self.idx)
            for leg, sign in (("l", 1.0), ("r", -1.0)):  # feet together: both fit on the box
                on_box.set(f"thigh_{leg}", rot_y(sign * 6.0))
            on_box.root_offset = np.asarray(on_box.root_offset) + np.array([0.0, 0.0, self.box.size[2]])
            self.postures["stand_box"] = on_box
        sit = self._joint(self.postures["sit_mat"], "pelvis")
        self.postures["stand_mat"] = standing_pose(self.body, np.array([sit[0], sit[1] - SIT_BACK]), heading,
                                                   0.0, 0.0, self.idx)

    def _foot_on(self, stand: SkeletonPose, side: str, ankle: np.ndarray) -> SkeletonPose:
        """``stand`` with the ``side`` foot, sole level, at ``ankle`` (the other foot stays down)."""
        pose = _copy(stand)
        hip = self._joint(pose, f"thigh_{side}")
        hx, kx = _leg_ik(self.body, hip, ankle, side, 0.0, knee_up=True, toward=FORWARD)
        pose.local[f"thigh_{side}"] = rot_x(hx)
        pose.local[f"calf_{side}"] = rot_x(kx)
        pose.local[f"foot_{side}"] = rot_x(-(hx + kx))  # sole level
        return pose

    def _sitting(self, at: np.ndarray, yaw: float) -> SkeletonPose:
        """Sitting on the floor, leaning back on the hands, knees up, feet flat; facing -y, turned ``yaw``."""
        body = self.body
        lean = -20.0
        pose = SkeletonPose(root_rot=rot_x(lean))
        for leg in ("l", "r"):  # thighs forward first: the buttocks, not the thighs, meet the floor
            pose.local[f"thigh_{leg}"] = rot_x(-70.0)
        pose = self._rest_on_floor(pose, self.seat)
        for leg in ("l", "r"):
            hip = self._joint(pose, f"thigh_{leg}")
            target = np.array([hip[0], hip[1] - 0.5, body.heads[body.bone(f"foot_{leg}")][2]])
            hx, kx = _leg_ik(body, hip, target, leg, lean, knee_up=True)
            pose.local[f"thigh_{leg}"] = rot_x(hx)
            pose.local[f"calf_{leg}"] = rot_x(kx)
            pose.local[f"foot_{leg}"] = rot_x(-(lean + hx + kx))
        # Arms reaching back until the hands rest on the floor, not through it.
        for flex in np.arange(-20.0, -95.0, -5.0):
            for bone in ("upperarm_l", "upperarm_r", "lowerarm_l", "lowerarm_r"):
                pose.local.pop(bone, None)
            _arms(body, pose, adduct=30.0, flex=(float(flex), float(flex)))
            if float(self._verts(pose)[:, 2].min()) >= -0.01:
                break
        return self._centred(pose, yaw, (float(at[0]), float(at[1])), bones=("pelvis",)).pose(pose)

    # -- geometry helpers ----------------------------------------------------------------------
    def _verts(self, pose: SkeletonPose, idx: np.ndarray | None = None) -> np.ndarray:
        rots, heads = forward_kinematics(self.body, pose)
        return skin(self.body, rots, heads, self.idx if idx is None else idx)

    def _joint(self, pose: SkeletonPose, bone: str) -> np.ndarray:
        return np.asarray(forward_kinematics(self.body, pose)[1][self.body.bone(bone)])

    def _rest_on_floor(self, pose: SkeletonPose, idx: np.ndarray | None = None) -> SkeletonPose:
        """Shift ``pose`` up or down so its lowest vertex (of ``idx``) touches the floor."""
        low = float(self._verts(pose, idx)[:, 2].min())
        pose.root_offset = np.asarray(pose.root_offset) - np.array([0.0, 0.0, low])
        return pose

    def _centred(self, pose: SkeletonPose, yaw: float, xy: tuple[float, float],
                 bones: tuple[str, ...] = ("thigh_l", "thigh_r")) -> Placement:
        """The placement turning ``pose`` by ``yaw`` and putting the mean of ``bones`` over ``xy``."""
        heads = forward_kinematics(self.body, pose)[1]
        c = rot_z(yaw) @ heads[[self.body.bone(b) for b in bones]].mean(axis=0)
        return Placement(yaw, (xy[0] - float(c[0]), xy[1] - float(c[1]), 0.0))

    def gap(self, pose: SkeletonPose, idx: np.ndarray | None = None) -> float:
        """Height of the body's lowest point (of vertices ``idx``) above the box top or the floor."""
        v = self._verts(pose, idx)
        h = v[:, 2].copy()
        if self.box is not None:
            c, s = np.asarray(self.box.center), np.asarray(self.box.size)
            over = (np.abs(v[:, 0] - c[0]) <= s[0] / 2) & (np.abs(v[:, 1] - c[1]) <= s[1] / 2)
            h[over] -= s[2]
        return float(h.min())

    # -- posing --------------------------------------------------------------------------------
    def scene_of(self, spec: PoseSpec) -> Scene:
        """The pose (a fresh copy) and props of a named posture or of an exercise at an amplitude."""
        if spec.kind == "ex":
            inst, place = self.stations[(spec.exercise, spec.side)]
            fr = inst.frame(spec.a)
            props = [place.prop(p) for p in fr.props if p.kind == "sphere"]
            return Scene(place.pose(fr.pose), props)
        return Scene(_copy(self.postures[spec.kind]))

    def props(self, ball: list[Prop] | None = None) -> list[Prop]:
        """The box and the ball (``ball``: where a ball curl has rolled it; default at rest)."""
        return ([self.box] if self.box is not None else []) + (self._ball if ball is None else ball)

    def _fixed(self, spec: PoseSpec) -> Scene:
        """:meth:`scene_of` for the ends of blends, computed once (a ball curl pose is a search)."""
        if spec not in self._cache:
            self._cache[spec] = self.scene_of(spec)
        sc = self._cache[spec]
        return Scene(_copy(sc.pose), list(sc.props))

    def _support_of(self, seg: Segment) -> str:
        """What a blend rests on: ``seat`` (lying and sitting), else the feet that stay put.

        Returns ``seat``, or the legs that support (``lr``, ``l``, ``r``; empty: the whole body).
        A stepping foot is no support: its leg may swing over the box edge without lifting the body.
        """
        assert seg.src is not None and seg.dst is not None
        key = (seg.src, seg.dst)
        if key not in self._support:
            if not (self._on_feet(seg.src) or self._on_feet(seg.dst)):
                self._support[key] = "seat"
            else:
                a, b = self._fixed(seg.src).pose, self._fixed(seg.dst).pose
                self._support[key] = "".join(
                    leg for leg in ("l", "r")
                    if np.linalg.norm(self._joint(a, f"foot_{leg}") - self._joint(b, f"foot_{leg}")) < 0.05)
        return self._support[key]

    def _support_idx(self, support: str) -> np.ndarray:
        if support == "seat":
            return self.seat
        moving = np.zeros(len(self.idx), dtype=bool)
        for leg in ("l", "r"):
            if leg not in support and support:
                moving |= self.leg_of[leg]
        return self.idx[~moving]

    def _gap_of(self, spec: PoseSpec, support: str) -> float:
        if (spec, support) not in self._gaps:
            self._gaps[(spec, support)] = self.gap(self._fixed(spec).pose, self._support_idx(support))
        return self._gaps[(spec, support)]

    @staticmethod
    def _on_feet(spec: PoseSpec) -> bool:
        """Whether the posture stands (on the floor or the box)."""
        return spec.exercise == "single_leg_dip" or spec.kind.startswith(("stand", "step"))

    def _blend(self, seg: Segment, u: float) -> SkeletonPose:
        """Slerp between two postures, bending the stepping legs and resting on the box or floor."""
        assert seg.src is not None and seg.dst is not None
        w = float(ease(u))
        pose = slerp_pose(self._fixed(seg.src).pose, self._fixed(seg.dst).pose, w)
        bend = math.sin(math.pi * w)  # zero speed at both ends: the eased weight
        for leg, deg in zip(("l", "r"), seg.lift):
            if deg:
                pose.set(f"thigh_{leg}", rot_x(-deg * bend))
                pose.set(f"calf_{leg}", rot_x(1.6 * deg * bend))
        # Resting on the box or the floor all the way, as far above it as the ends were: on the
        # feet that stay put when standing is involved, else on the seat (sitting up pivots about
        # the pelvis; a leg or arm swinging below the floor lifts the body afterwards, in frame()).
        support = self._support_of(seg)
        want = (1.0 - w) * self._gap_of(seg.src, support) + w * self._gap_of(seg.dst, support)
        now = self.gap(pose, self._support_idx(support))
        pose.root_offset = np.asarray(pose.root_offset) + np.array([0.0, 0.0, want - now])
        return pose

    def _walk(self, seg: Segment, t: float, u: float) -> SkeletonPose:
        """Walk between two standing postures (facing -y), slowing into and out of the stop."""
        assert seg.src is not None and seg.dst is not None
        a = self._joint(self.postures[seg.src.kind], "pelvis")
        b = self._joint(self.postures[seg.dst.kind], "pelvis")
        w = float(ease(u))
        stride = 12.0 * min(1.0, 4.0 * w, 4.0 * (1.0 - w))
        return standing_pose(self.body, a + (b - a) * w, np.array([0.0, -1.0, 0.0]),
                             2.0 * math.pi * 0.75 * (t - seg.t0), stride, self.idx)

    def segment_at(self, t: float) -> Segment:
        """The segment playing at time ``t``."""
        i = max(0, bisect.bisect_right(self._starts, t) - 1)
        return self.script.segments[i]

    def frame(self, t: float) -> Scene:
        """Pose and props at time ``t``."""
        seg = self.segment_at(t)
        u = float(np.clip((t - seg.t0) / max(seg.t1 - seg.t0, 1e-9), 0.0, 1.0))
        ball: list[Prop] | None = None
        if seg.kind == "walk":
            pose = self._walk(seg, t, u)
        elif seg.kind == "blend":
            pose = self._blend(seg, u)
        else:
            a = seg.a0 + (seg.a1 - seg.a0) * float(ease(u))
            scene = self.scene_of(PoseSpec("ex", seg.side, a, seg.exercise))
            pose, ball = scene.pose, (scene.props if seg.exercise == "ball_leg_curl" else None)
        self._noise.apply(pose, t, seg, self.body)
        lift_onto_floor(self.body, pose, self.idx)  # a fidgeting hand must not sink into the floor
        return Scene(pose, self.props(ball))

    def key_poses(self) -> list[Scene]:
        """Every station at rest and at its peak and every posture passed: what the camera must see."""
        out = [self.scene_of(PoseSpec("ex", side, a, ex)) for (ex, side) in self.stations for a in (0.0, 1.0)]
        out += [self.scene_of(spec) for spec in self._specs() if spec.kind != "ex"]
        return [Scene(s.pose, self.props(s.props or None)) for s in out]

    def describe(self) -> dict[str, Any]:
        """Where the props and stations are (for the labels)."""
        out: dict[str, Any] = {}
        if self.box is not None:
            out["box"] = {"center": [round(v, 3) for v in self.box.center],
                          "size": [round(v, 3) for v in self.box.size]}
        ball = self.props()[1:] if self.box is not None else self.props()
        if ball:
            out["ball"] = {"center": [round(v, 3) for v in ball[0].center],
                           "radius": round(ball[0].size[0], 3)}
        return out
