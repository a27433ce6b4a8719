"""Exercise definitions as data, and the detector that runs one over a stream of poses.

An :class:`ExerciseDef` says which measure to follow (a joint angle, a leg's elevation, the
thighs' opening), in which postures, on one signal for both legs or on each leg, how the working
leg is recognised, and how peaks become reps (or how a hold is timed). :class:`Detector` is the
causal streaming form; :func:`analyze_samples` the offline analysis over a whole recording,
which replays the Detector for every counting decision and adds hindsight (final rep timings,
partial reps).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from repcount.detectors.core import (
    Candidate,
    HoldParams,
    HoldTimer,
    PeakParams,
    RepCounter,
    causal_references,
    classify,
    full_threshold,
    signal_candidates,
)
from repcount.detectors.features import CUES, LM, Posture, PostureTracker, leg_length_px, measure
from repcount.records import FloatArray, FormEvent, Hold, Pose, PoseSample, Rep, Side
from repcount.signals import SignalFilter

LegSide = Literal["left", "right"]
#: Seconds of side cue read before a rep's turning point to decide its side.
CUE_WINDOW_S = 0.4
#: Seconds before a turning point over which the legs' excursions are compared.
MOVER_WINDOW_S = 1.0
#: Turning points of the two legs' signals closer than this belong to one movement.
SAME_MOVEMENT_S = 0.8
#: Largest travel of a supporting ankle (in leg lengths) during a standing rep; more is walking.
MAX_FOOT_TRAVEL = 0.25
#: Seconds over which a hold's angle must be steady (rising into or lowering out of the hold
#: moves at 60-100 degrees/s; landmark jitter averages out over this window).
STEADY_WINDOW_S = 0.5
#: A holding angle within this of the hold's level counts as still at the level.
AT_LEVEL_DEG = 3.0
#: Largest turn of the pelvis (degrees, about the vertical) during a standing rep.
MAX_TURN_DEG = 30.0


@dataclass(frozen=True)
class SignalDef:
    """Which measure a detector follows.

    Attributes:
        measure: ``hip``, ``knee``, ``elbow`` (joint angles), ``elevation`` (leg raised above the
            body line), ``thigh_opening`` (clamshell) or ``trunk`` (sit-up).
        mode: ``image`` for the picture angle (precise side-on; unfolded past 180 with the sign of
            the 3D opening) or ``world`` for the 3D sagittal opening (holds up in oblique views).

    """

    measure: str = "hip"
    mode: Literal["image", "world"] = "image"


@dataclass(frozen=True)
class HoldDef:
    """When a hold position is kept.

    Attributes:
        min_angle: the followed angle must be at least this (hips up).
        other_measure: a second measure on the other leg that must stay above ``other_min``
            (the raised leg straight in a single-leg bridge), or None.
        other_min: threshold of ``other_measure``.
        max_speed: the angle must change slower than this (degrees/s): rising into position and
            lowering out of it are not holding.
        sag_tol: once holding, dropping this far below the hold's own level is a sag.
        params: debouncing of the hold timer.

    """

    min_angle: float = 155.0
    other_measure: str | None = None
    other_min: float = 140.0
    max_speed: float = 25.0
    sag_tol: float = 8.0
    params: HoldParams = field(default_factory=HoldParams)


@dataclass(frozen=True)
class ExerciseDef:
    """Declarative description of one exercise.

    Attributes:
        name: CLI name.
        description: one line for help texts.
        postures: postures in which the movement is counted (others gate the signal off, so
            getting into position or walking away is never counted).
        signal: the measure followed.
        legs: ``both`` follows one signal for both legs; ``per_leg`` follows each leg and gives
            each rep to the working leg found by ``cue``.
        cue: name of the side cue (see :data:`repcount.detectors.features.CUES`), per_leg only.
        cue_margin: the cue must exceed this to name a side; below it the rep is ``both`` when
            ``allow_both`` (e.g. both legs lifting together) and dropped otherwise.
        allow_both: whether a per_leg exercise may report ``both``.
        peaks: how peaks become reps.
        hold: hold timing for hold exercises (None for rep exercises).
        min_rep_s: reps faster than this get a "too fast" cue.
        min_visibility: landmarks less visible than this are ignored.
        max_gap_s: gaps up to this long are bridged.
        median_k: samples in the de-spiking median.
        target: default reps (or hold seconds) in the circuit.
        other_check: (measure, min) on the non-working leg checked per rep, e.g. the raised leg
            straight in a single-leg bridge; a rep below it gets the ``other_cue`` message.
        other_cue: (code, message) of that form cue.
        feet_planted: the supporting foot must stay put during a rep (standing exercises), so
            walking in or stepping up onto a box is not counted.

    """

    name: str
    description: str
    postures: tuple[Posture, ...]
    signal: SignalDef
    legs: Literal["both", "per_leg"] = "both"
    cue: str | None = None
    cue_margin: float = 0.1
    allow_both: bool = False
    peaks: PeakParams = field(default_factory=PeakParams)
    hold: HoldDef | None = None
    min_rep_s: float = 0.6
    min_visibility: float = 0.05
    max_gap_s: float = 0.5
    median_k: int = 3
    target: int = 10
    other_check: tuple[str, float] | None = None
    other_cue: tuple[str, str] = ("", "")
    feet_planted: bool = False


def other_side(side: LegSide) -> LegSide:
    """The other leg."""
    return "right" if side == "left" else "left"


def channel_sides(exdef: ExerciseDef, side: Side | None) -> tuple[Side, ...]:
    """Signals followed: one for both legs, or one per leg (only ``side`` when forced)."""
    if exdef.legs == "both":
        return ("both",)
    if side in ("left", "right"):
        return (side,)
    return ("left", "right")


def shares_range(exdef: ExerciseDef) -> bool:
    """Whether the two legs' candidates are judged against one shared reference range.

    When the working leg is recognised as the one that moves, both legs share the larger range,
    so the idle leg's wobbles are not measured against their own tiny range. With a side cue
    each leg keeps its own: the cue drops the idle leg's reps anyway, and from an oblique view
    the idle leg can even seem to move more (a lunge's rear knee).
    """
    return exdef.legs == "per_leg" and exdef.cue is None


def shared_reference(exdef: ExerciseDef, refs: dict[Side, float], side: Side) -> float:
    """Reference range of motion a leg's candidates are judged against (live)."""
    return max(refs.values()) if shares_range(exdef) else refs[side]


def raw_value(exdef: ExerciseDef, pose: Pose | None, side: Side, posture: Posture) -> float:
    """The followed measure of one pose for one signal (NaN when unusable or out of posture)."""
    if pose is None or posture not in exdef.postures:
        return float("nan")
    return measure(pose, exdef.signal.measure, side, exdef.signal.mode, exdef.min_visibility)


def cue_value(exdef: ExerciseDef, pose: Pose | None) -> float:
    """Working-leg cue of one pose (positive = left), NaN without a cue or a pose."""
    if exdef.cue is None or pose is None:
        return float("nan")
    return float(CUES[exdef.cue](pose))


def other_value(exdef: ExerciseDef, pose: Pose | None, side: Side) -> float:
    """The secondary check measure on the leg opposite ``side`` (NaN when not applicable)."""
    if exdef.other_check is None or pose is None or side == "both":
        return float("nan")
    return measure(pose, exdef.other_check[0], other_side(side), "image", exdef.min_visibility)


def frame_record(exdef: ExerciseDef, pose: Pose | None, values: dict[Side, float]) -> dict[str, float]:
    """Per-frame facts the attribution of a rep looks back at.

    The side cue, the secondary check on each leg, the followed signal of each leg and each
    ankle's position in leg lengths (to tell a rep from walking or stepping).
    """
    rec = {"cue": cue_value(exdef, pose)}
    for s in ("left", "right"):
        rec[f"other_{s}"] = other_value(exdef, pose, s)
        rec[f"sig_{s}"] = values.get(s, float("nan"))

    if pose is not None:
        p = pose.pixels()
        rec["leg_px"] = leg_length_px(pose)
        lat = pose.world[LM.LEFT_HIP] - pose.world[LM.RIGHT_HIP]
        rec["yaw"] = float(np.degrees(np.arctan2(lat[2], lat[0])))
        for s, idx in (("left", LM.LEFT_ANKLE), ("right", LM.RIGHT_ANKLE)):
            rec[f"ankle_{s}_x"] = float(p[idx][0])
            rec[f"ankle_{s}_y"] = float(p[idx][1])
    return rec


class Attributor:
    """Gives each candidate rep to a side and checks it, looking back from its turning point.

    Used identically live and offline: everything is read in a window that ends at the rep's
    peak, which is in the past when a live rep is announced, and the peak time is the same in
    both (the start and end estimates are not, until the rep has ended).
    """

    def __init__(self, exdef: ExerciseDef, forced: Side | None, keep_s: float = 120.0) -> None:
        self.exdef = exdef
        self.forced = forced
        self.keep_s = keep_s
        self._t: deque[float] = deque()
        self._rec: dict[str, deque[float]] = {}
        self.accepted: list[Rep] = []

    def record(self, t: float, rec: dict[str, float]) -> None:
        """Remember one frame's facts (kept for the last ``keep_s`` seconds)."""
        self._t.append(t)
        for k in set(self._rec) | set(rec):
            if k not in self._rec:
                self._rec[k] = deque([float("nan")] * (len(self._t) - 1))
            self._rec[k].append(rec.get(k, float("nan")))
        while self._t and self._t[0] < t - self.keep_s:
            self._t.popleft()
            for d in self._rec.values():
                d.popleft()

    def window(self, key: str, t0: float, t1: float) -> FloatArray:
        """Finite values of ``key`` recorded between ``t0`` and ``t1``."""
        if key not in self._rec:
            return np.zeros(0)
        t = np.fromiter(self._t, dtype=np.float64)
        v = np.fromiter(self._rec[key], dtype=np.float64)
        v = v[(t >= t0 - 1e-9) & (t <= t1 + 1e-9)]
        return v[np.isfinite(v)]

    def _excursion(self, key: str, rep: Rep) -> float:
        """The largest move of the signal ``key`` towards the turning point before the peak.

        Measured in the exercise's direction (a rise for polarity +1), so a leg that only
        wobbles back and forth (MediaPipe's far leg briefly following the near one) scores its
        small wobble, while two legs lifting together score alike even if one peaks later.
        """
        v = self.exdef.peaks.polarity * self.window(key, rep.peak_s - MOVER_WINDOW_S, rep.peak_s)
        return float(np.max(v - np.minimum.accumulate(v))) if len(v) >= 2 else 0.0

    def side_of(self, rep: Rep) -> Side | None:
        """The side a candidate rep belongs to, or None when it is the idle leg's movement."""
        if self.forced in ("left", "right"):
            return rep.side
        if self.exdef.legs == "per_leg" and self.exdef.cue is None:
            # The working leg is the one that moves: compare the two legs' excursions just
            # before the turning point.
            own = self._excursion(f"sig_{rep.side}", rep)
            oth = self._excursion(f"sig_{other_side(rep.side)}", rep)  # type: ignore[arg-type]
            rel = (own - oth) / max(own, oth, 1e-6)
            if rel > self.exdef.cue_margin:
                return rep.side
            if self.exdef.allow_both and abs(rel) <= self.exdef.cue_margin:
                return "both"
            return None
        cue = self.window("cue", rep.peak_s - CUE_WINDOW_S, rep.peak_s)
        c = float(np.median(cue)) if len(cue) else 0.0
        if self.exdef.legs == "both":
            # One signal for both legs; a cue (clamshell: the top leg) only names the side.
            if self.exdef.cue is None or abs(c) <= self.exdef.cue_margin:
                return "both"
            return "left" if c > 0 else "right"
        signed = c if rep.side == "left" else -c
        if signed > self.exdef.cue_margin:
            return rep.side
        if self.exdef.allow_both and abs(c) <= self.exdef.cue_margin:
            return "both"
        return None

    def feet_moved(self, rep: Rep, side: Side) -> bool:
        """Whether the person was repositioning just before the peak.

        That is, a supporting foot travelled (walking, stepping up) or the pelvis turned
        (walking in, turning to face the camera).
        """
        if not self.exdef.feet_planted:
            return False
        t0 = rep.peak_s - MOVER_WINDOW_S
        leg = self.window("leg_px", t0, rep.peak_s)
        if len(leg) == 0:
            return False
        scale = float(np.median(leg))
        yaw = self.window("yaw", t0, rep.peak_s)
        if len(yaw) >= 2 and float(np.ptp(np.degrees(np.unwrap(np.radians(yaw))))) > MAX_TURN_DEG:
            return True
        legs = ("left", "right") if side == "both" else (side,)
        for s in legs:
            for axis in ("x", "y"):
                v = self.window(f"ankle_{s}_{axis}", t0, rep.peak_s)
                if len(v) >= 2 and float(np.ptp(v)) > MAX_FOOT_TRAVEL * scale:
                    return True
        return False

    def other_median(self, rep: Rep, side: Side) -> float:
        """Median of the secondary check measure up to the turning point (NaN if none)."""
        if side == "both":
            return float("nan")
        v = self.window(f"other_{side}", rep.start_s, rep.peak_s)
        return float(np.median(v)) if len(v) else float("nan")

    def accept(self, rep: Rep) -> tuple[Rep | None, list[FormEvent]]:
        """Attribute a candidate; return the rep as counted (or None) and its form cues."""
        side = self.side_of(rep)
        if side is None or self.feet_moved(rep, side):
            return None, []
        # The two legs' signals can both see one movement (both legs lifting, or the idle leg
        # following the working one): a movement is counted once.
        if self.exdef.legs == "per_leg" and any(
                abs(r.peak_s - rep.peak_s) < SAME_MOVEMENT_S for r in self.accepted):
            return None, []
        cues: list[FormEvent] = []
        if rep.end_s - rep.start_s < self.exdef.min_rep_s and not rep.partial:
            cues.append(FormEvent(rep.peak_s, side, "too_fast", "slow down: control the movement"))
        if self.exdef.other_check is not None:
            v = self.other_median(rep, side)
            if np.isfinite(v) and v < self.exdef.other_check[1]:
                code, msg = self.exdef.other_cue
                cues.append(FormEvent(rep.peak_s, side, code, msg))
        if rep.partial:
            cues.append(FormEvent(rep.peak_s, side, "partial", f"partial rep: {rep.reason}"))
            return replace(rep, side=side, cues=tuple(c.code for c in cues)), cues
        index = sum(1 for r in self.accepted if r.side == side) + 1
        counted = replace(rep, side=side, index=index, cues=tuple(c.code for c in cues))
        self.accepted.append(counted)
        return counted, cues


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
    posture: str = "unknown"


class HoldTracker:
    """Hold timing on the working leg (chosen by the cue with hysteresis), one timer per side."""

    def __init__(self, exdef: ExerciseDef, forced: Side | None) -> None:
        assert exdef.hold is not None
        self.exdef = exdef
        self.hold = exdef.hold
        self.forced = forced
        self.timers: dict[Side, HoldTimer] = {
            s: HoldTimer(self.hold.params, s) for s in ("left", "right", "both")}
        self.side: Side = forced if forced in ("left", "right") else "both"
        self._cue_ema = 0.0
        self.holding = False
        self._why = ""
        self._recent: deque[tuple[float, float]] = deque()
        self._held: deque[tuple[float, float]] = deque()
        self._at_level_t = -1.0

    def working_side(self, cue: float) -> Side:
        """Update the working leg from the cue (EMA + hysteresis so it does not flicker)."""
        if self.forced in ("left", "right") or self.exdef.legs == "both":
            return self.side
        if np.isfinite(cue):
            self._cue_ema = 0.9 * self._cue_ema + 0.1 * cue
        m = self.exdef.cue_margin
        if self.side != "left" and self._cue_ema > 1.5 * m:
            self.side = "left"
        elif self.side != "right" and self._cue_ema < -1.5 * m:
            self.side = "right"
        return self.side

    def update(self, t: float, values: dict[Side, float], cue: float,
               other: dict[str, float]) -> tuple[list[Hold], list[FormEvent]]:
        """One frame: returns holds that closed and form cues raised."""
        side = self.working_side(cue)
        x = values.get(side, values.get("both", float("nan")))
        if side == "both" and "both" not in values:
            x = float("nan")
        level = self._plateau(t)
        floor = max(self.hold.min_angle, level - self.hold.sag_tol) if level else self.hold.min_angle
        hips_up = bool(np.isfinite(x) and x >= floor and self._steady(t, x))
        other_ok = True
        if self.hold.other_measure is not None and side != "both":
            ov = other.get(side, float("nan"))
            other_ok = not (np.isfinite(ov) and ov < self.hold.other_min)
        holding = hips_up and other_ok
        if holding:
            self._why = ""
            self._held.append((t, x))
            if not level or x >= level - AT_LEVEL_DEG:
                self._at_level_t = t
        elif not self._why:
            self._why = "raised_leg_bent" if hips_up else "hips_sagging"
        self.holding = holding
        closed: list[Hold] = []
        events: list[FormEvent] = []
        for s, timer in self.timers.items():
            h = timer.update(t, holding and s == side)
            if h is not None:
                if self._why == "hips_sagging" and h.start_s < self._at_level_t < h.end_s:
                    # The sag began when the hips left their level, before they fell past the
                    # tolerance: end the hold there.
                    h = replace(h, end_s=self._at_level_t)
                    timer.holds[-1] = h
                closed.append(h)
                # Said once, when the timer actually pauses (not on every jittery frame).
                msg = ("keep the raised leg straight" if self._why == "raised_leg_bent"
                       else "hips dropped: the hold timer paused")
                events.append(FormEvent(t, s, self._why or "hips_sagging", msg))
        return closed, events

    def _plateau(self, t: float) -> float:
        """Median angle of the last 3 s of holding (0 before any): the level a sag drops from."""
        while self._held and self._held[0][0] < t - 3.0:
            self._held.popleft()
        if len(self._held) < 5:
            return 0.0
        return float(np.median([v for _, v in self._held]))

    def _steady(self, t: float, x: float) -> bool:
        """Whether the angle changed slower than ``max_speed`` over the last 0.5 s."""
        self._recent.append((t, x))
        while len(self._recent) > 1 and self._recent[1][0] <= t - STEADY_WINDOW_S:
            self._recent.popleft()
        t0, x0 = self._recent[0]
        if t - t0 < 0.2 or not np.isfinite(x0):
            return True
        return abs(x - x0) / (t - t0) < self.hold.max_speed

    def finish(self) -> list[Hold]:
        """Close open holds at the end of the stream."""
        return [h for h in (t.finish() for t in self.timers.values()) if h is not None]

    def total(self, t: float) -> float:
        """Seconds held on the current working side."""
        return self.timers[self.side].total(t)

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far, in time order."""
        return sorted((h for t in self.timers.values() for h in t.holds), key=lambda h: h.start_s)


class Detector:
    """Causal streaming detector for one exercise.

    Args:
        exdef: the exercise definition.
        fps: nominal sample rate.
        side: force the working leg (``left``/``right``); None decides automatically.

    """

    def __init__(self, exdef: ExerciseDef, fps: float = 30.0, side: Side | None = None) -> None:
        self.exdef = exdef
        self.forced = side if side in ("left", "right") else None
        self.sides = channel_sides(exdef, self.forced)
        self._filters = {s: SignalFilter(exdef.max_gap_s, exdef.median_k) for s in self.sides}
        self._counters = {s: RepCounter(exdef.peaks, s, fps_hint=fps) for s in self.sides}
        self._attr = Attributor(exdef, self.forced)
        self._holds = HoldTracker(exdef, self.forced) if exdef.hold else None
        self._values: dict[Side, float] = {}
        #: The per-frame facts of the last sample (see :func:`frame_record`).
        self.last_record: dict[str, float] = {}
        self._t = 0.0
        self._posture: Posture = "unknown"
        self._postures = PostureTracker()
        self.partials: list[Rep] = []
        self.events: list[FormEvent] = []

    def update(self, sample: PoseSample) -> list[Rep | Hold | FormEvent]:
        """Feed one frame's pose; return reps, holds and form cues completed by it."""
        pose = sample.pose
        self._t = sample.t
        self._posture = self._postures.update(sample.t, pose)
        values = {s: self._filters[s].update(sample.t, raw_value(self.exdef, pose, s, self._posture))
                  for s in self.sides}
        self._values = values
        rec = frame_record(self.exdef, pose, values)
        self.last_record = rec
        self._attr.record(sample.t, rec)
        cue = rec["cue"]
        other = {s: rec[f"other_{s}"] for s in ("left", "right")}
        out: list[Rep | Hold | FormEvent] = []
        if self._holds is not None:
            holds, events = self._holds.update(sample.t, values, cue, other)
            out.extend(holds)
            out.extend(events)
            self.events.extend(events)
            return out
        refs = {k: c.reference() for k, c in self._counters.items()}
        for s in self.sides:
            for cand in self._counters[s].update(sample.t, values[s],
                                                 shared_reference(self.exdef, refs, s)):
                rep, cues = self._attr.accept(cand)
                if rep is not None:
                    out.append(rep)
                out.extend(cues)
                self.events.extend(cues)
        return out

    def finish(self) -> list[Hold]:
        """Close an open hold at the end of the stream."""
        return self._holds.finish() if self._holds else []

    def value(self, side: Side) -> float:
        """The filtered signal of ``side`` at the last sample (NaN when unusable)."""
        return self._values.get(side, float("nan"))

    @property
    def reps(self) -> list[Rep]:
        """Reps counted so far."""
        return list(self._attr.accepted)

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far."""
        return self._holds.holds if self._holds else []

    @property
    def side(self) -> Side:
        """The side currently followed (for the overlay)."""
        if self._holds is not None:
            return self._holds.side
        if self._attr.accepted:
            return self._attr.accepted[-1].side
        return self.forced or "both"

    def state(self) -> DetectorState:
        """Snapshot for the overlay."""
        side = self.side
        key: Side = side if side in self._counters else self.sides[0]
        counter = self._counters[key]
        ref = counter.reference()
        p = self.exdef.peaks
        angle = self._values.get(key, float("nan"))
        hold_s = self._holds.total(self._t) if self._holds else 0.0
        return DetectorState(
            t=self._t,
            side=side,
            count=sum(1 for r in self._attr.accepted if r.side == side),
            angle=angle,
            reference_rom=ref,
            full_threshold=full_threshold(p, ref),
            hold_s=hold_s,
            holding=bool(self._holds is not None and self._holds.holding),
            posture=self._posture,
        )


@dataclass(frozen=True)
class TrackResult:
    """Offline detection over a whole recording."""

    reps: list[Rep]
    partials: list[Rep]
    holds: list[Hold]
    events: list[FormEvent]
    t: FloatArray
    signal: FloatArray
    signals: dict[str, FloatArray]
    warnings: list[str]


def nominal_fps(samples: Sequence[PoseSample]) -> float:
    """Frame rate of a recording from its median frame interval (30 when unknown)."""
    if len(samples) < 2:
        return 30.0
    dt = float(np.median(np.diff([s.t for s in samples])))
    return 1.0 / dt if dt > 0 else 30.0


def analyze_samples(exdef: ExerciseDef, samples: Sequence[PoseSample],
                    side: Side | None = None) -> TrackResult:
    """Offline analysis of a whole recording of poses.

    Every counting decision is the streaming :class:`Detector`'s, replayed over the recording,
    so live and offline counts agree by construction (a live count is never taken back, so
    hindsight must not change it either). Hindsight adds what a live counter cannot know yet:
    each rep's start, end and range of motion from the whole signal, and the partial reps
    (movements that reached less than the full-rep share of the range known at their turning
    point), attributed to a leg like counted reps.
    """
    det = Detector(exdef, nominal_fps(samples), side)
    n = len(samples)
    t = np.array([s.t for s in samples], dtype=np.float64)
    sig: dict[Side, FloatArray] = {k: np.full(n, np.nan) for k in det.sides}
    # Partials are judged after the fact, so their attribution needs the whole recording.
    attr = Attributor(exdef, det.forced, keep_s=float("inf"))
    for i, s in enumerate(samples):
        det.update(s)
        for k in det.sides:
            sig[k][i] = det.value(k)
        attr.record(s.t, det.last_record)
    det.finish()
    warnings: list[str] = []
    if sum(1 for s in samples if s.pose is not None) == 0:
        warnings.append("nobody was found in the video")
    elif all(np.all(np.isnan(x)) for x in sig.values()):
        warnings.append(f"the person was never in the position of {exdef.name} "
                        f"({' or '.join(exdef.postures)})")
    signals = {str(k): v for k, v in sig.items()}
    main_signal = sig[det.sides[0]]
    events = list(det.events)
    if exdef.hold is not None:
        return TrackResult([], [], det.holds, events, t, main_signal, signals, warnings)

    per_side = {k: signal_candidates(t, sig[k], exdef.peaks) for k in det.sides}
    counted = [_refined(r, per_side, exdef.peaks.min_period_s) for r in det.reps]
    everyone = [c for v in per_side.values() for c in v]
    partial_cands: list[Rep] = []
    for k in det.sides:
        pool = everyone if shares_range(exdef) else per_side[k]
        _, partials = classify(per_side[k], causal_references(per_side[k], pool), exdef.peaks, k)
        partial_cands.extend(p for p in partials if all(
            abs(p.peak_s - r.peak_s) >= SAME_MOVEMENT_S for r in counted))
    attr.accepted = list(counted)
    # On a per-leg exercise a partial rep is an incomplete movement of a working leg: the idle
    # leg's wobbles (MediaPipe's far leg following the near one) are not reported.
    working = {r.side for r in counted} if exdef.legs == "per_leg" and counted else None
    partials_out: list[Rep] = []
    for cand in sorted(partial_cands, key=lambda r: (r.peak_s, r.side)):
        rep, cues = attr.accept(cand)
        if rep is not None and (working is None or rep.side in working):
            partials_out.append(rep)
            events.extend(cues)
    events.sort(key=lambda e: e.t)
    if counted:
        by_side = {s: sum(1 for r in counted if r.side == s) for s in ("left", "right", "both")}
        main = max(by_side, key=lambda k: by_side[k])
        if main in sig:
            main_signal = sig[main]
    return TrackResult(counted, partials_out, [], events, t, main_signal, signals, warnings)


def _refined(rep: Rep, per_side: dict[Side, list[Candidate]], within_s: float) -> Rep:
    """A live rep with the start, end and range of motion of the whole signal's candidate.

    Live, they are estimated when the rep is announced, before the signal is back at rest.
    The candidate is the one nearest the rep's turning point, on the rep's own signal first.
    """
    sides = sorted(per_side, key=lambda k: k != rep.side)
    for k in sides:
        near = [c for c in per_side[k] if abs(c.peak_s - rep.peak_s) < within_s]
        if near:
            c = min(near, key=lambda c: abs(c.peak_s - rep.peak_s))
            return replace(rep, start_s=min(c.start_s, rep.peak_s), end_s=max(c.end_s, rep.peak_s),
                           rom_deg=max(c.prominence, rep.rom_deg))
    return rep
