"""``repcount analyze``: one video or several (a batch), with JSON, CSV, plot and annotated video.

The pipeline itself is :func:`repcount.commands.pipeline.analyze_video`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from repcount.commands import add_model_argument
from repcount.detectors import EXERCISES
from repcount.errors import InputError
from repcount.io.atomic import check_writable
from repcount.records import Analysis, PoseSample
from repcount.ui.console import download_progress, print_batch_summary, print_summary, progress_bar


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``repcount analyze``."""
    parser.add_argument("videos", nargs="+", metavar="VIDEO",
                        help="video file(s) or folder(s) of videos; several run as a batch; a "
                             "landmark track (.npz from `repcount pose`) is counted without the model")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--exercise", "-e", metavar="NAME",
                      help="auto (recognise it) or one of: " + ", ".join(EXERCISES))
    what.add_argument("--circuit", nargs="?", const="", default=None, metavar="PLAN.toml",
                      help="a recording of a whole circuit: count it block by block against the plan "
                           "(default: the developers' circuit), as the live circuit does")
    parser.add_argument("--side", choices=("left", "right"),
                        help="force the working leg instead of recognising it")
    add_model_argument(parser)
    parser.add_argument("--json", metavar="PATH", help="write the result as JSON")
    parser.add_argument("--csv", metavar="PATH", help="write a CSV row per rep")
    parser.add_argument("--summary-csv", metavar="PATH",
                        help="write a CSV row per video (counts per leg, status; 0-rep and failed "
                             "videos included)")
    parser.add_argument("--annotate", metavar="OUT.mp4", help="write the video with the overlay")
    parser.add_argument("--plot", metavar="OUT.png", help="plot the angle signal with reps marked")
    parser.add_argument("--report", metavar="OUT.html",
                        help="write a one-file HTML report (summary, left/right balance, signal plot, "
                             "rep timeline, key frames); opens offline, on a phone too")
    parser.add_argument("--no-cache", action="store_true", help="ignore cached landmark tracks")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="processes: a batch analyses this many videos at once (default 1); one "
                             "long video is cut into this many segments posed in parallel (default: "
                             "one per core, at most 4, for a video of 40 s or more)")
    parser.add_argument("--stride", type=_stride, default=None, metavar="auto|N",
                        help="pose one frame in N and interpolate the others (default auto: about 10 "
                             "poses a second, every frame while the person is lost or moves fast; "
                             "1: every frame)")
    parser.add_argument("--executor", choices=("process", "dask"), default="process",
                        help="batch: worker processes here (default) or a dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster of --jobs "
                             "workers)")
    parser.add_argument("--recursive", "-r", action="store_true",
                        help="batch: also take videos from sub-folders")


def _stride(text: str) -> int | None:
    from repcount.pose.stride import parse_stride

    try:
        return parse_stride(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected auto or a whole number of at least 1, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    """Count reps/holds in a video (or a batch of them) and write the requested outputs."""
    from repcount.detectors import get_exercise

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    if args.circuit is not None:
        return _analyze_circuit(args)
    if args.exercise != "auto":
        get_exercise(args.exercise)  # an unknown name fails before anything else
    for out in (args.json, args.csv, args.annotate, args.plot, args.report, args.summary_csv):
        if out:
            check_writable(out)
    single = (len(args.videos) == 1 and not Path(args.videos[0]).is_dir()
              and args.executor == "process")
    if not single:
        return _analyze_batch(args)
    from repcount.commands.pipeline import analyze_video
    from repcount.io.outputs import write_plot
    from repcount.pose.models import resolve

    exdef = None if args.exercise == "auto" else get_exercise(args.exercise)
    video = Path(args.videos[0])
    if not video.exists():
        raise InputError(f"{video}: no such file")
    if video.suffix.lower() == ".npz":  # a landmark track from `repcount pose`: no model needed
        if args.annotate:
            raise InputError("--annotate needs the video, not its landmark track")
        from repcount.commands.pipeline import analyze_track

        analysis, result, stats = analyze_track(video, exdef, side=args.side)
    else:
        model = resolve(args.model, progress=download_progress)
        with progress_bar(f"analysing {video.name}", not args.quiet) as prog:
            analysis, result, stats = analyze_video(
                video, exdef, model, side=args.side, annotate=args.annotate, report=args.report,
                use_cache=not args.no_cache, progress=prog, stride=args.stride, jobs=args.jobs)
    _write_tables(args, analysis, video)
    if args.plot and result is not None:
        from repcount.detectors import title_of

        write_plot(analysis, result.t, result.signal, args.plot, title=title_of(analysis.exercise))
    if args.report and video.suffix.lower() == ".npz":  # a video's report is written by analyze_video
        from repcount.commands.report import report_data
        from repcount.io.report import write_report

        write_report(analysis, report_data(analysis, result), args.report)  # no video: no key frames
    if not args.quiet:
        print_summary(analysis, stats)
    return stats.stop_status if stats.interrupted else 0


def _write_tables(args: argparse.Namespace, analysis: Analysis, video: Path) -> None:
    """The JSON, per-rep CSV and per-video summary CSV of one analysed recording."""
    from repcount.commands.batch import write_summary_csv
    from repcount.io.outputs import write_csv, write_json

    if args.json:
        write_json(analysis, args.json)
    if args.csv:
        write_csv([analysis], args.csv)
    if args.summary_csv:
        write_summary_csv([analysis], args.summary_csv, [video])


def _analyze_circuit(args: argparse.Namespace) -> int:
    """One recording of a circuit: its sets found and matched to the plan in any order.

    When no exercise is recognised for long enough to make a segment, the recording is replayed
    through the live circuit's logic instead (blocks in plan order).
    """
    from repcount.commands.pipeline import matched_circuit, pose_video
    from repcount.pose.models import resolve
    from repcount.pose.track import Track
    from repcount.session.analysis import Tally
    from repcount.session.circuit import Circuit, summary_lines
    from repcount.session.live import Session, session_analysis
    from repcount.session.plan import load_plan
    from repcount.ui.console import print_balance

    if len(args.videos) != 1 or Path(args.videos[0]).is_dir():
        raise InputError("--circuit takes one recording of the circuit")
    for out in (args.json, args.csv, args.report, args.summary_csv):
        if out:
            check_writable(out)
    if args.annotate or args.plot:
        raise InputError("--annotate and --plot take --exercise, not --circuit")
    plan = load_plan(args.circuit or None)
    video = Path(args.videos[0])
    if not video.exists():
        raise InputError(f"{video}: no such file")
    if video.suffix.lower() == ".npz":
        track = Track.load(video)
        from repcount.session.analysis import RunStats

        samples: Sequence[PoseSample] = list(track.samples())
        fps, stats = track.fps, RunStats(cached=True)
        model_name = str(track.meta.get("model") or "unknown")
        name = str(track.meta.get("video") or video.name)
    else:
        model = resolve(args.model, progress=download_progress)
        with progress_bar(f"analysing {video.name}", not args.quiet) as prog:
            samples, fps, stats = pose_video(video, model, use_cache=not args.no_cache, progress=prog,
                                             stride=args.stride, jobs=args.jobs)
        model_name, name = model.name, video.name
    matched = matched_circuit(name, samples, plan, model_name, fps, stats)
    if matched is not None:
        analysis, summary = matched
    else:  # nothing recognised for long enough: the live circuit's replay, in plan order
        session = Session(fps, None, None, Circuit(plan))
        for sample in samples:
            session.feed(sample)
        if samples:
            session.finish(samples[-1].t)
        analysis = session_analysis(name, session, model_name, fps, Tally.of(samples), stats)
        assert session.circuit is not None
        summary = session.circuit.summary()
    _write_tables(args, analysis, video)
    if args.report:
        from repcount.commands.report import key_frames, report_data
        from repcount.io.report import write_report

        frames = key_frames(video, samples, analysis) if video.suffix.lower() != ".npz" else []
        write_report(analysis, report_data(analysis, None, title=f"Circuit '{plan.name}'", frames=frames,
                                           blocks=summary["per_block"]), args.report)
    if not args.quiet:
        for line in summary_lines(summary):
            print(line)
        print_balance(analysis.balance)
        for w in analysis.warnings:
            print(f"warning: {w}")
    return stats.stop_status if stats.interrupted else 0


def _analyze_batch(args: argparse.Namespace) -> int:
    """Several videos or folders: one task per video, one table, a combined CSV and JSON."""
    from repcount.commands.batch import (
        timed_analyze_many,
        write_batch_json,
        write_combined_csv,
        write_summary_csv,
    )
    from repcount.session.batch import BatchError

    if args.annotate or args.plot or args.report:
        raise InputError("--annotate, --plot and --report take a single video, not a batch")
    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler needs --executor dask")
    show = not args.quiet and sys.stderr.isatty()
    from repcount.commands.batch import expand_paths, frame_counts
    from repcount.ui.console import batch_progress

    files = expand_paths(args.videos, recursive=args.recursive)
    totals = frame_counts(files) if show else {}
    with batch_progress(totals, show) as (on_progress, on_done):
        results, summary = timed_analyze_many(
            [str(f) for f in files], args.exercise, args.model, jobs=args.jobs or 1, executor=args.executor,
            scheduler=args.scheduler, side=args.side, use_cache=not args.no_cache, stride=args.stride,
            on_done=on_done, on_progress=on_progress)
    if args.json:
        write_batch_json(results, summary, args.json)
    if args.csv:
        write_combined_csv(results, args.csv)
    if args.summary_csv:
        write_summary_csv(results, args.summary_csv, files)
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
