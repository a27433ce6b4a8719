"""The peak core: candidate movements from :func:`scipy.signal.find_peaks`, and the reference range.

A candidate is a peak of the (polarity-corrected) signal with its prominence and timing. Whether
it is a rep depends on its prominence relative to the reference range of motion, the median of
the recent counted reps (so one large setup movement cannot make the whole set look partial),
and on an absolute floor far below any rep but above jitter, not on fixed angles: the same
definition counts a 12-degree prone lift and a 90-degree dip, side-on and oblique.

:class:`CandidateStream` runs ``find_peaks`` over a bounded recent window on every sample and
hands over each candidate once it is big enough to decide; the offline pass runs it once over
the whole signal for what only hindsight gives (final timings, partial reps).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, peak_widths

from repcount.detectors.spec import PeakParams
from repcount.records import FloatArray

#: Counted reps the reference range is the median of.
REFERENCE_REPS = 8


#: A movement is judged once the signal is this far back from its turning point (as a share of
#: the way it went out): by then the gates see nearly the whole movement, and the count still
#: comes before the rep has ended.
RETURN_FRAC = 0.7
#: The way out is measured over this many seconds before the turning point (a rep's descent
#: is shorter; further back lies whatever came before the set).
DEPTH_WINDOW_S = 2.0
#: ... or once the signal has stopped coming back for this long (it rests short of where it
#: started, e.g. the first rep after lying down).
SETTLE_S = 0.25


@dataclass(frozen=True)
class Candidate:
    """A peak of the signal with its prominence and timing.

    ``depth`` is how far the signal went out to the turning point from the base before it;
    the prominence is (at most) how far it has come back; ``settled`` says the signal stopped
    coming back a while ago. ``start_s`` and ``end_s`` bound the movement itself (between its
    neighbours); ``since_s`` is where the gates look back from: the edge of scipy's whole rise
    to the peak, which reaches back past a glitch on the way down.
    """

    peak_s: float
    start_s: float
    end_s: float
    prominence: float
    depth: float = 0.0
    settled: bool = False
    since_s: float = float("nan")
    rise: float = float("nan")

    @property
    def size(self) -> float:
        """The movement's own range (``rise``, else the prominence), as reps report it.

        ``rise`` goes down to the higher of the dips beside the peak. The prominence of the tallest
        rep of a set is measured from the rest before and after the whole set: counting keeps
        that (a rep never counts less for it), a rep's reported range should not.
        """
        return self.rise if np.isfinite(self.rise) else self.prominence

    @property
    def look_s(self) -> float:
        """Where the gates look back from (``since_s``, or the start when not given)."""
        return self.since_s if np.isfinite(self.since_s) else self.start_s

    @property
    def returned(self) -> bool:
        """Whether the signal is back most of the way, or has stopped coming back."""
        return self.settled or self.prominence >= RETURN_FRAC * self.depth


def rest_polarity(x: FloatArray) -> int:
    """The polarity of reps away from where the signal rests: +1 when it dwells low.

    Between reps a body is at rest, and a rep is a brief excursion: the signal spends more of
    its time near the rest level. Compares the samples in the bottom and top quarters of the
    range (ties: +1).
    """
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 3:
        return 1
    lo, hi = float(np.min(v)), float(np.max(v))
    q = 0.25 * (hi - lo)
    return 1 if np.sum(v <= lo + q) >= np.sum(v >= hi - q) else -1


def find_candidates(t: FloatArray, x: FloatArray, params: PeakParams,
                    polarity: int | None = None) -> list[Candidate]:
    """Peaks of one gap-free segment with prominence >= ``params.min_rom``.

    Args:
        t: sample times (s), increasing.
        x: signal samples without NaN, same length as ``t``.
        params: peak parameters (``polarity`` is applied here; 0 takes it from where the
            signal rests, see :func:`rest_polarity`).
        polarity: overrides ``params.polarity``.

    """
    if len(x) < 3:
        return []
    pol = params.polarity if polarity is None else polarity
    if pol == 0:
        pol = rest_polarity(x)
    y = pol * np.asarray(x, dtype=np.float64)
    peaks, props = find_peaks(y, prominence=params.min_rom)
    if len(peaks) == 0:
        return []
    pdata = (props["prominences"], props["left_bases"], props["right_bases"])
    half = peak_widths(y, peaks, rel_height=0.5, prominence_data=pdata)
    idx = np.arange(len(t), dtype=np.float64)
    keep = _one_per_movement(t, y, peaks, props["prominences"], params)
    whole = peak_widths(y, peaks, rel_height=params.edge_height, prominence_data=pdata)
    local = _local_bases(y, peaks, props, keep)
    edge = peak_widths(y, peaks, rel_height=params.edge_height, prominence_data=local)
    out: list[Candidate] = []
    for k, p in enumerate(peaks):
        if k not in keep:
            continue
        first = max(int(props["left_bases"][k]), int(np.searchsorted(t, t[p] - DEPTH_WINDOW_S)))
        depth = float(y[p] - np.min(y[first: p + 1]))
        width = float(np.interp(half[3][k], idx, t) - np.interp(half[2][k], idx, t))
        if not params.min_width_s <= width <= params.max_width_s:
            continue
        out.append(Candidate(float(t[p]), float(np.interp(edge[2][k], idx, t)),
                             float(np.interp(edge[3][k], idx, t)), float(props["prominences"][k]),
                             depth, bool(t[-1] - t[props["right_bases"][k]] >= SETTLE_S),
                             float(np.interp(whole[2][k], idx, t)), float(local[0][k])))
    return out


def _local_bases(y: FloatArray, peaks: np.ndarray, props: dict[str, np.ndarray],
                 keep: set[int]) -> tuple[FloatArray, np.ndarray, np.ndarray]:
    """Prominence data of each peak measured to its neighbouring movements, for its edges.

    scipy's bases of the tallest rep of a set lie where the signal last was lower on each side,
    before and after the whole set: its start and end at 90 % of that height were the set's,
    not the rep's (a 42 s "rep"). A rep starts after the movement before it and ends before the
    next one: each base is the lowest point between the peak and the kept peak next to it.
    """
    lb = np.asarray(props["left_bases"]).copy()
    rb = np.asarray(props["right_bases"]).copy()
    kept = sorted(keep)
    for n, k in enumerate(kept):
        p = int(peaks[k])
        if n > 0:
            a = max(int(lb[k]), int(peaks[kept[n - 1]]))
            lb[k] = a + int(np.argmin(y[a:p + 1]))
        if n + 1 < len(kept):
            b = min(int(rb[k]), int(peaks[kept[n + 1]]))
            rb[k] = p + int(np.argmin(y[p:b + 1]))
    prom = np.maximum(y[peaks] - np.maximum(y[lb], y[rb]), 1e-9)
    return prom, lb, rb


def _one_per_movement(t: FloatArray, y: FloatArray, peaks: np.ndarray, proms: np.ndarray,
                      params: PeakParams) -> set[int]:
    """Indices of the peaks to keep: neighbours with no real dip between them are one movement.

    Equal peaks both get the full prominence from scipy however shallow the dip between them
    (two samples of a flat top); a dip under a quarter of the smaller prominence is a wobble.
    """
    keep: list[int] = []
    for k in range(len(peaks)):
        if keep:
            j = keep[-1]
            dip = float(np.min(y[peaks[j]: peaks[k] + 1]))
            wobble = max(params.min_rom, params.partial_frac * min(proms[j], proms[k]))
            close = t[peaks[k]] - t[peaks[j]] < params.min_period_s
            if close or dip >= min(y[peaks[j]], y[peaks[k]]) - wobble:
                if proms[k] > proms[j]:
                    keep[-1] = k
                continue
        keep.append(k)
    return set(keep)


def split_segments(x: FloatArray) -> list[slice]:
    """Slices of the maximal runs of non-NaN samples."""
    valid = ~np.isnan(x)
    if not valid.any():
        return []
    d = np.diff(np.concatenate(([0], valid.astype(np.int8), [0])))
    return [slice(int(s), int(e)) for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


def signal_candidates(t: FloatArray, x: FloatArray, params: PeakParams,
                      polarity: int | None = None) -> list[Candidate]:
    """Candidates of a whole (filtered) signal; NaN splits it into segments."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    out: list[Candidate] = []
    for sl in split_segments(x):
        out.extend(find_candidates(t[sl], x[sl], params, polarity))
    return out


class RangeReference:
    """The reference range of motion: the median prominence of the recent rep-like movements.

    Counted reps feed it (never wobbles or withheld candidates), and early in a set two similar
    finished movements short of a full rep (see :meth:`PeakCounter.update`): a median, so a
    single large movement (getting into position, a glitch) cannot make the reps after it look
    partial for more than a couple of reps; a rep is judged with itself included once there
    are two to take a median with, and the first rep of a set is its own reference.
    """

    def __init__(self, n: int = REFERENCE_REPS) -> None:
        self._proms: deque[tuple[float, float]] = deque(maxlen=n)

    def add(self, peak_s: float, prominence: float) -> None:
        """Record a counted rep (a later, larger estimate of the same peak replaces it)."""
        for i, (p, _) in enumerate(self._proms):
            if p == peak_s:
                self._proms[i] = (p, max(prominence, self._proms[i][1]))
                return
        self._proms.append((peak_s, prominence))

    def value(self, candidate: float | None = None) -> float:
        """The reference for judging ``candidate`` (a prominence).

        The candidate is counted in once there are two movements to take the median with (one
        earlier rep alone is the reference).
        """
        vals = [v for _, v in self._proms]
        if candidate is not None and len(vals) != 1:
            vals.append(candidate)
        return float(np.median(vals)) if vals else 0.0

    def __len__(self) -> int:
        return len(self._proms)


def full_threshold(params: PeakParams, ref: float) -> float:
    """Prominence a full rep needs, given the reference range of motion."""
    return max(params.min_full_rom, params.full_frac * ref)


def partial_threshold(params: PeakParams, ref: float) -> float:
    """Prominence a movement needs to be reported as a partial rep."""
    return max(params.min_rom, params.partial_frac * ref)


def is_full(params: PeakParams, prominence: float, reference: RangeReference) -> bool:
    """Whether a prominence is a full rep against the reference (itself counted in)."""
    return prominence >= full_threshold(params, reference.value(prominence))


#: How often a streaming window is searched for candidates (per second).
EVAL_HZ = 15.0


class CandidateStream:
    """Candidates of a signal as it streams in: ``find_peaks`` over a bounded recent window.

    Each update returns the candidates of the window (their prominence grows until the signal
    is back at rest); the caller decides the new ones (counts, rejects or passes them on) and
    marks them with :meth:`decide`. A peak closer
    than ``min_period_s`` to a decided one is the same movement (offline keeps one of such a
    pair, see :func:`find_candidates`).
    """

    def __init__(self, params: PeakParams, fps_hint: float = 30.0) -> None:
        self.params = params
        #: The polarity in use; with ``params.polarity == 0`` it follows where the signal rests
        #: until :meth:`lock` fixes it (at the first counted rep: a count is never taken back).
        self.polarity = params.polarity
        self._locked = params.polarity != 0
        self._t: list[float] = []
        self._x: list[float] = []
        self._max_len = max(16, int(params.window_s * max(fps_hint, 1.0) * 1.5))
        self._decided: deque[float] = deque(maxlen=64)
        self._last_eval = -np.inf

    def update(self, t: float, x: float) -> list[Candidate]:
        """Add one filtered sample (NaN = no signal, which restarts the window).

        The window is searched at most :data:`EVAL_HZ` times a second (a frame's delay at
        30 fps, far below a rep's duration); in between no candidates are returned.
        """
        if np.isnan(x):
            self._t.clear()
            self._x.clear()
            self._last_eval = -np.inf
            return []
        self._t.append(t)
        self._x.append(x)
        if len(self._t) > self._max_len:  # trim in chunks: O(window) per sample
            drop = len(self._t) - int(self._max_len / 1.5)
            del self._t[:drop]
            del self._x[:drop]
        if t - self._last_eval < 1.0 / EVAL_HZ - 1e-6:
            return []
        self._last_eval = t
        x_arr = np.asarray(self._x)
        if not self._locked:
            self.polarity = rest_polarity(x_arr)
        return find_candidates(np.asarray(self._t), x_arr, self.params, self.polarity)

    def rest_level(self) -> float:
        """Where the signal rests in the recent window (NaN when there is no signal).

        The low end (10th percentile) when reps go up from rest, the high end when they go
        down: a body spends most of a set at rest, so the quantile on the rest side is it.
        """
        if not self._x:
            return float("nan")
        q = 10 if self.polarity > 0 else 90 if self.polarity < 0 else 50
        return float(np.percentile(self._x, q))

    def spread(self) -> float:
        """The signal's recent range (2nd to 98th percentile; 0 without a signal)."""
        if len(self._x) < 2:
            return 0.0
        lo, hi = np.percentile(self._x, [2, 98])
        return float(hi - lo)

    def lock(self) -> None:
        """Keep the current polarity from now on."""
        self._locked = True

    def is_decided(self, peak_s: float) -> bool:
        """Whether a peak (or one within ``min_period_s`` of it) was already decided."""
        return any(abs(peak_s - d) < self.params.min_period_s for d in self._decided)

    def decide(self, peak_s: float) -> None:
        """Mark a candidate as decided."""
        self._decided.append(peak_s)



class PeakCounter:
    """One signal's candidates that are ready to count, and the ranges of the reps it counted.

    A candidate is ready once it is big enough against the reference range it is judged by
    (:func:`is_full`, itself counted in) and the signal is back most of the way
    (:attr:`Candidate.returned`). The caller judges it and calls :meth:`decide`; a counted
    rep's prominence keeps feeding its reference as it grows until the signal is at rest.
    """

    def __init__(self, params: PeakParams, fps_hint: float = 30.0) -> None:
        self.params = params
        self.stream = CandidateStream(params, fps_hint)
        self._counted: list[tuple[float, RangeReference]] = []
        self._pending: Candidate | None = None

    @property
    def polarity(self) -> int:
        """The polarity in use (see :class:`CandidateStream`)."""
        return self.stream.polarity

    def update(self, t: float, x: float, reference: RangeReference) -> list[Candidate]:
        """Add a sample; returns the candidates ready to be judged against ``reference``."""
        ready = []
        for c in self.stream.update(t, x):
            if self.stream.is_decided(c.peak_s):
                for peak, ref in self._counted:
                    if abs(peak - c.peak_s) < self.params.min_period_s:
                        ref.add(peak, c.prominence)
            elif c.returned and is_full(self.params, c.prominence, reference):
                ready.append(c)
            elif c.settled and c.prominence >= RETURN_FRAC * c.depth and len(reference) \
                    and c.prominence >= partial_threshold(self.params, reference.value()):
                # Only a movement that came back most of the way is over: one that paused on
                # its way back (a hesitation, a wobble at the top) is offered again as it grows.
                if self._rebase(reference, c) and c.returned \
                        and is_full(self.params, c.prominence, reference):
                    ready.append(c)  # the second of the two is this set's first full rep
                else:
                    self.stream.decide(c.peak_s)
        return ready

    def _rebase(self, reference: RangeReference, c: Candidate) -> bool:
        """Let two similar partial movements early in a set feed the reference.

        Two similar finished movements short of a full rep, early in a set, are what this set's
        reps are: a first large movement (getting into position) then made them look partial.

        Returns whether they now feed the reference.
        """
        if len(reference) > 2:
            self._pending = None
            return False
        prev = self._pending
        if prev is not None \
                and abs(prev.prominence - c.prominence) <= 0.35 * max(prev.prominence, c.prominence):
            reference.add(prev.peak_s, prev.prominence)
            reference.add(c.peak_s, c.prominence)
            self._pending = None
            return True
        self._pending = c
        return False

    def decide(self, c: Candidate, counted_in: RangeReference | None) -> None:
        """Mark a candidate decided.

        ``counted_in`` is the reference of a counted rep (None when it was withheld or belongs to
        another signal).
        """
        self.stream.decide(c.peak_s)
        if counted_in is not None:
            counted_in.add(c.peak_s, c.prominence)
            self._counted.append((c.peak_s, counted_in))
            del self._counted[:-16]
            self.stream.lock()
