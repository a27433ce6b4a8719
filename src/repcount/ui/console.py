"""Terminal output: progress bars, download progress and the summary tables."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from repcount.records import SIDES, Analysis
from repcount.session.analysis import RunStats

if TYPE_CHECKING:
    from repcount.session.batch import BatchResult, BatchSummary


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr); piped output is 160 columns wide."""
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
                  TimeRemainingColumn(), console=console(stderr=True), transient=True) as prog:
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


def print_summary(analysis: Analysis, stats: RunStats) -> None:
    """Print the per-side summary table of one analysis."""
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
    con = console()
    con.print(table)
    src = "cached landmarks" if stats.cached else f"model {analysis.model}"
    con.print(f"{analysis.frames} frames, pose found in {analysis.pose_frames}; {src}; "
              f"{stats.fps:.1f} frames/s end to end"
              + (f", pose alone {stats.pose_fps:.1f} frames/s" if stats.pose_s else ""))
    for w in analysis.warnings:
        con.print(f"[yellow]warning:[/yellow] {w}")


def print_batch_summary(results: Sequence[BatchResult], summary: BatchSummary) -> None:
    """One table for a batch: a row per video, then the totals."""
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
    con = console()
    con.print(table)
    con.print(f"{summary.ok}/{summary.videos} videos analysed, {summary.total_reps} reps, "
              f"{summary.frames} frames in {summary.wall_s:.1f} s "
              f"({summary.videos_per_s:.2f} videos/s, {summary.frames_per_s:.1f} frames/s)")
