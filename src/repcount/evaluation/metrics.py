"""Accuracy of one clip against its label, and summaries over sets of clips.

Per clip: normalised absolute count error ``|pred - true| / true`` (MAE is its mean), off by at
most one (OBO), whether the reps were given to the right leg (per-leg clips), the hold-time
error in seconds, whether ``--exercise auto`` named the right exercise (or none for ``other``
clips), the plain-peaks baseline's count, and the withheld movements by reason.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from repcount.evaluation.labels import Label
from repcount.records import Hold, PoseSample, Rep

#: Exercises whose reps and holds belong to one leg (the side conventions of the brief).
PER_LEG = {"single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
           "clamshell", "lunge"}
#: Share of a per-leg clip's reps (or hold time) that must be on the labelled leg.
SIDE_SHARE = 0.9


def norm_abs_error(pred: int | None, true: int | None) -> float | None:
    """Normalised absolute count error ``|pred - true| / true`` (None when undefined)."""
    if pred is None or true is None or true <= 0:
        return None
    return abs(pred - true) / true


def off_by_one(pred: int | None, true: int | None) -> bool | None:
    """Whether the count is within one of the truth (None when there is no true count)."""
    if pred is None or true is None:
        return None
    return abs(pred - true) <= 1


def total_hold_s(holds: Iterable[tuple[float, float]]) -> float:
    """Total seconds of a list of ``(start_s, end_s)`` intervals."""
    return float(sum(max(0.0, b - a) for a, b in holds))


def _mean(xs: Iterable[float | None]) -> float | None:
    vals = [float(x) for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def rep_timing_error_s(true_times: Sequence[tuple[float, float]], reps: Sequence[Rep],
                       tolerance_s: float = 1.0) -> float | None:
    """Mean time error of the counted reps against the labelled ``(start_s, end_s)`` ones.

    Each labelled rep is matched to the counted rep whose middle is nearest its own (within
    ``tolerance_s`` of overlap: a rep not found at all is a count error, not a timing one), and
    scored by the mean of its start and end errors. None without labelled times or matches.
    """
    if not true_times or not reps:
        return None
    errors = []
    free = sorted(reps, key=lambda r: r.start_s)
    for start, end in true_times:
        mid = 0.5 * (start + end)
        best = min(free, key=lambda r: abs(0.5 * (r.start_s + r.end_s) - mid), default=None)
        if best is None or best.start_s > end + tolerance_s or best.end_s < start - tolerance_s:
            continue
        errors.append(0.5 * (abs(best.start_s - start) + abs(best.end_s - end)))
        free.remove(best)
    return float(sum(errors) / len(errors)) if errors else None


def side_correct(label: Label, reps: Sequence[Rep], holds: Sequence[Hold]) -> bool | None:
    """Whether a per-leg clip's reps (or hold time) went to the labelled leg.

    None when the clip is not scored on sides (two-leg exercises, ``both``/``alternating``/
    ``unknown`` labels). A clip that switches leg is judged set by set, on the reps inside each
    set's time span. Nothing counted on a per-leg clip is a wrong side.
    """
    if label.exercise not in PER_LEG:
        return None
    if label.side in ("left", "right"):
        spans = [(label.side, -math.inf, math.inf)]
    elif label.side == "switch" and label.sets:
        spans = [(s.side, s.start_s, s.end_s) for s in label.sets]
    else:
        return None
    for side, t0, t1 in spans:
        if holds and label.reps is None:
            inside = [h for h in holds if t0 - 1.0 <= h.start_s <= t1 + 1.0]
            total = sum(h.duration_s for h in inside)
            if total <= 0 or sum(h.duration_s for h in inside if h.side == side) < SIDE_SHARE * total:
                return False
            continue
        inside_r = [r for r in reps if t0 <= r.peak_s <= t1]
        if not inside_r or sum(1 for r in inside_r if r.side == side) < SIDE_SHARE * len(inside_r):
            return False
    return True


@dataclass
class ClipRow:
    """The measurement of one clip (one table row, one JSON object).

    Count columns are None for hold-only labels and for exercises that are not ours; hold
    columns are None for clips with neither labelled holds nor a hold detector.
    """

    index: int
    file: str
    exercise: str
    view: str
    true_reps: int | None
    dataset: str = ""
    split: str = ""
    side: str = ""
    counted_reps: int | None = None
    per_side: dict[str, int] = field(default_factory=dict)
    norm_error: float | None = None
    obo: bool | None = None
    side_ok: bool | None = None
    true_hold_s: float | None = None
    counted_hold_s: float | None = None
    hold_error_s: float | None = None
    auto: str | None = None
    auto_ok: bool | None = None
    baseline_reps: int | None = None
    baseline_error: float | None = None
    #: Mean start/end error (s) of the counted reps against the labelled rep times.
    timing_error_s: float | None = None
    partials: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    pose_fps: float = 0.0
    detect_fps: float = 0.0
    cached: bool = False
    frames: int = 0
    wall_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (rounded floats)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 4)
        return d

    @property
    def worse_than_baseline(self) -> bool:
        """Whether the plain-peaks baseline is nearer the true count than repcount."""
        return (self.norm_error is not None and self.baseline_error is not None
                and self.baseline_error < self.norm_error - 1e-9)


def score(label: Label, reps: Sequence[Rep], holds: Sequence[Hold], *, has_hold_detector: bool,
          auto: str | None = None, auto_checked: bool = False, partials: int = 0,
          rejected: Iterable[str] = (), baseline: int | None = None) -> ClipRow:
    """Compare what was found in a clip with its label."""
    counted = len(reps)
    scored = label.ours and label.reps is not None
    hold_scored = bool(label.holds) or label.reps is None or has_hold_detector
    true_hold = total_hold_s(label.holds) if hold_scored else None
    got_hold = float(sum(h.duration_s for h in holds)) if hold_scored else None
    expected_auto = label.exercise if label.ours else None
    per_side: dict[str, int] = dict(Counter(str(r.side) for r in reps))
    return ClipRow(
        index=label.index, file=label.file, exercise=label.exercise, view=label.view,
        true_reps=label.reps, split=label.split, side=label.side,
        counted_reps=counted if label.reps is not None else None, per_side=per_side,
        norm_error=norm_abs_error(counted, label.reps) if scored else None,
        obo=off_by_one(counted, label.reps) if scored else None,
        side_ok=side_correct(label, reps, holds) if label.ours else None,
        true_hold_s=true_hold, counted_hold_s=got_hold,
        hold_error_s=abs(got_hold - true_hold) if got_hold is not None and true_hold is not None else None,
        auto=auto if auto_checked else None,
        auto_ok=(auto == expected_auto) if auto_checked else None,
        baseline_reps=baseline if scored else None,
        baseline_error=norm_abs_error(baseline, label.reps) if scored and baseline is not None else None,
        timing_error_s=rep_timing_error_s(label.rep_times, reps) if scored else None,
        partials=partials, rejected=dict(Counter(rejected)),
    )


def evaluate_samples(label: Label, samples: Sequence[PoseSample], *, check_auto: bool = True) -> ClipRow:
    """Score a clip from its landmark samples alone (no model, no video): the regression path.

    The labelled exercise runs through :func:`repcount.detectors.analyze_samples`; a label that
    is not ours runs through recognition and whatever it recognises.
    """
    from repcount.detectors import EXERCISES, analyze_samples
    from repcount.detectors.recognition import recognise
    from repcount.evaluation.plain_peaks import plain_peaks_count

    t0 = time.perf_counter()
    auto: str | None = None
    if check_auto or not label.ours:
        auto, _ = recognise(samples)
    exdef = EXERCISES[label.exercise] if label.ours else (EXERCISES[auto] if auto else None)
    result = analyze_samples(exdef, samples) if exdef is not None else None
    row = score(label, result.reps if result else [], result.holds if result else [],
                has_hold_detector=bool(exdef and exdef.hold), auto=auto,
                auto_checked=check_auto or not label.ours,
                partials=len(result.partials) if result else 0,
                rejected=[r.code for r in result.rejected] if result else (),
                baseline=plain_peaks_count(label.exercise, samples, label.side) if label.ours else None)
    row.frames = len(samples)
    row.wall_s = time.perf_counter() - t0
    row.detect_fps = row.frames / row.wall_s if row.wall_s > 0 else 0.0
    row.warnings = list(result.warnings) if result else []
    return row


def summarise(rows: Sequence[ClipRow], key: str = "exercise") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Figures per group (``exercise`` or ``dataset``) and overall.

    MAE and OBO are means over the clips with a true count (OBO as a fraction); side accuracy
    over per-leg clips; the hold error over clips scored on holds; ``auto`` over clips where
    recognition ran. Clips with an error are only counted in ``errors``.
    """

    def block(rs: Sequence[ClipRow]) -> dict[str, Any]:
        ok = [r for r in rs if r.error is None]
        counted = [r for r in ok if r.norm_error is not None]
        sided = [r for r in ok if r.side_ok is not None]
        autos = [r for r in ok if r.auto_ok is not None]
        holds = [r for r in ok if r.hold_error_s is not None]
        based = [r for r in counted if r.baseline_error is not None]
        timed = [r for r in counted if r.timing_error_s is not None]
        rejected: Counter[str] = Counter()
        for r in ok:
            rejected.update(r.rejected)
        return {
            "n": len(rs),
            "n_counted": len(counted),
            "mae": _mean(r.norm_error for r in counted),
            "obo": _mean(float(bool(r.obo)) for r in counted),
            "n_sided": len(sided),
            "side_acc": _mean(float(bool(r.side_ok)) for r in sided),
            "n_holds": len(holds),
            "mean_hold_error_s": _mean(r.hold_error_s for r in holds),
            "max_hold_error_s": max((r.hold_error_s for r in holds if r.hold_error_s is not None),
                                    default=None),
            "auto_n": len(autos),
            "auto_ok": sum(1 for r in autos if r.auto_ok),
            "baseline_mae": _mean(r.baseline_error for r in based),
            "baseline_obo": _mean(float(abs((r.baseline_reps or 0) - (r.true_reps or 0)) <= 1)
                                  for r in based),
            "worse_than_baseline": sum(1 for r in counted if r.worse_than_baseline),
            "n_timed": len(timed),
            "mean_timing_error_s": _mean(r.timing_error_s for r in timed),
            "rejected": dict(rejected),
            "errors": len(rs) - len(ok),
        }

    order: list[str] = []
    for r in rows:
        g = getattr(r, key)
        if g not in order:
            order.append(g)
    per = [{key: g, **block([r for r in rows if getattr(r, key) == g])} for g in order]
    return per, block(rows)
