"""Left/right balance and tempo per exercise: what the circuit is for.

From the counted reps and holds of one exercise, per leg: reps, range of motion (mean and
spread), time per rep split into the way out (start to turning point), the way back (turning
point to rest) and the pause before the next rep, time under tension, hold time and its
steadiness: how far the hips sank while the timer ran (``sag_deg``) and how often they
dropped far enough to pause it (``hold_breaks``). The two legs are then compared as an
asymmetry in percent of the stronger leg, ``100 * (left - right) / max(left, right)``:
positive when the left leg did more.

A difference is flagged past :data:`ASYMMETRY_FLAG_PCT` (10 %): a limb symmetry index below
90 % is the usual clinical line for a side-to-side deficit (return-to-sport testing after a
hamstring or knee injury uses it). Legs are compared only when both did some of the exercise,
so a session that worked one leg shows no false 100 % asymmetry.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from repcount.records import Hold, Rep, Side

#: Asymmetry (percent of the stronger leg) past which a difference is flagged.
ASYMMETRY_FLAG_PCT = 10.0
#: A gap between reps longer than this is a break between sets, not a pause within one.
SET_BREAK_S = 10.0
#: What is compared between the legs: (key, label).
COMPARED = (("reps", "reps"), ("rom_mean_deg", "range of motion"), ("hold_s", "hold time"),
            ("rep_s", "time per rep"), ("tut_s", "time under tension"))
#: A range-of-motion difference is flagged only when it is also this many standard errors
#: (Welch) away from no difference: the reps' own spread says how well the means are known.
#: On a mirrored copy of the same clips MediaPipe measured the legs' ranges up to 16 % apart
#: (prone lift, bridge: 3-5° on 5-6 reps each), within 2 standard errors.
ROM_SIGNIFICANCE = 2.0
#: The figures where less on one leg is a deficit, and so flagged. Tempo is shown, not
#: flagged: a slower rep is not a weaker one.
FLAGGED_ON = ("reps", "rom_mean_deg", "hold_s")


def _mean(xs: Sequence[float]) -> float | None:
    return float(sum(xs) / len(xs)) if xs else None


def _sd(xs: Sequence[float]) -> float | None:
    if len(xs) < 2:
        return None
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


@dataclass(frozen=True)
class LegStats:
    """One leg's work on one exercise (times in seconds, angles in degrees).

    ``None`` where there is nothing to measure (no reps, or a single one for a spread).
    """

    side: Side
    reps: int
    partial_reps: int
    rom_mean_deg: float | None
    rom_sd_deg: float | None
    out_s: float | None
    back_s: float | None
    pause_s: float | None
    rep_s: float | None
    tut_s: float
    hold_s: float
    sag_deg: float | None
    hold_breaks: int = 0

    @property
    def worked(self) -> bool:
        """Whether this leg did any of the exercise."""
        return self.reps > 0 or self.hold_s > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form (rounded)."""
        def r(x: float | None, nd: int = 2) -> float | None:
            return None if x is None else round(x, nd)

        return {"side": self.side, "reps": self.reps, "partial_reps": self.partial_reps,
                "rom_mean_deg": r(self.rom_mean_deg, 1), "rom_sd_deg": r(self.rom_sd_deg, 1),
                "out_s": r(self.out_s), "back_s": r(self.back_s), "pause_s": r(self.pause_s),
                "rep_s": r(self.rep_s), "tut_s": r(self.tut_s, 1), "hold_s": r(self.hold_s, 1),
                "sag_deg": r(self.sag_deg, 1), "hold_breaks": self.hold_breaks}


def leg_stats(side: Side, reps: Iterable[Rep], holds: Iterable[Hold] = ()) -> LegStats:
    """Balance and tempo figures of one leg from its reps (full and partial) and holds."""
    mine = sorted((r for r in reps if r.side == side), key=lambda r: r.start_s)
    full = [r for r in mine if not r.partial]
    held = [h for h in holds if h.side == side]
    pauses = [b.start_s - a.end_s for a, b in itertools.pairwise(full)
              if 0 <= b.start_s - a.end_s <= SET_BREAK_S]
    sags = [h.sag_deg for h in held if h.sag_deg is not None]
    held.sort(key=lambda h: h.start_s)
    # A hold the hips dropped out of and came back to: the timer paused in between.
    breaks = sum(1 for a, b in itertools.pairwise(held) if b.start_s - a.end_s <= SET_BREAK_S)
    hold_s = sum(h.duration_s for h in held)
    return LegStats(
        side=side, reps=len(full), partial_reps=len(mine) - len(full),
        rom_mean_deg=_mean([r.rom_deg for r in full]), rom_sd_deg=_sd([r.rom_deg for r in full]),
        out_s=_mean([r.peak_s - r.start_s for r in full]),
        back_s=_mean([r.end_s - r.peak_s for r in full]),
        pause_s=_mean(pauses), rep_s=_mean([r.end_s - r.start_s for r in full]),
        # Under tension: moving through a rep (partial ones too) or holding.
        tut_s=sum(r.end_s - r.start_s for r in mine) + hold_s,
        hold_s=hold_s, sag_deg=max(sags) if sags else None, hold_breaks=breaks)


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """``100 * (left - right) / max(left, right)``; None when either is missing or both are 0."""
    if left is None or right is None:
        return None
    top = max(left, right)
    return None if top <= 0 else 100.0 * (left - right) / top


@dataclass(frozen=True)
class Balance:
    """Per-leg figures of one exercise and how the legs compare."""

    exercise: str
    legs: tuple[LegStats, ...]
    asymmetry: dict[str, float]
    flagged: tuple[str, ...]

    def leg(self, side: Side) -> LegStats | None:
        """The figures of one leg (None when it did nothing)."""
        return next((x for x in self.legs if x.side == side), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``legs`` per side, ``asymmetry_pct`` per compared figure, ``flagged``."""
        return {"exercise": self.exercise, "legs": [x.to_dict() for x in self.legs],
                "asymmetry_pct": {k: round(v, 1) for k, v in self.asymmetry.items()},
                "flag_pct": ASYMMETRY_FLAG_PCT, "flagged": list(self.flagged)}


def _rom_differs(left: LegStats | None, right: LegStats | None) -> bool:
    """Whether the legs' mean ranges differ beyond their reps' spread (see ROM_SIGNIFICANCE)."""
    if left is None or right is None or left.rom_mean_deg is None or right.rom_mean_deg is None:
        return False
    if left.rom_sd_deg is None or right.rom_sd_deg is None:  # one rep a leg: nothing to judge by
        return True
    se = math.sqrt(left.rom_sd_deg ** 2 / left.reps + right.rom_sd_deg ** 2 / right.reps)
    return abs(left.rom_mean_deg - right.rom_mean_deg) > ROM_SIGNIFICANCE * se


def balance(exercise: str, reps: Iterable[Rep], holds: Iterable[Hold] = ()) -> Balance:
    """Compare the legs on one exercise (``both``-leg work is reported but not compared)."""
    reps, holds = list(reps), list(holds)
    legs = tuple(s for s in (leg_stats(side, reps, holds) for side in ("left", "right", "both"))
                 if s.worked or s.partial_reps)
    left, right = (next((x for x in legs if x.side == s), None) for s in ("left", "right"))
    asym: dict[str, float] = {}
    if left is not None and right is not None and left.worked and right.worked:
        for key, _ in COMPARED:
            a = asymmetry_pct(getattr(left, key), getattr(right, key))
            if a is not None:
                asym[key] = a
    flagged = tuple(label for key, label in COMPARED
                    if key in FLAGGED_ON and key in asym and abs(asym[key]) > ASYMMETRY_FLAG_PCT
                    and (key != "rom_mean_deg" or _rom_differs(left, right)))
    return Balance(exercise, legs, asym, flagged)


__all__ = ["ASYMMETRY_FLAG_PCT", "Balance", "LegStats", "asymmetry_pct", "balance", "leg_stats"]
