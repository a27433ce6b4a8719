"""Analyse one video: frames -> poses -> signals -> reps/holds -> :class:`Analysis`.

Poses come from the landmark-track cache when the same video was already seen with the same
model, otherwise from the model (and are then cached). An interrupted run (Ctrl-C) stops
reading frames and still returns what was found so far, marked with a warning.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from repcount.commands import add_model_argument
from repcount.detectors import EXERCISES, Detector, ExerciseDef, TrackResult, analyze_samples
from repcount.detectors.recognition import recognise
from repcount.errors import InputError
from repcount.io.atomic import check_writable
from repcount.io.prefetch import prefetch
from repcount.io.sinks import VideoSink
from repcount.io.sources import VideoFileSource
from repcount.pose import cache
from repcount.pose.models import ModelInfo
from repcount.pose.track import Track
from repcount.records import Analysis, FormEvent, Hold, PoseSample, Rep, Side
from repcount.session.analysis import RunStats, Tally, build_analysis
from repcount.ui.annotators import OverlayContext, draw
from repcount.ui.console import download_progress, print_batch_summary, print_summary, progress_bar

Progress = Callable[[int, int | None], None]










def analyze_video(
    path: str | os.PathLike[str],
    exdef: ExerciseDef | None,
    model: ModelInfo,
    *,
    side: Side | None = None,
    annotate: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    max_side: int | None = 1280,
) -> tuple[Analysis, TrackResult | None, RunStats]:
    """Analyse a video file end to end.

    Args:
        path: the video.
        exdef: the exercise to count; None recognises it (``--exercise auto``).
        model: the resolved pose model.
        side: force the working leg (``left``/``right``).
        annotate: write an annotated copy of the video here (a second pass over the frames,
            replaying the poses through the streaming detector, so the overlay shows what a
            live user would have seen).
        use_cache: re-use (and store) landmark tracks keyed by video and model hash.
        progress: called with (frames done, total frames or None).
        max_side: frames larger than this are downscaled before pose estimation.

    Returns:
        The analysis, the offline detector result (None when the exercise was not recognised)
        and run statistics.

    """
    stats = RunStats()
    t0 = time.perf_counter()
    source = VideoFileSource(path, max_side=max_side)
    name = Path(path).name
    track = cache.load_cached(path, model.sha256) if use_cache else None
    if track is not None:
        source.close()
        samples = list(track.samples())
        stats.cached = True
        fps = track.fps
        stats.cached_pose_fps = float(track.meta.get("pose_fps", 0.0) or 0.0)  # type: ignore[arg-type]
    else:
        samples, stats = _stream(source, model, progress, stats)
        stats.frames = len(samples)
        fps = source.fps
        if use_cache and not stats.interrupted:
            cache.store(path, model.sha256, Track.from_samples(
                samples, width=source.width, height=source.height, fps=fps,
                meta={"video": name, "model": model.name, "model_sha256": model.sha256,
                      "pose_fps": round(stats.pose_fps, 2)}))
    td = time.perf_counter()
    extra: dict[str, object] = {}
    warnings: tuple[str, ...] = ()
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
    if annotate is not None and not stats.interrupted:
        render_annotated(path, samples, exdef, annotate, side=side, max_side=max_side)
    stats.wall_s = time.perf_counter() - t0
    exercise = exdef.name if exdef is not None else "unknown"
    analysis = build_analysis(name, exercise, model.name, fps, Tally.of(samples), result, stats,
                              warnings, extra)
    return analysis, result, stats


def _stream(source: VideoFileSource, model: ModelInfo, progress: Progress | None,
            stats: RunStats) -> tuple[list[PoseSample], RunStats]:
    """The pose pass: decode (on a thread) and run the model on every frame."""
    from repcount.pose.mediapipe_backend import MediaPipePose

    samples: list[PoseSample] = []
    with source, MediaPipePose(model) as estimator:
        try:
            for frame in prefetch(source):
                tp = time.perf_counter()
                pose = estimator.estimate(frame)
                stats.pose_s += time.perf_counter() - tp
                samples.append(PoseSample(frame.index, frame.t, pose))
                if progress:
                    progress(len(samples), source.frame_count)
        except KeyboardInterrupt:
            stats.interrupted = True
    if source.frame_count and len(samples) < source.frame_count - 2 and not stats.interrupted:
        stats.notes.append(
            f"video ended after {len(samples)} of {source.frame_count} frames (truncated file?)")
    return samples, stats


def render_annotated(path: str | os.PathLike[str], samples: list[PoseSample],
                     exdef: ExerciseDef | None, out: str | os.PathLike[str], *,
                     side: Side | None = None, max_side: int | None = 1280) -> int:
    """Write the video with the overlay, replaying recorded poses through a live detector.

    Returns the number of frames written.
    """
    source = VideoFileSource(path, max_side=max_side)
    detector = Detector(exdef, source.fps, side) if exdef is not None else None
    with source, VideoSink(out, source.fps, (source.width, source.height)) as sink:
        for frame, sample in zip(prefetch(source), samples):
            new: list[Rep | Hold | FormEvent] = list(detector.update(sample)) if detector else []
            ctx = OverlayContext(
                pose=sample.pose,
                state=detector.state() if detector else None,
                exercise=exdef.name if exdef else "not recognised",
                target=None,
                hold_target_s=float(exdef.target) if exdef and exdef.hold else None,
                flash=any(isinstance(e, Rep) for e in new),
                cues=tuple(e.message for e in new if isinstance(e, FormEvent)),
            )
            sink.write(draw(frame.image.copy(), ctx))
        return sink.frames


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``repcount analyze``."""
    parser.add_argument("videos", nargs="+", metavar="VIDEO",
                        help="video file(s) or folder(s) of videos; several run as a batch")
    parser.add_argument("--exercise", "-e", required=True, metavar="NAME",
                        help="auto (recognise it) or one of: " + ", ".join(EXERCISES))
    parser.add_argument("--side", choices=("left", "right"),
                        help="force the working leg instead of recognising it")
    add_model_argument(parser)
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON")
    parser.add_argument("--csv", metavar="PATH", help="write a CSV row per rep")
    parser.add_argument("--annotate", metavar="OUT.mp4", help="write the video with the overlay")
    parser.add_argument("--plot", metavar="OUT.png", help="plot the angle signal with reps marked")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached landmark tracks")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="batch: videos analysed in parallel (default 1)")
    parser.add_argument("--executor", choices=("process", "dask"), default="process",
                        help="batch: worker processes here (default) or a dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster of --jobs "
                             "workers)")
    parser.add_argument("--recursive", "-r", action="store_true",
                        help="batch: also take videos from sub-folders")


def run(args: argparse.Namespace) -> int:
    """Count reps/holds in a video (or a batch of them) and write the requested outputs."""
    from repcount.detectors import get_exercise

    if args.exercise != "auto":
        get_exercise(args.exercise)  # an unknown name fails before anything else
    for out in (args.json, args.csv, args.annotate, args.plot):
        if out:
            check_writable(out)
    single = (len(args.videos) == 1 and not Path(args.videos[0]).is_dir()
              and args.executor == "process")
    if not single:
        return _analyze_batch(args)
    from repcount.commands.analyze import analyze_video
    from repcount.io.outputs import write_csv, write_json, write_plot
    from repcount.pose.models import resolve

    exdef = None if args.exercise == "auto" else get_exercise(args.exercise)
    video = Path(args.videos[0])
    if not video.exists():
        raise InputError(f"{video}: no such file")
    model = resolve(args.model, progress=download_progress)
    with progress_bar(f"analysing {video.name}", not args.quiet) as prog:
        analysis, result, stats = analyze_video(
            video, exdef, model, side=args.side, annotate=args.annotate,
            use_cache=not args.no_cache, progress=prog)
    if args.json:
        write_json(analysis, args.json)
    if args.csv:
        write_csv([analysis], args.csv)
    if args.plot and result is not None:
        write_plot(analysis, result.t, result.signal, args.plot)
    if not args.quiet:
        print_summary(analysis, stats)
    return 130 if stats.interrupted else 0


def _analyze_batch(args: argparse.Namespace) -> int:
    """Several videos or folders: one task per video, one table, a combined CSV and JSON."""
    from repcount.commands.batch import BatchError, timed_analyze_many, write_batch_json, write_combined_csv

    if args.annotate or args.plot:
        raise InputError("--annotate and --plot take a single video, not a batch")
    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler needs --executor dask")
    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    show = not args.quiet and sys.stderr.isatty()

    def progress(result: object, done: int, total: int) -> None:
        if show:
            name = Path(getattr(result, "video", "")).name
            print(f"\r[{done}/{total}] {name}\033[K", end="", file=sys.stderr, flush=True)

    results, summary = timed_analyze_many(
        args.videos, args.exercise, args.model, jobs=args.jobs, executor=args.executor,
        scheduler=args.scheduler, side=args.side, use_cache=not args.no_cache,
        recursive=args.recursive, on_done=progress)
    if show:
        print("\r\033[K", end="", file=sys.stderr)
    if args.json:
        write_batch_json(results, summary, args.json)
    if args.csv:
        write_combined_csv(results, args.csv)
    if not args.quiet:
        print_batch_summary(results, summary)
    if summary.exit_code == 130:
        print(f"repcount: interrupted after {summary.ok} of {summary.videos} videos"
              + (f"; partial results in {args.json}" if args.json else ""), file=sys.stderr)
    elif summary.failed:
        first = next(r for r in results if isinstance(r, BatchError))
        print(f"repcount: error: {summary.failed} of {summary.videos} videos could not be "
              f"analysed (first: {first.message})", file=sys.stderr)
    return summary.exit_code
