"""The shared counting core: repetitions from peaks, holds from a debounced condition.

A repetition is a peak of the (polarity-corrected) angle signal found by
:func:`scipy.signal.find_peaks`. Whether it counts depends on its prominence relative to the
clip's range of motion, not on fixed angle thresholds, so the same definition works whether the
camera sees the full angle (side view) or a flattened one (oblique view).

The streaming counter runs ``find_peaks`` over a bounded recent window on every sample, and
announces a rep as soon as the signal has come back down by the full-rep threshold; it decides
what counts, live and offline alike (see :func:`repcount.detectors.base.analyze_samples`). The
offline pass runs ``find_peaks`` once over each whole segment for what only hindsight gives:
final start/end times and ranges, and partial reps. Both judge a peak against the reference
range known at its turning point (the largest prominence up to then), never against reps still
to come: a live count is never taken back, so hindsight must not demote an earlier rep because
a later one (or a later glitch) was bigger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, peak_widths

from repcount.records import FloatArray, Hold, Rep, Side


@dataclass(frozen=True)
class PeakParams:
    """How peaks of a signal become repetitions.

    Attributes:
        polarity: +1 when the turning point of a rep is a maximum of the signal, -1 a minimum.
        min_rom: absolute floor of a rep's range of motion (signal units, e.g. degrees); below it
            a wiggle is noise.
        full_frac: a rep counts when its prominence reaches this fraction of the reference ROM.
        partial_frac: between this and ``full_frac`` the movement is reported as partial.
        min_full_rom: absolute minimum of a full rep (signal units), so a first small movement
            is not a rep just because nothing bigger has been seen yet.
        min_width_s: shortest rep (width at half prominence); faster bumps are jitter.
        min_period_s: peaks closer than this are one movement.
        max_width_s: longest rep; slower drifts (re-positioning) are not reps.
        edge_height: relative height (from the peak) at which a rep starts and ends.
        window_s: how much history the streaming counter keeps.

    """

    polarity: int = 1
    min_rom: float = 10.0
    full_frac: float = 0.5
    partial_frac: float = 0.25
    min_full_rom: float = 0.0
    min_width_s: float = 0.15
    min_period_s: float = 0.35
    max_width_s: float = 20.0
    edge_height: float = 0.9
    window_s: float = 60.0


@dataclass(frozen=True)
class Candidate:
    """A peak of the signal with its prominence and timing."""

    peak_s: float
    start_s: float
    end_s: float
    prominence: float


def reference_rom(prominences: Sequence[float]) -> float:
    """The clip's full range of motion: the largest prominence seen.

    A robust statistic (e.g. the median of the largest three) would be dragged down live by
    reps still in progress, whose prominence is not final yet; single-frame glitches that
    could inflate the maximum are removed by the signal's median filter and the width test.
    """
    return float(max(prominences)) if len(prominences) else 0.0


def find_candidates(t: FloatArray, x: FloatArray, params: PeakParams) -> list[Candidate]:
    """Peaks of one gap-free segment with prominence >= ``params.min_rom``.

    Args:
        t: sample times (s), increasing.
        x: signal samples without NaN, same length as ``t``.
        params: peak parameters (``polarity`` is applied here).

    """
    if len(x) < 3:
        return []
    y = params.polarity * np.asarray(x, dtype=np.float64)
    peaks, props = find_peaks(y, prominence=params.min_rom)
    if len(peaks) == 0:
        return []
    half = peak_widths(y, peaks, rel_height=0.5, prominence_data=(
        props["prominences"], props["left_bases"], props["right_bases"]))
    edge = peak_widths(y, peaks, rel_height=params.edge_height, prominence_data=(
        props["prominences"], props["left_bases"], props["right_bases"]))
    idx = np.arange(len(t), dtype=np.float64)
    # Neighbouring peaks with no real dip between them are maxima of one movement (e.g. two
    # equal samples on a flat top): keep only the most prominent, the first of equals.
    keep: set[int] = set()
    for k in range(len(peaks)):
        j = max(keep) if keep else -1
        if j >= 0:
            # Equal peaks both get the full prominence from scipy, however shallow the dip
            # between them; a dip under a quarter of that is a wobble, not two reps.
            dip = float(np.min(y[peaks[j] : peaks[k] + 1]))
            wobble = max(params.min_rom,
                         params.partial_frac * min(props["prominences"][j], props["prominences"][k]))
            close = t[peaks[k]] - t[peaks[j]] < params.min_period_s
            if close or dip >= min(y[peaks[j]], y[peaks[k]]) - wobble:
                if props["prominences"][k] > props["prominences"][j]:
                    keep.discard(j)
                    keep.add(k)
                continue
        keep.add(k)
    out: list[Candidate] = []
    for k, p in enumerate(peaks):
        if k not in keep:
            continue
        start = float(np.interp(edge[2][k], idx, t))
        end = float(np.interp(edge[3][k], idx, t))
        width = float(np.interp(half[3][k], idx, t) - np.interp(half[2][k], idx, t))
        if not params.min_width_s <= width <= params.max_width_s:
            continue
        out.append(Candidate(float(t[p]), start, end, float(props["prominences"][k])))
    return out


def split_segments(x: FloatArray) -> list[slice]:
    """Slices of the maximal runs of non-NaN samples."""
    valid = ~np.isnan(x)
    if not valid.any():
        return []
    d = np.diff(np.concatenate(([0], valid.astype(np.int8), [0])))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return [slice(int(s), int(e)) for s, e in zip(starts, ends)]


def causal_references(cands: Sequence[Candidate], pool: Sequence[Candidate],
                      floor: float = 0.0) -> list[float]:
    """The reference ROM each candidate is judged against, causally.

    It is the largest prominence in ``pool`` with a turning point up to the candidate's own (and
    at least ``floor`` and the candidate's own prominence). ``pool`` holds every candidate whose
    range the judged ones share (their own leg's, or both legs'): what a live counter has seen
    when it announces the rep.
    """
    order = sorted(pool, key=lambda c: c.peak_s)
    times = np.array([c.peak_s for c in order], dtype=np.float64)
    running = np.maximum.accumulate([c.prominence for c in order]) if order else np.zeros(0)
    out = []
    for c in cands:
        k = int(np.searchsorted(times, c.peak_s + 1e-9, side="right"))
        out.append(max(floor, c.prominence, float(running[k - 1]) if k else 0.0))
    return out


def full_threshold(params: PeakParams, ref: float) -> float:
    """Prominence a full rep needs, given the reference range of motion."""
    return max(params.min_rom, params.min_full_rom, params.full_frac * ref)


def classify(
    cands: Sequence[Candidate], refs: Sequence[float], params: PeakParams, side: Side
) -> tuple[list[Rep], list[Rep]]:
    """Split candidates into full reps and partial reps, each against its reference ROM.

    Args:
        cands: the candidates.
        refs: the reference ROM of each candidate (see :func:`causal_references`).
        params: peak parameters.
        side: side reported on the reps.

    """
    reps: list[Rep] = []
    partials: list[Rep] = []
    for c, ref in sorted(zip(cands, refs), key=lambda cr: cr[0].peak_s):
        full_thr = full_threshold(params, ref)
        part_thr = max(params.min_rom, params.partial_frac * ref)
        if c.prominence >= full_thr:
            reps.append(Rep(len(reps) + 1, side, c.start_s, c.peak_s, c.end_s, c.prominence))
        elif c.prominence >= part_thr:
            pct = 100.0 * c.prominence / ref if ref > 0 else 0.0
            partials.append(Rep(0, side, c.start_s, c.peak_s, c.end_s, c.prominence, True,
                                f"reached {pct:.0f}% of the range of motion "
                                f"(full rep needs {100 * params.full_frac:.0f}%)"))
    return reps, partials


def signal_candidates(t: FloatArray, x: FloatArray, params: PeakParams) -> list[Candidate]:
    """Candidates of a whole (filtered) signal; NaN splits it into segments."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    cands: list[Candidate] = []
    for sl in split_segments(x):
        cands.extend(find_candidates(t[sl], x[sl], params))
    return cands


def analyze_reps(
    t: FloatArray, x: FloatArray, params: PeakParams, side: Side, ref_floor: float = 0.0
) -> tuple[list[Rep], list[Rep]]:
    """Offline: count reps over a whole (filtered) signal; NaN splits it into segments.

    Args:
        t: sample times.
        x: filtered signal.
        params: peak parameters.
        side: side reported on the reps.
        ref_floor: lower bound of the reference range of motion (e.g. the other leg's, so the
            idle leg's wiggles are not measured against their own tiny range).

    """
    cands = signal_candidates(t, x, params)
    return classify(cands, causal_references(cands, cands, ref_floor), params, side)


class RepCounter:
    """Streaming rep counter over the same peak logic as :func:`analyze_reps`.

    Args:
        params: peak parameters.
        side: side reported on the reps.
        fps_hint: expected sample rate, to size the history buffer.

    """

    def __init__(self, params: PeakParams, side: Side, fps_hint: float = 30.0) -> None:
        self.params = params
        self.side = side
        self._t: list[float] = []
        self._x: list[float] = []
        self._max_len = max(16, int(params.window_s * max(fps_hint, 1.0) * 1.5))
        # Prominence of every candidate seen so far, by peak time; feeds the reference ROM.
        self._proms: dict[float, float] = {}
        self._announced: list[Rep] = []
        self._announced_peaks: set[float] = set()
        self._last_announced_s = -np.inf

    @property
    def reps(self) -> list[Rep]:
        """Reps announced so far, in order."""
        return list(self._announced)

    @property
    def count(self) -> int:
        """Number of reps announced so far."""
        return len(self._announced)

    def reference(self) -> float:
        """Current estimate of the full range of motion."""
        return reference_rom(list(self._proms.values()))

    def update(self, t: float, x: float, ref_floor: float = 0.0) -> list[Rep]:
        """Add one filtered sample (NaN = no signal); return reps completed by it.

        ``ref_floor`` is a lower bound of the reference range of motion (see
        :func:`analyze_reps`).
        """
        if np.isnan(x):
            self._t.clear()
            self._x.clear()
            return []
        self._t.append(t)
        self._x.append(x)
        # Keep a window of history; trimming in chunks keeps the cost per sample O(window).
        if len(self._t) > self._max_len:
            drop = len(self._t) - int(self._max_len / 1.5)
            del self._t[:drop]
            del self._x[:drop]
        cands = find_candidates(np.asarray(self._t), np.asarray(self._x), self.params)
        for c in cands:
            self._proms[c.peak_s] = max(c.prominence, self._proms.get(c.peak_s, 0.0))
        thr = full_threshold(self.params, max(self.reference(), ref_floor))
        new: list[Rep] = []
        for c in cands:
            # A peak closer than min_period_s to an announced one is the same movement (offline
            # keeps only one of such a pair, see find_candidates).
            if c.prominence >= thr and c.peak_s >= self._last_announced_s + self.params.min_period_s:
                rep = Rep(len(self._announced) + 1, self.side, c.start_s, c.peak_s, c.end_s,
                          c.prominence)
                self._announced.append(rep)
                self._last_announced_s = c.peak_s
                new.append(rep)
        return new


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


class HoldTimer:
    """Streaming hold timer; :func:`analyze_holds` runs the same code offline."""

    def __init__(self, params: HoldParams, side: Side) -> None:
        self.params = params
        self.side = side
        self._start: float | None = None
        self._last_true: float | None = None
        self.holds: list[Hold] = []

    def current(self, t: float) -> float:
        """Seconds held in the current (open) interval at time ``t``."""
        if self._start is None or self._last_true is None:
            return 0.0
        return max(0.0, self._last_true - self._start)

    def total(self, t: float) -> float:
        """Total seconds held so far, counting the open interval."""
        return sum(h.duration_s for h in self.holds) + self.current(t)

    def update(self, t: float, holding: bool) -> Hold | None:
        """Add one sample; return a hold interval when one closes."""
        if holding:
            if self._start is None:
                self._start = t
            self._last_true = t
            return None
        if self._last_true is not None and t - self._last_true > self.params.grace_s:
            return self._close()
        return None

    def _close(self) -> Hold | None:
        assert self._start is not None and self._last_true is not None
        hold = Hold(self.side, self._start, self._last_true)
        self._start = None
        self._last_true = None
        if hold.duration_s >= self.params.min_hold_s:
            self.holds.append(hold)
            return hold
        return None

    def finish(self) -> Hold | None:
        """Close an open interval at the end of the stream."""
        if self._start is None:
            return None
        return self._close()


def analyze_holds(t: FloatArray, holding: Sequence[bool], params: HoldParams, side: Side) -> list[Hold]:
    """Offline hold intervals of a boolean condition sampled at times ``t``."""
    timer = HoldTimer(params, side)
    for ti, h in zip(t, holding):
        timer.update(float(ti), bool(h))
    timer.finish()
    return timer.holds
