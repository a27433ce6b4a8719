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
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repcount.commands import add_model_argument
from repcount.errors import InputError, RepcountError
from repcount.evaluation.datasets import DEFAULT_SETS, SET_NAMES, dataset, sample_track
from repcount.evaluation.labels import Label, load_labels
from repcount.evaluation.metrics import ClipRow, evaluate_samples, summarise
from repcount.pose.models import ModelInfo
from repcount.pose.track import Track

__all__ = ["ClipRow", "Label", "cached_track", "evaluate_tracks", "load_labels", "regressions", "run"]


# ----------------------------------------------------------------------------- tracks
def cached_track(label: Label, model: ModelInfo, *, record: bool = True) -> Track | None:
    """The clip's landmark track from the repcount cache, recorded (and cached) when missing.

    Recording goes through :func:`repcount.commands.analyze.analyze_video`, so the track is exactly the
    one ``repcount bench`` and ``repcount analyze`` use.
    """
    from repcount.commands.analyze import analyze_video
    from repcount.pose import cache

    track = cache.load_cached(label.path, model.sha256)
    if track is None and record:
        analyze_video(label.path, None, model, use_cache=True)
        track = cache.load_cached(label.path, model.sha256)
    return track


def track_of(label: Label, model: ModelInfo, use_cache: bool, set_name: str = "") -> tuple[Track, bool]:
    """The landmark track a clip is scored on, and whether it came without running the model.

    A corpus clip's committed track (full model); a sample video's committed track when the
    model is the one it was made with; otherwise the model's track of the video (cached).

    Raises:
        InputError: when the clip (or its track) is missing.

    """
    if label.track is not None:
        if model.name != "full":
            raise InputError(f"{label.file}: only a full-model track is committed for corpus clips")
        return Track.load(label.track), True
    committed = sample_track(label)
    if set_name == "samples" and model.name == "full" and committed.is_file():
        return Track.load(committed), True
    if not label.path.is_file():
        raise InputError(f"{label.path}: no such file")
    if not use_cache:
        from repcount.commands.analyze import analyze_video
        from repcount.pose import cache

        analyze_video(label.path, None, model, use_cache=False)
        track = cache.load_cached(label.path, model.sha256)
        if track is None:
            raise InputError(f"{label.file}: no track recorded")
        return track, False
    from repcount.pose import cache

    was_cached = cache.load_cached(label.path, model.sha256) is not None
    track = cached_track(label, model)
    if track is None:
        raise InputError(f"{label.file}: no track recorded")
    return track, was_cached


@dataclass(frozen=True)
class Job:
    """One clip to score: its set, label and model."""

    set_name: str
    label: Label
    model: ModelInfo


def measure_clip(job: Job, use_cache: bool = True) -> ClipRow:
    """Score one clip (in a worker process with ``--jobs`` > 1); errors become the row's ``error``."""
    t0 = time.perf_counter()
    lab = job.label
    try:
        track, cached = track_of(lab, job.model, use_cache, job.set_name)
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


def evaluate_tracks(labels: Sequence[Label], tracks: dict[int, Track]) -> list[ClipRow]:
    """Score every label whose track (keyed by label index) is given, in label order."""
    return [evaluate_samples(lab, list(tracks[lab.index].samples())) for lab in labels if lab.index in tracks]


# ----------------------------------------------------------------------------- a run
@dataclass
class BenchRun:
    """One (set, model) pair's rows."""

    set_name: str
    model: str
    rows: list[ClipRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Per clip, per exercise and overall figures."""
        per, overall = summarise(self.rows)
        return {"set": self.set_name, "model": self.model, "clips": [r.to_json() for r in self.rows],
                "exercises": [_round(d) for d in per], "overall": _round(overall)}


@dataclass
class BenchReport:
    """A whole bench: its runs, the model agreement, and how it ran."""

    runs: list[BenchRun]
    jobs: int
    use_cache: bool
    wall_s: float = 0.0
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {"jobs": self.jobs, "use_cache": self.use_cache, "interrupted": self.interrupted,
                "wall_s": round(self.wall_s, 3), "runs": [r.to_json() for r in self.runs],
                "agreement": model_agreement(self.runs)}


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


def model_agreement(runs: Sequence[BenchRun]) -> list[dict[str, Any]]:
    """Clips whose counts, sides or hold times differ between the models of a run."""
    by_clip: dict[tuple[str, str], dict[str, ClipRow]] = {}
    for run in runs:
        for r in run.rows:
            if r.error is None:
                by_clip.setdefault((run.set_name, r.file), {})[run.model] = r
    out = []
    for (set_name, file), rows in by_clip.items():
        if len(rows) < 2:
            continue
        counts = {m: r.counted_reps for m, r in rows.items()}
        sides = {m: r.per_side for m, r in rows.items()}
        holds = {m: round(r.counted_hold_s, 1) if r.counted_hold_s is not None else None
                 for m, r in rows.items()}
        if len(set(counts.values())) > 1 or len({json.dumps(s, sort_keys=True) for s in sides.values()}) > 1 \
                or any(abs((a or 0) - (b or 0)) > 0.5 for a in holds.values() for b in holds.values()):
            true = next(iter(rows.values())).true_reps
            out.append({"set": set_name, "file": file, "true_reps": true, "counts": counts, "sides": sides,
                        "holds_s": holds, "rejected": {m: r.rejected for m, r in rows.items()}})
    return out


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


# ----------------------------------------------------------------------------- output
def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _short(name: str, n: int = 28) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def print_report(report: BenchReport, console: Any = None, previous: dict[str, Any] | None = None) -> None:
    """Print the bench report with rich, fitting 100 columns.

    Per set: a table per exercise, the overall line, the clips worse than plain peaks and
    the withheld movements by reason; then the model agreement.
    """
    from rich.console import Console
    from rich.table import Table

    from repcount.detectors import title_of

    con = console or Console(highlight=False)
    if console is None and not con.is_terminal:
        con = Console(highlight=False, width=100)
    prev = {(r["set"], r["model"]): r for r in (previous or {}).get("runs", [])}
    for run in report.runs:
        per, overall = summarise(run.rows)
        t = Table(title=f"{run.set_name} · model {run.model}", title_justify="left")
        for col in ("exercise", "clips", "MAE", "OBO", "side", "hold err s", "auto",
                    "plain MAE", "plain OBO"):
            t.add_column(col, justify="left" if col == "exercise" else "right")
        for d in [*per, {"exercise": "all", **overall}]:
            t.add_row(title_of(d["exercise"]) if d["exercise"] not in ("all", "other") else d["exercise"],
                      f"{d['n_counted']}/{d['n']}", _f(d["mae"], "{:.3f}"), _f(d["obo"]),
                      f"{d['side_acc']:.2f} ({d['n_sided']})" if d["side_acc"] is not None else "",
                      _f(d["mean_hold_error_s"], "{:.2f}"),
                      f"{d['auto_ok']}/{d['auto_n']}" if d["auto_n"] else "",
                      _f(d["baseline_mae"], "{:.3f}"), _f(d["baseline_obo"]))
        con.print(t)
        p = prev.get((run.set_name, run.model))
        if p is not None:
            po = p["overall"]
            con.print(f"  vs previous: MAE {_f(po.get('mae'), '{:.3f}')} -> {_f(overall['mae'], '{:.3f}')}, "
                      f"OBO {_f(po.get('obo'))} -> {_f(overall['obo'])}, "
                      f"side {_f(po.get('side_acc'))} -> {_f(overall['side_acc'])}")
        worse = [r for r in run.rows if r.worse_than_baseline]
        if worse:
            con.print(f"  further from the truth than plain peaks ({len(worse)}): " + ", ".join(
                f"{_short(Path(r.file).stem)} {r.counted_reps} vs {r.baseline_reps} of {r.true_reps}"
                for r in worse))
        wrong = [r for r in run.rows if r.error is None and (
            (r.norm_error or 0) > 0 or r.side_ok is False or (r.hold_error_s or 0) > 0.5
            or r.auto_ok is False)]
        for r in wrong:
            what = []
            if (r.norm_error or 0) > 0:
                what.append(f"{r.counted_reps} of {r.true_reps} reps")
            if r.side_ok is False:
                what.append(f"sides {r.per_side} for {r.side}")
            if (r.hold_error_s or 0) > 0.5:
                what.append(f"hold {r.counted_hold_s:.1f} of {r.true_hold_s:.1f} s")
            if r.auto_ok is False:
                what.append(f"auto: {title_of(r.auto)}")
            con.print(f"  {_short(Path(r.file).stem, 36)}: " + "; ".join(what))
        if overall["rejected"]:
            con.print("  withheld movements: "
                      + ", ".join(f"{k} {v}" for k, v in sorted(overall["rejected"].items())))
        errors = [r for r in run.rows if r.error]
        for r in errors:
            con.print(f"  [red]{r.file}: {r.error}[/red]")
    agree = model_agreement(report.runs)
    if len({r.model for r in report.runs}) > 1:
        con.print(f"models disagree on {len(agree)} clip(s)" + (":" if agree else ""))
        for a in agree:
            con.print(f"  {a['set']} {_short(Path(a['file']).stem, 36)}: counts {a['counts']}"
                      + (f", holds {a['holds_s']}" if any(v for v in a["holds_s"].values()) else ""))
    cached = sum(1 for run in report.runs for r in run.rows if r.cached)
    n = sum(len(run.rows) for run in report.runs)
    con.print(f"{n} clips in {report.wall_s:.1f} s ({report.jobs} job{'s' if report.jobs != 1 else ''}, "
              f"{cached} without running the model)")
    if report.interrupted:
        con.print("[yellow]interrupted: partial results[/yellow]")


def write_report_json(report: BenchReport, path: str | os.PathLike[str]) -> None:
    """Write the report's JSON atomically."""
    from repcount.io.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(report.to_json(), indent=1) + "\n")


# ----------------------------------------------------------------------------- baseline
def baseline_doc(rows: Sequence[ClipRow], source: str) -> dict[str, Any]:
    """The committed baseline of the regression test: per exercise and per clip figures."""
    per, overall = summarise(rows)
    return {
        "source": source,
        # Full precision: a rounded baseline would make an unchanged detector look worse.
        "exercises": {d["exercise"]: {k: v for k, v in d.items() if k != "exercise"} for d in per},
        "overall": overall,
        "clips": {r.file: {"exercise": r.exercise, "true_reps": r.true_reps, "counted_reps": r.counted_reps,
                           "norm_error": r.norm_error, "side_ok": r.side_ok, "hold_error_s": r.hold_error_s,
                           "auto_ok": r.auto_ok} for r in rows},
    }


def regressions(rows: Sequence[ClipRow], baseline: dict[str, Any], *, tol: float = 1e-6,
                hold_tol_s: float = 0.05) -> list[str]:
    """Per-exercise figures that got worse than ``baseline`` (empty when none did).

    MAE and mean hold error must not rise (beyond ``tol`` / ``hold_tol_s``), OBO, side accuracy
    and the number of correct recognitions must not fall. Exercises absent from the baseline
    are not judged.
    """
    per, _ = summarise(rows)
    bad: list[str] = []
    for d in per:
        ex = d["exercise"]
        b = baseline.get("exercises", {}).get(ex)
        if b is None:
            continue
        if d["errors"]:
            bad.append(f"{ex}: {d['errors']} clip(s) failed")
        if b.get("mae") is not None and (d["mae"] is None or d["mae"] > b["mae"] + tol):
            bad.append(f"{ex}: MAE {d['mae']} > baseline {b['mae']}")
        for key in ("obo", "side_acc"):
            if b.get(key) is not None and (d[key] is None or d[key] < b[key] - tol):
                bad.append(f"{ex}: {key} {d[key]} < baseline {b[key]}")
        bh = b.get("mean_hold_error_s")
        if bh is not None and (d["mean_hold_error_s"] is None or d["mean_hold_error_s"] > bh + hold_tol_s):
            bad.append(f"{ex}: mean hold error {d['mean_hold_error_s']} s > baseline {bh} s")
        if d["auto_ok"] < b.get("auto_ok", 0):
            bad.append(f"{ex}: auto recognition {d['auto_ok']}/{d['auto_n']} < baseline {b['auto_ok']}")
    return bad


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
            out.extend(Job(name, lab, model) for lab in labels)
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
