"""A clip's script: what the rendered person does second by second, with exact labels.

A script is a list of kinematic segments (walk across the floor, blend between two poses, move
an exercise's amplitude) plus the labels they imply: full reps (with their side), partial reps,
holds and sets. :func:`build_script` draws one from a seed over wide ranges (tempo, range of
motion, set length, leg switches, partial reps, pauses, fidgeting, walking in and out);
:class:`Poser` turns it into a pose per frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from scipy.spatial.transform import Rotation

from repcount.synth.body import Body
from repcount.synth.exercises import EXERCISE_CLASSES, Exercise, Prop, Scene, _arms
from repcount.synth.kinematics import SkeletonPose, forward_kinematics, rot_x, rot_y, rot_z, skin

SIDE_WORDS = {"l": "left", "r": "right"}
#: Nominal (up, down) seconds of one rep at tempo 1.
NOMINAL_S = {
    "single_leg_dip": (1.1, 1.1),
    "single_leg_bridge": (1.0, 1.0),
    "single_leg_bridge_hold": (1.4, 1.4),
    "prone_leg_lift": (0.9, 0.9),
    "ball_leg_curl": (1.2, 1.2),
    "clamshell": (0.9, 0.9),
}
#: Largest amplitude an exercise's pose stays physical at (ROM up to 120 % of nominal).
MAX_AMPLITUDE = {"single_leg_bridge": 1.1, "single_leg_bridge_hold": 1.1, "ball_leg_curl": 1.1}
PER_LEG = {"single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift", "clamshell"}


@dataclass(frozen=True)
class PoseSpec:
    """A pose to blend from or to: an exercise side at an amplitude, or standing at the spot.

    A circuit (:mod:`repcount.synth.circuit`) also names its own postures in ``kind`` (sitting,
    lying with the knees bent, a step onto the box) and says which exercise an ``ex`` pose is
    of in ``exercise`` (empty: the script's own).
    """

    kind: str  # "ex" or "stand" (or a circuit posture)
    side: str = "l"
    a: float = 0.0
    exercise: str = ""


@dataclass(frozen=True)
class Segment:
    """One kinematic piece of a clip.

    Attributes:
        kind: ``move`` (exercise ``side`` from amplitude ``a0`` to ``a1``), ``blend`` (from pose
            ``src`` to ``dst``) or ``walk`` (standing gait, ``direction`` -1 walks in from the
            frame edge, +1 walks out to it).
        t0: start (s).
        t1: end (s).
        side: exercise side ("l"/"r") for ``move``.
        a0: amplitude at the start.
        a1: amplitude at the end.
        src: blend start pose.
        dst: blend end pose.
        direction: walk direction.
        rest: True for rests and pauses (fidgeting is strongest there).
        exercise: whose pose a ``move`` is (the script's own exercise, or a circuit block's).
        lift: extra hip and knee bend (degrees) of the (left, right) leg at mid-blend, so a
            stepping foot clears the box.

    """

    kind: str
    t0: float
    t1: float
    side: str = "l"
    a0: float = 0.0
    a1: float = 0.0
    src: PoseSpec | None = None
    dst: PoseSpec | None = None
    direction: int = -1
    rest: bool = False
    exercise: str = ""
    lift: tuple[float, float] = (0.0, 0.0)


@dataclass
class Script:
    """Segments and labels of one clip."""

    exercise: str
    fps: float
    duration_s: float
    segments: list[Segment] = field(default_factory=list)
    rep_times: list[list[float]] = field(default_factory=list)
    rep_sides: list[str] = field(default_factory=list)
    partial_times: list[list[float]] = field(default_factory=list)
    holds: list[list[float]] = field(default_factory=list)
    hold_sides: list[str] = field(default_factory=list)
    sets: list[dict[str, Any]] = field(default_factory=list)
    fidget: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Frames of the clip."""
        return max(1, round(self.duration_s * self.fps))

    def times(self) -> np.ndarray:
        """Frame times (s)."""
        return np.arange(self.n_frames) / self.fps

    def sides_used(self) -> list[str]:
        """Exercise sides in order of first use."""
        out: list[str] = []
        for s in self.segments:
            for side in (s.side if s.kind == "move" else None,
                         s.src.side if s.src and s.src.kind == "ex" else None,
                         s.dst.side if s.dst and s.dst.kind == "ex" else None):
                if side and side not in out:
                    out.append(side)
        return out

    def amplitude(self) -> np.ndarray:
        """Per-frame exercise amplitude (NaN while walking or blending)."""
        t = self.times()
        a = np.full(len(t), np.nan)
        for s in self.segments:
            m = (t >= s.t0) & (t < s.t1)
            if s.kind == "move":
                a[m] = s.a0 + (s.a1 - s.a0) * ease((t[m] - s.t0) / max(s.t1 - s.t0, 1e-9))
        return a


def ease(u: np.ndarray | float) -> np.ndarray:
    """Cosine ease-in-out on [0, 1]."""
    return np.asarray(0.5 - 0.5 * np.cos(np.pi * np.clip(u, 0.0, 1.0)))


class _Builder:
    """Appends segments at the running time; ``exercise`` is the one ``move`` segments pose."""

    def __init__(self, exercise: str, fps: float) -> None:
        self.s = Script(exercise, fps, 0.0)
        self.t = 0.0
        self.exercise = exercise  # a circuit changes it block by block

    def add(self, kind: str, dur: float, **kw: Any) -> Segment:
        if kind == "move":
            kw.setdefault("exercise", self.exercise)
        seg = Segment(kind, round(self.t, 4), round(self.t + dur, 4), **kw)
        self.s.segments.append(seg)
        self.t = seg.t1
        return seg

    def rest(self, side: str, dur: float, a: float = 0.0) -> None:
        if dur > 0:
            self.add("move", dur, side=side, a0=a, a1=a, rest=True)


def build_script(
    exercise: str,
    rng: np.random.Generator,
    fps: float,
    *,
    side: str,
    reps: int | None = None,
    hold_s: float | None = None,
    wide: bool = True,
) -> Script:
    """Draw a clip's script.

    Args:
        exercise: one of the synth exercises.
        rng: random generator (everything comes from it).
        fps: frame rate.
        side: working side of the first set ("l"/"r").
        reps: full reps of the first set (default random).
        hold_s: hold length (hold exercise only; default random).
        wide: the wide corpus ranges (tempo 0.6-1.6x, ROM 50-120 %, up to 20 reps, leg
            switches, partial reps, pauses, fidgeting, walking in and out); False keeps one set
            at a steady tempo and range.

    """
    b = _Builder(exercise, fps)
    sc = b.s
    hold = exercise == "single_leg_bridge_hold"
    per_leg = exercise in PER_LEG
    tempo = float(rng.uniform(0.6, 1.6)) if wide else float(rng.uniform(0.8, 1.2))
    rom = float(rng.uniform(0.5, 1.2)) if wide else float(rng.uniform(0.85, 1.0))
    rom = min(rom, MAX_AMPLITUDE.get(exercise, 1.2))
    sc.fidget = float(rng.uniform(0.0, 1.0)) if wide else 0.0
    walk_in = wide and rng.random() < 0.35
    walk_out = wide and rng.random() < 0.35
    switch = wide and per_leg and rng.random() < 0.35
    up_s, down_s = NOMINAL_S[exercise]
    sides = [side, "r" if side == "l" else "l"] if switch else [side]
    sc.info = {"tempo": round(tempo, 3), "rom": round(rom, 3), "fidget": round(sc.fidget, 3),
               "walk_in": walk_in, "walk_out": walk_out, "switch": switch}

    if walk_in:
        b.add("walk", float(rng.uniform(2.0, 3.5)), direction=-1)
        get_in = float(rng.uniform(1.2, 2.0) if exercise == "single_leg_dip" else rng.uniform(2.2, 3.5))
        b.add("blend", get_in, src=PoseSpec("stand"), dst=PoseSpec("ex", side, 0.0))
        b.rest(side, float(rng.uniform(0.6, 1.5)))
    else:
        b.rest(side, float(rng.uniform(1.0, 2.5)))

    for k, s in enumerate(sides):
        if k > 0:
            _switch_legs(b, rng, sides[k - 1], s)
        set_start = b.t
        if hold:
            _hold_set(b, rng, s, rom, tempo, up_s, down_s, hold_s, wide)
            sc.sets.append({"side": SIDE_WORDS[s], "start_s": round(set_start, 3), "end_s": round(b.t, 3),
                            "reps": None})
            continue
        n = reps if reps is not None and k == 0 else (
            int(rng.integers(3, 21)) if wide else int(rng.integers(5, 9)))
        if switch:
            n = max(2, min(n, 12)) if k == 0 else int(rng.integers(2, 13))
        _rep_set(b, rng, s, n, set_start, rom, tempo, wide)
        sc.sets.append({"side": "both" if exercise == "ball_leg_curl" else SIDE_WORDS[s],
                        "start_s": round(set_start, 3), "end_s": round(b.t, 3), "reps": n})

    last = sides[-1]
    b.rest(last, float(rng.uniform(1.0, 2.0)))
    if walk_out:
        get_out = float(rng.uniform(1.2, 2.0) if exercise == "single_leg_dip" else rng.uniform(2.2, 3.5))
        b.add("blend", get_out, src=PoseSpec("ex", last, 0.0), dst=PoseSpec("stand"))
        b.add("walk", float(rng.uniform(2.0, 3.5)), direction=1)
    sc.duration_s = round(b.t, 4)
    return sc


def _switch_legs(b: _Builder, rng: np.random.Generator, prev: str, s: str) -> None:
    """Change to the other leg between two sets."""
    if b.s.exercise == "clamshell":
        # Lying on the other side: get up, then lie down the other way round.
        b.add("blend", float(rng.uniform(2.0, 3.0)), src=PoseSpec("ex", prev, 0.0),
              dst=PoseSpec("stand"))
        b.add("blend", float(rng.uniform(2.0, 3.0)), src=PoseSpec("stand"), dst=PoseSpec("ex", s, 0.0))
    else:
        b.add("blend", float(rng.uniform(1.6, 3.0)), src=PoseSpec("ex", prev, 0.0),
              dst=PoseSpec("ex", s, 0.0))
    b.rest(s, float(rng.uniform(0.5, 1.5)))


def _rep_set(b: _Builder, rng: np.random.Generator, s: str, n: int, set_start: float, rom: float,
             tempo: float, wide: bool) -> None:
    """``n`` full reps (and, in the wide corpus, partial ones and pauses between them)."""
    sc, exercise = b.s, b.exercise
    up_s, down_s = NOMINAL_S[exercise]
    done = 0
    partial_p = 0.12 if wide else 0.0
    while done < n:
        if done or b.t > set_start:
            long_pause = wide and rng.random() < 0.1
            b.rest(s, float(rng.uniform(2.0, 5.0) if long_pause else rng.uniform(0.15, 1.0)))
        partial = rng.random() < partial_p
        peak = rom * float(rng.uniform(0.15, 0.35) if partial else rng.uniform(0.88, 1.05))
        peak = min(peak, MAX_AMPLITUDE.get(exercise, 1.2))
        start = b.t
        b.add("move", up_s / tempo * float(rng.uniform(0.85, 1.15)) * (0.6 if partial else 1.0),
              side=s, a0=0.0, a1=peak)
        if rng.random() < 0.5:
            b.rest(s, float(rng.uniform(0.1, 0.8)), a=peak)
        b.add("move", down_s / tempo * float(rng.uniform(0.85, 1.2)) * (0.6 if partial else 1.0),
              side=s, a0=peak, a1=0.0)
        interval = [round(start, 3), round(b.t, 3)]
        if partial:
            sc.partial_times.append(interval)
        else:
            sc.rep_times.append(interval)
            sc.rep_sides.append("both" if exercise == "ball_leg_curl" else SIDE_WORDS[s])
            done += 1


def _hold_set(b: _Builder, rng: np.random.Generator, s: str, rom: float, tempo: float,
              up_s: float, down_s: float, hold_s: float | None, wide: bool) -> None:
    """Rise, hold (with a sag in some clips: the hold pauses while the hips are down), lower."""
    sc = b.s
    top = max(rom, 0.8)  # a hold is held high
    b.add("move", up_s / tempo * float(rng.uniform(0.9, 1.3)), side=s, a0=0.0, a1=top)
    length = hold_s if hold_s is not None else float(rng.uniform(8.0, 22.0))
    sag = wide and rng.random() < 0.3 and length > 8.0
    start = b.t
    if sag:
        first = float(rng.uniform(0.3, 0.6)) * length
        b.rest(s, first, a=top)
        sc.holds.append([round(start, 3), round(b.t, 3)])
        sc.hold_sides.append(SIDE_WORDS[s])
        low = top * float(rng.uniform(0.3, 0.55))
        b.add("move", float(rng.uniform(0.5, 1.0)), side=s, a0=top, a1=low)
        b.rest(s, float(rng.uniform(0.6, 1.5)), a=low)
        b.add("move", float(rng.uniform(0.5, 1.0)), side=s, a0=low, a1=top)
        start = b.t
        b.rest(s, max(2.0, length - first), a=top)
    else:
        b.rest(s, length, a=top)
    sc.holds.append([round(start, 3), round(b.t, 3)])
    sc.hold_sides.append(SIDE_WORDS[s])
    b.add("move", down_s / tempo * float(rng.uniform(0.9, 1.3)), side=s, a0=top, a1=0.0)


# ----------------------------------------------------------------------------- posing
def slerp_pose(p: SkeletonPose, q: SkeletonPose, w: float) -> SkeletonPose:
    """Blend two poses: every rotation slerped, the root offset interpolated linearly."""
    bones = sorted(set(p.local) | set(q.local))
    eye = np.eye(3)
    # One batched slerp, a (a^-1 b)^w, over every bone and the root (a scipy Slerp per bone
    # was most of the cost of posing a circuit's transitions).
    a = Rotation.from_matrix(np.stack([p.local.get(b, eye) for b in bones] + [p.root_rot]))
    b = Rotation.from_matrix(np.stack([q.local.get(b, eye) for b in bones] + [q.root_rot]))
    mats = (a * Rotation.from_rotvec((a.inv() * b).as_rotvec() * w)).as_matrix()
    out = SkeletonPose(dict(zip(bones, mats[:-1])), mats[-1])
    out.root_offset = (1.0 - w) * np.asarray(p.root_offset) + w * np.asarray(q.root_offset)
    return out


def standing_pose(body: Body, at: np.ndarray, heading: np.ndarray, phase: float, stride: float,
                  idx: np.ndarray | None = None) -> SkeletonPose:
    """Upright walking pose with the pelvis above ``at`` facing ``heading`` (the rest pose faces -y).

    Args:
        body: the body.
        at: floor point under the pelvis (only x and y are used).
        heading: horizontal walking direction.
        phase: gait phase (radians); a stride of 0 stands still.
        stride: hip swing amplitude (degrees; 22 is a brisk walk).
        idx: vertices checked against the floor (default all).

    """
    psi = math.degrees(math.atan2(heading[0], -heading[1]))
    pose = SkeletonPose(root_rot=rot_z(psi))
    swing = stride * math.sin(phase)
    for s, sign in (("l", 1.0), ("r", -1.0)):
        pose.set(f"thigh_{s}", rot_x(-sign * swing))
        lift = max(0.0, math.sin(phase + (0.0 if s == "l" else math.pi) + 0.6))
        pose.set(f"calf_{s}", rot_x(5.0 + 35.0 * lift * stride / 22.0))
    _arms(body, pose, adduct=36.0, flex=(0.8 * swing, -0.8 * swing))
    _, heads = forward_kinematics(body, pose)
    pelvis = heads[body.bone("pelvis")]
    pose.root_offset = np.array([at[0] - pelvis[0], at[1] - pelvis[1], 0.0])
    return lift_onto_floor(body, pose, idx)


def lift_onto_floor(body: Body, pose: SkeletonPose, idx: np.ndarray | None = None) -> SkeletonPose:
    """Raise ``pose`` (in place) so none of the vertices ``idx`` (default all) is below the floor."""
    rots, heads = forward_kinematics(body, pose)
    v = skin(body, rots, heads, idx)
    low = float(v[:, 2].min())
    if low < 0.0:
        pose.root_offset = np.asarray(pose.root_offset) + np.array([0.0, 0.0, -low])
    return pose


class Poser:
    """Poses a script frame by frame for one body.

    The walking endpoints depend on the camera (the person walks in from beyond the frame's
    edge), so they are set with :meth:`set_walk` once the camera is placed.
    """

    def __init__(self, body: Body, script: Script, style: dict[str, float],
                 rng: np.random.Generator) -> None:
        self.body = body
        self.script = script
        cls = EXERCISE_CLASSES[script.exercise]
        self.ex: dict[str, Exercise] = {}
        self.shift: dict[str, np.ndarray] = {}
        props: list[Prop] | None = None
        for s in script.sides_used():
            ex = cls(body, s, style)
            self.ex[s] = ex
            fr = ex.frame(0.0)
            if props is None:
                props = fr.props
                self.shift[s] = np.zeros(3)
            else:  # the second leg's set uses the same box: move the body, not the box
                self.shift[s] = (np.array(props[0].center) - np.array(fr.props[0].center)
                                 if props and fr.props else np.zeros(3))
                self.shift[s][2] = 0.0
        self.props = props or []
        first = script.sides_used()[0]
        self.first = first
        rest = self._ex_pose(first, 0.0)
        _rots, heads = forward_kinematics(body, rest)
        self.spot = heads[body.bone("pelvis")].copy()
        self.walk_from = self.spot + np.array([2.5, 0.0, 0.0])
        self.walk_to = self.spot + np.array([2.5, 0.0, 0.0])
        self._feet = np.concatenate([np.flatnonzero(np.argmax(body.weights, axis=1) == body.bone(b))
                                     for b in ("foot_l", "foot_r", "ball_l", "ball_r")])[::3]
        self._sparse = np.arange(0, len(body.verts), 23)
        self._noise = _FidgetNoise(rng, script)

    def set_walk(self, edge_in: np.ndarray, edge_out: np.ndarray) -> None:
        """Where walking in starts and walking out ends (beyond the frame)."""
        self.walk_from = np.asarray(edge_in, dtype=np.float64)
        self.walk_to = np.asarray(edge_out, dtype=np.float64)

    def _ex_pose(self, side: str, a: float) -> SkeletonPose:
        pose = self.ex[side].frame(float(a)).pose
        pose.root_offset = np.asarray(pose.root_offset) + self.shift[side]
        return pose

    def _stand(self, at: np.ndarray, heading: np.ndarray, phase: float, stride: float) -> SkeletonPose:
        return standing_pose(self.body, at, heading, phase, stride, self._sparse)

    def _on_floor(self, pose: SkeletonPose, idx: np.ndarray | None = None) -> SkeletonPose:
        return lift_onto_floor(self.body, pose, self._sparse if idx is None else idx)

    def _spec(self, spec: PoseSpec, heading: np.ndarray) -> SkeletonPose:
        if spec.kind == "stand":
            return self._stand(self.spot, heading, 0.0, 0.0)
        return self._ex_pose(spec.side, spec.a)

    def frame(self, t: float) -> Scene:
        """Pose and props at time ``t``."""
        sc = self.script
        seg = next((s for s in sc.segments if s.t0 <= t < s.t1), sc.segments[-1])
        u = float(np.clip((t - seg.t0) / max(seg.t1 - seg.t0, 1e-9), 0.0, 1.0))
        heading_in = self.spot - self.walk_from
        heading_in[2] = 0.0
        heading_in /= max(np.linalg.norm(heading_in), 1e-9)
        heading_out = self.walk_to - self.spot
        heading_out[2] = 0.0
        heading_out /= max(np.linalg.norm(heading_out), 1e-9)
        if seg.kind == "walk":
            a, b_, heading = ((self.walk_from, self.spot, heading_in) if seg.direction < 0
                              else (self.spot, self.walk_to, heading_out))
            at = a + (b_ - a) * u
            phase = 2.0 * math.pi * 0.9 * (t - seg.t0)
            # Slow down into the stop (walk in) and out of the start (walk out).
            stride = 22.0 * (min(1.0, 4.0 * (1.0 - u)) if seg.direction < 0 else min(1.0, 4.0 * u))
            pose = self._stand(at, heading, phase, stride)
        elif seg.kind == "blend":
            assert seg.src is not None and seg.dst is not None
            heading = heading_in if seg.src.kind == "stand" else heading_out
            w = float(ease(u))
            pose = slerp_pose(self._spec(seg.src, heading), self._spec(seg.dst, heading), w)
            # Bend the knees and hips on the way down (or up): sitting, not toppling.
            depth = 70.0 if "stand" in (seg.src.kind, seg.dst.kind) else 25.0
            bend = depth * math.sin(math.pi * w)
            for s in ("l", "r"):
                pose.set(f"thigh_{s}", rot_x(-bend))
                pose.set(f"calf_{s}", rot_x(1.6 * bend))
            pose = self._on_floor(pose)
        else:
            a = seg.a0 + (seg.a1 - seg.a0) * float(ease(u))
            pose = self._ex_pose(seg.side, a)
        self._noise.apply(pose, t, seg, self.body)
        return Scene(pose, list(self.props))


class _FidgetNoise:
    """Smooth random movements of the arms, head, free leg and trunk, strongest during rests."""

    BONES: ClassVar[dict[str, float]] = {
        "upperarm_l": 14.0, "upperarm_r": 14.0, "lowerarm_l": 12.0, "lowerarm_r": 12.0,
        "neck_01": 6.0, "head": 8.0}
    FREE_LEG: ClassVar[dict[str, float]] = {
        "single_leg_dip": 8.0, "single_leg_bridge": 6.0, "single_leg_bridge_hold": 6.0}

    def __init__(self, rng: np.random.Generator, script: Script) -> None:
        self.level = script.fidget
        self.exercise = script.exercise
        bones = dict(self.BONES)
        self.waves = {k: (rng.uniform(0.15, 1.0, (2, 3)), rng.uniform(0, 2 * np.pi, (2, 3)), v)
                      for k, v in bones.items()}
        self.leg_wave = (rng.uniform(0.15, 0.8, (2, 3)), rng.uniform(0, 2 * np.pi, (2, 3)))

    def _wave(self, f: np.ndarray, ph: np.ndarray, t: float) -> np.ndarray:
        return np.asarray(np.sin(2 * np.pi * f * t + ph).sum(axis=1) / 3.0)

    def apply(self, pose: SkeletonPose, t: float, seg: Segment, body: Body) -> None:
        if self.level <= 0.0:
            return
        env = self.level * (1.0 if seg.rest else 0.3)
        for bone, (f, ph, amp) in self.waves.items():
            w = self._wave(f, ph, t) * amp * env
            pose.local[bone] = rot_x(float(w[0])) @ rot_y(float(w[1])) @ pose.local.get(bone, np.eye(3))
        # The free leg of the pose being moved (a circuit's segments each name their exercise).
        free = self.FREE_LEG.get(seg.exercise or self.exercise, 0.0)
        if free and seg.kind == "move":
            other = "r" if seg.side == "l" else "l"
            w = self._wave(*self.leg_wave, t) * free * env
            bone = f"thigh_{other}"
            pose.local[bone] = rot_x(float(w[0])) @ rot_y(float(w[1])) @ pose.local.get(bone, np.eye(3))
