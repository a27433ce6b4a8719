"""``repcount live``: count from a webcam (or a video played like one) with an on-screen overlay.

Three threads form a pipeline: capture keeps only the newest frame, so a slow pose model drops
frames instead of building a backlog (the count stays current); the pose model runs on its own
thread one frame ahead (:class:`~repcount.pose.pipelined.PoseStage`); the detector (or the
guided circuit), the overlay and the window run on the main thread. A ``--source`` video is
processed frame by frame as fast as possible unless ``--realtime`` plays it at its own pace, like
a camera. The OpenCV window, the annotated recording and the JSON are optional outputs.

For each counted rep the delay from the end of the movement to the moment the count was on
screen is measured: ``signal`` is how long after the rep's end the detector could announce it
(stream time), ``pipeline`` the time from capturing the announcing frame to showing it.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from repcount.commands import add_model_argument
from repcount.commands.report import MAX_KEY_FRAMES
from repcount.detectors import EXERCISES, DetectorUpdate, ExerciseDef, get_exercise, title_of
from repcount.errors import InputError, interrupt_status
from repcount.io.atomic import check_writable
from repcount.io.grabber import LatestFrameGrabber, every_frame
from repcount.io.report import KeyFrame
from repcount.io.sinks import VideoSink, write_png
from repcount.io.sources import CameraSource, FrameSource, open_source
from repcount.pose.pipelined import PosedFrame, PoseStage
from repcount.records import Analysis, FormEvent, Frame, Hold, Pose, PoseSample, Rep
from repcount.session.analysis import RunStats, Tally
from repcount.session.circuit import Circuit, Notice, summary_lines
from repcount.session.history import append_history, worked
from repcount.session.latency import DelayRecord, LiveStats
from repcount.session.live import Session, session_analysis
from repcount.session.plan import load_plan
from repcount.ui.annotators import CueBoard, draw
from repcount.ui.audio import Audio
from repcount.ui.console import print_balance
from repcount.ui.endscreen import END_SCREEN_S, end_screen
from repcount.ui.live import LIVE_ANNOTATORS, live_context, mirror_pose
from repcount.ui.window import WindowSink

Image = np.ndarray
#: Seconds of recent poses a live run keeps (to measure each rep's rest-end delay offline).
RECENT_S = 300.0
KEY_HELP = "keys: n skip  r redo  space pause  q quit"


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``repcount live``."""
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=None, metavar="N", help="webcam index (default 0)")
    src.add_argument("--source", metavar="VIDEO", help="a video file (or image folder) instead of a camera")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--exercise", "-e", metavar="NAME",
                      help="count one exercise (auto: recognise it as the set starts): "
                      + ", ".join(EXERCISES))
    what.add_argument("--circuit", nargs="?", const="", default=None, metavar="PLAN.toml",
                      help="guided circuit (default plan: the developers' hamstring circuit)")
    parser.add_argument("--realtime", action="store_true",
                        help="play --source at its own pace like a camera, dropping frames when behind")
    parser.add_argument("--no-window", action="store_true", help="no OpenCV window")
    parser.add_argument("--json", metavar="OUT", help="write the result (the analyze JSON schema)")
    parser.add_argument("--record", metavar="OUT.mp4", help="write the annotated video")
    parser.add_argument("--mirror", action="store_true", help="flip the displayed image like a mirror")
    parser.add_argument("--quiet", "-q", action="store_true", help="no sound and no terminal output")
    add_model_argument(parser)
    parser.add_argument("--side", choices=("left", "right"), help="force the working leg (--exercise)")
    parser.add_argument("--reps", "--target", dest="target", type=float, metavar="N",
                        help="--exercise: the reps (or hold seconds) to reach, per leg (default: the "
                             "circuit's: 20 dips, 10 bridges, a 20 s hold, ...)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="developer figures: frame rate on screen, each rep's delay to the screen")
    parser.add_argument("--report", metavar="OUT.html",
                        help="write a one-file HTML report at the end (balance, timeline, the frame shown "
                             "at each counted rep)")
    parser.add_argument("--snapshot", metavar="OUT.png",
                        help="save the last displayed frame (with the overlay) as a PNG at the end")
    parser.add_argument("--max-seconds", type=float, default=None, metavar="S",
                        help="stop after S seconds of wall time")


def _open(args: argparse.Namespace) -> tuple[FrameSource, bool]:
    """The source and whether it runs on the newest-frame capture thread."""
    if args.source is not None:
        source = open_source(args.source, max_side=1280)
        if isinstance(source, CameraSource):
            return source, True
        return source, bool(args.realtime)
    if args.realtime:
        raise InputError("--realtime applies to --source VIDEO (a camera is always real time)")
    return CameraSource(args.camera if args.camera is not None else 0), True


def _say(out: list[str], quiet: bool, text: str) -> None:
    out.append(text)
    if not quiet:
        print(text, flush=True)


@dataclass
class _Outputs:
    """Where a live run shows and records its frames."""

    window: WindowSink | None = None
    sink: VideoSink | None = None
    grabber: LatestFrameGrabber | None = None
    frames_gen: Generator[tuple[Frame, float], None, None] | None = None

    def frames(self, source: FrameSource, threaded: bool) -> Iterator[tuple[Frame, float]]:
        """Frames with their capture time: newest-frame thread (real time) or every frame."""
        if threaded:
            self.grabber = LatestFrameGrabber(source, pace=not isinstance(source, CameraSource)).start()
            return iter(self.grabber)
        self.frames_gen = every_frame(source)
        return self.frames_gen

    def close(self, source: FrameSource, stats: LiveStats) -> None:
        """Release everything, keeping what was recorded."""
        if self.frames_gen is not None:
            # Stop the decoding thread before the capture it reads from is released.
            with contextlib.suppress(Exception):
                self.frames_gen.close()
        if self.grabber is not None:
            self.grabber.close()
            stats.dropped, stats.captured = self.grabber.dropped, self.grabber.captured
        else:
            stats.captured = stats.frames
        source.close()
        if self.sink is not None:
            self.sink.close()
        if self.window is not None:
            self.window.close()


@dataclass
class _Loop:
    """The per-frame work of a live run: pose, count, draw, show, announce."""

    args: argparse.Namespace
    session: Session
    audio: Audio
    out: _Outputs
    threaded: bool
    recent: deque[PoseSample]
    tally: Tally = field(default_factory=Tally)
    stats: LiveStats = field(default_factory=LiveStats)
    log: list[str] = field(default_factory=list)
    last_image: Image | None = None
    last_raw: Image | None = None
    closed: bool = False
    t0: float = field(default_factory=time.monotonic)
    _cues: CueBoard = field(default_factory=CueBoard)
    #: (caption, downscaled frame shown) at each counted rep, for --report.
    key_frames: list[KeyFrame] = field(default_factory=list)
    _fps_ema: float | None = None
    _t_last: float | None = None

    @property
    def quiet(self) -> bool:
        return bool(self.args.quiet)

    def step(self, posed: PosedFrame) -> bool:
        """Handle one posed frame; True when the run should stop."""
        frame, captured, pose = posed.frame, posed.captured, posed.pose
        self.stats.pose_s += posed.pose_s
        sample = PoseSample(frame.index, frame.t, pose)
        self.recent.append(sample)
        self.tally.add(sample)
        events, notices = self.session.feed(sample)
        image = self._draw(frame, pose, events)
        key = self.out.window.show(image) if self.out.window is not None else -1
        if self.out.sink is not None:
            if self.threaded:  # frames were dropped: keep the recording in real time
                self.out.sink.write_at(image, frame.t)
            else:
                self.out.sink.write(image)
        shown = time.monotonic()
        self.stats.frames += 1
        delays = [DelayRecord(n.rep, frame.t, captured, shown) for n in notices
                  if n.kind == "rep" and n.rep is not None]
        if self.args.report:
            self._keep_frames(notices, image)
        self.stats.delays.extend(delays)
        _announce(notices, delays, self.audio, self.quiet, self.log, self.args.verbose)
        return self._should_stop(key, frame.t, image, shown)

    def _keep_frames(self, notices: list[Notice], image: Image) -> None:
        for n in notices:
            if n.kind == "rep" and n.rep is not None:
                leg = "both legs" if n.rep.side == "both" else f"{n.rep.side} leg"
                small = image[::2, ::2].copy() if image.shape[1] > 960 else image.copy()
                self.key_frames.append(KeyFrame(f"{leg} · rep {n.rep.index} · {n.rep.end_s:.1f} s", small))
        if len(self.key_frames) > 4 * MAX_KEY_FRAMES:  # keep memory flat: thin out evenly
            self.key_frames = self.key_frames[::2]

    def _draw(self, frame: Frame, pose: Pose | None, events: list[Rep | Hold | FormEvent]) -> Image:
        now = time.monotonic()
        update = DetectorUpdate.of(events)
        cues = self._cues.update(now, [e.message for e in update.events if e.code != "partial"])
        if self._t_last is not None and now > self._t_last:
            inst = 1.0 / (now - self._t_last)
            self._fps_ema = inst if self._fps_ema is None else 0.9 * self._fps_ema + 0.1 * inst
        self._t_last = now
        self.last_raw = frame.image
        image = frame.image.copy()
        if self.args.mirror:
            image, pose = np.ascontiguousarray(image[:, ::-1]), mirror_pose(pose)
        flash = bool(update.full_reps)
        fps = self._fps_ema if self.args.verbose else None  # a developer figure
        ctx = live_context(self.session, pose, self.session.state(), fps, flash, cues)
        draw(image, ctx, LIVE_ANNOTATORS)
        self.last_image = image
        return cast(Image, image)

    def _should_stop(self, key: int, t: float, image: Image, shown: float) -> bool:
        if key != -1:
            stop, more = self.session.key(key & 0xFF, t)
            _announce(more, [], self.audio, self.quiet, self.log)
            if stop:
                return True
        window = self.out.window
        if window is not None and window.closed():
            self.closed = True
            return True
        circuit = self.session.circuit
        if circuit is not None and circuit.done:
            if window is not None:  # let the end screen be seen
                window.show(image, 2500 if not self.threaded else 1500)
            return True
        return self.args.max_seconds is not None and shown - self.t0 >= self.args.max_seconds


def _plan(args: argparse.Namespace) -> tuple[ExerciseDef | None, Circuit | None]:
    if args.exercise and args.exercise.strip().lower() == "auto":
        return None, None  # recognised from the stream (Session(auto=True))
    if args.exercise:
        return get_exercise(args.exercise), None
    return None, Circuit(load_plan(args.circuit or None))


def run(args: argparse.Namespace) -> int:
    """Run the live counter; returns the exit status (130 after Ctrl-C)."""
    from repcount.pose.mediapipe_backend import MediaPipePose
    from repcount.pose.models import resolve
    from repcount.ui.console import download_progress

    for path in (args.json, args.record, args.snapshot, args.report):
        if path:
            check_writable(path)
    exdef, circuit = _plan(args)
    model = resolve(args.model, progress=download_progress)
    source, threaded = _open(args)
    audio = Audio(enabled=not args.quiet)
    # Only the last few minutes are kept (for the rest-end delay figure): memory stays flat
    # however long the session runs.
    recent: deque[PoseSample] = deque(maxlen=max(1, round(RECENT_S * max(source.fps, 1.0))))
    if args.target is not None and (circuit is not None or args.target <= 0):
        raise InputError("--reps takes a positive number and goes with --exercise (a circuit has its plan)")
    auto = exdef is None and circuit is None
    session = Session(source.fps, exdef, args.side, circuit, args.target, auto=auto)
    loop = _Loop(args, session, audio, _Outputs(), threaded, recent)
    if not args.quiet:
        what = (exdef.title if exdef else f"circuit '{circuit.plan.name}'" if circuit
                else "exercise recognised as it starts")
        mode = "real time" if threaded else "every frame"
        print(f"live: {source.name} ({source.width}x{source.height} @ {source.fps:.0f} fps, {mode}), "
              f"{what}, model {model.name}, audio {audio.backend}"
              + ("" if args.no_window else f"; {KEY_HELP}"), flush=True)
    interrupted: KeyboardInterrupt | None = None
    try:
        with MediaPipePose(model) as estimator:
            size = (source.width, source.height)
            if not args.no_window:
                loop.out.window = WindowSink("repcount live", size)
            if args.record:
                loop.out.sink = VideoSink(args.record, source.fps, size)
            frames = loop.out.frames(source, threaded)
            loop.t0 = time.monotonic()
            # The model poses frame N+1 on its own thread while this one draws frame N.
            with PoseStage(frames, estimator) as stage:
                try:
                    for posed in stage:
                        if loop.step(posed):
                            break
                except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (see cli)
                    interrupted = exc
            loop.stats.wall_s = time.monotonic() - loop.t0
            if loop.tally.frames:
                _announce(loop.session.finish(loop.tally.t_end), [], audio, loop.quiet, loop.log)
            _show_end_screen(loop, source.name, model.name, source.fps, interrupted is not None)
    finally:
        loop.out.close(source, loop.stats)
        audio.close()
    return _finish(args, loop, source.name, model.name, source.fps, interrupted)


def _finish(args: argparse.Namespace, loop: _Loop, name: str, model: str, fps: float,
            stop: KeyboardInterrupt | None) -> int:
    """Write the outputs of a finished (or stopped) run and print its report."""
    session, stats = loop.session, loop.stats
    interrupted = stop is not None
    _rest_ends(session, list(loop.recent), stats)
    analysis = _analysis(name, session, model, fps, loop.tally, stats, interrupted, loop.threaded)
    if args.json:
        from repcount.io.outputs import write_json

        write_json(analysis, args.json)
    if args.snapshot and loop.last_image is not None:
        write_png(args.snapshot, loop.last_image)
    if args.report:
        _write_report(args.report, loop, analysis)
    if session.circuit is not None and worked(session.circuit.summary()):
        append_history(session.circuit.summary(), source=name)
    if not args.quiet:
        _print_report(analysis, session, stats, interrupted or loop.closed, args.verbose)
    return interrupt_status(stop) if stop is not None else 0


def _show_end_screen(loop: _Loop, name: str, model: str, fps: float, interrupted: bool) -> None:
    """The end screen: in the recording (3 s) and, unless stopped, in the window for a moment."""
    out = loop.out
    if loop.last_raw is None or (out.sink is None and out.window is None):
        return
    raw = np.ascontiguousarray(loop.last_raw[:, ::-1]) if loop.args.mirror else loop.last_raw
    prelim = _analysis(name, loop.session, model, fps, loop.tally, loop.stats, interrupted, loop.threaded)
    c = loop.session.circuit
    title = (f"Circuit '{c.plan.name}'" if c is not None
             else loop.session.exdef.title if loop.session.exdef is not None else "DONE")
    screen = end_screen(raw, prelim, title)
    with contextlib.suppress(Exception):  # a window closed meanwhile, a full disk reported later
        if out.sink is not None:
            for _ in range(round(END_SCREEN_S * max(fps, 1.0))):
                out.sink.write(screen)
        if out.window is not None and not interrupted and not out.window.closed():
            out.window.show(screen, 2500)


def _write_report(path: str, loop: _Loop, analysis: Analysis) -> None:
    """The HTML report of a live run: the signals of the last minutes, the frames shown at reps."""
    from repcount.commands.report import report_data
    from repcount.io.report import write_report

    session = loop.session
    result = None
    if session.exdef is not None and loop.recent:
        with contextlib.suppress(Exception):  # the report is written even without its plot
            from repcount.detectors import analyze_samples

            result = analyze_samples(session.exdef, list(loop.recent), session.side)
    frames = loop.key_frames
    if len(frames) > MAX_KEY_FRAMES:
        frames = [frames[round(i)] for i in np.linspace(0, len(frames) - 1, MAX_KEY_FRAMES)]
    blocks = session.circuit.summary()["per_block"] if session.circuit is not None else ()
    title = f"Circuit '{session.circuit.plan.name}'" if session.circuit is not None else None
    write_report(analysis, report_data(analysis, result, title=title, frames=frames, blocks=blocks), path)


def _announce(notices: list[Notice], delays: list[DelayRecord], audio: Audio, quiet: bool,
              log: list[str], verbose: bool = False) -> None:
    """Sound and terminal lines for what happened on a frame (``delays``: its new reps, in order)."""
    pending = list(delays)
    for n in notices:
        if n.kind == "rep":
            audio.beep("rep")
            audio.say(n.text.split("/")[0])
            d = pending.pop(0) if pending else None
            delay = (f" (shown {1000 * d.total_s:.0f} ms after the rep ended)"
                     if d is not None and verbose else "")
            t = d.rep.end_s if d is not None else n.t
            _say(log, quiet, f"[{t:7.1f} s] rep {n.text}{delay}")
            continue
        if n.kind in ("block_done", "done"):
            audio.beep("set")
            if n.kind == "done":
                audio.say("circuit done")
        elif n.kind in ("next", "start"):
            audio.beep("start")
        _say(log, quiet, f"[{n.t:7.1f} s] {n.text}")


def _rest_ends(session: Session, samples: list[PoseSample], stats: LiveStats) -> None:
    """Match live reps to the offline analysis, whose end times see the signal's return to rest.

    ``samples`` are the last :data:`RECENT_S` seconds; older reps keep no rest-end figure.
    """
    if not stats.delays or not samples:
        return
    names = {d.rep.peak_s: d for d in stats.delays}
    exdef = session.exdef
    if exdef is None:
        return  # circuit: several exercises; the rep's own end_s is used
    try:
        from repcount.detectors import analyze_samples

        offline = analyze_samples(exdef, samples, session.side)
    except Exception:
        return
    for r in offline.reps:
        best = min(names, key=lambda p: abs(p - r.peak_s))
        if abs(best - r.peak_s) < 0.3:
            names[best].rest_end_s = r.end_s


def _analysis(name: str, session: Session, model: str, fps: float, tally: Tally,
              stats: LiveStats, interrupted: bool, realtime: bool) -> Analysis:
    run_stats = RunStats(frames=tally.frames, wall_s=stats.wall_s, pose_s=stats.pose_s,
                         interrupted=interrupted)
    return session_analysis(name, session, model, fps, tally, run_stats,
                            {"live": {"realtime": realtime, **stats.to_dict()}})


def _print_report(analysis: Analysis, session: Session, stats: LiveStats, stopped: bool,
                  verbose: bool = False) -> None:
    if session.circuit is not None:
        for line in summary_lines(session.circuit.summary()):
            print(line)
        print_balance(analysis.balance)
    else:
        per = ", ".join(f"{s} {analysis.reps_on(s)}" for s in ("left", "right", "both")
                        if analysis.reps_on(s))
        holds = ", ".join(f"{s} {analysis.hold_on(s):.1f} s" for s in ("left", "right", "both")
                          if analysis.hold_on(s))
        print(f"{title_of(analysis.exercise)}: {analysis.total_reps} reps" + (f" ({per})" if per else "")
              + (f", {len(analysis.partials)} partial" if analysis.partials else "")
              + (f", held {holds}" if holds else ""))
        print_balance(analysis.balance)
    for w in analysis.warnings:
        print(f"warning: {w}")
    if stopped:
        print("stopped early: partial results")
    if not verbose:
        return
    d = stats.to_dict()
    print(f"{stats.frames} frames shown in {stats.wall_s:.1f} s: {stats.fps:.1f} fps end to end "
          f"(pose {d['pose_ms']} ms/frame); {stats.captured} captured, {stats.dropped} dropped")
    for key, label in (("delay_total", "rep end (end_s) -> count on screen"),
                       ("delay_from_rest", "signal back at rest (offline) -> count on screen"),
                       ("delay_from_peak", "turning point -> count on screen"),
                       ("delay_signal", "  of which waiting for the signal"),
                       ("delay_pipeline", "  of which capture -> screen")):
        v = d[key]
        if isinstance(v, dict) and v:
            print(f"{label}: median {v['median_ms']:.0f} ms, max {v['max_ms']:.0f} ms")




__all__ = ["configure", "run"]
