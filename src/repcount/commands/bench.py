"""``repcount bench``: accuracy (and pose speed) on labelled clips, per set and per exercise.

With no labels file it scores every labelled set it finds and did not tune on: the real clips
(``../shared/clips``), the independent renderer's clips (``../shared/synthetic``), the sample
videos and the test half of the randomised corpus (see :mod:`repcount.evaluation.datasets`);
``--set`` picks sets (``corpus-tune`` is the half constants are tuned on). For every clip: the
labelled exercise is counted and compared with the label (normalised error, off by one, side,
hold time), ``--exercise auto`` is checked, and the plain-peaks baseline is counted beside it.
``--model lite,full,heavy`` scores several models in one run and lists the clips whose counts
differ between them. ``--compare PREV.json`` shows the change from a previous run.

The bench measures; it does not judge: it exits 0 whatever the counts. A clip that cannot be
analysed (missing, corrupt) is reported as a row with an error, the run goes on, and the exit
status is then 2. Ctrl-C writes the JSON of the clips finished so far and exits 130.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repcount.commands import add_model_argument
from repcount.errors import InputError, RepcountError
from repcount.evaluation.baseline import baseline_doc, regressions
from repcount.evaluation.datasets import DEFAULT_SETS, SET_NAMES, dataset, sample_track
from repcount.evaluation.labels import Label, load_labels
from repcount.evaluation.metrics import ClipRow, evaluate_samples
from repcount.evaluation.report import BenchReport, BenchRun, evaluate_tracks, model_agreement
from repcount.pose.models import ModelInfo
from repcount.pose.stride import auto_stride, parse_stride, strided_copy
from repcount.pose.track import Track

__all__ = ["BenchReport", "BenchRun", "ClipRow", "Label", "baseline_doc", "cached_track", "evaluate_tracks",
           "load_labels", "model_agreement", "regressions", "run"]


# ----------------------------------------------------------------------------- tracks
def cached_track(label: Label, model: ModelInfo, *, record: bool = True, stride: int = 1) -> Track | None:
    """The clip's landmark track from the repcount cache, recorded (and cached) when missing.

    Recording goes through :func:`repcount.commands.analyze.analyze_video`, so the track is exactly the
    one ``repcount bench`` and ``repcount analyze`` use.
    """
    from repcount.commands.pipeline import analyze_video
    from repcount.pose import cache

    track = cache.load_cached(label.path, model.sha256, stride)
    if track is None and record:
        analyze_video(label.path, None, model, use_cache=True, stride=stride)
        track = cache.load_cached(label.path, model.sha256, stride)
    return track


def track_of(label: Label, model: ModelInfo, use_cache: bool, set_name: str = "", stride: int | None = 1
             ) -> tuple[Track, bool]:
    """The landmark track a clip is scored on, and whether it came without running the model.

    A corpus clip's committed track (full model; with ``stride`` > 1 its skipped frames are
    blanked and interpolated back, as the pose pass would); a sample video's committed track
    when the model is the one it was made with (stride 1 only); otherwise the model's track of
    the video at that stride (cached).

    Raises:
        InputError: when the clip (or its track) is missing.

    """
    if label.track is not None:
        if model.name != "full":
            raise InputError(f"{label.file}: only a full-model track is committed for corpus clips")
        corpus = Track.load(label.track)
        step = auto_stride(corpus.fps) if stride is None else stride
        return (strided_copy(corpus, step) if step > 1 else corpus), True
    if stride is None:
        from repcount.io.sources import VideoFileSource

        if not label.path.is_file():
            raise InputError(f"{label.path}: no such file")
        with VideoFileSource(label.path) as src:
            stride = auto_stride(src.fps)
    committed = sample_track(label)
    if set_name == "samples" and model.name == "full" and committed.is_file() and stride == 1:
        return Track.load(committed), True
    if not label.path.is_file():
        raise InputError(f"{label.path}: no such file")
    if not use_cache:
        from repcount.commands.pipeline import pose_video
        from repcount.io.sources import VideoFileSource

        samples, fps, _ = pose_video(label.path, model, use_cache=False, stride=stride)
        with VideoFileSource(label.path, max_side=1280) as src:  # the size pose_video posed at
            size = (src.width, src.height)
        return Track.from_samples(samples, width=size[0], height=size[1], fps=fps), False
    from repcount.pose import cache

    was_cached = cache.load_cached(label.path, model.sha256, stride) is not None
    track = cached_track(label, model, stride=stride)
    if track is None:
        raise InputError(f"{label.file}: no track recorded")
    return track, was_cached


@dataclass(frozen=True)
class Job:
    """One clip to score: its set, label and model."""

    set_name: str
    label: Label
    model: ModelInfo
    stride: int | None = 1


def measure_clip(job: Job, use_cache: bool = True) -> ClipRow:
    """Score one clip (in a worker process with ``--jobs`` > 1); errors become the row's ``error``."""
    t0 = time.perf_counter()
    lab = job.label
    try:
        track, cached = track_of(lab, job.model, use_cache, job.set_name, job.stride)
        row = evaluate_samples(lab, list(track.samples()))
        row.cached = cached
        row.pose_fps = float(track.meta.get("pose_fps", 0.0) or 0.0)  # type: ignore[arg-type]
    except RepcountError as exc:
        row = ClipRow(lab.index, lab.file, lab.exercise, lab.view, lab.reps, error=str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one broken clip must not lose the whole bench
        row = ClipRow(lab.index, lab.file, lab.exercise, lab.view, lab.reps,
                      error=f"{type(exc).__name__}: {exc}")
    row.dataset = job.set_name
    row.split = lab.split
    row.wall_s = time.perf_counter() - t0
    return row


# ----------------------------------------------------------------------------- a run
def run_bench(jobs_list: Sequence[Job], *, jobs: int = 1, use_cache: bool = True,
              on_row: Callable[[ClipRow], None] | None = None) -> BenchReport:
    """Score every job; runs come back per (set, model) in the jobs' order, rows in label order.

    A Ctrl-C stops the run and returns the rows finished so far with ``interrupted`` set.
    """
    report = BenchReport([], jobs, use_cache)
    done: dict[int, ClipRow] = {}
    t0 = time.perf_counter()
    try:
        if jobs <= 1:
            for i, job in enumerate(jobs_list):
                done[i] = row = measure_clip(job, use_cache)
                if on_row:
                    on_row(row)
        else:
            from functools import partial

            from repcount.commands.parallel import run_in_processes

            def failed(i: int, exc: Exception) -> ClipRow:  # e.g. a worker killed by the OS
                lab = jobs_list[i].label
                return ClipRow(lab.index, lab.file, lab.exercise, lab.view, lab.reps,
                               dataset=jobs_list[i].set_name,
                               error=f"worker failed: {type(exc).__name__}: {exc}")

            def finished(i: int, row: ClipRow) -> None:
                done[i] = row
                if on_row:
                    on_row(row)

            run_in_processes(partial(measure_clip, use_cache=use_cache), list(jobs_list), jobs,
                             finished, failed)
    except KeyboardInterrupt:
        report.interrupted = True
    report.wall_s = time.perf_counter() - t0
    runs: dict[tuple[str, str], BenchRun] = {}
    for i, job in enumerate(jobs_list):
        run = runs.setdefault((job.set_name, job.model.name), BenchRun(job.set_name, job.model.name))
        if i in done:
            run.rows.append(done[i])
    report.runs = list(runs.values())
    return report


def write_report_json(report: BenchReport, path: str | os.PathLike[str]) -> None:
    """Write the report's JSON atomically."""
    from repcount.io.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(report.to_json(), indent=1) + "\n")


# ----------------------------------------------------------------------------- CLI
def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``repcount bench`` to ``parser``."""
    parser.add_argument("labels", nargs="*", metavar="LABELS.json",
                        help="labels files (clip paths are relative to each file's folder); "
                             "default: the known sets (--set)")
    parser.add_argument("--set", dest="sets", action="append", metavar="NAME",
                        help=f"a known set: {', '.join(SET_NAMES)} or all (repeatable; default: "
                             f"{', '.join(DEFAULT_SETS)})")
    parser.add_argument("--json", metavar="OUT", help="write per clip, per exercise and overall figures")
    parser.add_argument("--compare", metavar="PREV.json", help="show the change from a previous --json")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="clips analysed in N worker processes (default 1)")
    add_model_argument(parser, several=True)
    parser.add_argument("--no-cache", action="store_true",
                        help="ignore (and do not store) cached landmark tracks")
    parser.add_argument("--stride", type=parse_stride, default=1, metavar="auto|N",
                        help="pose one frame in N (auto: by frame rate), as `analyze --stride` (default 1: "
                             "every frame, the reference); corpus tracks have their skipped frames blanked "
                             "and interpolated back")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress and no tables")


def _jobs_of(args: argparse.Namespace, models: list[ModelInfo]) -> list[Job]:
    out: list[Job] = []
    named: list[tuple[str, list[Label]]] = [(str(p), load_labels(p)) for p in args.labels]
    if not args.labels or args.sets:
        wanted = args.sets or list(DEFAULT_SETS)
        if "all" in wanted:
            wanted = list(SET_NAMES)
        for name in wanted:
            if name not in SET_NAMES:
                raise InputError(f"unknown set '{name}'; choose from {', '.join(SET_NAMES)} or all")
            ds = dataset(name)
            if not ds.available():
                print(f"repcount: note: set '{name}' not found at {ds.labels_path}; skipped", file=sys.stderr)
                continue
            named.append((name, ds.labels()))
    if not named:
        raise InputError("no labelled sets found (give a LABELS.json)")
    for model in models:
        for name, labels in named:
            if name.startswith("corpus") and model.name != "full":
                print(f"repcount: note: set '{name}' has full-model tracks only; skipped for {model.name}",
                      file=sys.stderr)
                continue
            out.extend(Job(name, lab, model, args.stride) for lab in labels)
    return out


def run(args: argparse.Namespace) -> int:
    """Run the bench; 0 when every clip was measured, 2 when some failed, 130 on Ctrl-C."""
    from repcount.io.atomic import check_writable
    from repcount.pose.models import resolve

    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    if args.json:
        check_writable(args.json)
    previous = None
    if args.compare:
        try:
            previous = json.loads(Path(args.compare).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{args.compare}: not a bench JSON ({exc})") from None
    models = [resolve(m.strip()) for m in str(args.model).split(",") if m.strip()]
    jobs_list = _jobs_of(args, models)
    show = not args.quiet and sys.stderr.isatty()
    count = [0]

    def progress(row: ClipRow) -> None:
        count[0] += 1
        if show:
            print(f"\r[{count[0]}/{len(jobs_list)}] {row.dataset} {row.file}\033[K", end="", file=sys.stderr,
                  flush=True)

    report = run_bench(jobs_list, jobs=args.jobs, use_cache=not args.no_cache, on_row=progress)
    if show:
        print("\r\033[K", end="", file=sys.stderr)
    if args.json:
        write_report_json(report, args.json)
    if not args.quiet:
        from repcount.ui.bench_report import print_report

        print_report(report, previous=previous)
    n = sum(len(r.rows) for r in report.runs)
    if report.interrupted:
        print(f"repcount: interrupted after {n} of {len(jobs_list)} clips"
              + (f"; partial results in {args.json}" if args.json else ""), file=sys.stderr)
        return 130
    failed = [r for run_ in report.runs for r in run_.rows if r.error]
    if failed:
        print(f"repcount: error: {len(failed)} of {n} clips could not be analysed (first: {failed[0].error})",
              file=sys.stderr)
        return 2
    return 0
