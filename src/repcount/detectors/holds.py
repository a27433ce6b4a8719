"""The hold core: a debounced timer, and the tracker that decides when a hold position is kept.

A hold is judged against the person's own levels, not fixed angles: the hips are up when the
followed angle is well above the resting level seen before (or, when the recording starts in
the hold, above a generous absolute floor), it is steady, and once holding it does not drop
below the hold's own level by more than the sag tolerance.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from repcount.detectors.spec import HoldDef, HoldParams
from repcount.records import FormEvent, Hold, Side

#: Seconds over which the angle must be steady (rising into or lowering out of the hold moves
#: at 30-100 degrees/s; landmark jitter averages out over this window).
STEADY_WINDOW_S = 0.5
#: A holding angle within this of the hold's level counts as still at the level.
AT_LEVEL_DEG = 2.0
#: Seconds of history the resting level is taken from.
BASELINE_S = 120.0
#: The resting level is the lowest of the angle's medians over this many seconds (a glitch of
#: a few frames does not lower it).
LEVEL_BIN_S = 1.0
#: Seconds of the secondary check (raised leg straight) a median is taken over.
OTHER_WINDOW_S = 1.0
#: Seconds at each end of a closed hold whose median is the level there: the hold runs from
#: first reaching that level to last leaving it (the rise and the lowering slow down near the
#: top, where the steadiness test cannot yet tell them from holding).
END_LEVEL_S = 2.0


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

    def update(self, t: float, holding: bool, start_s: float | None = None) -> Hold | None:
        """Add one sample; returns a hold interval when one closes.

        ``start_s`` dates the start of a new interval earlier than ``t`` (the moment the level
        was reached, known only once steadiness has been seen).
        """
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
        self._hist: deque[tuple[float, float]] = deque()
        self._bin: list[tuple[float, float]] = []
        self._recent: deque[tuple[float, float]] = deque()
        self._held: deque[tuple[float, float]] = deque()
        self._other: deque[tuple[float, float]] = deque()
        self._at_level_t = -1.0
        self._trace: deque[tuple[float, float]] = deque(maxlen=20000)

    def _resting(self, t: float, x: float) -> float:
        """The resting level: the lowest one-second median of the last two minutes."""
        self._bin.append((t, x))
        if t - self._bin[0][0] >= LEVEL_BIN_S:
            self._hist.append((t, float(np.median([v for _, v in self._bin]))))
            self._bin.clear()
        while self._hist and self._hist[0][0] < t - BASELINE_S:
            self._hist.popleft()
        return min((v for _, v in self._hist), default=float("inf"))

    def _high(self, t: float, x: float) -> bool:
        """Whether the angle is high enough to count as held.

        That is, well above its resting level, or, before any resting level has been seen (the
        recording starts in the hold), above the absolute floor.
        """
        rest = self._resting(t, x)
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

    def _level(self, t: float) -> float:
        """Median angle of the last 3 s of holding (0 before any): the level a sag drops from."""
        while self._held and self._held[0][0] < t - 3.0:
            self._held.popleft()
        if len(self._held) < 5:
            return 0.0
        return float(np.median([v for _, v in self._held]))

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
        return float(np.median([v for _, v in self._other])) >= self.hold.other_min

    def _reached_at(self, x: float) -> float | None:
        """When the angle reached its current level (start of a hold that just began)."""
        start = None
        for tt, v in reversed(self._recent):
            if abs(v - x) > AT_LEVEL_DEG:
                break
            start = tt
        return start

    def update(self, t: float, x: float, side: Side, other: float = float("nan")) -> HoldStep:
        """One frame of the working leg's angle ``x`` (NaN when unusable)."""
        self.side = side
        level = self._level(t)
        if np.isfinite(x):
            self._trace.append((t, x))
            high = self._high(t, x)
            steady = self._steady(t, x)
            # A sag lasts; one jittery frame is none (judged on the last fifth's median).
            recent = [vv for _, vv in self._recent]
            now_x = float(np.median(recent[-max(1, len(recent) // 5):]))
            sagged = bool(level) and now_x < level - self.hold.sag_tol
            hips_up = high and steady and not sagged
        else:
            hips_up = False
        other_ok = self._other_ok(t, other)
        holding = hips_up and other_ok
        if holding:
            self._why = ""
            self._held.append((t, x))
            if not level or x >= level - AT_LEVEL_DEG:
                self._at_level_t = t
        elif not self._why:
            self._why = "raised_leg_bent" if hips_up else "hips_sagging"
        start_s = self._reached_at(x) if holding and not self.holding else None
        self.holding = holding
        closed: list[Hold] = []
        events: list[FormEvent] = []
        for s, timer in self.timers.items():
            h = timer.update(t, holding and s == side, start_s)
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
        """A closed hold from first reaching its level to last leaving it (see :data:`END_LEVEL_S`)."""
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
        head = xs[(ts >= h.start_s) & (ts <= h.start_s + END_LEVEL_S)]
        # The timer's last half second can already be lowering (steadiness is judged over it).
        tail = xs[(ts >= h.end_s - END_LEVEL_S - STEADY_WINDOW_S) & (ts <= h.end_s - STEADY_WINDOW_S)]
        if len(tail) < 3:
            tail = xs[ts >= h.end_s - END_LEVEL_S]
        start = ts[np.argmax(xs >= float(np.median(head)) - AT_LEVEL_DEG)]
        end = ts[len(xs) - 1 - np.argmax(xs[::-1] >= float(np.median(tail)) - AT_LEVEL_DEG)]
        if end - start < self.hold.params.min_hold_s:
            return h
        return replace(h, start_s=float(start), end_s=float(end))

    def total(self) -> float:
        """Seconds held on the current working side."""
        return self.timers[self.side].total()

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far, in time order."""
        return sorted((h for t in self.timers.values() for h in t.holds), key=lambda h: h.start_s)
