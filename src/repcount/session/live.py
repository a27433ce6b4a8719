"""Counting over a live stream of pose samples: one exercise, or the guided circuit (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from repcount.detectors import EXERCISES, DetectorState, DetectorUpdate, ExerciseDef
from repcount.records import Analysis, FormEvent, Hold, PoseSample, Rep, Side
from repcount.session.analysis import RunStats, Tally, build_analysis
from repcount.session.blocks import circuit_blocks
from repcount.session.circuit import WAITING, Circuit, CircuitRunner, Notice

if TYPE_CHECKING:
    from repcount.detectors import Detector
    from repcount.detectors.recognition import LiveRecogniser


def _detector(exdef: ExerciseDef, fps: float, side: Side | None) -> Detector:
    """A streaming detector (the counting core is imported on first use: it loads scipy)."""
    from repcount.detectors.streaming import Detector

    return Detector(exdef, fps, side)

#: ``--exercise auto`` live: the first try at recognising after this much stream, then every
#: :data:`AUTO_EVERY_S`, over at most the last :data:`AUTO_WINDOW_S` (all of it is replayed
#: through the detector once recognised, so the reps before the decision count too).
AUTO_FIRST_S = 5.0
AUTO_EVERY_S = 1.0
AUTO_WINDOW_S = 60.0
#: The same answer on every try over this long decides it: the first seconds of a bridge hold
#: look like a bridge rep until the hips stay up.
AUTO_STABLE_S = 5.0


class Session:
    """Single-exercise or circuit counting over a stream of pose samples (no I/O).

    With ``auto`` (and no ``exdef``) the exercise is recognised from the stream as it starts:
    the same answer on every try for :data:`AUTO_STABLE_S` decides it, and the poses so far are replayed
    through the new detector.
    """

    def __init__(self, fps: float, exdef: ExerciseDef | None, side: Side | None,
                 circuit: Circuit | None, target: float | None = None, auto: bool = False) -> None:
        self.fps = fps
        self.auto = auto and exdef is None and circuit is None
        self._recogniser: LiveRecogniser | None = None
        #: Reps (or hold seconds) to reach in a single-exercise run; the exercise's default if None.
        self.target = target
        self.exdef = exdef
        self.side = side
        self.circuit = circuit
        self.runner = CircuitRunner(circuit, fps) if circuit is not None else None
        self.detector = _detector(exdef, fps, side) if exdef is not None else None
        self.events: list[Rep | Hold | FormEvent] = []
        self.paused = False
        self.target_reached = False

    @property
    def current_exdef(self) -> ExerciseDef | None:
        """The exercise being counted now."""
        if self.circuit is not None:
            b = self.circuit.block
            return EXERCISES[b.exercise] if b is not None else None
        return self.exdef

    def state(self) -> DetectorState | None:
        """The current detector's state."""
        if self.runner is not None:
            return self.runner.state
        return self.detector.state() if self.detector is not None else None

    def feed(self, sample: PoseSample) -> tuple[list[Rep | Hold | FormEvent], list[Notice]]:
        """One sample in; events and circuit notices out."""
        if self.runner is not None:
            ev, notices = self.runner.feed(sample)
            return ev, notices
        if self.paused:
            return [], []
        if self.detector is None:
            if not self.auto or not self._recognise(sample):
                return [], []
            assert self.detector is not None
            assert self._recogniser is not None
            ev = [e for s in self._recogniser.samples for e in self.detector.update(s)]
        else:
            ev = list(self.detector.update(sample))
        assert self.exdef is not None
        self.events.extend(ev)
        target = self.target if self.target is not None else self.exdef.target
        notices = [Notice(sample.t, "rep", f"{e.index}/{target:.0f} {e.side} leg"
                          if e.side != "both" else f"{e.index}/{target:.0f}", e)
                   for e in ev if isinstance(e, Rep) and not e.partial]
        st = self.detector.state()
        done = (st.hold_s >= target) if self.exdef.hold else (st.count >= target)
        if done and not self.target_reached:
            self.target_reached = True
            notices.append(Notice(sample.t, "block_done", f"{self.exdef.title}: target reached"))
        return ev, notices

    @property
    def auto_result(self) -> tuple[str | None, str]:
        """``--exercise auto``'s last answer and its reason."""
        return self._recogniser.last if self._recogniser is not None else (None, "not tried yet")

    def _recognise(self, sample: PoseSample) -> bool:
        """Feed ``sample`` to the recogniser; True once it decided (the detector is made)."""
        if self._recogniser is None:
            from repcount.detectors.recognition import LiveRecogniser

            self._recogniser = LiveRecogniser(self.fps, AUTO_WINDOW_S, first_s=AUTO_FIRST_S,
                                              every_s=AUTO_EVERY_S, stable_s=AUTO_STABLE_S)
        name = self._recogniser.add(sample)
        if name is not None:
            self.exdef = EXERCISES[name]
            self.detector = _detector(self.exdef, self.fps, self.side)
        return name is not None

    def finish(self, t: float) -> list[Notice]:
        """Close open holds at the end of the stream."""
        if self.runner is not None:
            return self.runner.finish(t)
        if self.detector is not None:
            self.events.extend(self.detector.finish())
        return []

    def all_events(self) -> list[Rep | Hold | FormEvent]:
        """Every event of the run."""
        return self.runner.all_events if self.runner is not None else self.events

    def key(self, key: int, t: float) -> tuple[bool, list[Notice]]:
        """Handle a key press; returns (quit, notices)."""
        ch = chr(key) if 0 <= key < 256 else ""
        if key == 27 or ch == "q":
            return True, []
        c = self.circuit
        if ch in (" ", "p"):
            if c is not None:
                c.toggle_pause(t)
            else:
                self.paused = not self.paused
        elif ch == "n" and c is not None:
            return False, c.skip(t)
        elif ch == "r":
            if c is not None:
                return False, c.redo(t)
            if self.exdef is not None:
                self.detector = _detector(self.exdef, self.fps, self.side)
                self.target_reached = False
        return False, []

    def started(self, st: DetectorState | None) -> bool:
        """Whether counting has begun (guidance is shown until then)."""
        if self.circuit is not None:
            return self.circuit.phase not in (WAITING,)
        if st is None:
            return False
        return st.count > 0 or st.holding or st.hold_s > 0


def session_analysis(name: str, session: Session, model: str, fps: float, tally: Tally,
                     stats: RunStats, extra: dict[str, object] | None = None) -> Analysis:
    """The :class:`Analysis` of a session fed sample by sample (live, or a circuit replayed).

    A circuit adds its summary (``extra["circuit"]``: per block, its times and counts) and one
    balance per exercise; its reps and holds carry their exercise.
    """
    events = DetectorUpdate.of(session.all_events())
    if session.circuit is not None:
        # What the blocks were credited with: a movement no block took (the held leg still up
        # when the next block waits for the other one) is not the circuit's.
        credited = [e for r in session.circuit.results for e in r.records]
        events = DetectorUpdate(tuple(e for e in credited if isinstance(e, Rep)),
                                tuple(e for e in credited if isinstance(e, Hold)), events.events)
    holds = sorted(events.holds, key=lambda h: h.start_s)
    warnings: list[str] = []
    if tally.pose_frames == 0:
        warnings.append("nobody was found in the video")
    # Withheld movements, with their reasons, as in analyze's JSON (single-exercise sessions).
    rejected = list(session.detector.rejected) if session.detector is not None else []
    from repcount.detectors.offline import TrackResult

    full = list(events.full_reps)
    if session.circuit is None and session.detector is not None:
        # The summary takes the reps' sides in hindsight, as the offline pass does (a rep the
        # live count gave the set's leg for want of evidence can be the next set's first).
        settled = {(r.start_s, r.peak_s): r for r in session.detector.judge.settled()}
        full = [settled.get((r.start_s, r.peak_s), r) for r in full]
    result = TrackResult(full, list(events.partial_reps), holds, list(events.events),
                         np.zeros(0), np.zeros(0), {}, warnings, rejected)
    extra = dict(extra or {})
    exercise = session.exdef.name if session.exdef else "circuit" if session.circuit else "unknown"
    if session.auto:
        recognised, why = session.auto_result
        extra["auto"] = {"recognised": recognised if session.exdef else None, "reason": why}
        if session.exdef is None:
            warnings.append(f"exercise not recognised: {why}")
    if session.circuit is not None:
        extra["circuit"] = session.circuit.summary()
    balances = tuple(session.circuit.balances()) if session.circuit is not None else None
    blocks = None
    if session.circuit is not None:
        blocks = circuit_blocks(extra["circuit"]["per_block"],  # type: ignore[index]
                                [r.records for r in session.circuit.results])
    return build_analysis(name, exercise, model, fps, tally, result, stats, extra=extra,
                          balances=balances, blocks=blocks)
