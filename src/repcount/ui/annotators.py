"""Small annotators that draw the pipeline's state over a frame.

Each annotator has one method, ``annotate(image, ctx)``, drawing in place on a BGR image. Sizes
scale with the frame height so text stays readable from a couple of metres on a 640x480 webcam.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from repcount.detectors import DetectorState, Gauge
from repcount.records import SKELETON, Pose

Image = npt.NDArray[np.uint8]

GREEN = (80, 200, 60)
ORANGE = (0, 150, 255)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (160, 160, 160)
RED = (40, 40, 230)


@dataclass(frozen=True)
class OverlayContext:
    """Everything the annotators may draw for one frame."""

    pose: Pose | None
    state: DetectorState | None = None
    exercise: str = ""
    target: int | None = None
    hold_target_s: float | None = None
    fps: float | None = None
    messages: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    flash: bool = False
    extra_lines: tuple[str, ...] = field(default_factory=tuple)
    #: The working leg's angle against its rep range (the gauge); None shows no gauge.
    gauge: Gauge | None = None


#: Seconds a form cue stays on screen, live and in annotated videos alike.
CUE_SHOW_S = 2.0


class CueBoard:
    """Form cues that stay on screen for :data:`CUE_SHOW_S` after they were raised.

    A cue arrives on a single frame; shown only there it would flash by unread.
    """

    def __init__(self, show_s: float = CUE_SHOW_S) -> None:
        self.show_s = show_s
        self._until: dict[str, float] = {}

    def update(self, now: float, messages: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
        """Add ``messages`` raised at ``now`` (seconds) and return the cues still showing."""
        for m in messages:
            self._until[m] = now + self.show_s
        self._until = {m: u for m, u in self._until.items() if u > now}
        return tuple(self._until)


def frame_scale(image: Image) -> float:
    """Size of overlay elements relative to a 480-pixel-high frame (at least 0.5)."""
    return float(max(0.5, image.shape[0] / 480.0))


def fit_size(text: str, max_width: int, size: float, thick: int = 2, min_size: float = 0.35) -> float:
    """The largest font size up to ``size`` at which ``text`` is at most ``max_width`` pixels wide."""
    (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, thick)
    if tw <= max_width or tw == 0:
        return size
    return max(min_size, size * max_width / tw)


def put_text(image: Image, text: str, org: tuple[int, int], size: float, color: tuple[int, int, int],
             thick: int = 2) -> None:
    """Draw text with a dark outline so it reads on any background."""
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, size, BLACK, thick + 3, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, size, color, thick, cv2.LINE_AA)


class SkeletonAnnotator:
    """Bones and joints of the pose; faint where MediaPipe is unsure."""

    def __init__(self, min_visibility: float = 0.3) -> None:
        self.min_visibility = min_visibility

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the skeleton."""
        if ctx.pose is None:
            return image
        s = frame_scale(image)
        h, w = image.shape[:2]
        pts = ctx.pose.image[:, :2] * np.array([w, h])
        vis = ctx.pose.image[:, 3]
        for a, b in SKELETON:
            if not (np.isfinite(pts[a]).all() and np.isfinite(pts[b]).all()):
                continue
            color = GREEN if min(vis[a], vis[b]) >= self.min_visibility else GREY
            cv2.line(image, tuple(int(v) for v in pts[a]), tuple(int(v) for v in pts[b]), color,
                     max(2, int(3 * s)), cv2.LINE_AA)
        for i in range(11, 33):
            if np.isfinite(pts[i]).all():
                color = WHITE if vis[i] >= self.min_visibility else GREY
                cv2.circle(image, tuple(int(v) for v in pts[i]), max(3, int(4 * s)), color, -1,
                           cv2.LINE_AA)
        return image


class CountAnnotator:
    """Big rep count (against the target) and exercise/side in the top-left corner."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the count panel."""
        if ctx.state is None:
            return image
        s = frame_scale(image)
        count = f"{ctx.state.count}" + (f"/{ctx.target}" if ctx.target else "")
        side = "" if ctx.state.side == "both" else f" {ctx.state.side} leg"
        cv2.rectangle(image, (0, 0), (int(330 * s), int(110 * s)), BLACK, -1)
        put_text(image, count, (int(12 * s), int(70 * s)), 2.2 * s, ORANGE if ctx.flash else WHITE,
                 max(2, int(4 * s)))
        sub = f"{ctx.exercise}{side}"
        put_text(image, sub, (int(12 * s), int(100 * s)), fit_size(sub, int(306 * s), 0.7 * s), WHITE)
        return image


class AngleGaugeAnnotator:
    """Vertical gauge of the working leg's angle, scaled to the exercise's own rep range.

    The bar runs from the rest position (bottom) to 1.3 times the reference range of a full
    rep (top); the full-rep threshold is the white tick, and the bar turns green past it. The
    angle is written in degrees on a dark plate beside the bar (readable on any background),
    with the leg's letter under the bar.
    """

    TOP = 1.3  # the gauge's top, in reference ranges

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the gauge on the right edge."""
        g = ctx.gauge
        if g is None:
            return image
        s = frame_scale(image)
        h, w = image.shape[:2]
        x0, x1 = w - int(50 * s), w - int(22 * s)
        y0, y1 = int(120 * s), h - int(70 * s)
        cv2.rectangle(image, (x0 - 2, y0 - 2), (x1 + 2, y1 + 2), BLACK, -1)
        cv2.rectangle(image, (x0, y0), (x1, y1), GREY, 1)

        def y_of(share: float) -> int:
            return int(y1 - float(np.clip(share / self.TOP, 0, 1)) * (y1 - y0))

        tick = y_of(g.threshold)
        frac = g.progress
        if np.isfinite(frac):
            yy = y_of(frac)
            cv2.rectangle(image, (x0 + 3, yy), (x1 - 3, y1 - 3), GREEN if frac >= g.threshold else ORANGE, -1)
        cv2.line(image, (x0 - int(8 * s), tick), (x1 + int(4 * s), tick), WHITE, max(2, int(2 * s)))
        put_text(image, "full", (x0 - int(8 * s) - int(38 * s), tick + int(5 * s)), 0.45 * s, WHITE, 1)
        if np.isfinite(g.angle):
            label = f"{g.angle:.0f}"
            size = 0.75 * s
            (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, size, 2)
            ly = y1 + int(30 * s)
            lx = x1 - tw - int(14 * s)
            cv2.rectangle(image, (lx - int(6 * s), ly - th - int(6 * s)), (x1 + int(4 * s), ly + int(6 * s)),
                          BLACK, -1)
            put_text(image, label, (lx, ly), size, WHITE)
            # Hershey fonts have no degree sign: a small ring instead.
            cv2.circle(image, (lx + tw + int(6 * s), ly - th + int(3 * s)), max(2, int(3 * s)), WHITE, 1,
                       cv2.LINE_AA)
        if g.side != "both":
            put_text(image, g.side[0].upper(), (x0 + int(6 * s), y1 + int(58 * s)), 0.6 * s, WHITE)
        return image


class HoldAnnotator:
    """Hold timer with progress towards the target seconds."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the hold bar under the count."""
        st = ctx.state
        if st is None or ctx.hold_target_s is None:
            return image
        s = frame_scale(image)
        x0, y0 = int(12 * s), int(120 * s)
        wbar, hbar = int(300 * s), int(26 * s)
        frac = float(np.clip(st.hold_s / ctx.hold_target_s, 0, 1))
        cv2.rectangle(image, (x0, y0), (x0 + wbar, y0 + hbar), GREY, 2)
        cv2.rectangle(image, (x0 + 2, y0 + 2), (x0 + int(frac * (wbar - 4)), y0 + hbar - 2),
                      GREEN if st.holding else ORANGE, -1)
        text = f"hold {st.hold_s:.1f} / {ctx.hold_target_s:.0f} s"
        put_text(image, text, (x0 + 6, y0 + hbar - int(6 * s)), fit_size(text, wbar - 12, 0.65 * s), WHITE)
        return image


class MessageAnnotator:
    """Setup guidance and form cues along the bottom; fps in the corner."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw messages (guidance in white, cues in red) and the frame rate."""
        s = frame_scale(image)
        h, w = image.shape[:2]
        y = h - int(14 * s)
        room = w - int(80 * s)  # left of the gauge
        for cue in reversed(ctx.cues):
            put_text(image, cue, (int(12 * s), y), fit_size(cue, room, 0.75 * s), RED)
            y -= int(30 * s)
        for msg in reversed(ctx.messages):
            put_text(image, msg, (int(12 * s), y), fit_size(msg, room, 0.8 * s), WHITE)
            y -= int(32 * s)
        for line in ctx.extra_lines:
            put_text(image, line, (int(12 * s), y), fit_size(line, room, 0.6 * s), WHITE)
            y -= int(26 * s)
        if ctx.fps:
            put_text(image, f"{ctx.fps:.0f} fps", (w - int(110 * s), int(28 * s)), 0.6 * s, WHITE)
        return image


DEFAULT_ANNOTATORS = (
    SkeletonAnnotator(),
    CountAnnotator(),
    HoldAnnotator(),
    AngleGaugeAnnotator(),
    MessageAnnotator(),
)


def draw(image: Image, ctx: OverlayContext, annotators: tuple[object, ...] = DEFAULT_ANNOTATORS) -> Image:
    """Run every annotator over ``image`` (in place) and return it."""
    for a in annotators:
        a.annotate(image, ctx)  # type: ignore[attr-defined]
    return image
