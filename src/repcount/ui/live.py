"""The live panels: count against target, banners (rest, pause, done) and the frame's context."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from repcount.detectors import DetectorState, title_of
from repcount.records import Pose
from repcount.session.circuit import DONE, REST, WAITING, summary_lines
from repcount.session.guidance import guidance
from repcount.session.live import Session
from repcount.ui.annotators import (
    BLACK,
    GREEN,
    ORANGE,
    WHITE,
    AngleGaugeAnnotator,
    HoldAnnotator,
    MessageAnnotator,
    OverlayContext,
    SkeletonAnnotator,
    fit_size,
    put_text,
)

Image = np.ndarray


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
        thick = max(2, int(4 * s))
        put_text(image, ctx.big, (int(12 * s), int(70 * s)), fit_size(ctx.big, int(306 * s), 2.0 * s, thick),
                 ORANGE if ctx.flash else WHITE, thick)
        put_text(image, ctx.sub, (int(12 * s), int(100 * s)), fit_size(ctx.sub, int(306 * s), 0.6 * s), WHITE)
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
            put_text(image, ctx.status, (int(345 * s), int(28 * s)),
                     fit_size(ctx.status, w - int(345 * s) - int(120 * s), 0.6 * s), WHITE)
        if ctx.panel_lines:
            y0 = int(60 * s)
            shade = image[y0 - int(30 * s):min(h, y0 + int(26 * s) * len(ctx.panel_lines)), :]
            shade[:] = (shade * 0.35).astype(image.dtype)
            for i, line in enumerate(ctx.panel_lines):
                put_text(image, line, (int(12 * s), y0 + i * int(26 * s)),
                         fit_size(line, w - int(24 * s), 0.5 * s, 1), WHITE, 1)
        if ctx.banner:
            size = fit_size(ctx.banner, w - int(40 * s), 1.6 * s, max(2, int(4 * s)))
            (tw, th), _ = cv2.getTextSize(ctx.banner, cv2.FONT_HERSHEY_SIMPLEX, size, max(2, int(4 * s)))
            band = image[max(0, h // 2 - th - int(20 * s)):min(h, h // 2 + th + int(40 * s)), :]
            band[:] = (band * 0.4).astype(image.dtype)
            put_text(image, ctx.banner, ((w - tw) // 2, h // 2), size, GREEN, max(2, int(4 * s)))
            if ctx.banner_sub:
                sub_size = fit_size(ctx.banner_sub, w - int(40 * s), 0.7 * s)
                (tw2, _), _ = cv2.getTextSize(ctx.banner_sub, cv2.FONT_HERSHEY_SIMPLEX, sub_size, 2)
                put_text(image, ctx.banner_sub, (max(0, (w - tw2) // 2), h // 2 + th + int(20 * s)),
                         sub_size, WHITE)
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



def live_context(session: Session, pose: Pose | None, st: DetectorState | None, fps: float | None,
                 flash: bool, cues: tuple[str, ...]) -> LiveContext:
    """The overlay context of one frame."""
    exdef = session.current_exdef
    messages: list[str] = []
    if exdef is not None and (pose is None or not session.started(st)):
        messages = guidance(pose, exdef)
    elif session.auto and exdef is None:
        messages = ["start your set: the exercise is recognised as you go"]
    c = session.circuit
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
            banner, banner_sub = f"REST {c.rest_left():.0f} s", c.status().split(" - ")[-1]
            messages = []
        elif b is not None:
            r = c.result
            done = r.hold_s if r is not None else 0.0
            big = (f"{done:.1f}/{b.target:.0f} s" if b.is_hold
                   else f"{r.reps if r is not None else 0}/{b.reps}")
            sub = f"{title_of(b.exercise)} · " + ("both legs" if b.side == "both" else f"{b.side} leg")
            hold_target = b.hold_s
            if c.phase == WAITING:
                sub += " - get ready"
        if c.paused:
            banner, banner_sub = "PAUSED", "space to resume"
    elif exdef is not None and st is not None:
        target = session.target if session.target is not None else exdef.target
        if exdef.hold:
            hold_target = float(target)
            big = f"{st.hold_s:.1f}/{target:.0f} s"
        else:
            big = f"{st.count}/{target:.0f}"
        sub = exdef.title + ("" if st.side == "both" else f" · {st.side} leg")
        if session.paused:
            banner, banner_sub = "PAUSED", "space to resume"
    detector = session.runner.detector if session.runner is not None else session.detector
    gauge = detector.gauge() if detector is not None and st is not None and exdef is not None \
        and not exdef.hold else None
    return LiveContext(pose=pose, state=st, exercise=exdef.title if exdef else "", target=None,
                       gauge=gauge,
                       hold_target_s=hold_target, fps=fps, messages=tuple(messages), cues=cues,
                       flash=flash, big=big, sub=sub, banner=banner, banner_sub=banner_sub,
                       status=status,
                       panel_lines=panel)
