"""``repcount bench LABELS.json``: measure counting accuracy and speed over labelled clips.

For every clip of a labels file (the format of ``../shared/clips/labels.json``) the clip is
analysed with its labelled exercise and compared with the hand count: normalised absolute error
``|pred - true| / true``, off-by-one (``|pred - true| <= 1``) and the hold-time error in seconds.
Clips labelled ``other`` (or with an exercise repcount has no detector for) go through automatic
recognition instead, which is right when it says "not recognised". Landmark tracks come from the
cache, so a second run only re-runs the detectors.

The bench measures; it does not judge: it exits 0 whatever the counts. A clip that cannot be
analysed (missing, corrupt) is reported as a row with an error, the run goes on, and the exit
status is then 2. Ctrl-C writes the JSON of the clips finished so far and exits 130.

Run standalone with ``python -c "import sys; from repcount.bench import main; sys.exit(main(sys.argv[1:]))"``
until the main CLI wires it in via :func:`configure` and :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from repcount.errors import InputError, RepcountError
from repcount.models import ModelInfo
from repcount.pose.track import Track
from repcount.records import PoseSample

#: Label exercise meaning "none of ours": auto recognition must say "not recognised".
OTHER = "other"


# ----------------------------------------------------------------------------- labels
@dataclass(frozen=True)
class Label:
    """One labels.json entry, validated.

    Attributes:
        index: position in the labels file (results are reported in this order).
        file: the ``file`` field as written.
        path: the clip, resolved against the labels file's folder.
        exercise: the labelled exercise (``other`` or a name without a detector are not ours).
        reps: true full repetitions, None for a hold-only clip.
        holds: true hold intervals ``(start_s, end_s)``.
        side: labelled side.
        view: camera view.

    """

    index: int
    file: str
    path: Path
    exercise: str
    reps: int | None
    holds: tuple[tuple[float, float], ...] = ()
    side: str = "unknown"
    view: str = "unknown"

    @property
    def ours(self) -> bool:
        """Whether repcount has a detector for the labelled exercise."""
        from repcount.detectors import EXERCISES

        return self.exercise in EXERCISES


def _label(i: int, entry: object, base: Path, where: Path) -> Label:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: entry {i} is not a JSON object")
    file, exercise, reps = entry.get("file"), entry.get("exercise"), entry.get("reps")
    if not isinstance(file, str) or not file:
        raise InputError(f"{where}: entry {i} has no 'file'")
    if not isinstance(exercise, str) or not exercise:
        raise InputError(f"{where}: entry {i} ({file}) has no 'exercise'")
    # bool is an int in Python; a label of `true` reps is a typo, not one rep.
    if reps is not None and (isinstance(reps, bool) or not isinstance(reps, int) or reps < 0):
        raise InputError(f"{where}: entry {i} ({file}): 'reps' must be a non-negative integer or null")
    holds_raw = entry.get("holds") or []
    try:
        holds = tuple((float(a), float(b)) for a, b in holds_raw)
    except (TypeError, ValueError):
        raise InputError(f"{where}: entry {i} ({file}): 'holds' must be a list of [start_s, end_s]") from None
    return Label(i, file, base / file, exercise, reps, holds,
                 str(entry.get("side", "unknown")), str(entry.get("view", "unknown")))


def load_labels(path: str | os.PathLike[str]) -> list[Label]:
    """Read and validate a labels file; clip paths are relative to its folder.

    Raises:
        InputError: when the file is missing, unreadable, not a JSON list or has a bad entry.

    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such labels file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read labels file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: labels file is not valid JSON ({exc})") from None
    if not isinstance(doc, list):
        raise InputError(f"{path}: labels file must be a JSON list of clips")
    if not doc:
        raise InputError(f"{path}: labels file lists no clips")
    base = path.resolve().parent
    return [_label(i, e, base, path) for i, e in enumerate(doc)]


# ----------------------------------------------------------------------------- metrics
def norm_abs_error(pred: int | None, true: int | None) -> float | None:
    """Normalised absolute count error ``|pred - true| / true`` (None when undefined)."""
    if pred is None or true is None or true <= 0:
        return None
    return abs(pred - true) / true


def off_by_one(pred: int | None, true: int | None) -> bool | None:
    """Whether the count is within one of the truth (None when there is no true count)."""
    if pred is None or true is None:
        return None
    return abs(pred - true) <= 1


def total_hold_s(holds: Iterable[tuple[float, float]]) -> float:
    """Total seconds of a list of ``(start_s, end_s)`` intervals."""
    return float(sum(max(0.0, b - a) for a, b in holds))


def hold_error_s(pred_s: float | None, true_s: float | None) -> float | None:
    """Absolute hold-time error in seconds (None when either side is missing)."""
    if pred_s is None or true_s is None:
        return None
    return abs(pred_s - true_s)


def _mean(xs: Iterable[float | None]) -> float | None:
    vals = [float(x) for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


# ----------------------------------------------------------------------------- one clip
@dataclass
class ClipRow:
    """The measurement of one clip (one table row, one JSON object).

    Count columns are None for hold-only labels and for exercises that are not ours; hold
    columns are None for clips with neither labelled holds nor a hold detector.
    """

    index: int
    file: str
    exercise: str
    view: str
    true_reps: int | None
    counted_reps: int | None = None
    norm_error: float | None = None
    obo: bool | None = None
    true_hold_s: float | None = None
    counted_hold_s: float | None = None
    hold_error_s: float | None = None
    auto: str | None = None
    auto_ok: bool | None = None
    pose_fps: float = 0.0
    detect_fps: float = 0.0
    cached: bool = False
    frames: int = 0
    wall_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (rounded floats)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 4)
        return d


def score(label: Label, counted_reps: int | None, counted_hold_s: float, *, has_hold_detector: bool,
          auto: str | None = None, auto_checked: bool = False) -> ClipRow:
    """Compare a clip's counts with its label.

    Args:
        label: the label.
        counted_reps: full reps counted (None when no count was made).
        counted_hold_s: total hold time found.
        has_hold_detector: whether the exercise that ran times holds.
        auto: what automatic recognition said (None = not recognised).
        auto_checked: whether recognition ran at all (``auto_ok`` stays None otherwise).

    """
    scored = label.ours and label.reps is not None
    hold_scored = bool(label.holds) or label.reps is None or has_hold_detector
    true_hold = total_hold_s(label.holds) if hold_scored else None
    got_hold = counted_hold_s if hold_scored else None
    expected_auto = label.exercise if label.ours else None
    return ClipRow(
        index=label.index, file=label.file, exercise=label.exercise, view=label.view,
        true_reps=label.reps,
        counted_reps=counted_reps if label.reps is not None else None,
        norm_error=norm_abs_error(counted_reps, label.reps) if scored else None,
        obo=off_by_one(counted_reps, label.reps) if scored else None,
        true_hold_s=true_hold, counted_hold_s=got_hold,
        hold_error_s=hold_error_s(got_hold, true_hold),
        auto=auto if auto_checked else None,
        auto_ok=(auto == expected_auto) if auto_checked else None,
    )


def evaluate_samples(label: Label, samples: Sequence[PoseSample], *, check_auto: bool = True) -> ClipRow:
    """Score a clip from its landmark samples alone (no model, no video): the regression path.

    The labelled exercise runs through :func:`repcount.detectors.analyze_samples`; a label that
    is not ours runs through recognition and whatever it recognises.
    """
    from repcount.detectors import EXERCISES, analyze_samples
    from repcount.detectors.auto import recognise

    t0 = time.perf_counter()
    auto: str | None = None
    if check_auto or not label.ours:
        auto, _ = recognise(samples)
    exdef = EXERCISES[label.exercise] if label.ours else (EXERCISES[auto] if auto else None)
    result = analyze_samples(exdef, samples) if exdef is not None else None
    reps = len(result.reps) if result else 0
    hold = sum(h.duration_s for h in result.holds) if result else 0.0
    row = score(label, reps, hold, has_hold_detector=bool(exdef and exdef.hold), auto=auto,
                auto_checked=check_auto or not label.ours)
    row.frames = len(samples)
    row.wall_s = time.perf_counter() - t0
    row.warnings = list(result.warnings) if result else []
    return row


def measure_clip(label: Label, model: ModelInfo, use_cache: bool = True) -> ClipRow:
    """Analyse one clip with the model (or its cached track) and score it.

    Runs in a worker process with ``--jobs`` > 1 (the pose model is created there). Errors of
    the clip become the row's ``error``; a Ctrl-C propagates.
    """
    from repcount.analysis import analyze_video
    from repcount.detectors import EXERCISES
    from repcount.detectors.auto import recognise
    from repcount.pose import cache

    t0 = time.perf_counter()
    try:
        if not label.path.is_file():
            raise InputError(f"{label.path}: no such file")
        exdef = EXERCISES[label.exercise] if label.ours else None
        analysis, _, stats = analyze_video(label.path, exdef, model, use_cache=use_cache)
        if stats.interrupted:  # the pose pass swallows Ctrl-C; a half clip is no measurement
            raise KeyboardInterrupt
        auto: str | None = None
        checked = False
        if exdef is None:
            info = analysis.extra.get("auto")
            auto = info.get("recognised") if isinstance(info, dict) else None
            checked = True
        elif use_cache:
            # Recognition needs the poses, which analyze_video does not return: re-read the
            # track it just cached (cheap). Without the cache this would mean a second pose pass.
            track = cache.load_cached(label.path, model.sha256)
            if track is not None:
                auto, _ = recognise(list(track.samples()))
                checked = True
        rec = EXERCISES.get(analysis.exercise)
        row = score(label, analysis.total_reps, sum(h.duration_s for h in analysis.holds),
                    has_hold_detector=bool(rec and rec.hold), auto=auto, auto_checked=checked)
        row.pose_fps, row.detect_fps = stats.pose_fps, stats.detect_fps
        row.cached, row.frames = stats.cached, stats.frames
        row.warnings = list(analysis.warnings)
    except RepcountError as exc:
        row = ClipRow(label.index, label.file, label.exercise, label.view, label.reps, error=str(exc))
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one broken clip must not lose the whole bench
        row = ClipRow(label.index, label.file, label.exercise, label.view, label.reps,
                      error=f"{type(exc).__name__}: {exc}")
    row.wall_s = time.perf_counter() - t0
    return row


# ----------------------------------------------------------------------------- summary
def summarise(rows: Sequence[ClipRow]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-exercise and overall figures.

    MAE and OBO are means over the clips with a true count (OBO as a fraction); the hold error
    over clips scored on holds; ``auto_ok`` over clips where recognition ran. Clips with an
    error are only counted in ``errors``.
    """

    def block(rs: Sequence[ClipRow]) -> dict[str, Any]:
        ok = [r for r in rs if r.error is None]
        counted = [r for r in ok if r.norm_error is not None]
        autos = [r for r in ok if r.auto_ok is not None]
        holds = [r for r in ok if r.hold_error_s is not None]
        return {
            "n": len(rs),
            "n_counted": len(counted),
            "mae": _mean(r.norm_error for r in counted),
            "obo": _mean(float(bool(r.obo)) for r in counted),
            "n_holds": len(holds),
            "mean_hold_error_s": _mean(r.hold_error_s for r in holds),
            "auto_n": len(autos),
            "auto_ok": sum(1 for r in autos if r.auto_ok),
            "errors": len(rs) - len(ok),
        }

    order: list[str] = []
    for r in rows:
        if r.exercise not in order:
            order.append(r.exercise)
    per = [{"exercise": ex, **block([r for r in rows if r.exercise == ex])} for ex in order]
    return per, block(rows)


@dataclass
class BenchReport:
    """A bench run: rows in label order plus how it was run."""

    labels: str
    model: str
    model_sha256: str
    jobs: int
    use_cache: bool
    rows: list[ClipRow]
    wall_s: float = 0.0
    interrupted: bool = False
    n_labels: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        per, overall = summarise(self.rows)
        overall = {**overall, "wall_s": round(self.wall_s, 3),
                   "cached_clips": sum(1 for r in self.rows if r.cached)}
        return {
            "labels": self.labels, "model": self.model, "model_sha256": self.model_sha256,
            "jobs": self.jobs, "use_cache": self.use_cache, "interrupted": self.interrupted,
            "n_labels": self.n_labels,
            "clips": [r.to_json() for r in self.rows],
            "exercises": [_round(d) for d in per],
            "overall": _round(overall),
        }


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


# ----------------------------------------------------------------------------- running
def run_bench(labels: Sequence[Label], model: ModelInfo, *, jobs: int = 1, use_cache: bool = True,
              labels_path: str = "", on_row: Callable[[ClipRow], None] | None = None) -> BenchReport:
    """Measure every clip; rows come back in label order.

    A Ctrl-C stops the run and returns the rows finished so far with ``interrupted`` set.

    Args:
        labels: the clips.
        model: the resolved pose model (each worker creates its own estimator from it).
        jobs: worker processes; 1 runs in this process.
        use_cache: read and store landmark tracks in the cache.
        labels_path: recorded in the report.
        on_row: called as each clip finishes (in completion order), e.g. for progress.

    """
    report = BenchReport(labels_path, model.name, model.sha256, jobs, use_cache, [], n_labels=len(labels))
    done: dict[int, ClipRow] = {}
    t0 = time.perf_counter()
    try:
        if jobs <= 1:
            for lab in labels:
                done[lab.index] = row = measure_clip(lab, model, use_cache)
                if on_row:
                    on_row(row)
        else:
            _run_pool(labels, model, jobs, use_cache, done, on_row)
    except KeyboardInterrupt:
        report.interrupted = True
    report.wall_s = time.perf_counter() - t0
    report.rows = [done[k] for k in sorted(done)]
    return report


def _run_pool(labels: Sequence[Label], model: ModelInfo, jobs: int, use_cache: bool,
              done: dict[int, ClipRow], on_row: Callable[[ClipRow], None] | None) -> None:
    from functools import partial

    from repcount.parallel import run_in_processes

    def failed(i: int, exc: Exception) -> ClipRow:  # e.g. a worker killed by the OS
        lab = labels[i]
        return ClipRow(lab.index, lab.file, lab.exercise, lab.view, lab.reps,
                       error=f"worker failed: {type(exc).__name__}: {exc}")

    def finished(i: int, row: ClipRow) -> None:
        done[labels[i].index] = row
        if on_row:
            on_row(row)

    run_in_processes(partial(measure_clip, model=model, use_cache=use_cache), list(labels), jobs,
                     finished, failed)


# ----------------------------------------------------------------------------- output
def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _yn(x: bool | None) -> str:
    return "" if x is None else ("yes" if x else "no")


def print_report(report: BenchReport, console: Any = None) -> None:
    """Print the per-clip and per-exercise tables and the overall line (rich)."""
    from rich.console import Console
    from rich.table import Table

    con = console or Console(highlight=False)
    if console is None and not con.is_terminal:
        con = Console(highlight=False, width=200)  # a pipe or file: do not squeeze the table
    t = Table(title=f"bench {report.labels} (model {report.model})")
    for col, just in (("file", "left"), ("exercise", "left"), ("view", "left"), ("true reps", "right"),
                      ("counted", "right"), ("norm. err", "right"), ("OBO", "center"),
                      ("true hold s", "right"), ("hold s", "right"), ("hold err s", "right"),
                      ("auto ok", "center"), ("pose fps", "right"), ("det. fps", "right"),
                      ("cached", "center")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in report.rows:
        if r.error:
            t.add_row(r.file, r.exercise, r.view, _f(r.true_reps, "{}"), f"[red]error: {r.error}[/red]",
                      *[""] * 9)
            continue
        # A wrong recognition shows what was recognised instead.
        auto = _yn(r.auto_ok) + (f" ({r.auto or 'none'})" if r.auto_ok is False else "")
        t.add_row(r.file, r.exercise, r.view, _f(r.true_reps, "{}"), _f(r.counted_reps, "{}"),
                  _f(r.norm_error), _yn(r.obo), _f(r.true_hold_s, "{:.1f}"), _f(r.counted_hold_s, "{:.1f}"),
                  _f(r.hold_error_s, "{:.1f}"), auto,
                  _f(r.pose_fps, "{:.1f}") if r.pose_fps else "", _f(r.detect_fps, "{:.0f}"),
                  _yn(r.cached))
    con.print(t)
    per, overall = summarise(report.rows)
    s = Table(title="per exercise")
    for col in ("exercise", "clips", "counted", "MAE", "OBO", "hold clips", "mean hold err s", "auto ok"):
        s.add_column(col, justify="left" if col == "exercise" else "right")
    for d in per:
        s.add_row(d["exercise"], str(d["n"]), str(d["n_counted"]), _f(d["mae"], "{:.3f}"),
                  _f(d["obo"], "{:.2f}"), str(d["n_holds"] or ""), _f(d["mean_hold_error_s"], "{:.1f}"),
                  f"{d['auto_ok']}/{d['auto_n']}" if d["auto_n"] else "")
    con.print(s)
    line = (f"overall: {overall['n_counted']} counted clips, MAE {_f(overall['mae'], '{:.3f}') or '-'}, "
            f"OBO {_f(overall['obo'], '{:.2f}') or '-'}")
    if overall["n_holds"]:
        line += f", mean hold error {_f(overall['mean_hold_error_s'], '{:.1f}')} s"
    if overall["auto_n"]:
        line += f", auto recognition {overall['auto_ok']}/{overall['auto_n']}"
    cached = sum(1 for r in report.rows if r.cached)
    line += (f"; {len(report.rows)} of {report.n_labels} clips in {report.wall_s:.1f} s wall "
             f"({report.jobs} job{'s' if report.jobs != 1 else ''}, {cached} from cached landmarks)")
    con.print(line)
    if overall["errors"]:
        con.print(f"[red]{overall['errors']} clip(s) could not be analysed[/red]")
    if report.interrupted:
        con.print("[yellow]interrupted: partial results[/yellow]")


def write_report_json(report: BenchReport, path: str | os.PathLike[str]) -> None:
    """Write the report's JSON atomically."""
    from repcount.io_utils import write_text_atomic

    write_text_atomic(path, json.dumps(report.to_json(), indent=1) + "\n")


# ----------------------------------------------------------------------------- baseline
def track_file(tracks_dir: str | os.PathLike[str], label: Label) -> Path:
    """Where the committed landmark track of a clip lives: ``tracks_dir/<clip stem>.npz``."""
    return Path(tracks_dir) / f"{Path(label.file).stem}.npz"


def cached_track(label: Label, model: ModelInfo, *, record: bool = True) -> Track | None:
    """The clip's landmark track from the repcount cache, recorded (and cached) when missing.

    Recording goes through :func:`repcount.analysis.analyze_video`, so the track is exactly the
    one ``repcount bench`` and ``repcount analyze`` use.
    """
    from repcount.analysis import analyze_video
    from repcount.pose import cache

    track = cache.load_cached(label.path, model.sha256)
    if track is None and record:
        analyze_video(label.path, None, model, use_cache=True)
        track = cache.load_cached(label.path, model.sha256)
    return track


def evaluate_tracks(labels: Sequence[Label], tracks: dict[int, Track]) -> list[ClipRow]:
    """Score every label whose track (keyed by label index) is given, in label order."""
    return [evaluate_samples(lab, list(tracks[lab.index].samples())) for lab in labels if lab.index in tracks]


def baseline_doc(rows: Sequence[ClipRow], source: str) -> dict[str, Any]:
    """The committed baseline of a regression test: per exercise and per clip figures."""
    per, overall = summarise(rows)
    return {
        "source": source,
        # Full precision: a rounded baseline would make an unchanged detector look worse.
        "exercises": {d["exercise"]: {k: v for k, v in d.items() if k != "exercise"} for d in per},
        "overall": overall,
        "clips": {r.file: {"exercise": r.exercise, "true_reps": r.true_reps, "counted_reps": r.counted_reps,
                           "norm_error": r.norm_error, "hold_error_s": r.hold_error_s, "auto_ok": r.auto_ok}
                  for r in rows},
    }


def regressions(rows: Sequence[ClipRow], baseline: dict[str, Any], *, tol: float = 1e-6,
                hold_tol_s: float = 0.05) -> list[str]:
    """Per-exercise figures that got worse than ``baseline`` (empty when none did).

    MAE and mean hold error must not rise (beyond ``tol`` / ``hold_tol_s``), OBO and the number
    of correct recognitions must not fall. Exercises absent from the baseline are not judged.
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
        if b.get("obo") is not None and (d["obo"] is None or d["obo"] < b["obo"] - tol):
            bad.append(f"{ex}: OBO {d['obo']} < baseline {b['obo']}")
        bh = b.get("mean_hold_error_s")
        if bh is not None and (d["mean_hold_error_s"] is None or d["mean_hold_error_s"] > bh + hold_tol_s):
            bad.append(f"{ex}: mean hold error {d['mean_hold_error_s']} s > baseline {bh} s")
        if d["auto_ok"] < b.get("auto_ok", 0):
            bad.append(f"{ex}: auto recognition {d['auto_ok']}/{d['auto_n']} < baseline {b['auto_ok']}")
    return bad


# ----------------------------------------------------------------------------- CLI
def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``repcount bench`` to ``parser``."""
    from repcount.models import DEFAULT_MODEL

    parser.add_argument("labels", metavar="LABELS.json",
                        help="labels file (clip paths are relative to its folder)")
    parser.add_argument("--json", metavar="OUT", help="write per clip, per exercise and overall figures")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="clips analysed in N worker processes (default 1)")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="lite|full|heavy|PATH",
                        help=f"pose model (default {DEFAULT_MODEL})")
    parser.add_argument("--no-cache", action="store_true",
                        help="ignore (and do not store) cached landmark tracks")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress and no tables")


def run(args: argparse.Namespace) -> int:
    """Run the bench; 0 when every clip was measured, 2 when some failed, 130 on Ctrl-C."""
    from repcount.io_utils import check_writable
    from repcount.models import resolve

    if args.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {args.jobs}")
    labels = load_labels(args.labels)
    if args.json:
        check_writable(args.json)
    model = resolve(args.model)
    show = not getattr(args, "quiet", False) and sys.stderr.isatty()
    n = len(labels)
    count = [0]

    def progress(row: ClipRow) -> None:
        count[0] += 1
        if show:
            reps = "-" if row.counted_reps is None else row.counted_reps
            what = "error" if row.error else f"{reps} reps"
            print(f"\r[{count[0]}/{n}] {row.file}: {what}\033[K", end="", file=sys.stderr, flush=True)

    report = run_bench(labels, model, jobs=args.jobs, use_cache=not args.no_cache,
                       labels_path=str(args.labels), on_row=progress)
    if show:
        print("\r\033[K", end="", file=sys.stderr)
    if args.json:
        write_report_json(report, args.json)
    if not getattr(args, "quiet", False):
        print_report(report)
    if report.interrupted:
        print(f"repcount: interrupted after {len(report.rows)} of {n} clips"
              + (f"; partial results in {args.json}" if args.json else ""), file=sys.stderr)
        return 130
    failed = [r for r in report.rows if r.error]
    if failed:
        print(f"repcount: error: {len(failed)} of {n} clips could not be analysed "
              f"(first: {failed[0].error})", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (``repcount bench`` once wired into the CLI)."""
    parser = argparse.ArgumentParser(prog="repcount bench", description=__doc__.splitlines()[0])
    configure(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except RepcountError as exc:
        print(f"repcount: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("repcount: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
