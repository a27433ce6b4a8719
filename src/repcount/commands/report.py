"""Build the HTML report's parts from a run: signals, key frames with the pose drawn, names."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from repcount.detectors import EXERCISES, title_of
from repcount.io.report import KeyFrame, ReportData, write_report
from repcount.io.sources import VideoFileSource
from repcount.records import Analysis, PoseSample
from repcount.ui.annotators import OverlayContext, SkeletonAnnotator

if TYPE_CHECKING:
    from repcount.detectors import TrackResult

#: At most this many key frames (evenly chosen among the turning points and holds).
MAX_KEY_FRAMES = 12


def names() -> dict[str, str]:
    """Human names of every exercise identifier."""
    return {k: title_of(k) for k in EXERCISES}


def _moments(a: Analysis) -> list[tuple[float, str]]:
    """(time, caption) of the moments worth a picture: turning points and mid-holds."""
    out = []
    for r in a.reps:
        leg = "both legs" if r.side == "both" else f"{r.side} leg"
        out.append((r.peak_s, f"{leg} · rep {r.index} · {r.peak_s:.1f} s · {r.rom_deg:.0f}°"))
    for h in a.holds:
        mid = 0.5 * (h.start_s + h.end_s)
        out.append((mid, f"{h.side} leg · hold {h.duration_s:.1f} s · at {mid:.1f} s"))
    out.sort()
    if len(out) > MAX_KEY_FRAMES:
        pick = np.linspace(0, len(out) - 1, MAX_KEY_FRAMES).round().astype(int)
        out = [out[i] for i in dict.fromkeys(pick.tolist())]
    return out


def key_frames(video: str | os.PathLike[str], samples: Sequence[PoseSample], a: Analysis,
               max_side: int | None = 1280) -> list[KeyFrame]:
    """Frames of ``video`` at the report's moments, with the recorded pose drawn on them."""
    moments = _moments(a)
    if not moments or not samples:
        return []
    times = np.array([s.t for s in samples])
    wanted: dict[int, str] = {}
    for t, caption in moments:
        wanted.setdefault(int(np.argmin(np.abs(times - t))), caption)
    skeleton = SkeletonAnnotator()
    out = []
    source = VideoFileSource(video, max_side=max_side)
    try:
        for i, image in source.images_at(wanted):
            pose = samples[i].pose if i < len(samples) else None
            image = image.copy()
            skeleton.annotate(image, OverlayContext(pose=pose))
            out.append(KeyFrame(wanted[i], image))
    finally:
        source.close()
    return out


def report_data(a: Analysis, result: TrackResult | None, *, title: str | None = None,
                frames: Sequence[KeyFrame] = (), blocks: Sequence[dict[str, object]] = ()
                ) -> ReportData:
    """The report's extra parts for an analysis and the detector result behind it."""
    signals = {}
    if result is not None and len(result.t):
        signals = {side: (result.t, np.asarray(x, dtype=np.float64)) for side, x in result.signals.items()}
    exdef = EXERCISES.get(a.exercise)
    measure = {"hip": "hip opening", "knee": "knee opening", "elbow": "elbow opening",
               "elevation": "leg lift", "thigh_opening": "knees' opening", "trunk": "trunk angle"}
    label = f"{measure.get(exdef.signal.measure, 'angle')} (°)" if exdef is not None else "angle (°)"
    return ReportData(
        title=title or title_of(a.exercise if a.exercise in EXERCISES else None),
        names=names(), signals=signals, signal_label=label, key_frames=tuple(frames),
        blocks=tuple(blocks), created=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"))


def write_video_report(path: str | os.PathLike[str], video: str | os.PathLike[str],
                       samples: Sequence[PoseSample], a: Analysis, result: TrackResult | None) -> None:
    """Write the report of an analysed video file (key frames read back from the video)."""
    write_report(a, report_data(a, result, frames=key_frames(video, samples, a)), path)


__all__ = ["key_frames", "names", "report_data", "write_video_report"]
