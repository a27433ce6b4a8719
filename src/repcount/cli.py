"""Command-line interface: ``repcount analyze|pose|models|...``.

Every user error ends as one line on stderr and a non-zero exit status, never a traceback
(set ``REPCOUNT_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from repcount import __version__
from repcount.errors import InputError, RepcountError
from repcount.io_utils import check_writable

if TYPE_CHECKING:  # batch pulls in the analysis stack; the CLI imports it only when used
    from repcount.batch import BatchResult, BatchSummary

Handler = Callable[[argparse.Namespace], int]


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is not wrapped at rich's default of 80 columns (tables would fold names).
    width = None if stream.isatty() else 160
    return Console(stderr=stderr, highlight=False, width=width)


@contextlib.contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on a terminal; a no-op callback otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=_console(stderr=True), transient=True) as prog:
        task = prog.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            prog.update(task, completed=done, total=total)

        yield update


def download_progress(total: int, label: str) -> Callable[[int], None]:
    """Progress callback factory for model downloads (plain text when not a terminal)."""
    state = {"done": 0, "last": 0.0}

    def advance(n: int) -> None:
        state["done"] += n
        now = time.monotonic()
        if now - state["last"] > 0.5 or state["done"] >= total:
            state["last"] = now
            pct = 100.0 * state["done"] / max(total, 1)
            print(f"\r{label}: {pct:5.1f}% of {total / 1e6:.1f} MB", end="", file=sys.stderr)
            if state["done"] >= total:
                print(file=sys.stderr)

    return advance


# ----------------------------------------------------------------------------- analyze
def cmd_analyze(args: argparse.Namespace) -> int:
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
    from repcount.analysis import analyze_video
    from repcount.models import resolve
    from repcount.output import write_csv, write_json, write_plot

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
    from repcount.batch import BatchError, timed_analyze_many, write_batch_json, write_combined_csv

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


def print_batch_summary(results: Sequence[BatchResult], summary: BatchSummary) -> None:
    """One table for a batch: a row per video, then the totals."""
    from rich.table import Table

    from repcount.records import Analysis

    table = Table(title=f"{summary.videos} videos")
    for col, just in (("video", "left"), ("exercise", "left"), ("reps", "right"),
                      ("left", "right"), ("right", "right"), ("both", "right"),
                      ("hold s", "right"), ("frames", "right"), ("status", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in results:
        if isinstance(r, Analysis):
            status = "; ".join(r.warnings) if r.warnings else "ok"
            table.add_row(r.video, r.exercise, str(r.total_reps), str(r.reps_on("left")),
                          str(r.reps_on("right")), str(r.reps_on("both")),
                          f"{sum(h.duration_s for h in r.holds):.1f}", str(r.frames), status)
        else:
            table.add_row(Path(r.video).name, "", "", "", "", "", "", "", f"[red]{r.message}[/red]")
    con = _console()
    con.print(table)
    con.print(f"{summary.ok}/{summary.videos} videos analysed, {summary.total_reps} reps, "
              f"{summary.frames} frames in {summary.wall_s:.1f} s "
              f"({summary.videos_per_s:.2f} videos/s, {summary.frames_per_s:.1f} frames/s)")


def print_summary(analysis: object, stats: object) -> None:
    """Print the per-side summary table of one analysis."""
    from rich.table import Table

    from repcount.analysis import RunStats
    from repcount.records import SIDES, Analysis

    assert isinstance(analysis, Analysis) and isinstance(stats, RunStats)
    auto = analysis.extra.get("auto")
    title = f"{analysis.video}: {analysis.exercise}"
    if isinstance(auto, dict):
        title += " (recognised)" if auto.get("recognised") else " (not recognised)"
    table = Table(title=title)
    table.add_column("side")
    table.add_column("reps", justify="right")
    table.add_column("partial", justify="right")
    table.add_column("hold s", justify="right")
    for side in SIDES:
        n = analysis.reps_on(side)
        p = sum(1 for r in analysis.partials if r.side == side)
        hs = analysis.hold_on(side)
        if n or p or hs:
            table.add_row(side, str(n), str(p), f"{hs:.1f}")
    table.add_row("total", str(analysis.total_reps), str(len(analysis.partials)),
                  f"{sum(h.duration_s for h in analysis.holds):.1f}", style="bold")
    con = _console()
    con.print(table)
    src = "cached landmarks" if stats.cached else f"model {analysis.model}"
    con.print(f"{analysis.frames} frames, pose found in {analysis.pose_frames}; {src}; "
              f"{stats.fps:.1f} frames/s end to end"
              + (f", pose alone {stats.pose_fps:.1f} frames/s" if stats.pose_s else ""))
    for w in analysis.warnings:
        con.print(f"[yellow]warning:[/yellow] {w}")


# ----------------------------------------------------------------------------- pose
def cmd_pose(args: argparse.Namespace) -> int:
    """Record a video's landmark track to an .npz file."""
    from repcount.analysis import prefetch
    from repcount.models import resolve
    from repcount.pose.mediapipe_backend import MediaPipePose
    from repcount.pose.track import Track
    from repcount.records import PoseSample
    from repcount.sources import open_source

    check_writable(args.output)
    model = resolve(args.model, progress=download_progress)
    samples: list[PoseSample] = []
    t0 = time.perf_counter()
    with open_source(args.video) as src, MediaPipePose(model) as est, \
            progress_bar(f"pose {src.name}", not args.quiet) as prog:
        try:
            for frame in prefetch(src):
                samples.append(PoseSample(frame.index, frame.t, est.estimate(frame)))
                prog(len(samples), src.frame_count)
        except KeyboardInterrupt:
            print("interrupted: writing the frames done so far", file=sys.stderr)
        track = Track.from_samples(samples, width=src.width, height=src.height, fps=src.fps,
                                   meta={"video": src.name, "model": model.name,
                                         "model_sha256": model.sha256})
    track.save(args.output)
    if not args.quiet:
        dt = time.perf_counter() - t0
        print(f"{args.output}: {len(track)} frames, pose in {int(track.found.sum())}, "
              f"{len(track) / dt:.1f} frames/s")
    return 0


# ----------------------------------------------------------------------------- models
def cmd_models(args: argparse.Namespace) -> int:
    """List the pose models, where each was found and whether it verifies."""
    from rich.table import Table

    from repcount.models import survey

    table = Table(title="pose models")
    for col in ("model", "status", "origin", "where"):
        table.add_column(col)
    rows = survey()
    for r in rows:
        style = "red" if r["status"].startswith("CHECKSUM") else None
        table.add_row(r["model"], r["status"], r["origin"], r["where"], style=style)
    _console().print(table)
    return 1 if any(r["status"].startswith("CHECKSUM") for r in rows) else 0


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    from repcount.detectors import EXERCISES
    from repcount.models import DEFAULT_MODEL

    p = argparse.ArgumentParser(prog="repcount", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"repcount {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def model_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--model", default=DEFAULT_MODEL, metavar="lite|full|heavy|PATH",
                        help=f"pose model (default {DEFAULT_MODEL})")

    a = sub.add_parser("analyze", help="count reps and holds in a video (or many)")
    a.add_argument("videos", nargs="+", metavar="VIDEO",
                   help="video file(s) or folder(s) of videos; several run as a batch")
    a.add_argument("--exercise", "-e", required=True, metavar="NAME",
                   help="auto (recognise it) or one of: " + ", ".join(EXERCISES))
    a.add_argument("--side", choices=("left", "right"),
                   help="force the working leg instead of recognising it")
    model_arg(a)
    a.add_argument("--json", metavar="PATH", help="write the result as JSON")
    a.add_argument("--csv", metavar="PATH", help="write a CSV row per rep")
    a.add_argument("--annotate", metavar="OUT.mp4", help="write the video with the overlay")
    a.add_argument("--plot", metavar="OUT.png", help="plot the angle signal with reps marked")
    a.add_argument("--no-cache", action="store_true", help="ignore cached landmark tracks")
    a.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    a.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="batch: videos analysed in parallel (default 1)")
    a.add_argument("--executor", choices=("process", "dask"), default="process",
                   help="batch: worker processes here (default) or a dask cluster")
    a.add_argument("--scheduler", metavar="ADDRESS",
                   help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster of --jobs "
                        "workers)")
    a.add_argument("--recursive", "-r", action="store_true",
                   help="batch: also take videos from sub-folders")
    a.set_defaults(func=cmd_analyze)

    ps = sub.add_parser("pose", help="record a video's landmark track (.npz)")
    ps.add_argument("video", help="video file, image folder or camera index")
    ps.add_argument("-o", "--output", required=True, metavar="TRACK.npz")
    model_arg(ps)
    ps.add_argument("--quiet", "-q", action="store_true")
    ps.set_defaults(func=cmd_pose)

    m = sub.add_parser("models", help="list pose models and verify their checksums")
    m.set_defaults(func=cmd_models)

    from repcount import bench

    b = sub.add_parser("bench", help="measure counting accuracy and speed on a labels file")
    bench.configure(b)
    b.set_defaults(func=bench.run)

    from repcount import circuit, live

    lv = sub.add_parser("live", help="count live from a webcam (or a video played as one), "
                                     "one exercise or the guided circuit")
    live.configure(lv)
    lv.set_defaults(func=live.run)

    hi = sub.add_parser("history", help="list past circuit sessions")
    circuit.history_configure(hi)
    hi.set_defaults(func=circuit.history_run)

    from repcount.synth import cli as synth_cli

    sy = sub.add_parser("synth", help="render labelled synthetic exercise clips (extra: synth)")
    synth_cli.configure(sy)
    sy.set_defaults(func=synth_cli.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``repcount`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    handler: Handler = args.func
    try:
        return handler(args)
    except RepcountError as exc:
        print(f"repcount: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("repcount: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("REPCOUNT_DEBUG"):
            raise
        print(f"repcount: internal error: {type(exc).__name__}: {exc} "
              "(set REPCOUNT_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
