"""The streaming detector: one pose in, the reps, holds, cues and withheld movements it completes out.

Per frame: the body's facing sense and stance are updated, the exercise's measure is taken on
each followed signal (one for both legs, each leg, or the working leg a cue names), de-spiked
and gap-filled, and a :class:`~repcount.detectors.peaks.CandidateStream` per signal proposes
movements. One big enough to count (against the median of the recent counted reps) goes to the
:class:`~repcount.detectors.attribution.Judge`, which names its side and may withhold it with a
reason. A count is announced as soon as the signal is back down by the full-rep threshold, and
never taken back.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from repcount.detectors.attribution import CUE_WINDOW_S, SET_MEMORY_S, FrameRecord, History, Judge
from repcount.detectors.holds import HoldTracker
from repcount.detectors.peaks import Candidate, PeakCounter, RangeReference, full_threshold, is_full
from repcount.detectors.spec import ExerciseDef
from repcount.detectors.state import DetectorState, DetectorUpdate, Gauge
from repcount.records import LM, FormEvent, Hold, Pose, PoseSample, Rejected, Rep, Side
from repcount.signals.features import (
    CUES,
    BodySense,
    Facing,
    FacingTracker,
    Stance,
    StanceTracker,
    body_scale_px,
    image_tilt_deg,
    measure,
)
from repcount.signals.filters import SignalFilter
from repcount.signals.legs import LegLength, LimbIdentity

#: Hysteresis of the working leg of a cue exercise: the smoothed cue must pass this many times
#: the exercise's cue margin to change leg.
SWITCH_MARGIN = 1.5


def channels_of(exdef: ExerciseDef, forced: Side | None) -> tuple[Side, ...]:
    """The signals followed: one for both legs or the working leg, or one per leg."""
    if exdef.legs == "mover":
        return (forced,) if forced in ("left", "right") else ("left", "right")
    return ("both",)


class WorkingLeg:
    """The working leg of a cue exercise: the smoothed cue with hysteresis (it rarely changes)."""

    def __init__(self, margin: float, forced: Side | None) -> None:
        self.margin = margin
        self.forced = forced
        self._ema = 0.0
        self._seen = False
        self.side: Side = forced if forced in ("left", "right") else "both"

    def update(self, cue: float) -> Side:
        """Feed one frame's cue (positive = left)."""
        if self.forced in ("left", "right") or not np.isfinite(cue):
            return self.side
        self._ema = cue if not self._seen else 0.9 * self._ema + 0.1 * cue
        self._seen = True
        m = SWITCH_MARGIN * self.margin
        if self.side != "left" and self._ema > (m if self.side == "right" else self.margin):
            self.side = "left"
        elif self.side != "right" and self._ema < -(m if self.side == "left" else self.margin):
            self.side = "right"
        return self.side


def facing_allows(exdef: ExerciseDef, facing: Facing) -> bool:
    """Whether a lying person facing this way is followed: only the clearly opposite way gates.

    A face-down exercise is not done face up (the end of a bridge hold before rolling over read
    as a prone lift), nor a face-up one face down. Sit-ups move the trunk through upright, where
    the face's direction says nothing, so they are never gated.
    """
    if exdef.trunk_moves:
        return True
    if exdef.postures == ("prone",):
        return facing != "up"
    if exdef.postures == ("supine",):
        return facing != "down"
    return True


def stance_allows(exdef: ExerciseDef, stance: Stance) -> bool:
    """Whether frames in ``stance`` are followed (only a clearly different stance gates)."""
    if exdef.stance == "upright":
        return stance != "lying"
    if exdef.stance == "lying":
        return stance != "upright"
    return True


#: A movement starting within this many frames of the start of its signal may have begun
#: before it (its left base is the first sample).
TRUNCATED_FRAMES = 2.5
#: A movement that began within this many seconds after the person was last seen in a stance
#: the exercise is not done in was already under way as they got into position.
ARRIVAL_S = 0.5


@dataclass(frozen=True)
class _Pending:
    """A set's first movement, waiting for the second (see :meth:`Detector._confirm_first`)."""

    channel: _Channel
    candidate: Candidate
    side: Side
    cues: tuple[FormEvent, ...]
    truncated: bool = False
    inherited: bool = False


@dataclass
class _Channel:
    side: Side
    filt: SignalFilter
    counter: PeakCounter
    value: float = float("nan")
    raw: float = float("nan")
    #: When the signal's current gap-free stretch began (NaN while there is no signal).
    since: float = float("nan")


class Detector:
    """Causal streaming detector for one exercise.

    Args:
        exdef: the exercise definition.
        fps: nominal sample rate.
        side: force the working leg (``left``/``right``); None decides automatically.

    """

    def __init__(self, exdef: ExerciseDef, fps: float = 30.0, side: Side | None = None) -> None:
        self.exdef = exdef
        self.forced: Side | None = side if side in ("left", "right") else None
        self.sides = channels_of(exdef, self.forced)
        self._ch = {s: _Channel(s, SignalFilter(exdef.max_gap_s, exdef.median_k),
                                PeakCounter(exdef.peaks, fps)) for s in self.sides}
        self.history = History()
        self.judge = Judge(exdef, self.forced, self.history)
        self._refs: dict[str, RangeReference] = {}
        self._work = WorkingLeg(exdef.cue_margin, self.forced)
        self._holds = HoldTracker(exdef.hold) if exdef.hold else None
        self._sense = BodySense()
        self._limbs = LimbIdentity()
        self._leg_length = LegLength()
        self._stance = StanceTracker()
        self._facing = FacingTracker()
        self._t = 0.0
        self._last_work: Side = "both"
        self._cues: deque[tuple[float, float]] = deque()
        self._first: dict[str, _Pending] = {}
        #: The last time a pose was seen in a stance the exercise is not done in, and the last
        #: such times after which it was followed again (arrivals in position).
        self._gated_t: float | None = None
        self._arrivals: deque[float] = deque(maxlen=4)
        #: The movements waiting for the body to come back, with their signal (see :meth:`_judge`).
        self._waiting: list[tuple[Side, Candidate]] = []
        self._fps = max(fps, 1.0)
        #: The per-frame facts of the last sample.
        self.last_record = FrameRecord(0.0)
        self.events: list[FormEvent] = []
        self.rejected: list[Rejected] = []

    # ----------------------------------------------------------------- signals
    def _reference(self, side: Side) -> RangeReference:
        """Reference range of a side (one for a single signal).

        A set on the other leg may have a range of its own, seen from another angle: so does a
        ``both`` signal whose side a cue names (the clamshell's top leg, lying on the other side).
        """
        return self._refs.setdefault(self._ref_key(side), RangeReference())

    def _record(self, t: float, pose: Pose | None, allowed: bool, sense: int) -> FrameRecord:
        ex = self.exdef
        if pose is None:  # the working leg stays what it was
            ws = self._work.side
            return FrameRecord(t, work_side=1.0 if ws == "left" else -1.0 if ws == "right" else 0.0)
        cue = float(CUES[ex.cue](pose)) if ex.cue else float("nan")
        work = self._work.update(cue) if ex.legs == "cue" else "both"
        legs: dict[str, float] = {}
        for s in ("left", "right"):
            legs[f"sig_{s}"] = (measure(pose, ex.signal.measure, s, ex.signal.mode, ex.min_visibility, sense)
                                if allowed and ex.legs in ("mover", "envelope") else float("nan"))
            check = ex.other_check[0] if ex.other_check else (ex.hold.other_measure if ex.hold else None)
            legs[f"other_{s}"] = (measure(pose, check, s, "image", ex.min_visibility, sense)
                                  if check else float("nan"))
        p = pose.pixels()
        return FrameRecord(
            t=t, cue=cue, work_side=1.0 if work == "left" else -1.0 if work == "right" else 0.0,
            ankle_left_x=float(p[LM.LEFT_ANKLE][0]), ankle_left_y=float(p[LM.LEFT_ANKLE][1]),
            ankle_right_x=float(p[LM.RIGHT_ANKLE][0]), ankle_right_y=float(p[LM.RIGHT_ANKLE][1]),
            ankle_vis_left=float(pose.image[LM.LEFT_ANKLE, 3]),
            ankle_vis_right=float(pose.image[LM.RIGHT_ANKLE, 3]),
            leg_px=body_scale_px(pose), tilt=image_tilt_deg(pose),
            knee_left_x=float(p[LM.LEFT_KNEE][0]), knee_left_y=float(p[LM.LEFT_KNEE][1]),
            knee_right_x=float(p[LM.RIGHT_KNEE][0]), knee_right_y=float(p[LM.RIGHT_KNEE][1]),
            hip_left_x=float(p[LM.LEFT_HIP][0]), hip_left_y=float(p[LM.LEFT_HIP][1]),
            hip_right_x=float(p[LM.RIGHT_HIP][0]), hip_right_y=float(p[LM.RIGHT_HIP][1]),
            shoulder_left_x=float(p[LM.LEFT_SHOULDER][0]), shoulder_left_y=float(p[LM.LEFT_SHOULDER][1]),
            shoulder_right_x=float(p[LM.RIGHT_SHOULDER][0]),
            shoulder_right_y=float(p[LM.RIGHT_SHOULDER][1]), **legs)

    def _raw(self, side: Side, pose: Pose | None, allowed: bool, sense: int, rec: FrameRecord) -> float:
        ex = self.exdef
        if pose is None or not allowed:
            return float("nan")
        if ex.legs == "mover":
            return rec.sig_left if side == "left" else rec.sig_right
        if ex.legs == "envelope":
            vals = [v for v in (rec.sig_left, rec.sig_right) if np.isfinite(v)]
            if not vals:
                return float("nan")
            return max(vals) if ex.peaks.polarity >= 0 else min(vals)
        if ex.legs == "cue":
            work: Side = "left" if rec.work_side > 0 else "right" if rec.work_side < 0 else "both"
            if work == "both":
                return float("nan")
            return measure(pose, ex.signal.measure, work, ex.signal.mode, ex.min_visibility, sense)
        return measure(pose, ex.signal.measure, "both", ex.signal.mode, ex.min_visibility, sense)

    def _cue_side(self, t: float) -> Side:
        """The side a ``both`` signal's cue names now (whose reference judges its movements)."""
        if self.exdef.cue is None:
            return "both"
        self._cues.append((t, self.last_record.cue))
        while self._cues and self._cues[0][0] < t - CUE_WINDOW_S:
            self._cues.popleft()
        return self.judge.cue_side(t, np.array([c for _, c in self._cues]))

    # ----------------------------------------------------------------- update
    def _position(self, sample: PoseSample) -> tuple[Pose | None, float, int, bool]:
        """The frame's pose (labels put back), time, facing sense and whether it is followed.

        Notes each arrival in position: a pose followed after poses that were not.
        """
        # Labels MediaPipe swapped for a few frames are put back before anything is measured.
        pose, t = self._limbs.update(sample.pose), sample.t
        sense = self._sense.update(pose)
        stance = self._stance.update(t, pose)
        facing = self._facing.update(t, pose, self._stance.frame)
        placed = stance_allows(self.exdef, stance)
        allowed = placed and facing_allows(self.exdef, facing)
        # Arrivals are the stance's only: the facing call needs a whole second of a clear
        # score, so it can open well after a prone set's first lift began (rendered seed 11).
        if pose is not None and not placed:
            self._gated_t = t
        elif pose is not None and self._gated_t is not None:
            self._arrivals.append(self._gated_t)
            self._gated_t = None
        return pose, t, sense, allowed

    def prime(self, sample: PoseSample) -> None:
        """Watch a frame from before the stretch being counted, counting nothing.

        Only the body's stance, facing and limb labels follow it: a pass over part of a
        recording then knows what the person was doing just before, as a detector that saw
        the whole recording would (how they got into position).
        """
        self._position(sample)

    def update(self, sample: PoseSample) -> DetectorUpdate:
        """Feed one frame's pose; returns what it completed."""
        pose, t, sense, allowed = self._position(sample)
        self._t = t
        rec = self._record(t, pose, allowed, sense)
        self.last_record = rec
        self.history.record(rec)
        work = self.side
        switched = self.exdef.legs == "cue" and work != self._last_work
        self._last_work = work
        for ch in self._ch.values():
            raw = float("nan") if switched else self._raw(ch.side, pose, allowed, sense, rec)
            ch.raw = raw
            ch.value = ch.filt.update(t, raw)
            if not np.isfinite(ch.value):
                ch.since = float("nan")
            elif not np.isfinite(ch.since):
                ch.since = t
        if self._holds is not None:
            ch = self._ch["both"]
            other = rec.other_right if work == "left" else rec.other_left if work == "right" else float("nan")
            # A planted leg folded up in the picture is lost tracking: the frame shows nothing.
            x = float("nan") if self._leg_length.collapsed(t, pose, work) else ch.value
            step = self._holds.update(t, x, work, other)
            self.events.extend(step.events)
            return DetectorUpdate(holds=step.holds, events=step.events)
        reps: list[Rep] = []
        events: list[FormEvent] = []
        rejected: list[Rejected] = []
        for ch in self._ch.values():
            # One signal for both legs (cue, envelope): judged by the set's leg's reference.
            expected = (self.side if self.exdef.legs in ("cue", "envelope")
                        else self._cue_side(t) if ch.side == "both" else ch.side)
            ready = ch.counter.update(t, ch.value, self._reference(expected))
            self.judge.polarities[ch.side] = ch.counter.polarity
            for c in ready:
                self._judge(ch, c, t, reps, events, rejected)
        self._expire_first(t, reps, events, rejected)
        self.events.extend(events)
        self.rejected.extend(rejected)
        return DetectorUpdate(reps=tuple(reps), events=tuple(events), rejected=tuple(rejected))

    def _judge(self, ch: _Channel, c: Candidate, t: float, reps: list[Rep], events: list[FormEvent],
               rejected: list[Rejected], final: bool = False) -> None:
        """Judge a candidate big enough to count: a rep, withheld (with the reason), or not ours.

        The first rep of a set has nothing to be compared with: it waits for the set's second
        movement (see :meth:`_confirm_first`). A movement after which the body is not back yet
        is left undecided: the stream offers it again until it is back, or has stayed away
        (``final``: the stream ended, decide now).
        """
        for k, p in self._first.items():
            if abs(c.peak_s - p.candidate.peak_s) < self.exdef.peaks.min_period_s:
                # A waiting first rep offered again, as it grows (or merged with a bigger
                # turning point next to it): judged once, it only gets its latest size.
                if c.prominence > p.candidate.prominence:
                    self._first[k] = replace(p, channel=ch, candidate=c)
                return
        verdict = self.judge.judge(c, ch.side, t, final)
        if verdict.kind == "count" and any(c.peak_s > g and c.look_s <= g + ARRIVAL_S
                                           for g in self._arrivals):
            # Its start was not seen because the person was only now getting into position
            # (lying down opens the hips, standing up straightens the knees): that movement,
            # not a rep. A recording that begins mid-rep has no such evidence and is counted.
            verdict = replace(verdict, kind="reject", code="arriving", reason=(
                "already under way as the person got into position (lying down or standing "
                "up): its start was not seen"))
        if verdict.kind == "wait":
            self._unwait(ch.side, c)
            self._waiting.append((ch.side, c))
            return
        self._unwait(ch.side, c)
        if verdict.kind == "reject":
            rejected.append(Rejected(verdict.side, c.start_s, c.peak_s, c.end_s, c.prominence,
                                     verdict.code, verdict.reason))
        if verdict.kind != "count":
            ch.counter.decide(c, None)
            return
        ref = self._reference(verdict.side)
        key = self._ref_key(verdict.side)
        first = self._first.pop(key, None)
        if first is None and not len(ref):
            # Left undecided: the stream offers it again as it grows (or merged with a bigger
            # turning point next to it) until the set's second movement decides it.
            cut = bool(np.isfinite(ch.since) and c.look_s <= ch.since + TRUNCATED_FRAMES / self._fps)
            self._first[key] = _Pending(ch, c, verdict.side, verdict.cues, cut, verdict.inherited)
            self.judge.hold(key, Rep(0, verdict.side, c.start_s, c.peak_s, c.end_s, c.size), ch.side)
            return
        if first is not None:
            self._confirm_first(key, first, c, reps, events, rejected)
            if not is_full(self.exdef.peaks, c.prominence, ref):
                return  # judged again against the first rep's range as it grows
        self._count(ch, c, verdict.side, verdict.cues, reps, events, verdict.inherited)

    def _unwait(self, side: Side, c: Candidate) -> None:
        """Forget the waiting entry of this movement (an earlier offer of it), if any."""
        gap = self.exdef.peaks.min_period_s
        self._waiting = [(s, w) for s, w in self._waiting if s != side or abs(w.peak_s - c.peak_s) >= gap]

    def _count(self, ch: _Channel, c: Candidate, side: Side, cues: tuple[FormEvent, ...],
               reps: list[Rep], events: list[FormEvent], inherited: bool = False) -> None:
        index = sum(1 for r in self.judge.counted if r.side == side) + 1
        rep = Rep(index, side, c.start_s, c.peak_s, c.end_s, c.size, cues=tuple(e.code for e in cues))
        self.judge.add(rep, ch.side, inherited)
        ch.counter.decide(c, self._reference(side))
        reps.append(rep)
        events.extend(cues)

    def _confirm_first(self, key: str, first: _Pending, nxt: Candidate | None, reps: list[Rep],
                       events: list[FormEvent], rejected: list[Rejected]) -> None:
        """Count or withhold a set's first movement, now that the set's second one is seen.

        A first movement under the full-rep share of the next one was getting into position
        (or a partial before the set): it is withheld as ``lead_in``. With no second movement
        within :data:`SET_MEMORY_S` (or at the end) it is counted: a lone clean movement is
        still a rep.
        """
        c = first.candidate
        self.judge.hold(key, None)
        # The next movement is judged before it is back at rest: its way out is its size.
        size = max(nxt.prominence, nxt.depth) if nxt is not None else 0.0
        # A movement cut off by the start of the signal (the recording began mid-rep) is
        # smaller than it was: no evidence of anything.
        if c.prominence < self.exdef.peaks.full_frac * size and not first.truncated:
            rejected.append(Rejected(first.side, c.start_s, c.peak_s, c.end_s, c.prominence, "lead_in",
                                     f"a first movement of {c.prominence:.0f} degrees before a set "
                                     f"of {size:.0f} (getting into position)"))
            first.channel.counter.decide(c, None)
            return
        self._count(first.channel, c, first.side, first.cues, reps, events, first.inherited)

    def _ref_key(self, side: Side) -> str:
        return "both" if self.exdef.legs == "both" and self.exdef.cue is None else side

    def _expire_first(self, t: float, reps: list[Rep], events: list[FormEvent],
                      rejected: list[Rejected]) -> None:
        """Count a set's first movement that no second one followed in time."""
        for key, first in list(self._first.items()):
            if t - first.candidate.end_s > SET_MEMORY_S:
                del self._first[key]
                self._confirm_first(key, first, None, reps, events, rejected)

    def finish(self) -> list[Rep | Hold]:
        """End of the stream: decide waiting movements and a set's waiting first rep, close a hold."""
        reps: list[Rep] = []
        events: list[FormEvent] = []
        for side, c in list(self._waiting):
            self._judge(self._ch[side], c, self._t, reps, events, self.rejected, final=True)
        self._expire_first(float("inf"), reps, events, self.rejected)
        self.events.extend(events)
        return [*reps, *(self._holds.finish() if self._holds else [])]

    # ----------------------------------------------------------------- views
    def polarity(self, side: Side) -> int:
        """The polarity of reps on a signal.

        Fixed by the definition, or found from where the signal rests.
        """
        return self._ch[side].counter.polarity

    def raw_value(self, side: Side) -> float:
        """The unfiltered signal of ``side`` at the last sample (NaN when unusable)."""
        return self._ch[side].raw

    def value(self, side: Side) -> float:
        """The filtered signal of ``side`` at the last sample (NaN when unusable)."""
        ch = self._ch.get(side)
        return ch.value if ch is not None else float("nan")

    @property
    def reps(self) -> list[Rep]:
        """Reps counted so far."""
        return list(self.judge.counted)

    @property
    def holds(self) -> list[Hold]:
        """Holds closed so far."""
        return self._holds.holds if self._holds else []

    @property
    def side(self) -> Side:
        """The side currently followed (for the overlay)."""
        if self.exdef.legs == "cue":
            return self._work.side
        if self.judge.counted:
            return self.judge.counted[-1].side
        return self.forced or "both"

    def gauge(self, side: Side | None = None) -> Gauge:
        """The gauge of ``side``, or of the working leg.

        The working leg is the side counted last, the cue's leg, or before any rep the leg
        whose angle moves most (so the gauge follows it from its first movement, not the first
        leg in the list).
        """
        chosen: Side
        if side is not None and side in self._ch:
            chosen = side
        elif self.judge.counted and self.judge.counted[-1].side in self._ch:
            chosen = self.judge.counted[-1].side
        elif self.exdef.legs == "cue" and self._work.side in self._ch:
            chosen = self._work.side
        else:
            chosen = max(self.sides, key=lambda s: self._ch[s].counter.stream.spread())
        side = chosen
        ch = self._ch[side]
        ref = self._reference(side).value()
        return Gauge(side=side, angle=ch.value, rest=ch.counter.stream.rest_level(),
                     polarity=ch.counter.polarity, reference_rom=ref,
                     full_threshold=full_threshold(self.exdef.peaks, ref),
                     seen_rom=ch.counter.stream.spread())

    def state(self) -> DetectorState:
        """Snapshot for the overlay."""
        side = self.side
        key: Side = side if side in self._ch else self.sides[0]
        ref = self._reference(side).value()
        hold_s = self._holds.total() if self._holds else 0.0
        return DetectorState(
            t=self._t, side=side, count=sum(1 for r in self.judge.counted if r.side == side),
            angle=self._ch[key].value, reference_rom=ref,
            full_threshold=full_threshold(self.exdef.peaks, ref), hold_s=hold_s,
            holding=bool(self._holds is not None and self._holds.holding),
            posture=self._stance.stance,
        )

