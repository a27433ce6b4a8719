"""Exercise definitions as data, and the detector that runs one over a stream of poses.

An :class:`ExerciseDef` says which joint angle to follow, how (image-plane or sagittal), on
which legs, in which posture, and how peaks become reps. :class:`Detector` turns it into a
streaming ``update()``; :func:`analyze_track` is the offline analysis over a whole track.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from repcount.detectors.core import (
    HoldParams,
    HoldTimer,
    PeakParams,
    RepCounter,
    analyze_holds,
    analyze_reps,
)
from repcount.records import LM, FloatArray, FormEvent, Hold, Pose, PoseSample, Rep, Side
from repcount.signals import (
    LEFT_HIP,
    LEFT_KNEE,
    RIGHT_HIP,
    RIGHT_KNEE,
    Joint,
    SignalFilter,
    joint_angle,
    sagittal_opening,
)

Posture = Literal["any", "standing", "lying"]

JOINTS: dict[str, tuple[Joint, Joint]] = {
    "hip": (LEFT_HIP, RIGHT_HIP),
    "knee": (LEFT_KNEE, RIGHT_KNEE),
}


@dataclass(frozen=True)
class SignalDef:
    """Which angle a detector follows.

    Attributes:
        joint: ``hip`` (shoulder-hip-knee) or ``knee`` (hip-knee-ankle).
        mode: ``image`` for the 2D angle in the picture (precise from a side view; unfolded
            past 180 degrees with the sign of the 3D opening), ``world``
            for the opening seen along the pelvis axis in MediaPipe's 3D landmarks (holds up in
            oblique views and does not fold at 180 degrees).

    """

    joint: str = "hip"
    mode: Literal["image", "world"] = "image"


@dataclass(frozen=True)
class ExerciseDef:
    """Declarative description of one exercise.

    Attributes:
        name: CLI name.
        description: one line for help texts.
        posture: posture required before anything is counted.
        signal: the angle followed.
        legs: ``both`` follows the two legs as one signal; ``per_leg`` follows each leg.
        peaks: how peaks become reps.
        hold: how holds are timed, None for rep exercises.
        hold_min_angle: the hold position is kept while the angle is at least this.
        min_visibility: landmarks less visible than this are ignored.
        max_gap_s: gaps up to this long are bridged by holding the last value.
        median_k: samples in the de-spiking median.
        target: default reps (or hold seconds) in the circuit.

    """

    name: str
    description: str
    posture: Posture
    signal: SignalDef
    legs: Literal["both", "per_leg"] = "both"
    peaks: PeakParams = field(default_factory=PeakParams)
    hold: HoldParams | None = None
    hold_min_angle: float = 160.0
    min_visibility: float = 0.2
    max_gap_s: float = 0.5
    median_k: int = 3
    target: int = 10


def torso_tilt_deg(pose: Pose) -> float:
    """Angle of the shoulder-to-hip line from vertical in the image (0 upright, 90 lying)."""
    p = pose.pixels()
    sh = (p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER]) / 2
    hp = (p[LM.LEFT_HIP] + p[LM.RIGHT_HIP]) / 2
    d = sh - hp
    return float(np.degrees(np.arctan2(abs(d[0]), abs(d[1]) + 1e-9)))


def posture_ok(pose: Pose, posture: Posture) -> bool:
    """Whether the pose is in the posture an exercise is done in."""
    if posture == "any":
        return True
    tilt = torso_tilt_deg(pose)
    if posture == "standing":
        return tilt < 50.0
    return tilt > 35.0


def leg_angle(pose: Pose, joint: Joint, mode: str) -> float:
    """One leg's angle in degrees for a single pose."""
    if mode == "world":
        v = float(sagittal_opening(pose.world, joint))
        # The knee bends the other way round from the hip, so measure its opening mirrored.
        return 360.0 - v if joint in (LEFT_KNEE, RIGHT_KNEE) else v
    p = pose.pixels()
    a2d = float(joint_angle(p[joint.a], p[joint.b], p[joint.c]))
    # The picture gives the precise magnitude from a side view but folds at 180 degrees; the
    # 3D sagittal opening tells on which side of straight the joint is, so unfold with it.
    opening = float(sagittal_opening(pose.world, joint))
    is_knee = joint in (LEFT_KNEE, RIGHT_KNEE)
    past_straight = opening < 180.0 if is_knee else opening > 180.0
    return 360.0 - a2d if past_straight and a2d > 150.0 else a2d


def joint_visibility(pose: Pose, joint: Joint) -> float:
    """Smallest visibility among the joint's three landmarks."""
    return float(np.min(pose.image[[joint.a, joint.b, joint.c], 3]))


def sample_value(exdef: ExerciseDef, pose: Pose | None, side: Side) -> float:
    """The followed angle of one pose for one channel (NaN when unusable)."""
    if pose is None or not posture_ok(pose, exdef.posture):
        return float("nan")
    left, right = JOINTS[exdef.signal.joint]
    if side == "left":
        pairs = [(left, 1.0)]
    elif side == "right":
        pairs = [(right, 1.0)]
    else:
        pairs = [(left, joint_visibility(pose, left)), (right, joint_visibility(pose, right))]
    values: list[float] = []
    weights: list[float] = []
    for joint, w in pairs:
        if joint_visibility(pose, joint) < exdef.min_visibility:
            continue
        values.append(leg_angle(pose, joint, exdef.signal.mode))
        weights.append(max(w, 1e-3))
    if not values:
        return float("nan")
    # Visibility-weighted mean: the leg nearer the camera dominates a side view.
    return float(np.average(values, weights=weights))


@dataclass(frozen=True)
class DetectorState:
    """What the overlay needs to draw the detector's state after a sample."""

    t: float
    side: Side
    count: int
    angle: float
    reference_rom: float
    full_threshold: float
    hold_s: float
    holding: bool


class Detector:
    """Streaming detector for one exercise.

    Args:
        exdef: the exercise definition.
        fps: nominal sample rate.
        side: the leg(s) followed; ``both`` for both-leg exercises.

    """

    def __init__(self, exdef: ExerciseDef, fps: float = 30.0, side: Side = "both") -> None:
        self.exdef = exdef
        self.side = side
        self._filter = SignalFilter(exdef.max_gap_s, exdef.median_k)
        self._counter = RepCounter(exdef.peaks, side, fps_hint=fps)
        self._timer = HoldTimer(exdef.hold, side) if exdef.hold else None
        self._last_angle = float("nan")
        self._last_t = 0.0
        self.events: list[FormEvent] = []

    def update(self, sample: PoseSample) -> list[Rep | Hold]:
        """Feed one frame's pose; return reps and holds completed by it."""
        raw = sample_value(self.exdef, sample.pose, self.side)
        x = self._filter.update(sample.t, raw)
        self._last_angle = x
        self._last_t = sample.t
        out: list[Rep | Hold] = []
        if self._timer is not None:
            hold = self._timer.update(sample.t, bool(x >= self.exdef.hold_min_angle))
            if hold is not None:
                out.append(hold)
        else:
            out.extend(self._counter.update(sample.t, x))
        return out

    def finish(self) -> list[Hold]:
        """Close an open hold at the end of the stream."""
        if self._timer is None:
            return []
        hold = self._timer.finish()
        return [hold] if hold else []

    @property
    def reps(self) -> list[Rep]:
        """Reps announced so far."""
        return self._counter.reps

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far."""
        return list(self._timer.holds) if self._timer else []

    def state(self) -> DetectorState:
        """Snapshot for the overlay."""
        ref = self._counter.reference()
        p = self.exdef.peaks
        return DetectorState(
            t=self._last_t,
            side=self.side,
            count=self._counter.count,
            angle=self._last_angle,
            reference_rom=ref,
            full_threshold=max(p.min_rom, p.full_frac * ref),
            hold_s=self._timer.total(self._last_t) if self._timer else 0.0,
            holding=bool(self._timer is not None and self._timer.current(self._last_t) > 0),
        )


@dataclass(frozen=True)
class TrackResult:
    """Offline detection over a whole track."""

    reps: list[Rep]
    partials: list[Rep]
    holds: list[Hold]
    t: FloatArray
    signal: FloatArray
    warnings: list[str]


def signal_of(exdef: ExerciseDef, samples: Sequence[PoseSample], side: Side) -> tuple[FloatArray, FloatArray]:
    """Filtered signal of a whole stream: (times, values), NaN where unusable."""
    t = np.array([s.t for s in samples], dtype=np.float64)
    raw = np.array([sample_value(exdef, s.pose, side) for s in samples], dtype=np.float64)
    f = SignalFilter(exdef.max_gap_s, exdef.median_k)
    x = np.array([f.update(float(ti), float(xi)) for ti, xi in zip(t, raw)], dtype=np.float64)
    return t, x


def analyze_samples(
    exdef: ExerciseDef, samples: Sequence[PoseSample], side: Side = "both"
) -> TrackResult:
    """Offline analysis of a whole stream of poses."""
    t, x = signal_of(exdef, samples, side)
    warnings: list[str] = []
    found = sum(1 for s in samples if s.pose is not None)
    if not samples or found == 0:
        warnings.append("nobody was found in the video")
    elif np.all(np.isnan(x)):
        warnings.append(f"the person was never in the {exdef.posture} posture of {exdef.name}")
    if exdef.hold is not None:
        holding = [bool(v >= exdef.hold_min_angle) for v in x]
        holds = analyze_holds(t, holding, exdef.hold, side)
        return TrackResult([], [], holds, t, x, warnings)
    reps, partials = analyze_reps(t, x, exdef.peaks, side)
    return TrackResult(reps, partials, [], t, x, warnings)

