"""Terminal output: progress bars, download progress and the summary tables."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from repcount.records import Analysis
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


@contextlib.contextmanager
def batch_progress(totals: dict[str, int], enabled: bool) -> Iterator[
        tuple[Callable[[str, int, int | None], None] | None, Callable[[object, int, int], None] | None]]:
    """One bar over the frames of every video of a batch, with the time left since the start.

    ``totals`` are the frames of each video (by path) from their headers. Yields the frame
    callback (path, done, total) and the per-video one (result, done, total); both are called
    from worker-result threads, so they only update the bar. A video read from the landmark
    cache (no frame progress) counts as done when it finishes.
    """
    if not enabled:
        yield None, None
        return
    import threading

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    lock = threading.Lock()
    done: dict[str, int] = dict.fromkeys(totals, 0)
    state = {"videos": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("frames"), TimeElapsedColumn(), TextColumn("elapsed,"),
                  TimeRemainingColumn(), TextColumn("left"),
                  console=console(stderr=True), transient=True) as prog:
        task = prog.add_task(f"0/{len(totals)} videos", total=sum(totals.values()) or None)

        def on_progress(path: str, n: int, _total: int | None) -> None:
            with lock:
                done[path] = max(done.get(path, 0), n)
                prog.update(task, completed=sum(done.values()),
                            description=f"{state['videos']}/{len(totals)} videos · {Path(path).name}")

        def on_done(result: object, n: int, _total: int) -> None:
            with lock:
                name = Path(str(getattr(result, "video", ""))).name
                path = next((p for p in totals if Path(p).name == name), None)
                if path is not None:
                    done[path] = totals[path]
                state["videos"] = n
                prog.update(task, completed=sum(done.values()), description=f"{n}/{len(totals)} videos")

        yield on_progress, on_done


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


def blocks_table(blocks: Sequence[dict[str, Any]]) -> Table:
    """The sets of a recording: exercise, leg, start and end, reps, hold."""
    from repcount.detectors import title_of

    table = Table()
    for col, just in (("set", "right"), ("exercise", "left"), ("leg", "left"), ("from s", "right"),
                      ("to s", "right"), ("reps", "right"), ("hold s", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for k, b in enumerate(blocks, 1):
        table.add_row(str(k), title_of(b["exercise"]), b["side"], f"{b['start_s']:.1f}", f"{b['end_s']:.1f}",
                      str(b["reps"]) if b["reps"] or not b["holds"] else "",
                      f"{b['hold_s']:.1f}" if b["holds"] else "")
    return table


def print_summary(analysis: Analysis, stats: RunStats) -> None:
    """Print one analysis: a row per leg with its balance and tempo, then the warnings."""
    from repcount.detectors import title_of

    auto = analysis.extra.get("auto")
    con = console()
    if analysis.exercise == "several":  # --exercise auto found several: a table per set
        con.print(f"[bold]{analysis.video}: several exercises, each counted on its own stretch[/bold]")
        con.print(blocks_table(analysis.blocks))
        for b in analysis.balance:
            if b["legs"]:
                con.print(balance_table(b, title_of(b["exercise"]), hold=b["exercise"].endswith("_hold")))
        bal = None
        title = ""
    else:
        title = f"{analysis.video}: {title_of(analysis.exercise)}"
        if isinstance(auto, dict):
            title += " (recognised)" if auto.get("recognised") else " (not recognised)"
        bal = next((b for b in analysis.balance if b["exercise"] == analysis.exercise), None)
    if analysis.exercise != "several" and bal is not None and bal["legs"]:
        con.print(f"[bold]{title}[/bold]")  # not the table's title: rich folds it to the table's width
        con.print(balance_table(bal, "", hold=bool(analysis.holds) and not analysis.reps))
    elif analysis.exercise != "several":
        con.print(f"[bold]{title}[/bold]: no reps or holds counted")
    held = sum(h.duration_s for h in analysis.holds)
    con.print(f"[bold]total: {analysis.total_reps} reps[/bold]"
              + (f", {len(analysis.partials)} partial" if analysis.partials else "")
              + (f", held {held:.1f} s" if analysis.holds else ""))
    src = "cached landmarks" if stats.cached else f"model {analysis.model}"
    if stats.stride > 1:
        src += f" on 1 frame in {stats.stride} (the others interpolated)"
    if stats.jobs > 1 and not stats.cached:
        src += f", {stats.jobs} processes"
    con.print(f"{analysis.frames} frames, pose found in {analysis.pose_frames}; {src}; "
              f"{stats.fps:.1f} frames/s end to end"
              + (f", pose alone {stats.pose_fps:.1f} frames/s" if stats.pose_s else ""))
    for w in analysis.warnings:
        con.print(f"[yellow]warning:[/yellow] {w}")
    for b in analysis.balance:
        for line in balance_flags(b):
            con.print(f"[yellow]imbalance:[/yellow] {line}")


def _num(x: object, fmt: str = "{:.1f}") -> str:
    return "-" if x is None else fmt.format(x)


#: Columns of the balance table: (heading, key in a leg's figures, key in ``asymmetry_pct``).
_REP_COLS = (("reps", "reps", "reps"), ("partial", "partial_reps", None),
             ("range °", "rom_mean_deg", "rom_mean_deg"), ("± °", "rom_sd_deg", None),
             ("out s", "out_s", None), ("back s", "back_s", None), ("pause s", "pause_s", None),
             ("rep s", "rep_s", "rep_s"), ("tension s", "tut_s", "tut_s"))
_HOLD_COLS = (("hold s", "hold_s", "hold_s"), ("sag °", "sag_deg", None), ("breaks", "hold_breaks", None))


def balance_table(b: dict[str, Any], title: str | None = None, hold: bool = False) -> Table:
    """A leg-per-row table of one exercise's balance and tempo (``Balance.to_dict`` form).

    ``hold``: the columns of a timed hold (hold time, sag) instead of those of reps. The last
    row is the left/right asymmetry in percent of the stronger leg (+ when left did more).
    """
    from repcount.detectors import title_of

    cols = _HOLD_COLS if hold else _REP_COLS
    table = Table(title=f"{title_of(b['exercise'])}: left/right balance" if title is None else title
                  or None)
    table.add_column("leg")
    for head, _, _ in cols:
        table.add_column(head, justify="right")
    for leg in b["legs"]:
        table.add_row(leg["side"], *(str(leg[k]) if isinstance(leg[k], int) else _num(leg[k])
                                     for _, k, _ in cols))
    asym = b.get("asymmetry_pct") or {}
    if asym:
        table.add_row("L vs R", *(f"{asym[a]:+.0f}%" if a in asym else "" for _, _, a in cols),
                      style="bold")
    return table


def balance_flags(b: dict[str, Any]) -> list[str]:
    """Flagged differences of one exercise as sentences."""
    from repcount.detectors import title_of

    out = []
    labels = {"reps": "reps", "rom_mean_deg": "range of motion", "hold_s": "hold time"}
    for key, label in labels.items():
        a = (b.get("asymmetry_pct") or {}).get(key)
        if label in b.get("flagged", ()) and a is not None:
            weak, strong = ("right", "left") if a > 0 else ("left", "right")
            out.append(f"{title_of(b['exercise'])}: {label} of the {weak} leg is {abs(a):.0f}% below "
                       f"the {strong} (flagged past {b['flag_pct']:.0f}%)")
    return out


def print_balance(balances: Sequence[dict[str, Any]]) -> None:
    """Print each exercise's balance table (when there are reps or holds) and its flags."""
    con = console()
    for b in balances:
        if not b["legs"]:
            continue
        hold = all(leg["reps"] == 0 for leg in b["legs"])
        con.print(balance_table(b, hold=hold))
        for line in balance_flags(b):
            con.print(f"[yellow]imbalance:[/yellow] {line}")


def print_batch_summary(results: Sequence[BatchResult], summary: BatchSummary) -> None:
    """One table for a batch: a row per video, then the totals."""
    table = Table(title=f"{summary.videos} videos")
    for col, just in (("video", "left"), ("exercise", "left"), ("reps", "right"),
                      ("left", "right"), ("right", "right"), ("both", "right"),
                      ("hold s", "right"), ("frames", "right"), ("status", "left")):
        # Whole file names (folded onto a second line when narrow), never cut with an ellipsis.
        table.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for r in results:
        if isinstance(r, Analysis):
            status = "; ".join(r.warnings) if r.warnings else "ok"
            from repcount.detectors import title_of

            table.add_row(r.video, title_of(r.exercise) if r.exercise != "unknown" else "not recognised",
                          str(r.total_reps), str(r.reps_on("left")),
                          str(r.reps_on("right")), str(r.reps_on("both")),
                          f"{sum(h.duration_s for h in r.holds):.1f}", str(r.frames), status)
        else:
            table.add_row(Path(r.video).name, "", "", "", "", "", "", "", f"[red]{r.message}[/red]")
    con = console()
    con.print(table)
    con.print(f"{summary.ok}/{summary.videos} videos analysed, {summary.total_reps} reps, "
              f"{summary.frames} frames in {summary.wall_s:.1f} s "
              f"({summary.videos_per_s:.2f} videos/s, {summary.frames_per_s:.1f} frames/s)")
