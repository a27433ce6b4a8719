"""Several exercises in one recording: where each one is, for ``--exercise auto``.

:func:`~repcount.detectors.recognition.recognise` names the exercise of a whole recording. On a
recording of several sets of different exercises that answer is one of them at best, and the
others' reps would be silently lost. :func:`segment_exercises` recognises overlapping windows
instead (:data:`WINDOW_S` long, every :data:`STEP_S`), keeps the runs of windows that agree for
at least :data:`MIN_WINDOWS` windows in a row, and returns one segment per run. The detectors
then count each segment on its own (:func:`count_segments`), so every rep keeps its exercise.

Pure: poses in, segments out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from repcount.records import FormEvent, Hold, PoseSample, Rejected, Rep

if TYPE_CHECKING:
    from repcount.detectors.offline import TrackResult

    TrackResultLike = TrackResult | None

#: Seconds of each recognition window: a few reps of any exercise of the circuit.
WINDOW_S = 15.0
#: Seconds between window starts.
STEP_S = 5.0
#: Windows in a row that must agree for a segment: 25 s of one exercise (a set of the circuit is
#: 20 reps or a 20 s hold, plus getting into position), so one window spanning a change of
#: exercise cannot make a segment of its own.
MIN_WINDOWS = 2
#: A window with a person on fewer frames than this share is not recognised.
MIN_FOUND = 0.5


@dataclass(frozen=True)
class Segment:
    """One exercise's stretch of a recording.

    Attributes:
        exercise: the recognised exercise.
        start_s: where its first agreeing window starts (or where the previous segment ends).
        end_s: where its last agreeing window ends (or where the next one starts).
        windows: windows that agreed on it.
        reason: recognition's reason, from its middle window.

    """

    exercise: str
    start_s: float
    end_s: float
    windows: int
    reason: str


def window_labels(samples: Sequence[PoseSample]) -> list[tuple[float, float, str | None, str]]:
    """(start, end, exercise or None, reason) of each recognition window, in time order."""
    from repcount.detectors.recognition import recognise

    if not samples:
        return []
    t = np.array([s.t for s in samples])
    found = np.array([s.pose is not None for s in samples])
    out: list[tuple[float, float, str | None, str]] = []
    start = float(t[0])
    last = float(t[-1])
    while True:
        end = start + WINDOW_S
        i0, i1 = int(np.searchsorted(t, start)), int(np.searchsorted(t, end))
        if i1 - i0 >= 2:
            if found[i0:i1].mean() < MIN_FOUND:
                out.append((start, min(end, last), None, "nobody was found in most of it"))
            else:
                label, why = recognise(samples[i0:i1])
                out.append((start, min(end, last), label, why))
        if end >= last:
            return out
        start += STEP_S


#: Window labels that name one family of movement: a window cannot tell a single-leg bridge
#: set from a hold (a window that starts in the hold never sees the hips rise into it), so
#: segments are made of the family and split into reps and holds by :func:`split_bridges`.
FAMILY = {"single_leg_bridge_hold": "single_leg_bridge"}
_BRIDGE, _HOLD = "single_leg_bridge", "single_leg_bridge_hold"
#: Seconds before a hold that belong to its segment (lifting the hips into it).
HOLD_LEAD_S = 3.0
#: A bridge stretch beside a hold shorter than half a window is getting into or out of the hold,
#: not a set of reps (ten reps take well over 15 s). Between two holds the stretch holds both
#: (lowering out of one, changing legs, rising into the next), so it must be twice as long.
MIN_BRIDGE_S = WINDOW_S / 2


def segment_exercises(samples: Sequence[PoseSample]) -> list[Segment]:
    """The exercises of a recording in time order, one segment each (see the module doc).

    Returns no segment when no run of windows agrees long enough; a recording shorter than
    :data:`MIN_WINDOWS` windows is left to whole-recording recognition. Single-leg bridge
    stretches are split into their sets of reps and their holds (:func:`split_bridges`).
    """
    labels = [(a, b, FAMILY.get(ex, ex) if ex else ex, why) for a, b, ex, why in window_labels(samples)]
    runs: list[tuple[str, int, int]] = []  # (exercise, first window, last window)
    k = 0
    while k < len(labels):
        ex = labels[k][2]
        j = k
        while j + 1 < len(labels) and labels[j + 1][2] == ex:
            j += 1
        if ex is not None and j - k + 1 >= MIN_WINDOWS:
            if runs and runs[-1][0] == ex:  # the same exercise again after a short disagreement
                runs[-1] = (ex, runs[-1][1], j)
            else:
                runs.append((ex, k, j))
        k = j + 1
    runs = absorb_lookalikes(runs)
    segments: list[Segment] = []
    for n, (ex, a, b) in enumerate(runs):
        start = labels[a][0] if n == 0 else segments[-1].end_s
        # The boundary with the next run: midway between this run's last window end and the
        # next run's first window start (the windows in between saw a bit of both).
        end = labels[b][1] if n + 1 == len(runs) else (labels[b][1] + labels[runs[n + 1][1]][0]) / 2
        if n == 0:
            start = float(samples[0].t)
        if n + 1 == len(runs):
            end = float(samples[-1].t)
        segments.append(Segment(ex, start, end, b - a + 1, labels[(a + b) // 2][3]))
    return split_bridges(samples, segments)


#: What a circuit exercise looks like when MediaPipe draws one leg on the other: a single-leg dip
#: whose free leg is drawn on the standing one bends both knees with both feet still (a squat; a
#: window across a switch of legs can read as a lunge); a single-leg bridge or hold whose raised
#: leg is drawn on the planted one is a two-legged bridge.
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "squat": ("single_leg_dip",),
    "lunge": ("single_leg_dip",),
    "glute_bridge": ("single_leg_bridge", "single_leg_bridge_hold"),
}


def absorb_lookalikes(runs: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A run of an exercise that a neighbouring run's circuit exercise looks like joins it.

    Beside a run of the circuit exercise it is a MediaPipe copy of (:data:`LOOKALIKES`; no
    standing up, lying down or turning over between them, since the two share a posture), such a
    run is taken as more of it: its own detector counts it, per leg. Other neighbours stay apart:
    real glute bridges after ball curls, a hold after bridges.
    """
    out = list(runs)
    for k, (ex, a, b) in enumerate(out):
        near = [out[j] for j in (k - 1, k + 1)
                if 0 <= j < len(out) and out[j][0] in LOOKALIKES.get(ex, ())]
        if near:
            best = max(near, key=lambda r: r[2] - r[1])
            out[k] = (best[0], a, b)
    merged: list[tuple[str, int, int]] = []
    for ex, a, b in out:
        if merged and merged[-1][0] == ex:
            merged[-1] = (ex, merged[-1][1], b)
        else:
            merged.append((ex, a, b))
    return merged


def split_bridges(samples: Sequence[PoseSample], segments: Sequence[Segment]) -> list[Segment]:
    """Split each single-leg bridge segment at its hold sets (:func:`~.recognition.hold_sets`).

    The hold detector runs over the whole segment, so it sees the hips rise into each hold; the
    stretches before, between and after the holds stay bridge segments (one without reps is later
    joined to its neighbour by :func:`count_segments`).
    """
    from repcount.detectors.recognition import hold_sets

    t = np.array([s.t for s in samples])
    out: list[Segment] = []
    pending: float | None = None  # where the segment after a hold set begins
    for seg in segments:
        if pending is not None:
            seg, pending = replace(seg, start_s=pending), None
        if seg.exercise != _BRIDGE:
            out.append(seg)
            continue
        i0, i1 = int(np.searchsorted(t, seg.start_s)), int(np.searchsorted(t, seg.end_s, "right"))
        holds = hold_sets(samples[i0:i1]) if i1 - i0 >= 2 else []
        at = seg.start_s
        for h in holds:
            # The hold's segment takes in the rise into it: the hold detector times a hold from
            # the hips' resting level, which it must see first.
            begin = max(at, h.start_s - HOLD_LEAD_S)
            if begin - at >= MIN_BRIDGE_S * (2 if at > seg.start_s else 1):
                out.append(Segment(_BRIDGE, at, begin, seg.windows, seg.reason))
            else:
                begin = at  # too short for a set of reps: getting into the hold
            out.append(Segment(_HOLD, begin, h.end_s, seg.windows,
                               f"on the back, one leg up, hips held for {h.duration_s:.0f} s"))
            at = h.end_s
        if seg.end_s - at >= MIN_BRIDGE_S or not holds:
            out.append(Segment(_BRIDGE, at, seg.end_s, seg.windows, seg.reason))
        else:
            # Too short for a set of reps: lowering out of the hold, then moving on to the next
            # exercise, whose segment takes that part (the hold detector would time the hips
            # resting on the way as another short hold).
            end = min(seg.end_s, at + HOLD_LEAD_S)
            out[-1] = replace(out[-1], end_s=end)
            if end < seg.end_s:
                pending = end
    if pending is not None:
        out[-1] = replace(out[-1], end_s=segments[-1].end_s)
    return out


#: Two reps of neighbouring segments this close in time are the same movement.
SAME_S = 0.8
#: Seconds a segment's reps are also looked for beyond its boundaries.
MARGIN_S = 2.5
#: Reps on one leg that make a set of single-leg bridges beside a hold (one movement there is
#: the way into or out of it).
MIN_SET_REPS = 2
#: Seconds before a segment its detector watches without counting, to see how the person got
#: into position (standing up, lying down, turning over: a movement under way as they arrive is
#: not a rep; the stance needs half a second to be called).
CONTEXT_S = 3.0


#: Code and reason of a hold the hold detector timed with the pelvis at its resting lift (see
#: :func:`~.recognition.resting_holds`), kept out of the hold time.
RESTING_CODE = "hips_down"
RESTING_REASON = ("timed as a hold, but the pelvis stayed at its resting height: lying flat or "
                  "turning over, not a hold")
#: Code and reason of a single-leg bridge movement beside a hold that is no set (see
#: :func:`count_segments`).
STRAY_CODE = "into_or_out_of_hold"
STRAY_REASON = ("a single-leg bridge movement beside a hold with no set of two reps on either leg: "
                "getting into or out of the hold")


@dataclass
class SegmentCounts:
    """The reps, holds, cues and withheld movements of every segment, each with its exercise."""

    reps: list[Rep]
    partials: list[Rep]
    holds: list[Hold]
    events: list[FormEvent]
    rejected: list[Rejected]


def count_segments(samples: Sequence[PoseSample], segments: Sequence[Segment]
                   ) -> tuple[list[Segment], SegmentCounts]:
    """Count each segment with its own exercise's detector (the offline pass).

    A segment in which its detector counts nothing (no rep, no hold) has no evidence of being
    that exercise: it is the neighbouring set seen from a window that missed it (the end of a
    hold looks like a bridge rep to a window that did not see the hips go up) or a transition.
    It is joined to the segment before it (the first one: to the one after) and that one is
    counted again over both. So is a single-leg bridge stretch beside a hold in which no leg has
    two reps (the way into or out of the hold), joined to the exercise on its other side. A hold
    timed with the pelvis at its resting lift (lying flat or turning over after the hold:
    :func:`~.recognition.resting_holds`) is kept out of the hold time and listed as rejected.
    Returns the segments kept and the counts.
    """
    from repcount.detectors import EXERCISES, analyze_samples
    from repcount.detectors.recognition import resting_holds

    t = np.array([s.t for s in samples])
    segs = list(segments)

    def seg_slice(seg: Segment) -> slice:
        return slice(int(np.searchsorted(t, seg.start_s)), int(np.searchsorted(t, seg.end_s, "right")))

    def run(seg: Segment) -> TrackResultLike:
        span = seg_slice(seg)
        before = samples[int(np.searchsorted(t, seg.start_s - CONTEXT_S)):span.start]
        return (analyze_samples(EXERCISES[seg.exercise], samples[span], context=before)
                if span.stop - span.start >= 2 else None)

    def neighbours(k: int) -> list[int]:
        return [j for j in (k - 1, k + 1) if 0 <= j < len(segs)]

    def beside_hold(k: int) -> list[int]:
        return [j for j in neighbours(k) if segs[j].exercise == _HOLD]

    def stray(k: int, r: TrackResultLike) -> bool:
        """Whether segment ``k`` is a bridge stretch beside a hold with no set on any leg.

        One movement there is the way into or out of the hold (lowering the raised leg, rolling
        over), not a set of reps.
        """
        if r is None or not r.reps or segs[k].exercise != _BRIDGE or not beside_hold(k):
            return False
        return max(Counter(x.side for x in r.reps).values()) < MIN_SET_REPS

    results = [run(s) for s in segs]
    # The reps of a stray bridge stretch are withheld from the count: each is kept with why.
    withheld: list[Rejected] = []
    while len(segs) > 1:
        empty = [k for k, r in enumerate(results) if r is None or not (r.reps or r.holds) or stray(k, r)]
        if not empty:
            break
        k = empty[0]
        into = k - 1 if k > 0 else 1
        if stray(k, results[k]):
            # It joins the exercise on its other side: the hold detector would time the hips
            # resting on the way as another short hold.
            holds = beside_hold(k)
            others = [j for j in neighbours(k) if j not in holds]
            into = others[0] if others else holds[0]
            withheld += [Rejected(r.side, r.start_s, r.peak_s, r.end_s, r.rom_deg, STRAY_CODE, STRAY_REASON)
                         for r in results[k].reps]  # type: ignore[union-attr]
        a, b = segs[min(k, into)], segs[max(k, into)]
        keep = segs[into]
        merged = Segment(keep.exercise, a.start_s, b.end_s, keep.windows + segs[k].windows, keep.reason)
        lo = min(k, into)
        segs[lo:lo + 2] = [merged]
        results[lo:lo + 2] = [run(merged)]
    # Each segment's reps are counted again with MARGIN_S more on each side: its boundary comes
    # from a 5 s grid of windows, and the set's first or last rep may straddle it. A rep in a
    # margin is kept when it began (or, before the start, ended) inside the segment and the
    # neighbour did not count the same movement. Holds come from the segment itself.
    wide = [run(replace(seg, start_s=seg.start_s - (MARGIN_S if k else 0.0),
                        end_s=seg.end_s + (MARGIN_S if k + 1 < len(segs) else 0.0)))
            for k, seg in enumerate(segs)]
    own = [[replace(r, exercise=seg.exercise) for r in ([] if res is None else [*res.reps, *res.partials])]
           for seg, res in zip(segs, wide)]
    out = SegmentCounts([], [], [], [], [])
    for k, seg in enumerate(segs):
        for r in own[k]:
            if not seg.start_s <= r.peak_s <= seg.end_s:
                after = r.peak_s > seg.end_s
                began_inside = r.start_s <= seg.end_s if after else r.end_s >= seg.start_s
                j = k + 1 if after else k - 1
                if not began_inside or any(abs(o.peak_s - r.peak_s) < SAME_S for o in own[j]):
                    continue
            (out.partials if r.partial else out.reps).append(r)
        plain = results[k]
        if plain is not None:
            resting = resting_holds(samples[seg_slice(seg)], plain.holds) if plain.holds else []
            out.holds += [replace(h, exercise=seg.exercise) for h in plain.holds if h not in resting]
            out.rejected += [Rejected(h.side, h.start_s, (h.start_s + h.end_s) / 2, h.end_s, 0.0,
                                      RESTING_CODE, RESTING_REASON) for h in resting]
        res = wide[k]
        if res is not None:
            out.events += [e for e in res.events if seg.start_s <= e.t <= seg.end_s]
            out.rejected += [x for x in res.rejected if seg.start_s <= x.peak_s <= seg.end_s]
    out.rejected += [x for x in withheld if not any(abs(r.peak_s - x.peak_s) < SAME_S for r in out.reps)]
    out.rejected.sort(key=lambda x: x.peak_s)
    return segs, out
