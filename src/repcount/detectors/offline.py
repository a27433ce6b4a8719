"""The offline pass over a whole recording: the streaming decisions plus what hindsight adds.

Every counting decision is the streaming :class:`~repcount.detectors.streaming.Detector`'s,
replayed over the recording: a live count is never taken back, so hindsight must not change it
either, and the counts of ``analyze`` and ``live`` agree by construction. Hindsight adds what a
live counter cannot know yet: each rep's final start, end and range of motion from one
``find_peaks`` pass over the whole signal, the partial reps (movements that reached less
than the full-rep share of the reference range at their time), and the leg of a rep that had no
evidence of its own (:meth:`~repcount.detectors.attribution.Judge.settled`; the live summary
takes the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from repcount.detectors.attribution import SAME_MOVEMENT_S, History, Judge
from repcount.detectors.peaks import Candidate, full_threshold, partial_threshold, signal_candidates
from repcount.detectors.spec import ExerciseDef
from repcount.detectors.streaming import Detector
from repcount.records import FloatArray, FormEvent, Hold, PoseSample, Rejected, Rep, Side
from repcount.signals.filters import filter_signal

#: Samples of the median the partial reps are looked for on (single-frame flips only).
LIGHT_MEDIAN_K = 3


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
    rejected: list[Rejected] = field(default_factory=list)


def nominal_fps(samples: Sequence[PoseSample]) -> float:
    """Frame rate of a recording from its median frame interval (30 when unknown)."""
    if len(samples) < 2:
        return 30.0
    dt = float(np.median(np.diff([s.t for s in samples])))
    return 1.0 / dt if dt > 0 else 30.0


def analyze_samples(exdef: ExerciseDef, samples: Sequence[PoseSample],
                    side: Side | None = None, context: Sequence[PoseSample] = ()) -> TrackResult:
    """Offline analysis of a whole recording of poses (see the module docstring).

    ``context`` is the recording just before ``samples`` when they are part of one: it counts
    nothing, it only tells the detector how the person got into position (:meth:`Detector.prime`).
    """
    det = Detector(exdef, nominal_fps(samples), side)
    for s in context:
        det.prime(s)
    n = len(samples)
    t = np.array([s.t for s in samples], dtype=np.float64)
    sig: dict[Side, FloatArray] = {k: np.full(n, np.nan) for k in det.sides}
    raw: dict[Side, FloatArray] = {k: np.full(n, np.nan) for k in det.sides}
    history = History(keep_s=float("inf"))  # partials are judged after the fact
    for i, s in enumerate(samples):
        det.update(s)
        for k in det.sides:
            sig[k][i] = det.value(k)
            raw[k][i] = det.raw_value(k)
        history.record(det.last_record)
    det.finish()
    warnings = _warnings(exdef, samples, sig)
    signals = {str(k): v for k, v in sig.items()}
    events = list(det.events)
    if exdef.hold is not None:
        return TrackResult([], [], det.holds, events, t, sig[det.sides[0]], signals, warnings, [])
    per_side = {k: signal_candidates(t, sig[k], exdef.peaks, det.polarity(k) or None) for k in det.sides}
    counted = [_refined(r, per_side, exdef.peaks.min_period_s) for r in det.judge.settled()]
    # A quick partial's turning point is narrower than the counting filter's median: partials
    # are looked for on the signal de-spiked only of single-frame flips.
    light = {k: signal_candidates(t, filter_signal(t, raw[k], exdef.max_gap_s, LIGHT_MEDIAN_K), exdef.peaks,
                                  det.polarity(k) or None) for k in det.sides}
    partials = _partials(exdef, det, light, counted, history)
    for p in partials:
        events.append(FormEvent(p.peak_s, p.side, "partial", f"partial rep: {p.reason}"))
    events.sort(key=lambda e: e.t)
    main_signal = sig[det.sides[0]]
    if counted and exdef.legs == "mover":  # the working leg's signal
        by_side = {s: sum(1 for r in counted if r.side == s) for s in ("left", "right")}
        main = max(by_side, key=lambda k: by_side[k])
        if main in sig:
            main_signal = sig[main]
    return TrackResult(counted, partials, [], events, t, main_signal, signals, warnings, list(det.rejected))


def _warnings(exdef: ExerciseDef, samples: Sequence[PoseSample], sig: dict[Side, FloatArray]) -> list[str]:
    if not any(s.pose is not None for s in samples):
        return ["nobody was found in the video"]
    if all(np.all(np.isnan(x)) for x in sig.values()):
        return [f"the person was never in the position of {exdef.title.lower()} "
                f"({'standing' if exdef.stance == 'upright' else 'lying down'})"]
    return []


def _partials(exdef: ExerciseDef, det: Detector, per_side: dict[Side, list[Candidate]],
              counted: list[Rep], history: History) -> list[Rep]:
    """Movements smaller than a full rep but more than a partial share of the reference.

    A movement is partial only against a set in progress (reps counted on its side before
    it); on a per-leg exercise only on a working leg, so the idle leg's wobbles (MediaPipe's
    far leg following the near one) are not reported.
    """
    params = exdef.peaks
    judge = Judge(exdef, det.forced, history)
    for r in counted:
        judge.add(r, r.side)
    taken = [r.peak_s for r in counted] + [r.peak_s for r in det.rejected]
    out: list[Rep] = []
    for ch, cands in per_side.items():
        for c in cands:
            if any(abs(c.peak_s - p) < SAME_MOVEMENT_S for p in taken):
                continue
            side = judge.side_of(c, ch, c.end_s)
            if side is None:
                continue
            before = [r.rom_deg for r in counted if r.side == side and r.peak_s < c.peak_s]
            if not before:
                continue
            ref = float(np.median([*before[-8:], c.size]))
            if not partial_threshold(params, ref) <= c.size < full_threshold(params, ref):
                continue
            if judge.gate(c, side, c.end_s)[0]:
                continue
            pct = 100.0 * c.size / ref if ref > 0 else 0.0
            out.append(Rep(0, side, c.start_s, c.peak_s, c.end_s, c.size, True,
                           f"reached {pct:.0f}% of the range of motion (full rep needs "
                           f"{100 * params.full_frac:.0f}%)", cues=("partial",)))
            taken.append(c.peak_s)
    return sorted(out, key=lambda r: r.peak_s)


def _refined(rep: Rep, per_side: dict[Side, list[Candidate]], within_s: float) -> Rep:
    """A live rep with the start, end and range of motion of the whole signal's candidate.

    Live, they are estimated when the rep is announced, before the signal is back at rest.
    The candidate is the one nearest the rep's turning point, on the rep's own signal first.
    """
    for k in sorted(per_side, key=lambda k: k != rep.side):
        near = [c for c in per_side[k] if abs(c.peak_s - rep.peak_s) < within_s]
        if near:
            c = min(near, key=lambda c: abs(c.peak_s - rep.peak_s))
            return replace(rep, start_s=min(c.start_s, rep.peak_s), end_s=max(c.end_s, rep.peak_s),
                           rom_deg=max(c.size, rep.rom_deg))
    return rep
