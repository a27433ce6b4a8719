"""One video through the pipeline: frames -> poses -> signals -> reps/holds -> :class:`Analysis`.

Shared by ``analyze``, ``batch`` and ``bench``. Poses come from the landmark-track cache when the
same video was already seen with the same model, otherwise from the model (and are then cached).
An interrupted run (Ctrl-C) stops reading frames and still returns what was found so far, marked
with a warning.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from repcount.detectors import EXERCISES, ExerciseDef
from repcount.errors import interrupt_status
from repcount.io.prefetch import prefetch
from repcount.io.sinks import VideoSink
from repcount.io.sources import VideoFileSource
from repcount.pose import cache
from repcount.pose.models import ModelInfo
from repcount.pose.track import Track
from repcount.records import Analysis, FormEvent, Hold, PoseSample, Rep, Side
from repcount.session.analysis import RunStats, Tally, build_analysis
from repcount.ui.annotators import CueBoard, OverlayContext, draw
from repcount.ui.endscreen import END_SCREEN_S, end_screen

if TYPE_CHECKING:
    from repcount.detectors import TrackResult
    from repcount.detectors.segmentation import Segment
    from repcount.session.balance import Balance
    from repcount.session.plan import Plan

Progress = Callable[[int, int | None], None]


def pose_video(path: str | os.PathLike[str], model: ModelInfo, *, use_cache: bool = True,
               progress: Progress | None = None, max_side: int | None = 1280,
               stride: int | None = None, jobs: int | None = 1
               ) -> tuple[Sequence[PoseSample], float, RunStats]:
    """The poses of every frame: from the landmark cache, or from the model (then cached).

    Args:
        path: the video.
        model: the resolved pose model.
        use_cache: re-use (and store) landmark tracks keyed by video, model and stride.
        progress: called with (frames done, total frames or None).
        max_side: frames larger than this are downscaled before pose estimation.
        stride: pose one frame in this many, interpolating the others (None: ``--stride auto``,
            about 10 poses a second; see :mod:`repcount.pose.stride`).
        jobs: processes for the pose pass (None: one per core for a long video).

    Returns:
        The samples (read from disk a block at a time: memory stays flat on long videos), the
        frame rate and the run statistics so far (an interrupted pose pass returns the frames
        done, marked in the statistics).

    """
    from repcount.commands.posing import pose_pass
    from repcount.pose.stride import auto_stride

    stats = RunStats()
    with VideoFileSource(path, max_side=max_side) as source:
        fps = source.fps
    step = auto_stride(fps) if stride is None else max(1, stride)
    stats.stride = step
    name = Path(path).name
    hit = cache.load_spilled(path, model.sha256, step) if use_cache else None
    if hit is not None:
        stats.cached = True
        stats.cached_pose_fps = float(hit.meta.get("pose_fps", 0.0) or 0.0)  # type: ignore[arg-type]
        stats.posed_frames = int(hit.meta.get("posed", len(hit)) or 0)  # type: ignore[call-overload]
        stats.frames = len(hit)
        return hit.samples(), hit.fps, stats
    track, raw = pose_pass(path, model, stride=step, jobs=jobs, progress=progress, max_side=max_side)
    stats.pose_s, stats.interrupted, stats.notes = raw.pose_s, raw.interrupted, list(raw.notes)
    if raw.interrupted:
        stats.stop_status = raw.stop_status
    stats.jobs = int(track.meta.get("jobs", 1))  # type: ignore[call-overload]
    stats.posed_frames = raw.posed
    stats.frames = len(track)
    track.meta.update({"video": name, "model": model.name, "model_sha256": model.sha256,
                       "pose_fps": round(stats.pose_fps, 2)})
    if use_cache and not stats.interrupted:
        track.save_npz(cache.cached_track_path(path, model.sha256, step))
    return track.samples(), fps, stats


def analyze_video(
    path: str | os.PathLike[str],
    exdef: ExerciseDef | None,
    model: ModelInfo,
    *,
    side: Side | None = None,
    annotate: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    max_side: int | None = 1280,
    stride: int | None = 1,
    jobs: int | None = 1,
) -> tuple[Analysis, TrackResult | None, RunStats]:
    """Analyse a video file end to end.

    Args:
        path: the video.
        exdef: the exercise to count; None recognises it (``--exercise auto``).
        model: the resolved pose model.
        side: force the working leg (``left``/``right``).
        report: write the HTML report here (its key frames are read back from the video).
        annotate: write an annotated copy of the video here (a second pass over the frames,
            replaying the poses through the streaming detector, so the overlay shows what a
            live user would have seen).
        use_cache: re-use (and store) landmark tracks keyed by video and model hash.
        progress: called with (frames done, total frames or None).
        max_side: frames larger than this are downscaled before pose estimation.
        stride: pose one frame in this many (None: auto); see :func:`pose_video`.
        jobs: processes for the pose pass (None: one per core for a long video).

    Returns:
        The analysis, the offline detector result (None when the exercise was not recognised)
        and run statistics.

    """
    t0 = time.perf_counter()
    samples, fps, stats = pose_video(path, model, use_cache=use_cache, progress=progress,
                                     max_side=max_side, stride=stride, jobs=jobs)
    name = Path(path).name
    analysis, result = count_samples(name, samples, exdef, model.name, fps, stats, side,
                                     annotate=(path, annotate) if annotate is not None else None,
                                     max_side=max_side)
    if report is not None:
        from repcount.commands.report import write_video_report

        write_video_report(report, path, samples, analysis, result)
    stats.wall_s = time.perf_counter() - t0
    return analysis, result, stats


def analyze_track(path: str | os.PathLike[str], exdef: ExerciseDef | None, *,
                  side: Side | None = None) -> tuple[Analysis, TrackResult | None, RunStats]:
    """Count a landmark track (``.npz`` from ``repcount pose``) as if it were its video."""
    t0 = time.perf_counter()
    track = Track.load(path)
    stats = RunStats(cached=True,
                     cached_pose_fps=float(track.meta.get("pose_fps", 0.0) or 0.0))  # type: ignore[arg-type]
    name = str(track.meta.get("video") or Path(path).name)
    model = str(track.meta.get("model") or "unknown")
    analysis, result = count_samples(name, list(track.samples()), exdef, model, track.fps, stats,
                                     side)
    stats.wall_s = time.perf_counter() - t0
    return analysis, result, stats


def count_samples(name: str, samples: Sequence[PoseSample], exdef: ExerciseDef | None, model: str,
                  fps: float, stats: RunStats, side: Side | None = None, *,
                  annotate: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
                  max_side: int | None = 1280) -> tuple[Analysis, TrackResult | None]:
    """Recognise (when ``exdef`` is None) and count recorded poses; optionally annotate.

    ``annotate`` is (video, output): the video is read again and drawn over.
    """
    from repcount.detectors import analyze_samples
    from repcount.detectors.recognition import recognise

    td = time.perf_counter()
    extra: dict[str, object] = {"pose": {"stride": stats.stride, "posed_frames": stats.posed_frames,
                                         "processes": stats.jobs}}
    warnings: tuple[str, ...] = ()
    if exdef is None and side is None and annotate is None:
        several = _several_exercises(name, samples, model, fps, stats, extra)
        if several is not None:
            stats.detect_s += time.perf_counter() - td
            return several, None
    if exdef is None:
        recognised, why = recognise(samples)
        extra["auto"] = {"recognised": recognised, "reason": why}
        if recognised is None:
            warnings = (f"exercise not recognised: {why}",)
        else:
            exdef = EXERCISES[recognised]
    result = analyze_samples(exdef, samples, side) if exdef is not None else None
    stats.detect_s += time.perf_counter() - td
    stats.frames = len(samples)
    if annotate is not None:
        # After an interrupt the frames posed so far are still written (nothing is lost).
        try:
            render_annotated(annotate[0], samples, exdef, annotate[1], side=side, max_side=max_side,
                             analysis=build_analysis(name, exdef.name if exdef else "unknown", model,
                                                     fps, Tally.of(samples), result, stats))
        except KeyboardInterrupt as exc:  # a second stop: the sink kept the frames drawn so far
            stats.interrupted, stats.stop_status = True, interrupt_status(exc)
    exercise = exdef.name if exdef is not None else "unknown"
    analysis = build_analysis(name, exercise, model, fps, Tally.of(samples), result, stats,
                              warnings, extra)
    return analysis, result


@dataclass(frozen=True)
class Segmented:
    """A recording counted segment by segment (each with its own exercise's detector).

    Attributes:
        segments: the segments kept (see :func:`~repcount.detectors.segmentation.count_segments`).
        result: every segment's reps, holds and cues in time order, each with its exercise.
        exercises: the exercises, in order of first appearance.
        balances: one left/right balance per exercise.
        blocks: the sets of every segment, in time order (the JSON's ``blocks``).

    """

    segments: list[Segment]
    result: TrackResult
    exercises: list[str]
    balances: tuple[Balance, ...]
    blocks: list[dict[str, Any]]

    def segments_doc(self) -> list[dict[str, object]]:
        """The segments for the JSON (``extra.auto.segments``)."""
        return [{"exercise": s.exercise, "start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2),
                 "reason": s.reason} for s in self.segments]


def count_segmented(samples: Sequence[PoseSample], segments: Sequence[Segment]) -> Segmented:
    """Count ``segments`` of ``samples`` and gather the sets, balances and records of all of them."""
    from repcount.detectors.offline import TrackResult
    from repcount.detectors.segmentation import count_segments
    from repcount.session.balance import balance
    from repcount.session.blocks import sets_of

    kept, counts = count_segments(samples, segments)
    result = TrackResult(sorted(counts.reps, key=lambda r: r.peak_s), counts.partials,
                         sorted(counts.holds, key=lambda h: h.start_s),
                         sorted(counts.events, key=lambda e: e.t), np.zeros(0), np.zeros(0), {}, [],
                         counts.rejected)
    exercises = list(dict.fromkeys(s.exercise for s in kept))
    reps = [*counts.reps, *counts.partials]
    balances = tuple(balance(e, [r for r in reps if r.exercise == e],
                             [h for h in counts.holds if h.exercise == e]) for e in exercises)
    blocks = [b for e in exercises for b in sets_of(
        e, [r for r in reps if r.exercise == e], [h for h in counts.holds if h.exercise == e], counts.events)]
    blocks.sort(key=lambda b: b["start_s"])
    return Segmented(kept, result, exercises, balances, blocks)


def _several_exercises(name: str, samples: Sequence[PoseSample], model: str, fps: float, stats: RunStats,
                       extra: dict[str, object]) -> Analysis | None:
    """The analysis of a recording of several exercises, or None when it holds one.

    Several means positive evidence: recognition windows agreeing on exercises done in different
    postures (the person stood up, lay down or turned over between them), each of which its own
    detector counts something in (see :mod:`repcount.detectors.segmentation`). Each segment is
    counted with its own exercise; the JSON's blocks are the sets of every segment.
    """
    from repcount.detectors.segmentation import WINDOW_S, segment_exercises

    if len(samples) < 2 or samples[-1].t - samples[0].t < 2 * WINDOW_S:
        return None
    segments = segment_exercises(samples)
    if len({EXERCISES[s.exercise].postures[0] for s in segments}) < 2:
        return None
    run = count_segmented(samples, segments)
    if len({EXERCISES[s.exercise].postures[0] for s in run.segments}) < 2:
        return None
    names = ", ".join(EXERCISES[e].title for e in run.exercises)
    warnings = [f"several exercises in one recording ({names}): each counted on its own stretch"]
    extra["auto"] = {"recognised": None, "reason": "several exercises", "segments": run.segments_doc()}
    return build_analysis(name, "several", model, fps, Tally.of(samples), run.result, stats, tuple(warnings),
                          extra, balances=run.balances, blocks=run.blocks)


#: The plan-matching warnings repeated in the analysis's warnings (the form cues stay per block).
MATCH_WARNINGS = ("not done", "not in the plan", "done out of the plan's order")


def matched_circuit(name: str, samples: Sequence[PoseSample], plan: Plan, model: str, fps: float,
                    stats: RunStats) -> tuple[Analysis, dict[str, Any]] | None:
    """A recording of a circuit split into its sets and matched to ``plan`` in any order.

    Returns the analysis (exercise ``circuit``; ``extra.circuit`` is the summary) and the summary,
    or None when no exercise could be recognised for long enough (the caller then replays the
    recording through the live circuit in plan order).
    """
    from repcount.detectors.segmentation import segment_exercises
    from repcount.session.matching import match_plan, matched_summary

    segments = segment_exercises(samples) if len(samples) >= 2 else []
    if not segments:
        return None
    run = count_segmented(samples, segments)
    holds = frozenset(e for e, d in EXERCISES.items() if d.hold is not None)
    per_block = match_plan(plan, run.blocks, holds)
    summary = matched_summary(plan, per_block, samples[-1].t - samples[0].t,
                              [b.to_dict() for b in run.balances])
    extra: dict[str, object] = {"circuit": summary, "auto": {"recognised": None, "reason": "circuit",
                                                              "segments": run.segments_doc()}}
    def leg(side: str) -> str:
        return "both legs" if side == "both" else f"{side} leg"

    warnings = [f"{EXERCISES[b['exercise']].title} ({leg(b['side'])}): {w}" for b in per_block
                for w in b["warnings"] if w in MATCH_WARNINGS or w.startswith("done in ")]
    analysis = build_analysis(name, "circuit", model, fps, Tally.of(samples), run.result, stats,
                              tuple(warnings), extra, balances=run.balances, blocks=run.blocks)
    return analysis, summary


def _side_at(reps: list[Rep], t: float) -> Side | None:
    """The working leg at ``t`` in hindsight: the rep under way, else the next one, else the last."""
    for r in reps:
        if t <= r.end_s:
            return r.side
    return reps[-1].side if reps else None


def render_annotated(path: str | os.PathLike[str], samples: Sequence[PoseSample],
                     exdef: ExerciseDef | None, out: str | os.PathLike[str], *,
                     side: Side | None = None, max_side: int | None = 1280,
                     analysis: Analysis | None = None) -> int:
    """Write the video with the overlay, replaying recorded poses through a live detector.

    The gauge follows the working leg from the first frame: the offline result (``analysis``)
    says which leg each set was on. An end screen with the per-leg summary closes the video.
    Returns the number of frames written.
    """
    from repcount.detectors import Detector

    source = VideoFileSource(path, max_side=max_side)
    detector = Detector(exdef, source.fps, side) if exdef is not None else None
    board = CueBoard()
    reps = sorted(analysis.reps, key=lambda r: r.start_s) if analysis is not None else []
    last = None
    with source, VideoSink(out, source.fps, (source.width, source.height)) as sink:
        for frame, sample in zip(prefetch(source), samples):
            new: list[Rep | Hold | FormEvent] = list(detector.update(sample)) if detector else []
            # Cues stay up ~2 s as they do live (partial reps are shown by the gauge, not a cue).
            cues = board.update(sample.t, [e.message for e in new
                                           if isinstance(e, FormEvent) and e.code != "partial"])
            gauge = None
            if detector is not None and exdef is not None and not exdef.hold:
                gauge = detector.gauge(_side_at(reps, sample.t))
            ctx = OverlayContext(
                pose=sample.pose,
                state=detector.state() if detector else None,
                exercise=exdef.title if exdef else "not recognised",
                target=None,
                hold_target_s=float(exdef.target) if exdef and exdef.hold else None,
                flash=any(isinstance(e, Rep) for e in new),
                cues=cues,
                gauge=gauge,
            )
            last = frame.image
            sink.write(draw(frame.image.copy(), ctx))
        if last is not None and analysis is not None:
            screen = end_screen(last, analysis, exdef.title if exdef else "not recognised")
            for _ in range(round(END_SCREEN_S * source.fps)):
                sink.write(screen)
        return sink.frames
