"""Small annotators that draw the pipeline's state over a frame.

Each annotator has one method, ``annotate(image, ctx)``, drawing in place on a BGR image. Sizes
scale with the frame height so text stays readable from a couple of metres on a 640x480 webcam.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from repcount.detectors import DetectorState
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


def _scale(image: Image) -> float:
    return float(max(0.5, image.shape[0] / 480.0))


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
        s = _scale(image)
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
        s = _scale(image)
        count = f"{ctx.state.count}" + (f"/{ctx.target}" if ctx.target else "")
        side = "" if ctx.state.side == "both" else f" {ctx.state.side} leg"
        cv2.rectangle(image, (0, 0), (int(330 * s), int(110 * s)), BLACK, -1)
        put_text(image, count, (int(12 * s), int(70 * s)), 2.2 * s, ORANGE if ctx.flash else WHITE,
                 max(2, int(4 * s)))
        put_text(image, f"{ctx.exercise}{side}", (int(12 * s), int(100 * s)), 0.7 * s, WHITE)
        return image


class AngleGaugeAnnotator:
    """Vertical gauge of the followed angle with the full-rep threshold marked."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the gauge on the right edge."""
        st = ctx.state
        if st is None:
            return image
        s = _scale(image)
        h, w = image.shape[:2]
        x0, x1 = w - int(60 * s), w - int(30 * s)
        y0, y1 = int(120 * s), h - int(40 * s)
        cv2.rectangle(image, (x0, y0), (x1, y1), GREY, 2)
        lo, hi = 0.0, 360.0 if np.isfinite(st.angle) and st.angle > 180 else 180.0
        if np.isfinite(st.angle):
            frac = float(np.clip((st.angle - lo) / (hi - lo), 0, 1))
            yy = int(y1 - frac * (y1 - y0))
            cv2.rectangle(image, (x0 + 3, yy), (x1 - 3, y1 - 3), GREEN, -1)
            put_text(image, f"{st.angle:.0f}", (x0 - int(40 * s), yy + int(8 * s)), 0.7 * s, WHITE)
        return image


class HoldAnnotator:
    """Hold timer with progress towards the target seconds."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw the hold bar under the count."""
        st = ctx.state
        if st is None or ctx.hold_target_s is None:
            return image
        s = _scale(image)
        x0, y0 = int(12 * s), int(120 * s)
        wbar, hbar = int(300 * s), int(26 * s)
        frac = float(np.clip(st.hold_s / ctx.hold_target_s, 0, 1))
        cv2.rectangle(image, (x0, y0), (x0 + wbar, y0 + hbar), GREY, 2)
        cv2.rectangle(image, (x0 + 2, y0 + 2), (x0 + int(frac * (wbar - 4)), y0 + hbar - 2),
                      GREEN if st.holding else ORANGE, -1)
        put_text(image, f"hold {st.hold_s:4.1f}/{ctx.hold_target_s:.0f} s",
                 (x0 + 6, y0 + hbar - int(6 * s)), 0.65 * s, WHITE)
        return image


class MessageAnnotator:
    """Setup guidance and form cues along the bottom; fps in the corner."""

    def annotate(self, image: Image, ctx: OverlayContext) -> Image:
        """Draw messages (guidance in white, cues in red) and the frame rate."""
        s = _scale(image)
        h, w = image.shape[:2]
        y = h - int(14 * s)
        for cue in reversed(ctx.cues):
            put_text(image, cue, (int(12 * s), y), 0.75 * s, RED)
            y -= int(30 * s)
        for msg in reversed(ctx.messages):
            put_text(image, msg, (int(12 * s), y), 0.8 * s, WHITE)
            y -= int(32 * s)
        for line in ctx.extra_lines:
            put_text(image, line, (int(12 * s), y), 0.6 * s, WHITE)
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
