"""The hold core: a debounced timer, and the tracker that decides when a hold position is kept.

A hold is judged against the person's own levels, not fixed angles: the hips are up when the
followed angle is well above the resting level seen before (or, when the recording starts in
the hold, above a generous absolute floor), it is steady, and once holding it does not drop
below the hold's own level by more than the sag tolerance.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from repcount.detectors.spec import HoldDef, HoldParams
from repcount.records import FloatArray, FormEvent, Hold, Side
from repcount.signals.filters import running_median

#: Seconds over which the angle must be steady (rising into or lowering out of the hold moves
#: at 30-100 degrees/s; landmark jitter averages out over this window).
STEADY_WINDOW_S = 0.5
#: A holding angle within this of the hold's level counts as still at the level.
AT_LEVEL_DEG = 2.0
#: The closest a closed hold's ends are judged to its level (degrees): MediaPipe's slow wander
#: of a held angle.
MIN_AT_LEVEL_DEG = 1.0
#: Seconds of history the resting level is taken from.
BASELINE_S = 120.0
#: The resting level is the lowest of the angle's medians over this many seconds (a glitch of
#: a few frames does not lower it).
LEVEL_BIN_S = 1.0
#: Seconds of the secondary check (raised leg straight) it is judged over.
OTHER_WINDOW_S = 1.0
#: Seconds at each end of a closed hold whose median is the level there: the hold runs from
#: first reaching that level to last leaving it (the rise and the lowering slow down near the
#: top, where the steadiness test cannot yet tell them from holding).
END_LEVEL_S = 2.0
#: Seconds without a usable pose (lost tracking, a collapsed skeleton) that do not end a hold:
#: losing sight of the hips is no evidence that they dropped. A hold not seen again ends at the
#: last frame that showed it.
DROPOUT_S = 3.0
#: A sag must be this many standard errors (of the frames' average it is judged on) below the
#: level as well as ``sag_tol``: in a small or oblique view the hip angle jitters by tens of
#: degrees from frame to frame, and jitter is no evidence of the hips dropping.
SAG_NOISE = 3.0
#: A hold is broken when the hips lose this share of their lift above the resting level, even
#: short of ``sag_tol``: a low hold (a small lift, or one foreshortened by the camera) has less
#: to lose before it is no hold. MediaPipe's slow wander of a held hip stays under a quarter of
#: the lift in every labelled hold.
SAG_SHARE = 0.4
#: Share of the last second's frames that must show the raised leg bent before the hold pauses
#: for it (a few unreliable knee estimates are not a bent leg).
BENT_SHARE = 0.75
#: Seconds of the centred running median a closed hold's ends are found on.
SMOOTH_S = 0.3


#: The most (degrees) a resting angle's medians over the thirds of a second differ: MediaPipe's
#: slow wander and averaged-out jitter. Lying down, sitting up or changing legs sweeps tens of
#: degrees a second, and even the turn at the bottom of such a sweep moves more.
REST_STILL_DEG = 8.0


def spread_of_thirds(values: Sequence[float]) -> float:
    """Largest difference between the medians of the thirds of ``values`` (in time order)."""
    meds = [float(np.median(part)) for part in np.array_split(np.asarray(values), 3) if len(part)]
    return max(meds) - min(meds)


def level_and_noise(v: FloatArray) -> tuple[float, float]:
    """A held angle's level and its frame-to-frame jitter (as a standard deviation).

    The level is the mean of the 10th-90th percentiles, not the median: an oblique view's
    jitter can be two-sided (the angle flicking either side of straight), where the median
    jumps between the two. The jitter comes from successive differences, so a slow movement
    of the hips (which a hold must notice) does not pass for noise.
    """
    lo, hi = np.percentile(v, [10, 90])
    mid = v[(v >= lo) & (v <= hi)]
    level = float(np.mean(mid)) if len(mid) else float(np.median(v))
    d = np.diff(v)
    jitter = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2.0) if len(d) else 0.0
    return level, jitter


class HoldTimer:
    """Streaming hold timer for one side."""

    def __init__(self, params: HoldParams, side: Side) -> None:
        self.params = params
        self.side = side
        self._start: float | None = None
        self._last_true: float | None = None
        self.holds: list[Hold] = []

    def current(self) -> float:
        """Seconds held in the current (open) interval."""
        if self._start is None or self._last_true is None:
            return 0.0
        return max(0.0, self._last_true - self._start)

    def total(self) -> float:
        """Total seconds held so far, counting the open interval."""
        return sum(h.duration_s for h in self.holds) + self.current()

    def update(self, t: float, holding: bool | None, start_s: float | None = None) -> Hold | None:
        """Add one sample; returns a hold interval when one closes.

        ``holding`` is None when the frame cannot tell (no usable pose): an open interval then
        survives up to :data:`DROPOUT_S`. ``start_s`` dates the start of a new interval earlier
        than ``t`` (the moment the level was reached, known only once steadiness has been seen).
        """
        if holding is None:
            if self._last_true is not None and t - self._last_true > max(DROPOUT_S, self.params.grace_s):
                return self._close()
            return None
        if holding:
            if self._start is None:
                self._start = t if start_s is None else min(start_s, t)
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
        return self._close() if self._start is not None else None


@dataclass(frozen=True)
class HoldStep:
    """What one frame of hold tracking produced."""

    holds: tuple[Hold, ...] = ()
    events: tuple[FormEvent, ...] = ()


class HoldTracker:
    """Decides frame by frame whether the hold position is kept, one timer per side."""

    def __init__(self, hold: HoldDef) -> None:
        self.hold = hold
        self.timers: dict[Side, HoldTimer] = {s: HoldTimer(hold.params, s) for s in ("left", "right", "both")}
        self.side: Side = "both"
        self.holding = False
        self._why = ""
        # Per working leg (see _resting): (time, one-second median, steady).
        self._hist: dict[Side, deque[tuple[float, float, bool]]] = {s: deque() for s in self.timers}
        self._bin: list[tuple[float, float, Side]] = []
        self._recent: deque[tuple[float, float]] = deque()
        self._held: deque[tuple[float, float]] = deque()
        self._other: deque[tuple[float, float]] = deque()
        self._at_level_t = -1.0
        self._rest = float("inf")
        self._trace: deque[tuple[float, float]] = deque(maxlen=20000)

    def _resting(self, t: float, x: float, side: Side) -> float:
        """The resting level of the working leg ``side``: the lowest steady one-second median.

        Lying down, sitting up or changing legs sweeps the angle through levels the body never
        rests at, so a second in which it drifted (:func:`spread_of_thirds`) counts only when the
        leg was never seen still: then the rise into a hold is the only sight of the rest below
        it. The legs read different angles in a 2D view (one is nearer the camera), so each leg
        has its own level (a second goes to the leg most of its frames were of); seconds before
        either leg was told ("both") count for both, and a leg never seen at all takes the other's
        (MediaPipe may have labelled its rest with the other leg). A second spent holding against
        a known rest is no rest; one held only on the absolute floor (:meth:`_high`) is kept, since
        a view can read a resting hip that high. Seconds of the last :data:`BASELINE_S` count.
        """
        self._bin.append((t, x, side))
        if t - self._bin[0][0] >= LEVEL_BIN_S:
            if not (self.holding and np.isfinite(self._rest)):
                sides = [s for _, _, s in self._bin]
                owner = max(set(sides), key=sides.count)
                values = [v for _, v, _ in self._bin]
                steady = spread_of_thirds(values) < REST_STILL_DEG
                self._hist[owner].append((t, float(np.median(values)), steady))
            self._bin.clear()
        for hist in self._hist.values():
            while hist and hist[0][0] < t - BASELINE_S:
                hist.popleft()
        seen = [*self._hist[side], *self._hist["both"]] or [v for h in self._hist.values() for v in h]
        still = [v for _, v, ok in seen if ok] or [v for _, v, _ in seen]
        return min(still, default=float("inf"))

    def _high(self, x: float, rest: float) -> bool:
        """Whether the angle is high enough to count as held.

        That is, well above its resting level ``rest``, or, before any resting level has been
        seen (the recording starts in the hold), above the absolute floor.
        """
        if x - rest >= self.hold.min_rise:
            return True
        return x >= self.hold.abs_min and rest > x - self.hold.min_rise

    def _steady(self, t: float, x: float) -> bool:
        """Whether the angle changed slower than ``max_speed`` over the last half second."""
        self._recent.append((t, x))
        while len(self._recent) > 1 and self._recent[1][0] <= t - STEADY_WINDOW_S:
            self._recent.popleft()
        t0 = self._recent[0][0]
        if t - t0 < 0.2:
            return True
        # Medians of the window's first and last fifths: a jittery frame at either end (an
        # oblique view's near-straight hip flickers by 20-30 degrees) is no movement.
        v = [vv for _, vv in self._recent]
        k = max(1, len(v) // 5)
        return abs(float(np.median(v[-k:])) - float(np.median(v[:k]))) / (t - t0) < self.hold.max_speed

    def _level(self, t: float) -> tuple[float, float]:
        """Level and jitter of the last 3 s of holding (0, 0 before any): what a sag drops from.

        See :func:`level_and_noise`.
        """
        while self._held and self._held[0][0] < t - 3.0:
            self._held.popleft()
        if len(self._held) < 5:
            return 0.0, 0.0
        return level_and_noise(np.array([v for _, v in self._held]))

    def _other_ok(self, t: float, other: float) -> bool:
        """The secondary check (raised leg straight) on its median over the last second."""
        if self.hold.other_measure is None:
            return True
        if np.isfinite(other):
            self._other.append((t, other))
        while self._other and self._other[0][0] < t - OTHER_WINDOW_S:
            self._other.popleft()
        if len(self._other) < 3:
            return True
        bent = sum(1 for _, v in self._other if v < self.hold.other_min)
        return bent < BENT_SHARE * len(self._other)

    def _reached_at(self, x: float) -> float | None:
        """When the angle reached its current level (start of a hold that just began)."""
        start = None
        for tt, v in reversed(self._recent):
            if abs(v - x) > AT_LEVEL_DEG:
                break
            start = tt
        return start

    def update(self, t: float, x: float, side: Side, other: float = float("nan")) -> HoldStep:
        """One frame of the working leg's angle ``x`` (NaN when unusable).

        Getting into the hold needs the angle high and steady; once holding, only evidence of
        leaving it ends the hold: the angle's recent median below the level by more than the
        sag tolerance and the level's own jitter, or the raised leg seen bent. Unsteadiness
        alone (landmark jitter) and a short loss of the pose do not.
        """
        # The planted leg cannot change while the hips are up (switching legs means lowering
        # them): a change of working leg during a hold is MediaPipe swapping the labels.
        if not (self.holding and self.side in ("left", "right")):
            self.side = side
        side = self.side
        level, noise = self._level(t)
        hips_up: bool | None
        if np.isfinite(x):
            self._trace.append((t, x))
            rest = self._resting(t, x, side)
            self._rest = rest
            high = self._high(x, rest)
            steady = self._steady(t, x)
            # A sag lasts; one jittery frame is none (judged on the last half second's level).
            recent = np.array([vv for _, vv in self._recent])
            now_x = level_and_noise(recent)[0]
            sagged = bool(level) and now_x < level - self._sag_tol(noise, len(recent), level)
            if self.holding and level:
                # Still well clear of the resting level (when one was seen), judged on the
                # same average.
                hips_up = not sagged and (not np.isfinite(rest) or now_x - rest >= self.hold.min_rise / 2)
            else:
                hips_up = high and steady and not sagged
        else:
            hips_up = None
        other_ok = self._other_ok(t, other)
        holding: bool | None = None if hips_up is None else (hips_up and other_ok)
        if holding:
            self._why = ""
            self._held.append((t, x))
            if not level or x >= level - AT_LEVEL_DEG:
                self._at_level_t = t
        elif holding is not None and not self._why:
            self._why = "raised_leg_bent" if hips_up else "hips_sagging"
        start_s = self._reached_at(x) if holding and not self.holding else None
        if holding is not None:
            self.holding = holding
        closed: list[Hold] = []
        events: list[FormEvent] = []
        for s, timer in self.timers.items():
            h = timer.update(t, None if holding is None else (holding and s == side), start_s)
            if h is None:
                continue
            if self._why == "hips_sagging" and h.start_s < self._at_level_t < h.end_s:
                # The sag began when the hips left their level, before they fell past the
                # tolerance: the hold ends there.
                h = replace(h, end_s=self._at_level_t)
            h = self._refine(h)
            timer.holds[-1] = h
            closed.append(h)
            # Said once, when the timer actually pauses (not on every jittery frame).
            msg = ("keep the raised leg straight" if self._why == "raised_leg_bent"
                   else "hips dropped: the hold timer paused")
            events.append(FormEvent(t, s, self._why or "hips_sagging", msg))
        return HoldStep(tuple(closed), tuple(events))

    def finish(self) -> list[Hold]:
        """Close open holds at the end of the stream."""
        out = []
        for timer in self.timers.values():
            h = timer.finish()
            if h is not None:
                h = self._refine(h)
                timer.holds[-1] = h
                out.append(h)
        return out

    def _refine(self, h: Hold) -> Hold:
        """A closed hold trimmed to its level (:meth:`_span`), with how far it sagged."""
        h = self._span(h)
        return replace(h, sag_deg=self._sag(h))

    def _sag(self, h: Hold) -> float | None:
        """How far (degrees) the smoothed angle fell below its level at the start of the hold.

        The steadiness of a hold: 0 for hips kept at their height, the depth of the worst dip
        otherwise. The running median keeps MediaPipe's jitter out of it.
        """
        pts = [(tt, v) for tt, v in self._trace if h.start_s - 1e-9 <= tt <= h.end_s + 1e-9]
        if len(pts) < 5:
            return None
        ts = np.array([tt for tt, _ in pts])
        fps = (len(ts) - 1) / max(ts[-1] - ts[0], 1e-6)
        xs = running_median(np.array([v for _, v in pts]), max(1, round(SMOOTH_S * fps) | 1))
        level = float(np.median(xs[ts <= h.start_s + END_LEVEL_S]))
        return round(max(0.0, level - float(xs.min())), 1)

    def _span(self, h: Hold) -> Hold:
        """A closed hold from first reaching its level to last leaving it (see :data:`END_LEVEL_S`).

        Judged on a centred running median (a jittery frame reaches no level), and only where
        the angle is within a sag of the hold's median level: a pause part-way up while
        getting into position is not yet the hold.
        """
        ts = np.array([tt for tt, _ in self._trace])
        xs = np.array([v for _, v in self._trace])
        # The level can be reached before steadiness is seen (up to a steadiness window
        # earlier), never before the previous hold ended.
        earliest = max([h.start_s - 2 * STEADY_WINDOW_S]
                       + [p.end_s for t in self.timers.values() for p in t.holds if p.end_s <= h.start_s])
        inside = (ts >= earliest - 1e-9) & (ts <= h.end_s + 1e-9)
        ts, xs = ts[inside], xs[inside]
        if len(ts) < 5:
            return h
        raw = xs[(ts >= h.start_s) & (ts <= h.end_s)]
        fps = (len(ts) - 1) / max(ts[-1] - ts[0], 1e-6)
        k = max(1, round(SMOOTH_S * fps) | 1)
        xs = running_median(xs, k)
        at = AT_LEVEL_DEG
        if len(raw) >= 5:
            # Not yet at the hold's level: further below it than a sag (a pause part-way up
            # while getting into position, or on the way down).
            level, noise = level_and_noise(raw)
            at = self._at_level_tol(noise, k)
            tol = self._sag_tol(noise, k, level)
            up = np.flatnonzero(xs >= level - tol)
            if len(up) >= 5:
                ts, xs = ts[up[0]:up[-1] + 1], xs[up[0]:up[-1] + 1]
                h = replace(h, start_s=max(h.start_s, float(ts[0])), end_s=min(h.end_s, float(ts[-1])))
        head = xs[(ts >= h.start_s) & (ts <= h.start_s + END_LEVEL_S)]
        # The timer's last half second can already be lowering (steadiness is judged over it).
        tail = xs[(ts >= h.end_s - END_LEVEL_S - STEADY_WINDOW_S) & (ts <= h.end_s - STEADY_WINDOW_S)]
        if len(tail) < 3:
            tail = xs[ts >= h.end_s - END_LEVEL_S]
        if len(head) == 0 or len(tail) == 0:
            return h
        start = ts[np.argmax(xs >= float(np.median(head)) - at)]
        end = ts[len(xs) - 1 - np.argmax(xs[::-1] >= float(np.median(tail)) - at)]
        if end - start < self.hold.params.min_hold_s:
            return h
        return replace(h, start_s=float(start), end_s=float(end))

    @staticmethod
    def _at_level_tol(noise: float, k: int) -> float:
        """How close to its level the smoothed angle must be to be at it, for a closed hold.

        Rising into and lowering out of a hold slow down near the top (a smooth movement eases
        in and out), so a fixed tolerance starts the hold early and ends it late by a sixth of
        the movement's duration; the tolerance is the jitter ``noise`` of the ``k``-sample
        median instead (:data:`SAG_NOISE` standard errors), at most :data:`AT_LEVEL_DEG`.
        """
        return float(np.clip(SAG_NOISE * noise / np.sqrt(max(k, 1)), MIN_AT_LEVEL_DEG, AT_LEVEL_DEG))

    def _sag_tol(self, noise: float, n: int, level: float) -> float:
        """How far below ``level`` an average of ``n`` frames must be to show a sag.

        ``sag_tol``, or :data:`SAG_SHARE` of the lift above the resting level when that is
        less; never within the jitter of the average (:data:`SAG_NOISE` standard errors).
        """
        tol = self.hold.sag_tol
        lift = level - self._rest
        if np.isfinite(lift) and lift > 0:
            tol = min(tol, SAG_SHARE * lift)
        return float(max(tol, SAG_NOISE * noise / np.sqrt(max(n, 1))))

    def total(self) -> float:
        """Seconds held on the current working side."""
        return self.timers[self.side].total()

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far, in time order."""
        return sorted((h for t in self.timers.values() for h in t.holds), key=lambda h: h.start_s)
