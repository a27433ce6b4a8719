"""``repcount live``: count from a webcam (or a video played like one) with an on-screen overlay.

Capture runs on its own thread and keeps only the newest frame, so a slow pose model drops
frames instead of building a backlog (the count stays current). A ``--source`` video is
processed frame by frame as fast as possible unless ``--realtime`` plays it at its own pace, like
a camera. Pose estimation, the detector (or the guided circuit) and the overlay run on the main
thread; the OpenCV window, the annotated recording and the JSON are optional outputs.

For each counted rep the delay from the end of the movement to the moment the count was on
screen is measured: ``signal`` is how long after the rep's end the detector could announce it
(stream time), ``pipeline`` the time from capturing the announcing frame to showing it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from repcount.analysis import RunStats, Tally, build_analysis, prefetch
from repcount.audio import Audio
from repcount.circuit import (
    DONE,
    REST,
    WAITING,
    Circuit,
    CircuitRunner,
    Notice,
    append_history,
    load_plan,
    summary_lines,
)
from repcount.detectors import (
    EXERCISES,
    Detector,
    DetectorState,
    ExerciseDef,
    TrackResult,
    analyze_samples,
    get_exercise,
)
from repcount.errors import InputError
from repcount.io_utils import check_writable
from repcount.overlay import (
    BLACK,
    GREEN,
    ORANGE,
    WHITE,
    AngleGaugeAnnotator,
    HoldAnnotator,
    MessageAnnotator,
    OverlayContext,
    SkeletonAnnotator,
    draw,
    put_text,
)
from repcount.records import LM, Analysis, FormEvent, Frame, Hold, Pose, PoseSample, Rep, Side
from repcount.signals.features import posture_of
from repcount.sinks import VideoSink, WindowSink
from repcount.sources import CameraSource, FrameSource, open_source

Image = np.ndarray
#: Seconds a form cue stays on screen.
CUE_SHOW_S = 2.0
#: Seconds of recent poses a live run keeps (to measure each rep's rest-end delay offline).
RECENT_S = 300.0
#: Landmark visibility below which a body part counts as not visible.
MIN_VISIBLE = 0.5
POSTURE_HINT = {
    "standing": "stand up",
    "supine": "lie down on your back",
    "prone": "lie face down",
    "side": "lie on your side",
}
KEY_HELP = "keys: n skip  r redo  space pause  q quit"


# ----------------------------------------------------------------------------- capture
class LatestFrameGrabber:
    """Reads a source on a thread and keeps only the newest frame (no backlog).

    With ``pace`` (a video file played like a camera), each frame is released at its own
    presentation time on the wall clock; frames the consumer has not taken by the time the next
    one is released are dropped.

    Args:
        source: the frame source.
        pace: release frames at their timestamps (for files); cameras pace themselves.

    """

    def __init__(self, source: FrameSource, pace: bool) -> None:
        self.source = source
        self.pace = pace
        self.dropped = 0
        self.captured = 0
        self._slot: tuple[Frame, float] | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="repcount-capture", daemon=True)

    def start(self) -> LatestFrameGrabber:
        """Start the capture thread."""
        self._thread.start()
        return self

    def _run(self) -> None:
        t0: float | None = None
        try:
            for frame in self.source:
                if self._stop.is_set():
                    break
                now = time.monotonic()
                if self.pace:
                    if t0 is None:
                        t0 = now - frame.t
                    due = t0 + frame.t
                    while not self._stop.is_set() and (wait := due - time.monotonic()) > 0:
                        time.sleep(min(wait, 0.05))
                    now = max(due, time.monotonic()) if self._stop.is_set() else due
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = (frame, now)
                    self.captured += 1
                    self._cond.notify_all()
        except BaseException as exc:  # re-raised on the main thread
            self._error = exc
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def get(self, timeout: float = 5.0) -> tuple[Frame, float] | None:
        """The newest frame not yet taken and its capture time; None at the end of the source."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._slot is None and not self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise InputError(f"{self.source.name}: no frame for {timeout:.0f} s (camera stalled?)")
                self._cond.wait(min(left, 0.1))
            if self._error is not None:
                raise self._error
            item, self._slot = self._slot, None
            return item

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        while (item := self.get()) is not None:
            yield item

    def close(self) -> None:
        """Stop the thread (the source is closed by its owner)."""
        self._stop.set()
        self._thread.join(timeout=2.0)


def every_frame(source: FrameSource) -> Generator[tuple[Frame, float], None, None]:
    """Every frame of a file, decoded ahead on a thread; capture time = when it is taken."""
    for frame in prefetch(source):
        yield frame, time.monotonic()


# ----------------------------------------------------------------------------- overlay
@dataclass(frozen=True)
class LiveContext(OverlayContext):
    """Overlay context with the live panels."""

    big: str = ""
    sub: str = ""
    banner: str = ""
    banner_sub: str = ""
    status: str = ""
    panel_lines: tuple[str, ...] = ()


class ProgressAnnotator:
    """Count (or hold seconds) against the target and the exercise/leg, top left."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the count panel."""
        if not isinstance(ctx, LiveContext) or not ctx.big:
            return image
        s = max(0.5, image.shape[0] / 480.0)
        cv2.rectangle(image, (0, 0), (int(330 * s), int(110 * s)), BLACK, -1)
        put_text(image, ctx.big, (int(12 * s), int(70 * s)), 2.0 * s, ORANGE if ctx.flash else WHITE,
                 max(2, int(4 * s)))
        put_text(image, ctx.sub, (int(12 * s), int(100 * s)), 0.6 * s, WHITE)
        return image


class BannerAnnotator:
    """Centre banner (rest countdown, pause, done), the circuit status line and a summary panel."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the banner, the status line and the panel."""
        if not isinstance(ctx, LiveContext):
            return image
        s = max(0.5, image.shape[0] / 480.0)
        h, w = image.shape[:2]
        if ctx.status:
            put_text(image, ctx.status, (int(345 * s), int(28 * s)), 0.6 * s, WHITE)
        if ctx.panel_lines:
            y0 = int(60 * s)
            shade = image[y0 - int(30 * s):min(h, y0 + int(26 * s) * len(ctx.panel_lines)), :]
            shade[:] = (shade * 0.35).astype(image.dtype)
            for i, line in enumerate(ctx.panel_lines):
                put_text(image, line, (int(12 * s), y0 + i * int(26 * s)), 0.5 * s, WHITE)
        if ctx.banner:
            size = 1.6 * s
            (tw, th), _ = cv2.getTextSize(ctx.banner, cv2.FONT_HERSHEY_SIMPLEX, size, max(2, int(4 * s)))
            band = image[max(0, h // 2 - th - int(20 * s)):min(h, h // 2 + th + int(40 * s)), :]
            band[:] = (band * 0.4).astype(image.dtype)
            put_text(image, ctx.banner, ((w - tw) // 2, h // 2), size, GREEN, max(2, int(4 * s)))
            if ctx.banner_sub:
                (tw2, _), _ = cv2.getTextSize(ctx.banner_sub, cv2.FONT_HERSHEY_SIMPLEX, 0.7 * s, 2)
                put_text(image, ctx.banner_sub, (max(0, (w - tw2) // 2), h // 2 + th + int(20 * s)),
                         0.7 * s, WHITE)
        return image


LIVE_ANNOTATORS = (
    SkeletonAnnotator(),
    ProgressAnnotator(),
    HoldAnnotator(),
    AngleGaugeAnnotator(),
    MessageAnnotator(),
    BannerAnnotator(),
)


def mirror_pose(pose: Pose | None) -> Pose | None:
    """The pose as seen in a horizontally flipped image (for ``--mirror``)."""
    if pose is None:
        return None
    img = pose.image.copy()
    img[:, 0] = 1.0 - img[:, 0]
    return Pose(t=pose.t, image=img, world=pose.world, width=pose.width, height=pose.height)


def guidance(pose: Pose | None, exdef: ExerciseDef) -> list[str]:
    """Setup hints before counting starts: in frame, whole body visible, side-on, posture."""
    if pose is None:
        return ["nobody in frame: step into view"]
    vis = pose.visibility
    xy = pose.image[:, :2]
    inside = np.asarray((xy >= -0.02).all(axis=1) & (xy <= 1.02).all(axis=1), dtype=bool)
    missing = []
    for part, (a, b) in (("shoulders", (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)),
                         ("hips", (LM.LEFT_HIP, LM.RIGHT_HIP)),
                         ("knees", (LM.LEFT_KNEE, LM.RIGHT_KNEE)),
                         ("feet", (LM.LEFT_ANKLE, LM.RIGHT_ANKLE))):
        if not any(vis[i] >= MIN_VISIBLE and inside[i] for i in (a, b)):
            missing.append(part)
    out = []
    if missing:
        out.append(f"whole body not visible ({', '.join(missing)}): move back or adjust the camera")
    posture = posture_of(pose)
    if posture != "unknown" and posture not in exdef.postures:
        out.append(" or ".join(POSTURE_HINT.get(p, p) for p in exdef.postures) + f" (now: {posture})")
    elif "side" not in exdef.postures:
        p = pose.pixels()
        hips = abs(p[LM.LEFT_HIP][0] - p[LM.RIGHT_HIP][0])
        shoulders = abs(p[LM.LEFT_SHOULDER][0] - p[LM.RIGHT_SHOULDER][0])
        torso = float(np.linalg.norm((p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER]
                                      - p[LM.LEFT_HIP] - p[LM.RIGHT_HIP]) / 2)) or 1.0
        if posture == "standing" and max(hips, shoulders) > 0.5 * torso:
            out.append("turn side-on to the camera")
    return out


# ----------------------------------------------------------------------------- session
@dataclass
class DelayRecord:
    """When one rep was shown, relative to the end of the movement."""

    rep: Rep
    t_frame: float
    captured: float
    shown: float
    rest_end_s: float | None = None

    @property
    def signal_s(self) -> float:
        """Stream time from the rep's end (``end_s``) to the frame that announced it."""
        return self.t_frame - self.rep.end_s

    @property
    def pipeline_s(self) -> float:
        """Wall time from capturing the announcing frame to showing it."""
        return self.shown - self.captured

    @property
    def total_s(self) -> float:
        """Rep end to count on screen."""
        return self.signal_s + self.pipeline_s

    @property
    def from_peak_s(self) -> float:
        """From the rep's turning point to the count on screen."""
        return self.t_frame - self.rep.peak_s + self.pipeline_s

    @property
    def total_rest_s(self) -> float | None:
        """From the time the signal really got back to rest (offline) to the count on screen."""
        if self.rest_end_s is None:
            return None
        return self.t_frame - self.rest_end_s + self.pipeline_s


@dataclass
class LiveStats:
    """Frame rates, drops and delays of one live run."""

    frames: int = 0
    captured: int = 0
    dropped: int = 0
    wall_s: float = 0.0
    pose_s: float = 0.0
    delays: list[DelayRecord] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """End-to-end processed (shown) frames per second."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON form for the ``extra.live`` key."""
        def ms(v: list[float]) -> dict[str, float]:
            if not v:
                return {}
            return {"median_ms": round(1000 * float(np.median(v)), 1),
                    "max_ms": round(1000 * float(np.max(v)), 1)}
        rest = [d.total_rest_s for d in self.delays if d.total_rest_s is not None]
        return {
            "fps": round(self.fps, 2),
            "frames": self.frames,
            "captured": self.captured,
            "dropped": self.dropped,
            "pose_ms": round(1000 * self.pose_s / self.frames, 1) if self.frames else None,
            "delay_signal": ms([d.signal_s for d in self.delays]),
            "delay_pipeline": ms([d.pipeline_s for d in self.delays]),
            "delay_total": ms([d.total_s for d in self.delays]),
            "delay_from_rest": ms([float(v) for v in rest]),
            "delay_from_peak": ms([d.from_peak_s for d in self.delays]),
        }


class Session:
    """Single-exercise or circuit counting over a stream of pose samples (no I/O)."""

    def __init__(self, fps: float, exdef: ExerciseDef | None, side: Side | None,
                 circuit: Circuit | None) -> None:
        self.fps = fps
        self.exdef = exdef
        self.side = side
        self.circuit = circuit
        self.runner = CircuitRunner(circuit, fps) if circuit is not None else None
        self.detector = Detector(exdef, fps, side) if exdef is not None else None
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
        assert self.detector is not None and self.exdef is not None
        if self.paused:
            return [], []
        ev = list(self.detector.update(sample))
        self.events.extend(ev)
        notices = [Notice(sample.t, "rep", f"{e.index}/{self.exdef.target} {e.side}", e)
                   for e in ev if isinstance(e, Rep) and not e.partial]
        st = self.detector.state()
        done = (st.hold_s >= self.exdef.target) if self.exdef.hold else (st.count >= self.exdef.target)
        if done and not self.target_reached:
            self.target_reached = True
            notices.append(Notice(sample.t, "block_done", f"{self.exdef.name}: target reached"))
        return ev, notices

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
                self.detector = Detector(self.exdef, self.fps, self.side)
                self.target_reached = False
        return False, []

    def started(self, st: DetectorState | None) -> bool:
        """Whether counting has begun (guidance is shown until then)."""
        if self.circuit is not None:
            return self.circuit.phase not in (WAITING,)
        if st is None:
            return False
        return st.count > 0 or st.holding or st.hold_s > 0

    def context(self, pose: Pose | None, st: DetectorState | None, fps: float | None,
                flash: bool, cues: tuple[str, ...]) -> LiveContext:
        """The overlay context of one frame."""
        exdef = self.current_exdef
        messages: list[str] = []
        if exdef is not None and (pose is None or not self.started(st)):
            messages = guidance(pose, exdef)
        c = self.circuit
        big = sub = banner = banner_sub = status = ""
        panel: tuple[str, ...] = ()
        hold_target: float | None = None
        if c is not None:
            status = f"block {min(c.index + 1, len(c.blocks))}/{len(c.blocks)}"
            b = c.block
            if c.phase == DONE:
                banner, panel = "CIRCUIT DONE", tuple(summary_lines(c.summary()))
                messages, status = [], ""
            elif c.phase == REST:
                banner, banner_sub = f"REST {c.rest_left():.0f}", c.status().split(" - ")[-1]
                messages = []
            elif b is not None:
                big = c.progress_text().split(" ")[0]
                sub = f"{b.exercise} " + ("both legs" if b.side == "both" else f"{b.side} leg")
                hold_target = b.hold_s
                if c.phase == WAITING:
                    sub += " - get ready"
            if c.paused:
                banner, banner_sub = "PAUSED", "space to resume"
        elif exdef is not None and st is not None:
            if exdef.hold:
                hold_target = float(exdef.target)
                big = f"{int(st.hold_s)}/{exdef.target} s"
            else:
                big = f"{st.count}/{exdef.target}"
            sub = exdef.name + ("" if st.side == "both" else f" {st.side} leg")
            if self.paused:
                banner, banner_sub = "PAUSED", "space to resume"
        return LiveContext(pose=pose, state=st, exercise=exdef.name if exdef else "", target=None,
                           hold_target_s=hold_target, fps=fps, messages=tuple(messages), cues=cues,
                           flash=flash, big=big, sub=sub, banner=banner, banner_sub=banner_sub,
                           status=status,
                           panel_lines=panel)


# ----------------------------------------------------------------------------- command
def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``repcount live``."""
    from repcount.models import DEFAULT_MODEL

    src = parser.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=None, metavar="N", help="webcam index (default 0)")
    src.add_argument("--source", metavar="VIDEO", help="a video file (or image folder) instead of a camera")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--exercise", "-e", metavar="NAME", help="count one exercise: " + ", ".join(EXERCISES))
    what.add_argument("--circuit", nargs="?", const="", default=None, metavar="PLAN.toml",
                      help="guided circuit (default plan: the developers' hamstring circuit)")
    parser.add_argument("--realtime", action="store_true",
                        help="play --source at its own pace like a camera, dropping frames when behind")
    parser.add_argument("--no-window", action="store_true", help="no OpenCV window")
    parser.add_argument("--json", metavar="OUT", help="write the result (the analyze JSON schema)")
    parser.add_argument("--record", metavar="OUT.mp4", help="write the annotated video")
    parser.add_argument("--mirror", action="store_true", help="flip the displayed image like a mirror")
    parser.add_argument("--quiet", "-q", action="store_true", help="no sound and no terminal output")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="lite|full|heavy|PATH",
                        help=f"pose model (default {DEFAULT_MODEL})")
    parser.add_argument("--side", choices=("left", "right"), help="force the working leg (--exercise)")
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


def run(args: argparse.Namespace) -> int:
    """Run the live counter; returns the exit status (130 after Ctrl-C)."""
    from repcount.cli import download_progress
    from repcount.models import resolve
    from repcount.pose.mediapipe_backend import MediaPipePose

    for out in (args.json, args.record, args.snapshot):
        if out:
            check_writable(out)
    exdef: ExerciseDef | None = None
    circuit: Circuit | None = None
    if args.exercise:
        exdef = get_exercise(args.exercise)
    else:
        circuit = Circuit(load_plan(args.circuit or None))
    model = resolve(args.model, progress=download_progress)
    source, threaded = _open(args)
    quiet = bool(args.quiet)
    log: list[str] = []
    audio = Audio(enabled=not quiet)
    session = Session(source.fps, exdef, args.side, circuit)
    window: WindowSink | None = None
    sink: VideoSink | None = None
    grabber: LatestFrameGrabber | None = None
    frames_gen: Generator[tuple[Frame, float], None, None] | None = None
    # Only the last few minutes are kept (for the rest-end delay figure): memory stays flat
    # however long the session runs.
    recent: deque[PoseSample] = deque(maxlen=max(1, round(RECENT_S * max(source.fps, 1.0))))
    tally = Tally()
    last_image: Image | None = None
    stats = LiveStats()
    interrupted = False
    closed = False
    cue_until: list[tuple[str, float]] = []
    fps_ema: float | None = None
    t_last: float | None = None
    t0 = time.monotonic()
    if not quiet:
        what = exdef.name if exdef else f"circuit '{circuit.plan.name}'" if circuit else ""
        mode = "real time" if threaded else "every frame"
        print(f"live: {source.name} ({source.width}x{source.height} @ {source.fps:.0f} fps, {mode}), "
              f"{what}, model {model.name}, audio {audio.backend}"
              + ("" if args.no_window else f"; {KEY_HELP}"), flush=True)
    try:
        with MediaPipePose(model) as estimator:
            if not args.no_window:
                window = WindowSink("repcount live")
                with contextlib.suppress(cv2.error):
                    cv2.resizeWindow(window.title, source.width, source.height)
            if args.record:
                sink = VideoSink(args.record, source.fps, (source.width, source.height))
            if threaded:
                grabber = LatestFrameGrabber(source, pace=not isinstance(source, CameraSource)).start()
                frames: Iterator[tuple[Frame, float]] = iter(grabber)
            else:
                frames_gen = every_frame(source)
                frames = frames_gen
            t0 = time.monotonic()
            try:
                for frame, captured in frames:
                    tp = time.perf_counter()
                    pose = estimator.estimate(frame)
                    stats.pose_s += time.perf_counter() - tp
                    sample = PoseSample(frame.index, frame.t, pose)
                    recent.append(sample)
                    tally.add(sample)
                    events, notices = session.feed(sample)
                    st = session.state()
                    now = time.monotonic()
                    for e in events:
                        if isinstance(e, FormEvent) and e.code != "partial":
                            cue_until.append((e.message, now + CUE_SHOW_S))
                    cue_until = [(m, u) for m, u in cue_until if u > now]
                    cues = tuple(dict.fromkeys(m for m, _ in cue_until))
                    if t_last is not None and now > t_last:
                        inst = 1.0 / (now - t_last)
                        fps_ema = inst if fps_ema is None else 0.9 * fps_ema + 0.1 * inst
                    t_last = now
                    image = frame.image.copy()
                    shown_pose = pose
                    if args.mirror:
                        image = np.ascontiguousarray(image[:, ::-1])
                        shown_pose = mirror_pose(pose)
                    new_reps = [e for e in events if isinstance(e, Rep) and not e.partial]
                    ctx = session.context(shown_pose, st, fps_ema, bool(new_reps), cues)
                    draw(image, ctx, LIVE_ANNOTATORS)
                    last_image = image
                    key = -1
                    if window is not None:
                        key = window.show(image)
                    if sink is not None:
                        sink.write(image)
                    shown = time.monotonic()
                    stats.frames += 1
                    delays = [DelayRecord(n.rep, frame.t, captured, shown) for n in notices
                              if n.kind == "rep" and n.rep is not None]
                    stats.delays.extend(delays)
                    _announce(notices, delays, audio, quiet, log)
                    if key != -1:
                        stop, more = session.key(key & 0xFF, frame.t)
                        _announce(more, [], audio, quiet, log)
                        if stop:
                            break
                    if window is not None and window.closed():
                        closed = True
                        break
                    if circuit is not None and circuit.done:
                        if window is not None:
                            window.show(image, 2500 if not threaded else 1500)
                        break
                    if args.max_seconds is not None and shown - t0 >= args.max_seconds:
                        break
            except KeyboardInterrupt:
                interrupted = True
            stats.wall_s = time.monotonic() - t0
            if tally.frames:
                _announce(session.finish(tally.t_end), [], audio, quiet, log)
    finally:
        if frames_gen is not None:
            # Stop the decoding thread before the capture it reads from is released.
            with contextlib.suppress(Exception):
                frames_gen.close()
        if grabber is not None:
            grabber.close()
            stats.dropped, stats.captured = grabber.dropped, grabber.captured
        else:
            stats.captured = stats.frames
        source.close()
        if sink is not None:
            sink.close()
        if window is not None:
            window.close()
        audio.close()
    _rest_ends(session, list(recent), stats)
    analysis = _analysis(source.name, session, model.name, source.fps, tally, stats, interrupted,
                         threaded)
    if args.json:
        from repcount.output import write_json

        write_json(analysis, args.json)
    if args.snapshot and last_image is not None:
        from repcount.io_utils import atomic_path

        with atomic_path(args.snapshot) as tmp:
            ok, png = cv2.imencode(".png", last_image)
            if ok:
                tmp.write_bytes(png.tobytes())
    if circuit is not None and tally.frames:
        append_history(circuit.summary(), source=source.name)
    if not quiet:
        _print_report(analysis, session, stats, interrupted or closed)
    return 130 if interrupted else 0


def _announce(notices: list[Notice], delays: list[DelayRecord], audio: Audio, quiet: bool,
              log: list[str]) -> None:
    """Sound and terminal lines for what happened on a frame (``delays``: its new reps, in order)."""
    pending = list(delays)
    for n in notices:
        if n.kind == "rep":
            audio.beep("rep")
            audio.say(n.text.split("/")[0])
            d = pending.pop(0) if pending else None
            delay = f" (shown {1000 * d.total_s:.0f} ms after the rep ended)" if d is not None else ""
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
        offline = analyze_samples(exdef, samples, session.side)
    except Exception:
        return
    for r in offline.reps:
        best = min(names, key=lambda p: abs(p - r.peak_s))
        if abs(best - r.peak_s) < 0.3:
            names[best].rest_end_s = r.end_s


def _analysis(name: str, session: Session, model: str, fps: float, tally: Tally,
              stats: LiveStats, interrupted: bool, realtime: bool) -> Analysis:
    events = session.all_events()
    reps = [e for e in events if isinstance(e, Rep) and not e.partial]
    partials = [e for e in events if isinstance(e, Rep) and e.partial]
    holds = sorted((e for e in events if isinstance(e, Hold)), key=lambda h: h.start_s)
    cues = [e for e in events if isinstance(e, FormEvent)]
    warnings: list[str] = []
    if tally.pose_frames == 0:
        warnings.append("nobody was found in the video")
    # Withheld movements, with their reasons, as in analyze's JSON (single-exercise sessions).
    rejected = list(session.detector.rejected) if session.detector is not None else []
    result = TrackResult(reps, partials, holds, cues, np.zeros(0), np.zeros(0), {}, warnings, rejected)
    run_stats = RunStats(frames=tally.frames, wall_s=stats.wall_s, pose_s=stats.pose_s,
                         interrupted=interrupted)
    extra: dict[str, object] = {"live": {"realtime": realtime, **stats.to_dict()}}
    exercise = session.exdef.name if session.exdef else "circuit"
    if session.circuit is not None:
        extra["circuit"] = session.circuit.summary()
    return build_analysis(name, exercise, model, fps, tally, result, run_stats, extra=extra)


def _print_report(analysis: Analysis, session: Session, stats: LiveStats, stopped: bool) -> None:
    if session.circuit is not None:
        for line in summary_lines(session.circuit.summary()):
            print(line)
    else:
        per = ", ".join(f"{s} {analysis.reps_on(s)}" for s in ("left", "right", "both")
                        if analysis.reps_on(s))
        holds = ", ".join(f"{s} {analysis.hold_on(s):.1f} s" for s in ("left", "right", "both")
                          if analysis.hold_on(s))
        print(f"{analysis.exercise}: {analysis.total_reps} reps" + (f" ({per})" if per else "")
              + (f", {len(analysis.partials)} partial" if analysis.partials else "")
              + (f", held {holds}" if holds else ""))
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
    for w in analysis.warnings:
        print(f"warning: {w}")
    if stopped:
        print("stopped early: partial results")


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m repcount.live``) until cli.py wires ``live``."""
    from repcount.errors import RepcountError

    p = argparse.ArgumentParser(prog="repcount live")
    configure(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except RepcountError as exc:
        print(f"repcount: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        raise SystemExit(main())


__all__ = ["LatestFrameGrabber", "Session", "configure", "guidance", "mirror_pose", "run"]
