"""The bench report in the terminal: rich tables that fit 100 columns."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from repcount.evaluation.metrics import ClipRow, summarise
from repcount.evaluation.report import BenchReport, model_agreement


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

    con = console or Console(highlight=False)
    if console is None and not con.is_terminal:
        con = Console(highlight=False, width=100)
    prev = {(r["set"], r["model"]): r for r in (previous or {}).get("runs", [])}
    for run in report.runs:
        per, overall = summarise(run.rows)
        con.print(_table(f"{run.set_name} · model {run.model}", [*per, {"exercise": "all", **overall}]))
        p = prev.get((run.set_name, run.model))
        if p is not None:
            po = p["overall"]
            con.print(f"  vs previous: MAE {_f(po.get('mae'), '{:.3f}')} -> {_f(overall['mae'], '{:.3f}')}, "
                      f"OBO {_f(po.get('obo'))} -> {_f(overall['obo'])}, "
                      f"side {_f(po.get('side_acc'))} -> {_f(overall['side_acc'])}, "
                      f"timing {_f(po.get('mean_timing_error_s'))} -> {_f(overall['mean_timing_error_s'])} s")
        for line in _clip_notes(run.rows):
            con.print(line)
        if overall["rejected"]:
            con.print("  withheld movements: "
                      + ", ".join(f"{k} {v}" for k, v in sorted(overall["rejected"].items())))
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


def _table(title: str, rows: list[dict[str, Any]]) -> Any:
    """One set's figures per exercise, then overall."""
    from rich.table import Table

    from repcount.detectors import title_of

    t = Table(title=title, title_justify="left")
    # "timing s": mean start/end error of counted reps against labelled rep times; "plain":
    # MAE/OBO of plain find_peaks. Exercise names fold onto two lines rather than widen the table.
    for col in ("exercise", "clips", "MAE", "OBO", "side", "hold err s", "timing s", "auto", "plain"):
        t.add_column(col, justify="left" if col == "exercise" else "right", max_width=18 if col == "exercise"
                     else None)
    for d in rows:
        plain = (f"{_f(d['baseline_mae'], '{:.3f}')}/{_f(d['baseline_obo'])}"
                 if d["baseline_mae"] is not None else "")
        t.add_row(title_of(d["exercise"]) if d["exercise"] not in ("all", "other") else d["exercise"],
                  f"{d['n_counted']}/{d['n']}", _f(d["mae"], "{:.3f}"), _f(d["obo"]),
                  f"{d['side_acc']:.2f} ({d['n_sided']})" if d["side_acc"] is not None else "",
                  _f(d["mean_hold_error_s"], "{:.2f}"), _f(d.get("mean_timing_error_s"), "{:.2f}"),
                  f"{d['auto_ok']}/{d['auto_n']}" if d["auto_n"] else "", plain)
    return t


def _clip_notes(rows: list[ClipRow]) -> list[str]:
    """The clips worse than plain peaks, every clip with something wrong, and errors."""
    from repcount.detectors import title_of

    lines = []
    worse = [r for r in rows if r.worse_than_baseline]
    if worse:
        lines.append(f"  further from the truth than plain peaks ({len(worse)}): " + ", ".join(
            f"{_short(Path(r.file).stem)} {r.counted_reps} vs {r.baseline_reps} of {r.true_reps}"
            for r in worse))
    for r in rows:
        if r.error is not None:
            continue
        what = []
        if (r.norm_error or 0) > 0:
            what.append(f"{r.counted_reps} of {r.true_reps} reps")
        if r.side_ok is False:
            what.append(f"sides {r.per_side} for {r.side}")
        if (r.hold_error_s or 0) > 0.5:
            what.append(f"hold {r.counted_hold_s:.1f} of {r.true_hold_s:.1f} s")
        if r.auto_ok is False:
            what.append(f"auto: {title_of(r.auto)}")
        if what:
            lines.append(f"  {_short(Path(r.file).stem, 36)}: " + "; ".join(what))
    lines += [f"  [red]{r.file}: {r.error}[/red]" for r in rows if r.error]
    return lines
