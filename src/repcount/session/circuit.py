"""The guided circuit: an editable TOML plan and a pure state machine that walks through it.

A plan is a list of blocks (one exercise on one leg, or on both legs together) with a target
(reps or hold seconds) and a rest after each. :class:`Circuit` is fed the time, the events of the
current block's :class:`~repcount.detectors.Detector` and its state, and moves between
``waiting`` (for the first rep/hold of the block), ``active``, ``rest`` (a countdown) and
``done``; it can be skipped, redone, paused and resumed. :class:`CircuitRunner` owns the
detector (a fresh one per block) so the whole circuit can run from pose samples alone, live or
from recorded tracks. No OpenCV here.

The session summary is appended as one JSON line to ``user_data_dir()/history.jsonl``;
``repcount history`` lists past sessions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from repcount.detectors import EXERCISES, DetectorState, title_of
from repcount.errors import InputError
from repcount.records import FormEvent, Hold, PoseSample, Rep, Side
from repcount.session.balance import Balance, balance
from repcount.session.plan import Block, Plan

if TYPE_CHECKING:
    from repcount.detectors import Detector
    from repcount.detectors.recognition import LiveRecogniser

WAITING = "waiting"
ACTIVE = "active"
REST = "rest"
DONE = "done"

Event = Rep | Hold | FormEvent


# ----------------------------------------------------------------------------- state machine
@dataclass
class BlockResult:
    """What was done in one block."""

    block: Block
    reps: int = 0
    hold_s: float = 0.0
    partial_reps: int = 0
    cues: Counter[str] = field(default_factory=Counter)
    started_s: float | None = None
    ended_s: float | None = None
    skipped: bool = False
    #: The reps (full and partial) and holds counted for this block, for the balance figures.
    records: list[Rep | Hold] = field(default_factory=list)
    #: What the circuit noticed about the block (done out of order), shown with its warnings.
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether the target was reached."""
        if self.block.is_hold:
            return self.hold_s >= self.block.target - 1e-6
        return self.reps >= self.block.target

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the summary and the history."""
        b = self.block
        return {
            "exercise": b.exercise,
            "side": b.side,
            "target": b.hold_s if b.is_hold else b.reps,
            "unit": "s" if b.is_hold else "reps",
            "done": round(self.hold_s, 1) if b.is_hold else self.reps,
            "hold_s": round(self.hold_s, 2),
            "partial_reps": self.partial_reps,
            "complete": self.complete,
            "skipped": self.skipped,
            "warnings": [*self.notes, *(f"{msg} (x{n})" for msg, n in sorted(self.cues.items()))],
            "start_s": None if self.started_s is None else round(self.started_s, 2),
            "end_s": None if self.ended_s is None else round(self.ended_s, 2),
        }


@dataclass(frozen=True)
class Notice:
    """Something the circuit announces (for the overlay, the terminal and the audio).

    ``kind`` is one of ``start``, ``rep``, ``block_done``, ``rest``, ``next``, ``done``.
    """

    t: float
    kind: str
    text: str
    rep: Rep | None = None


class Circuit:
    """Walks through a plan; fed with the current block's detector events and state.

    Args:
        plan: the plan.

    """

    def __init__(self, plan: Plan) -> None:
        if not plan.blocks:
            raise InputError("the plan has no blocks")
        self.plan = plan
        self.blocks: list[Block] = list(plan.blocks)
        self.results: list[BlockResult] = [BlockResult(b) for b in self.blocks]
        self.index = 0
        self.phase = WAITING
        self.paused = False
        self.generation = 0  # bumped whenever the detector must start afresh
        self.rest_until = 0.0
        self.t = 0.0
        self.t_start: float | None = None
        self._paused_at = 0.0
        self._closed_hold_s = 0.0

    # -- queries
    @property
    def block(self) -> Block | None:
        """The current block (the next one during a rest), None when done."""
        return self.blocks[self.index] if self.index < len(self.blocks) else None

    @property
    def result(self) -> BlockResult | None:
        """The current block's result."""
        return self.results[self.index] if self.index < len(self.results) else None

    @property
    def done(self) -> bool:
        """Whether the circuit is over."""
        return self.phase == DONE

    def rest_left(self, t: float | None = None) -> float:
        """Seconds of rest left (0 outside a rest)."""
        if self.phase != REST:
            return 0.0
        now = self._paused_at if self.paused else (self.t if t is None else t)
        return max(0.0, self.rest_until - now)

    def status(self) -> str:
        """One line for the overlay/terminal."""
        b, r = self.block, self.result
        head = f"[{min(self.index + 1, len(self.blocks))}/{len(self.blocks)}]"
        if self.phase == DONE or b is None or r is None:
            return "circuit done"
        if self.paused:
            return f"{head} PAUSED ({b.label()}) - press space to resume"
        if self.phase == REST:
            return f"{head} rest {self.rest_left():.0f} s - next: {b.label()}"
        if self.phase == WAITING:
            return f"{head} get ready: {b.label()}"
        return f"{head} {b.label()}"

    def progress_text(self) -> str:
        """Count against target, e.g. ``7/20 right leg`` or ``12.3/20 s left leg``."""
        b, r = self.block, self.result
        if b is None or r is None:
            return ""
        leg = "both legs" if b.side == "both" else f"{b.side} leg"
        if b.is_hold:
            return f"{r.hold_s:.1f}/{b.target:.0f} s {leg}"
        return f"{r.reps}/{b.reps} {leg}"

    # -- controls
    def skip(self, t: float) -> list[Notice]:
        """Skip the rest, or the current block (keeping what was done)."""
        if self.phase == DONE:
            return []
        if self.phase == REST:
            self.paused = False
            return self._start_next(t)
        r = self.results[self.index]
        r.skipped = True
        r.ended_s = t
        return self._advance(t, rest=False)

    def redo(self, t: float) -> list[Notice]:
        """Start the current block again; during a rest (or when done), the block just finished."""
        if self.phase in (REST, DONE) and self.index > 0:
            self.index -= 1
        self.results[self.index] = BlockResult(self.blocks[self.index])
        self.phase = WAITING
        self.paused = False
        self._closed_hold_s = 0.0
        self.generation += 1
        b = self.blocks[self.index]
        return [Notice(t, "next", f"redo: {b.label()}")]

    def pause(self, t: float) -> None:
        """Pause: events are ignored and the rest countdown stops."""
        if not self.paused and self.phase != DONE:
            self.paused = True
            self._paused_at = t

    def resume(self, t: float) -> None:
        """Resume after :meth:`pause` (the rest countdown is extended by the pause)."""
        if self.paused:
            self.paused = False
            if self.phase == REST:
                self.rest_until += t - self._paused_at
            self.generation += 1  # what happened during the pause is not counted

    def toggle_pause(self, t: float) -> None:
        """Pause or resume."""
        if self.paused:
            self.resume(t)
        else:
            self.pause(t)

    # -- feeding
    def update(self, t: float, events: list[Event] | tuple[Event, ...] = (),
               state: DetectorState | None = None) -> list[Notice]:
        """Advance to time ``t`` with the events the current block's detector returned."""
        self.t = t
        if self.t_start is None:
            self.t_start = t
        if self.phase == DONE or self.paused:
            return []
        if self.phase == REST:
            return self._start_next(t) if t >= self.rest_until else []
        b, r = self.blocks[self.index], self.results[self.index]
        out: list[Notice] = []
        for e in events:
            if (isinstance(e, Rep) and e.side != b.side and b.side != "both" and not r.reps
                    and self._swap_legs(e.side)):
                b, r = self.blocks[self.index], self.results[self.index]
            if not self._mine(e, b):
                continue
            if self.phase == WAITING and isinstance(e, (Rep, Hold)):
                self.phase = ACTIVE
                r.started_s = e.start_s
                out.append(Notice(t, "start", f"started {b.label()}"))
            if isinstance(e, (Rep, Hold)):
                r.records.append(e)
            if isinstance(e, Rep):
                if e.partial:
                    r.partial_reps += 1
                else:
                    r.reps += 1
                    leg = "both legs" if b.side == "both" else f"{b.side} leg"
                    out.append(Notice(t, "rep", f"{r.reps}/{b.reps} {leg}", e))
            elif isinstance(e, Hold):
                self._closed_hold_s += e.duration_s
            elif isinstance(e, FormEvent) and e.code != "partial":
                r.cues[e.message] += 1
        if b.is_hold:
            r.hold_s = max(r.hold_s, self._closed_hold_s)
        if b.is_hold and state is not None and (state.side == b.side or b.side == "both"):
            r.hold_s = max(r.hold_s, state.hold_s)
            if self.phase == WAITING and state.holding:
                self.phase = ACTIVE
                r.started_s = t
                out.append(Notice(t, "start", f"started {b.label()}"))
        if self.phase == ACTIVE and r.complete:
            r.ended_s = t
            out.extend(self._advance(t, rest=True))
        return out

    def _mine(self, e: Event, b: Block) -> bool:
        side = e.side
        return b.side == "both" or side == b.side or (side == "both" and isinstance(e, FormEvent))

    def take_out_of_order(self, exercise: str) -> bool:
        """The user started ``exercise`` while another block waits: bring its block forward.

        The first unstarted block of that exercise (a later one, or one skipped before) moves to
        the current place and the waiting block follows it, so nothing planned is lost and the
        rest of the order stays. Returns False when the plan has no such block to take.
        """
        if self.phase != WAITING or self.paused:
            return False
        current = self.blocks[self.index]
        if current.exercise == exercise:
            return False
        j = next((k for k in range(len(self.blocks)) if k != self.index
                  and self.blocks[k].exercise == exercise and self.results[k].started_s is None
                  and (k > self.index or self.results[k].skipped)), None)
        if j is None:
            return False
        block, result = self.blocks.pop(j), self.results.pop(j)
        if j < self.index:
            self.index -= 1
        result.skipped = False
        result.notes.append("done out of the plan's order (recognised)")
        self.blocks.insert(self.index, block)
        self.results.insert(self.index, result)
        self.generation += 1
        return True

    def _swap_legs(self, side: Side) -> bool:
        """The user started with the other leg: swap with the next block of the same exercise."""
        j = self.index + 1
        if (j < len(self.blocks) and self.blocks[j].exercise == self.blocks[self.index].exercise
                and self.blocks[j].side == side and self.phase == WAITING):
            self.blocks[self.index], self.blocks[j] = self.blocks[j], self.blocks[self.index]
            self.results[self.index], self.results[j] = self.results[j], self.results[self.index]
            return True
        return False

    def _advance(self, t: float, rest: bool) -> list[Notice]:
        b = self.blocks[self.index]
        out = [Notice(t, "block_done", f"{b.label()} {'done' if rest else 'skipped'}")]
        self.index += 1
        self._closed_hold_s = 0.0
        self.generation += 1
        if self.index >= len(self.blocks):
            self.phase = DONE
            out.append(Notice(t, "done", "circuit done"))
            return out
        if rest and b.rest_s > 0:
            self.phase = REST
            self.rest_until = t + b.rest_s
            out.append(Notice(t, "rest", f"rest {b.rest_s:.0f} s"))
            return out
        return out + self._start_next(t)

    def _start_next(self, t: float) -> list[Notice]:
        self.phase = WAITING
        self.generation += 1
        b = self.blocks[self.index]
        return [Notice(t, "next", f"next: {b.label()}")]

    # -- summary
    def balances(self) -> list[Balance]:
        """Left/right balance and tempo per exercise of the plan, in plan order."""
        out = []
        for ex in dict.fromkeys(b.exercise for b in self.blocks):
            recs = [e for r in self.results if r.block.exercise == ex for e in r.records]
            out.append(balance(ex, [e for e in recs if isinstance(e, Rep)],
                               [e for e in recs if isinstance(e, Hold)]))
        return out

    def summary(self) -> dict[str, Any]:
        """Per block (exercise and leg): target, done, hold time, partial reps, warnings."""
        t0 = self.t_start if self.t_start is not None else 0.0
        return {
            "plan": self.plan.name,
            "finished": self.phase == DONE,
            "duration_s": round(self.t - t0, 1),
            "blocks_complete": sum(1 for r in self.results if r.complete),
            "blocks": len(self.results),
            "total_reps": sum(r.reps for r in self.results),
            "per_block": [r.to_dict() for r in self.results],
            "balance": [b.to_dict() for b in self.balances()],
        }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """Human-readable lines of a :meth:`Circuit.summary`."""
    lines = [f"{summary['plan']}: {summary['blocks_complete']}/{summary['blocks']} blocks complete, "
             f"{summary['total_reps']} reps, {summary['duration_s']:.0f} s"
             + ("" if summary["finished"] else " (not finished)")]
    for b in summary["per_block"]:
        planned = b.get("planned", True)
        mark = ("ok" if b["complete"] else "skipped" if b["skipped"] else "--") if planned else "extra"
        unit = " s" if b["unit"] == "s" else ""
        part = f", {b['partial_reps']} partial" if b["partial_reps"] else ""
        leg = "both legs" if b["side"] == "both" else f"{b['side']} leg"
        goal = f"{b['done']}/{b['target']}" if planned else f"{b['done']}"
        lines.append(f"  {mark:7} {title_of(b['exercise']):24} {leg:9} {goal}{unit}{part}")
        lines.extend(f"          ! {w}" for w in b["warnings"])
    return lines


#: Out-of-order blocks: the waiting stretch is recognised once it is this long, then every
#: :data:`ORDER_EVERY_S` over at most its last :data:`ORDER_WINDOW_S`; the same answer for
#: :data:`ORDER_STABLE_S` takes the block (the first seconds of a hold look like a bridge rep).
ORDER_FIRST_S = 5.0
ORDER_EVERY_S = 1.0
ORDER_WINDOW_S = 20.0
ORDER_STABLE_S = 5.0


class CircuitRunner:
    """A :class:`Circuit` with its detector: feed pose samples, get events and notices.

    A fresh detector is made whenever the circuit moves to another block (or redoes one), so
    each block counts from zero.

    Args:
        circuit: the state machine.
        fps: nominal sample rate for the detectors.

    """

    def __init__(self, circuit: Circuit, fps: float = 30.0, recognise: bool = True) -> None:
        self.circuit = circuit
        self.fps = fps
        self.detector: Detector | None = None
        self._generation = -1
        self.all_events: list[Event] = []
        self.recognise = recognise
        #: The recogniser of the poses since the current block began waiting (its ``samples``
        #: are the last :data:`ORDER_WINDOW_S` of them).
        self._recogniser: LiveRecogniser | None = None
        self._waiting_generation = -1

    def _ensure_detector(self) -> None:
        b = self.circuit.block
        if b is None:
            self.detector = None
        elif self._generation != self.circuit.generation or self.detector is None:
            from repcount.detectors.streaming import Detector  # the counting core, on first use

            self.detector = Detector(EXERCISES[b.exercise], self.fps)
        self._generation = self.circuit.generation

    def feed(self, sample: PoseSample) -> tuple[list[Event], list[Notice]]:
        """One frame: run the current block's detector and advance the circuit.

        While a block waits for its first rep, the poses are also recognised: another exercise
        of the plan, started out of order, takes its block forward and the poses since the wait
        began are counted by that block's detector (:meth:`_out_of_order`).
        """
        taken = self._out_of_order(sample)
        if taken is not None:
            return taken
        return self._feed(sample)

    def _out_of_order(self, sample: PoseSample) -> tuple[list[Event], list[Notice]] | None:
        """Recognise the waiting stretch; on a plan exercise other than the block's, take it."""
        c = self.circuit
        if not self.recognise or c.phase != WAITING or c.paused:
            self._recogniser = None
            return None
        if self._waiting_generation != c.generation or self._recogniser is None:
            from repcount.detectors.recognition import LiveRecogniser

            self._recogniser = LiveRecogniser(self.fps, ORDER_WINDOW_S, first_s=ORDER_FIRST_S,
                                              every_s=ORDER_EVERY_S, stable_s=ORDER_STABLE_S)
            self._waiting_generation = c.generation
        name = self._recogniser.add(sample)
        if name is None:
            return None
        waiting = list(self._recogniser.samples)
        if not self._counts(name, waiting) or not c.take_out_of_order(name):
            return None
        replay, self._recogniser = waiting, None
        events: list[Event] = []
        notices = [Notice(sample.t, "next", f"recognised: {c.block.label() if c.block else name}")]
        for s in replay:
            ev, no = self._feed(s)
            events += ev
            notices += no
        self._waiting_generation = c.generation
        return events, notices

    def _counts(self, exercise: str, waiting: list[PoseSample]) -> bool:
        """Whether ``exercise``'s own detector counts a rep or a hold in the waiting stretch.

        Recognition alone could name a transition (lying down, turning over); a block is only
        taken out of order on the evidence of the exercise being done.
        """
        from repcount.detectors import analyze_samples

        plan = {b.exercise for b in self.circuit.blocks}
        if exercise not in plan or exercise == (self.circuit.block.exercise if self.circuit.block else ""):
            return False
        result = analyze_samples(EXERCISES[exercise], waiting)
        return bool(result.reps or result.holds)

    def _feed(self, sample: PoseSample) -> tuple[list[Event], list[Notice]]:
        c = self.circuit
        self._ensure_detector()
        if self.detector is None or c.paused:
            return [], c.update(sample.t)
        events: list[Event] = []
        if c.phase != REST:
            events = self._tag(self.detector.update(sample))
        result, generation = c.result, c.generation
        notices = c.update(sample.t, events, self.detector.state() if c.phase != REST else None)
        if c.phase != REST or events:
            self.all_events.extend(events)
        if c.generation != generation and result is not None:
            # The block ended (its hold reached the target while still held): close the hold so
            # it is in the JSON and the balance, not lost with the detector.
            closed = [e for e in self._tag(self.detector.finish()) if isinstance(e, Hold)
                      and (e.side == result.block.side or result.block.side == "both")]
            result.records.extend(closed)
            self.all_events.extend(closed)
        return events, notices

    def _tag(self, events: Iterable[Event]) -> list[Event]:
        """The events with the exercise of the detector that found them (reps and holds)."""
        name = self.detector.exdef.name if self.detector is not None else ""
        return [replace(e, exercise=name) if isinstance(e, (Rep, Hold)) else e for e in events]

    def finish(self, t: float) -> list[Notice]:
        """End of the stream: close an open hold (or a set's first rep still waiting), credit it."""
        if self.detector is None or self.circuit.phase in (REST, DONE):
            return []
        done = self._tag(self.detector.finish())
        self.all_events.extend(done)
        return self.circuit.update(t, list(done), self.detector.state())

    @property
    def state(self) -> DetectorState | None:
        """The current detector's state (None when done)."""
        return self.detector.state() if self.detector is not None else None
