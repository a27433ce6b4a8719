"""A rendered recording of the whole circuit, with the transitions between the exercises.

One fixed camera (a phone on the floor or a tripod, side-on) films a person doing the circuit as
the README lists it, with short sets on each leg: single-leg dips on the box (stepping onto it,
switching legs on it, stepping off), then lying down on the mat for single-leg bridges and bridge
holds, rolling face down for prone leg lifts, rolling on onto the back with the heels on the ball
for ball leg curls, and lying on the side for clamshells (sitting up and lying down the other way
round for the second leg). Rests and transitions are rendered as motion: blends between the end
pose of one exercise and the start of the next through standing, sitting or lying postures
(:mod:`repcount.synth.circuit_poses`).

The truth is the usual labels entry (every rep and hold, exact) plus ``blocks``: one per set
with its exercise, side (the repcount convention of each exercise), times, reps, rep times and
holds; the per-frame ground-truth ``.npz`` adds each frame's block.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from repcount.errors import InputError
from repcount.synth import CIRCUIT_HOLD_S, CIRCUIT_REPS
from repcount.synth.body import Body, Shape, build_body
from repcount.synth.circuit_poses import CircuitPoser
from repcount.synth.clip import (
    LICENCE,
    ClipPlan,
    ClipResult,
    Timeline,
    _check_numbers,
    _flat_axes,
    _look,
    _Motion,
    _rand_color,
    _relpath,
    _room,
    _shifted,
    _wide_scenery,
    _write_truth,
    _write_video,
    make_out_dir,
)
from repcount.synth.exercises import EXERCISE_CLASSES, Scene
from repcount.synth.kinematics import forward_kinematics, skin
from repcount.synth.script import (
    NOMINAL_S,
    SIDE_WORDS,
    PoseSpec,
    Script,
    _Builder,
    _hold_set,
    _rep_set,
)
from repcount.synth.truth import joints_3d

#: The circuit's exercises in the order they are done.
ORDER = ("single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
         "ball_leg_curl", "clamshell")
#: Base seconds of each transition step (each drawn 0.9-1.2x): slow enough that no joint moves
#: faster than a brisk limb (about 2 m/s), as a person getting into position does.
STEP_S = {"step": 1.3, "knee": 1.0, "box_switch": 1.3, "sit": 2.0, "lie": 1.8, "leg": 2.4, "roll": 1.7,
          "ball": 1.5, "get_up": 2.3, "walk": 3.2}


def _other(side: str) -> str:
    return "r" if side == "l" else "l"


class _CircuitBuilder(_Builder):
    """A script builder that knows where the body is (``at``), to blend on from there."""

    def __init__(self, fps: float, rng: np.random.Generator, start: PoseSpec) -> None:
        super().__init__("circuit", fps)
        self.rng = rng
        self.at = start

    def idle(self, lo: float, hi: float) -> None:
        """Stay in the current posture (fidgeting) for a random while."""
        dur = float(self.rng.uniform(lo, hi))
        if self.at.kind == "ex":
            self.add("move", dur, side=self.at.side, a0=self.at.a, a1=self.at.a, rest=True,
                     exercise=self.at.exercise)
        else:
            self.add("blend", dur, src=self.at, dst=self.at, rest=True)

    def go(self, dst: PoseSpec, step: str, lift: tuple[float, float] = (0.0, 0.0)) -> None:
        """Blend to ``dst`` in about ``STEP_S[step]`` seconds."""
        self.add("blend", STEP_S[step] * float(self.rng.uniform(0.9, 1.2)), src=self.at, dst=dst, lift=lift)
        self.at = dst

    def walk(self, dst: PoseSpec) -> None:
        """Walk to the standing posture ``dst``."""
        self.add("walk", STEP_S["walk"] * float(self.rng.uniform(0.95, 1.15)), src=self.at, dst=dst)
        self.at = dst


def _lift(side: str, deg: float) -> tuple[float, float]:
    return (deg, 0.0) if side == "l" else (0.0, deg)


def _station(exercise: str, side: str) -> PoseSpec:
    return PoseSpec("ex", side, 0.0, exercise)


def _do_set(b: _CircuitBuilder, exercise: str, side: str, params: dict[str, float]) -> None:
    """One set at the current station, with its block record (the set's first to last motion)."""
    sc = b.s
    b.exercise = exercise
    reps0, holds0, start = len(sc.rep_times), len(sc.holds), b.t
    up_s, down_s = NOMINAL_S[exercise]
    if exercise == "single_leg_bridge_hold":
        _hold_set(b, b.rng, side, params["rom"], params["tempo"], up_s, down_s, params["hold_s"], False)
    else:
        _rep_set(b, b.rng, side, int(params["reps"]), start, params["rom"], params["tempo"], False)
    holds = sc.holds[holds0:]
    sc.sets.append({
        "exercise": exercise,
        "side": "both" if exercise == "ball_leg_curl" else SIDE_WORDS[side],
        "start_s": round(start, 3), "end_s": round(b.t, 3),
        "reps": None if holds else len(sc.rep_times) - reps0,
        "rep_times": sc.rep_times[reps0:], "holds": holds,
        "hold_s": round(sum(e - s for s, e in holds), 3) if holds else None,
        "view": "front" if exercise == "clamshell" else "side",
    })


def _block(b: _CircuitBuilder, exercise: str, side: str, params: dict[str, float], last: bool) -> None:
    """Get into the station, rest, do the set, rest (longer before the next exercise)."""
    if b.at != _station(exercise, side):
        b.go(_station(exercise, side), "leg")
    b.idle(0.8, 1.5)
    _do_set(b, exercise, side, params)
    b.idle(*((1.5, 2.5) if last else (0.8, 1.5)))


def _dips(b: _CircuitBuilder, first: str, params: dict[str, float]) -> None:
    """Step onto the box, dip on each leg (switching on the box), step off and lie down."""
    second = _other(first)
    b.go(PoseSpec(f"lift_behind_{first}"), "knee")
    b.go(PoseSpec(f"step_up_{first}"), "step")
    b.go(_station("single_leg_dip", first), "step", _lift(second, 15.0))
    _block(b, "single_leg_dip", first, params, last=False)
    # Both feet on the box, then the other leg hangs: the free foot is lifted over the edge.
    b.go(PoseSpec("stand_box"), "box_switch", _lift(second, 45.0))
    b.go(_station("single_leg_dip", second), "box_switch", _lift(first, 25.0))
    _block(b, "single_leg_dip", second, params, last=True)
    b.go(PoseSpec(f"step_down_{second}"), "step")
    b.go(PoseSpec(f"lift_front_{second}"), "knee", _lift(second, 20.0))
    b.go(PoseSpec(f"stand_front_{second}"), "knee")
    b.walk(PoseSpec("stand_mat"))
    b.idle(0.4, 0.9)
    b.go(PoseSpec("sit_mat"), "sit")
    b.go(PoseSpec("hook"), "lie")
    b.idle(0.8, 1.5)


def _floor(b: _CircuitBuilder, first: str, top_first: str, params: dict[str, float]) -> None:
    """Bridges and holds, roll to prone, roll on onto the ball, then the clamshells."""
    second = _other(first)
    for exercise in ("single_leg_bridge", "single_leg_bridge_hold"):
        for k, side in enumerate((first, second)):
            _block(b, exercise, side, params, last=k == 1)
            b.go(PoseSpec("hook"), "leg")
            b.idle(0.5, 1.0)
    b.go(PoseSpec("roll_away"), "roll")
    b.go(_station("prone_leg_lift", first), "roll")
    _block(b, "prone_leg_lift", first, params, last=False)
    b.at = _station("prone_leg_lift", second)  # the same pose at rest: just lift the other leg
    _block(b, "prone_leg_lift", second, params, last=True)
    # On along the roll: onto the side facing the camera (knees bent, clear of the ball), then
    # onto the back with the legs up, and the heels onto the ball.
    b.go(PoseSpec("roll_toward"), "roll")
    b.go(PoseSpec("tabletop_ball"), "roll")
    b.go(_station("ball_leg_curl", "l"), "ball")
    _block(b, "ball_leg_curl", "l", params, last=True)
    b.go(PoseSpec("tabletop_ball"), "ball")
    b.go(_station("clamshell", top_first), "roll")
    _block(b, "clamshell", top_first, params, last=False)
    b.go(PoseSpec("sit_side"), "get_up")
    b.go(_station("clamshell", _other(top_first)), "get_up")
    _block(b, "clamshell", _other(top_first), params, last=True)
    b.go(PoseSpec("sit_side"), "get_up")
    b.idle(1.0, 2.0)


def build_circuit_script(rng: np.random.Generator, fps: float, *, reps: int = CIRCUIT_REPS,
                         hold_s: float = CIRCUIT_HOLD_S, first: str | None = None,
                         cam_sign: int | None = None) -> Script:
    """Draw the script of a whole-circuit recording.

    Args:
        rng: random generator (tempo, range, rests, transition speeds).
        fps: frame rate.
        reps: full reps of every rep set.
        hold_s: length of every bridge hold (s).
        first: leg of the first set of each two-sided exercise ("l"/"r"; default random).
        cam_sign: +1 when the camera is on the +x side of the mat, -1 on the -x side (default
            random). The clamshells face it, so the first one is on the top leg away from it.

    Returns:
        The script; its ``sets`` are the blocks, ``info`` the drawn parameters.

    """
    first = first if first is not None else ("l" if rng.random() < 0.5 else "r")
    cam = cam_sign if cam_sign is not None else (1 if rng.random() < 0.5 else -1)
    top_first = "r" if cam > 0 else "l"
    params = {"reps": float(reps), "hold_s": float(hold_s), "tempo": float(rng.uniform(0.85, 1.15)),
              "rom": float(rng.uniform(0.88, 1.0))}
    b = _CircuitBuilder(fps, rng, PoseSpec(f"stand_behind_{first}"))
    b.s.fidget = float(rng.uniform(0.15, 0.45))
    b.s.info = {"first": first, "cam_sign": cam, "top_first": top_first, "fidget": round(b.s.fidget, 3),
                **{k: round(v, 3) for k, v in params.items()}}
    b.idle(1.5, 2.5)
    _dips(b, first, params)
    _floor(b, first, top_first, params)
    b.s.duration_s = round(b.t, 4)
    return b.s


# -- planning ------------------------------------------------------------------------------------
def plan_circuit(seed: int, *, reps: int | None = None, hold_s: float | None = None,
                 width: int | None = None, height: int | None = None, fps: float | None = None,
                 noise_sigma: float | None = None) -> ClipPlan:
    """Draw every random choice of a circuit recording from ``seed``.

    Body shape, clothing, room, light, the camera's side, azimuth (within 20 degrees of side-on),
    height and distance vary; the framing always keeps every station in view.

    Raises:
        InputError: on impossible numbers.

    """
    width = 640 if width is None else width
    height = 480 if height is None else height
    fps = 30.0 if fps is None else fps
    _check_numbers(width, height, fps, reps)
    if hold_s is not None and not 2.0 <= hold_s <= 120.0:
        raise InputError("--hold must be between 2 and 120 seconds")
    rng = np.random.default_rng(seed)
    styles = {ex: EXERCISE_CLASSES[ex].sample_style(rng) for ex in ORDER}
    shape = Shape(gender=float(rng.uniform(0.0, 1.0)), muscle=float(rng.uniform(0.3, 0.8)),
                  weight=float(rng.uniform(0.3, 0.75)), height=float(rng.uniform(0.3, 0.7)))
    script = build_circuit_script(rng, fps, reps=CIRCUIT_REPS if reps is None else reps,
                                  hold_s=CIRCUIT_HOLD_S if hold_s is None else hold_s)
    cam = int(script.info["cam_sign"])
    amp = np.nan_to_num(script.amplitude(), nan=0.0)
    framing = {"margin": float(rng.uniform(0.74, 0.9)), "yfov_deg": float(rng.uniform(42.0, 58.0)),
               "shift_x": float(rng.uniform(-0.5, 0.5)), "shift_y": float(rng.uniform(-0.5, 0.5)),
               "wall_m": float(rng.uniform(1.2, 3.0)), "side_wall": float(rng.random() < 0.4)}
    noise = float(rng.uniform(0.0, 4.0))
    floor = [(0.55, 0.42, 0.3), (0.5, 0.5, 0.5), (0.35, 0.3, 0.28), (0.7, 0.68, 0.62)][int(rng.integers(4))]
    return ClipPlan(
        exercise="circuit", seed=seed, side=script.info["first"], view="side",
        azimuth_deg=(0.0 if cam > 0 else 180.0) + float(rng.uniform(-20.0, 20.0)),
        elevation_deg=float(rng.uniform(4.0, 16.0)), width=width, height=height, fps=fps,
        shape=shape, style={}, timeline=Timeline(amp, fps, script.rep_times, script.holds),
        noise_sigma=noise if noise_sigma is None else float(noise_sigma),
        blur_sigma=float(rng.uniform(0.0, 1.0)), light_azimuth_deg=float(rng.uniform(-50.0, 50.0)),
        light_intensity=float(rng.uniform(2.2, 4.0)),
        floor=tuple(np.clip(np.array(floor) * rng.uniform(0.85, 1.15), 0, 1)),
        background=_rand_color(rng, (0.0, 0.3), (0.6, 0.95)), mat=True,
        mat_color=_rand_color(rng, (0.3, 0.8), (0.25, 0.8)), colors_seed=int(rng.integers(2**31)),
        extra={"styles": styles}, script=script, variety="circuit", framing=framing,
        scenery=_wide_scenery(rng), ambient=float(rng.uniform(0.2, 0.4)),
    )


def circuit_poser(plan: ClipPlan, body: Body) -> CircuitPoser:
    """The poser of a planned circuit (its fidgeting drawn from the plan's seed)."""
    assert plan.script is not None
    return CircuitPoser(body, plan.script, plan.extra["styles"], np.random.default_rng(plan.colors_seed + 2))


# -- rendering -----------------------------------------------------------------------------------
def render_circuit(plan: ClipPlan, out_dir: Path, stem: str, *, labels_dir: Path | None = None,
                   preview_dir: Path | None = None,
                   progress: Callable[[int, int], None] | None = None) -> ClipResult:
    """Render a planned circuit to ``out_dir/stem.mp4`` and ``stem.npz``; returns its label.

    Args:
        plan: from :func:`plan_circuit`.
        out_dir: output folder (created).
        stem: file name without extension.
        labels_dir: folder the label's paths are relative to (default ``out_dir``).
        preview_dir: when given, a PNG of the middle frame of every block and transition.
        progress: called with (frame_index, n_frames) after each frame.

    Raises:
        OutputError: when the outputs cannot be written.

    """
    make_out_dir(out_dir)
    assert plan.script is not None
    body = build_body(plan.shape)
    poser = circuit_poser(plan, body)
    camera, extras, mat_xy = _circuit_scene(plan, body, poser)
    frames = [poser.frame(float(t)) for t in plan.script.times()]
    j3 = np.stack([joints_3d(body, *forward_kinematics(body, f.pose)) for f in frames])
    motion = _Motion(plan.timeline.a, frames[:1], frames, j3)
    look, look_info = _look(plan, body, extras)
    video, truth = out_dir / f"{stem}.mp4", out_dir / f"{stem}.npz"
    want = set(preview_frames(plan.script)) if preview_dir is not None else set()
    render_fps, previews = _write_video(plan, body, motion, (camera, look, mat_xy), video,
                                        (preview_dir, stem, want), progress)
    block = frame_blocks(plan.script)
    _write_truth(plan, camera, motion, truth, extra={
        "block": block, "block_names": np.array([f"{b['exercise']}:{b['side']}" for b in plan.script.sets])})
    base = labels_dir if labels_dir is not None else out_dir
    label = circuit_label(plan, _relpath(video, base), _relpath(truth, base), look_info, poser.describe())
    return ClipResult(label, video, truth, render_fps, previews)


def _circuit_scene(plan: ClipPlan, body: Body, poser: CircuitPoser
                   ) -> tuple[Any, tuple[Any, ...], tuple[float, float, float, float]]:
    """The fixed camera framing every station and posture, the room behind, the mat under the lying body."""
    from repcount.synth.render import fit_camera

    sample = np.arange(0, len(body.verts), 7)
    pts, lying = [], []
    for sc in poser.key_poses():
        v = _scene_points(body, sc, sample)
        pts.append(v)
        if v[: len(sample), 2].max() < 0.9:  # a lying or sitting pose: the mat goes under it
            lying.append(v[: len(sample)])
    allp = np.concatenate(pts)
    az = math.radians(plan.azimuth_deg)
    fr = plan.framing
    camera = fit_camera(allp, np.array([math.cos(az), math.sin(az), 0.0]), plan.elevation_deg, plan.width,
                        plan.height, yfov_deg=fr["yfov_deg"], margin=fr["margin"])
    camera = _shifted(camera, fr)
    flat = np.concatenate(lying)
    lo, hi = flat[:, :2].min(axis=0), flat[:, :2].max(axis=0)
    spot = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, 0.0])
    mat = (float(spot[0]), float(spot[1]), float(hi[0] - lo[0] + 0.1), float(hi[1] - lo[1] + 0.1))
    _flat_axes(camera)  # fails early on a camera looking straight down (never drawn here)
    return camera, _room(camera, plan, allp, spot), mat


def _scene_points(body: Body, sc: Scene, sample: np.ndarray) -> np.ndarray:
    """Sampled body vertices, then the corners of the props."""
    rots, heads = forward_kinematics(body, sc.pose)
    out = [skin(body, rots, heads, sample)]
    for p in sc.props:
        c, s = np.array(p.center), np.array(p.size)
        half = s if p.kind == "sphere" else s / 2
        out.append(np.array([c + half * (2 * np.array(k) - 1) for k in np.ndindex(2, 2, 2)]))
    return np.concatenate(out)


def frame_blocks(script: Script) -> np.ndarray:
    """Per frame, the index of the block (set) it is in, or -1 between blocks."""
    t = script.times()
    out = np.full(len(t), -1, dtype=np.int16)
    for i, blk in enumerate(script.sets):
        out[(t >= blk["start_s"]) & (t <= blk["end_s"])] = i
    return out


def preview_frames(script: Script) -> list[int]:
    """The middle frame of every block and of every transition between postures."""
    mids = [0.5 * (b["start_s"] + b["end_s"]) for b in script.sets]
    mids += [0.5 * (s.t0 + s.t1) for s in script.segments if s.kind in ("blend", "walk") and not s.rest]
    return sorted({min(script.n_frames - 1, round(m * script.fps)) for m in mids})


NOTES = (
    "Synthetic render of the whole circuit, one fixed camera: single-leg dips on a box (stepping "
    "on, switching legs on it, stepping off), single-leg bridges and bridge holds on the mat, "
    "prone leg lifts, ball leg curls, clamshells on each side, with rests and transitions rendered "
    "as motion. `blocks` holds one entry per set (side conventions: standing leg for dips, planted "
    "leg for bridges and holds, lifted leg for prone lifts, top leg for clamshells, both for ball "
    "curls); rep and hold times are exact, and the ground-truth npz gives each frame's joints, "
    "angles and block (-1 between blocks)."
)


def circuit_label(plan: ClipPlan, file: str, truth: str, look: dict[str, Any],
                  layout: dict[str, Any]) -> dict[str, Any]:
    """The labels entry of a circuit recording: the usual fields plus ``blocks``."""
    sc = plan.script
    assert sc is not None
    return {
        "file": file, "exercise": "circuit", "reps": len(sc.rep_times), "holds": sc.holds,
        "side": "switch", "view": "side", "fps": plan.fps, "duration_s": round(plan.timeline.duration_s, 3),
        "source": {
            "generator": "repcount synth --circuit", "seed": plan.seed, "ground_truth": truth,
            "camera": {"azimuth_deg": round(plan.azimuth_deg, 1),
                       "elevation_deg": round(plan.elevation_deg, 1)},
            "shape": asdict(plan.shape),
            "style": {ex: {k: round(v, 3) for k, v in st.items()} for ex, st in plan.extra["styles"].items()},
            "look": look, "layout": layout,
            "noise_sigma": round(plan.noise_sigma, 2), "blur_sigma": round(plan.blur_sigma, 2),
        },
        "licence": LICENCE, "notes": NOTES,
        "rep_times": sc.rep_times, "rep_sides": sc.rep_sides, "partial_times": sc.partial_times,
        "hold_sides": sc.hold_sides, "blocks": sc.sets, "script": sc.info,
        "framing": {k: round(v, 3) for k, v in plan.framing.items()}, "size": [plan.width, plan.height],
    }
