"""``repcount history``: past circuit sessions as a table, their trends per exercise and leg."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from repcount.detectors import title_of
from repcount.session.circuit import summary_lines
from repcount.session.history import history_path, load_history, remove_history


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``repcount history``."""
    parser.add_argument("--last", "-n", type=int, default=20, metavar="N",
                        help="show the last N sessions (default 20; 0 for all)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON lines")
    parser.add_argument("--details", action="store_true", help="show every block of each session")
    parser.add_argument("--plot", metavar="OUT.png",
                        help="plot each exercise's work per leg over the sessions")
    parser.add_argument("--remove", type=int, metavar="N",
                        help="remove session N as numbered in the table (negative: from the newest)")


def local_time(stamp: object) -> str:
    """An ISO time from the history shown in the machine's local time zone."""
    try:
        return datetime.fromisoformat(str(stamp)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp)


def trends(entries: list[dict[str, Any]]) -> dict[str, dict[str, list[tuple[datetime, float]]]]:
    """Per exercise (human name) and leg: (session time, reps or hold seconds done)."""
    out: dict[str, dict[str, list[tuple[datetime, float]]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        try:
            when = datetime.fromisoformat(str(e.get("time"))).astimezone()
        except ValueError:
            continue
        done: dict[tuple[str, str], float] = defaultdict(float)
        for b in e["per_block"]:
            done[(b["exercise"], b["side"])] += float(b["done"])
        for (ex, side), v in done.items():
            unit = " (s held)" if any(b["unit"] == "s" for b in e["per_block"] if b["exercise"] == ex) else ""
            out[title_of(ex) + unit][side].append((when, v))
    return out


def run(args: argparse.Namespace) -> int:
    """List, plot or remove past circuit sessions."""
    if args.remove is not None:
        gone = remove_history(args.remove)
        print(f"removed the session of {local_time(gone.get('time'))} ({gone.get('plan')}, "
              f"{gone.get('total_reps', 0)} reps)")
        return 0
    entries, skipped = load_history()
    if skipped:
        print(f"warning: {skipped} unreadable line(s) in {history_path()} skipped")
    if args.plot:
        from repcount.io.outputs import write_trend_plot

        write_trend_plot(trends(entries), args.plot)
        print(f"trends of {len(entries)} sessions written to {args.plot}")
    numbered = list(enumerate(entries, 1))
    if args.last > 0:
        numbered = numbered[-args.last:]
    if not numbered:
        print(f"no sessions recorded yet ({history_path()})")
        return 0
    if args.json:
        for _, e in numbered:
            print(json.dumps(e))
        return 0
    from rich.table import Table

    from repcount.ui.console import balance_flags, console

    table = Table(title=f"{len(entries)} sessions ({history_path()})")
    for col, just in (("#", "right"), ("when (local)", "left"), ("plan", "left"), ("blocks", "right"),
                      ("reps", "right"), ("time", "right"), ("", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    con = console()
    for i, e in numbered:
        table.add_row(str(i), local_time(e.get("time")), str(e.get("plan", "?")),
                      f"{e.get('blocks_complete', 0)}/{e.get('blocks', 0)}", str(e.get("total_reps", 0)),
                      f"{float(e.get('duration_s', 0.0)) / 60:.1f} min",
                      "" if e.get("finished") else "not finished")
    if not args.details:
        con.print(table)
        return 0
    for i, e in numbered:
        print(f"#{i} {local_time(e.get('time'))}  " + summary_lines(e)[0])
        for line in summary_lines(e)[1:]:
            print(line)
        for b in e.get("balance", ()) if isinstance(e.get("balance"), list) else ():
            for line in balance_flags(b):
                print(f"  imbalance: {line}")
    return 0
