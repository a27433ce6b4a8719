"""Exercise definitions as data: what to follow, how the working leg is found, how peaks count.

An :class:`ExerciseDef` names a measure (a joint opening, a leg's elevation, the thighs'
opening), the stance it is done in, how its two legs are followed (one signal for both, each
leg with the one that moves being the working one, or the leg a geometric cue names), how
peaks become reps (:class:`PeakParams`) or how a hold is timed (:class:`HoldDef`), and which
gates may withhold a movement. Names of measures and cues are checked against their registries
when a definition is made, so a typo fails at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from repcount.signals.features import CUES, MEASURES, CueName, MeasureName

#: How the two legs are followed: one signal for both (``both``), each leg with the side given
#: by the leg that moves (``mover``), the leg a geometric cue names (``cue``), or one signal of
#: whichever leg is further out (``envelope``: a lifted leg is the higher one whatever its
#: label, so label swaps and a far leg copying the near one cannot split or double a rep; the
#: side is the leg that is further out at the turning point).
LegMode = Literal["both", "mover", "cue", "envelope"]
#: The stance an exercise is done in; frames clearly in the other one are not counted.
StanceReq = Literal["upright", "lying", "any"]


@dataclass(frozen=True)
class PeakParams:
    """How peaks of a signal become repetitions.

    Attributes:
        polarity: +1 when the turning point of a rep is a maximum of the signal, -1 a minimum.
        min_rom: smallest prominence (signal units) worth considering at all: MediaPipe jitter
            and idle sway stay below it.
        full_frac: a rep counts when its prominence reaches this fraction of the reference
            range (the median of the recent counted reps).
        partial_frac: between this and ``full_frac`` the movement is reported as partial.
        min_full_rom: the smallest prominence of a full rep (signal units), so that the first
            movement of a set must be a real one; far below any rep's range (50 % range of
            motion, seen obliquely), above fidgeting.
        min_width_s: shortest rep (width at half prominence); faster bumps are jitter.
        min_period_s: peaks closer than this are one movement.
        max_width_s: longest rep; slower drifts (re-positioning) are not reps.
        edge_height: relative height (from the peak) at which a rep starts and ends.
        window_s: how much history the streaming counter keeps.
        max_rom: the largest movement the exercise's joint can make (None: no limit); a bigger
            one is a change of position (lying down, rolling over), withheld as
            ``beyond_range`` and never a reference for the reps.

    """

    polarity: int = 1
    min_rom: float = 6.0
    full_frac: float = 0.5
    partial_frac: float = 0.25
    min_full_rom: float = 12.0
    min_width_s: float = 0.2
    min_period_s: float = 0.5
    max_width_s: float = 15.0
    edge_height: float = 0.9
    window_s: float = 30.0
    max_rom: float | None = None


@dataclass(frozen=True)
class HoldParams:
    """How a per-sample "in position" condition becomes hold intervals.

    Attributes:
        min_hold_s: shortest interval reported as a hold.
        grace_s: a lapse shorter than this does not break the hold (landmark jitter); longer
            lapses pause the timer.

    """

    min_hold_s: float = 1.0
    grace_s: float = 0.3


@dataclass(frozen=True)
class HoldDef:
    """When a hold position is kept.

    Attributes:
        min_rise: the followed angle must be at least this far above its resting level (the
            low level seen before): the hips up in a bridge.
        abs_min: before any resting level has been seen (the recording starts in the hold),
            the angle must be at least this: nearly straight, higher than anyone lies.
        other_measure: a measure on the other leg that must not stay below ``other_min``
            (the raised leg straight in a single-leg bridge), or None.
        other_min: threshold of ``other_measure``; the hold pauses when most of a second's
            frames are below it.
        max_speed: the angle must change slower than this (degrees/s): rising into position
            and lowering out of it are not holding.
        sag_tol: once holding, dropping this far below the hold's own level (and further
            than its jitter explains) is a sag.
        params: debouncing of the hold timer.

    """

    min_rise: float = 20.0
    abs_min: float = 165.0
    other_measure: MeasureName | None = None
    other_min: float = 120.0
    max_speed: float = 25.0
    sag_tol: float = 12.0
    params: HoldParams = field(default_factory=HoldParams)

    def __post_init__(self) -> None:
        if self.other_measure is not None and self.other_measure not in MEASURES:
            raise ValueError(f"unknown measure {self.other_measure!r}")


@dataclass(frozen=True)
class SignalDef:
    """Which measure a detector follows.

    Attributes:
        measure: ``hip``, ``knee``, ``elbow`` (joint openings), ``elevation`` (leg raised above
            the body line), ``thigh_opening`` (clamshell) or ``trunk`` (sit-up).
        mode: ``image`` (the picture angle, signed by the body's facing) or ``world`` (the 3D
            opening).

    """

    measure: MeasureName = "hip"
    mode: Literal["image", "world"] = "image"

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure {self.measure!r}; known: {', '.join(MEASURES)}")


@dataclass(frozen=True)
class ExerciseDef:
    """Declarative description of one exercise.

    Attributes:
        name: CLI name.
        title: the name users see ("Single-leg bridge").
        description: one line for help texts.
        stance: ``upright`` or ``lying``: frames clearly in the other stance are not counted
            (walking in, lying down to start); ``any`` counts everything (sit-ups).
        postures: the postures the exercise is done in, for setup guidance ("lie on your
            side"); not a gate.
        signal: the measure followed.
        legs: how the legs are followed (see :data:`LegMode`).
        cue: the side cue for ``legs="cue"`` (see :data:`repcount.signals.features.CUES`), or the
            cue naming the side of a ``both`` signal (clamshell: the top leg).
        cue_margin: the cue (``cue``) or the legs' relative excursion (``mover``) must exceed
            this to name a side on its own; below it the side of the set so far is kept.
        allow_both: a ``mover`` exercise may report ``both`` when both legs move alike.
        peaks: how peaks become reps.
        hold: hold timing for hold exercises (None for rep exercises).
        min_rep_s: reps faster than this get a "too fast" cue.
        min_visibility: landmarks less visible than this are ignored (only those out of frame).
        max_gap_s: gaps up to this long are bridged.
        median_k: frames of the de-spiking running median.
        target: default reps (or hold seconds) in the circuit.
        other_check: (measure, min) on the non-working leg checked per rep, e.g. the raised leg
            straight in a single-leg bridge; a rep below it gets the ``other_cue`` message.
        other_cue: (code, message) of that form cue.
        feet_planted: the working foot (or both feet) must stay put during a rep, so walking,
            stepping and lifting the free leg are not counted (standing exercises).
        trunk_moves: the trunk's angle is part of the movement (sit-ups): no posture-change gate.

    """

    name: str
    title: str
    description: str
    stance: StanceReq
    postures: tuple[str, ...]
    signal: SignalDef
    legs: LegMode = "both"
    cue: CueName | None = None
    cue_margin: float = 0.1
    allow_both: bool = False
    peaks: PeakParams = field(default_factory=PeakParams)
    hold: HoldDef | None = None
    min_rep_s: float = 0.6
    min_visibility: float = 0.05
    max_gap_s: float = 0.5
    #: MediaPipe's glitches (a knee or ankle flicking to the other leg, a fold of the skeleton)
    #: last up to three frames: a 7-frame median removes them, while a rep keeps its count and
    #: a live count is delayed by three frames.
    median_k: int = 7
    target: int = 10
    other_check: tuple[str, float] | None = None
    other_cue: tuple[str, str] = ("", "")
    feet_planted: bool = False
    trunk_moves: bool = False

    def __post_init__(self) -> None:
        if self.cue is not None and self.cue not in CUES:
            raise ValueError(f"{self.name}: unknown cue {self.cue!r}; known: {', '.join(CUES)}")
        if self.legs == "cue" and self.cue is None:
            raise ValueError(f"{self.name}: legs='cue' needs a cue")
        if self.other_check is not None and self.other_check[0] not in MEASURES:
            raise ValueError(f"{self.name}: unknown measure {self.other_check[0]!r}")


def other_side(side: str) -> Literal["left", "right"]:
    """The other leg."""
    return "right" if side == "left" else "left"
