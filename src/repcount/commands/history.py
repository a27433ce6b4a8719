"""``repcount history``: list past circuit sessions."""

from __future__ import annotations

import argparse
import json

from repcount.session.circuit import summary_lines
from repcount.session.history import history_path, load_history


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``repcount history``."""
    parser.add_argument("--last", "-n", type=int, default=20, metavar="N",
                        help="show the last N sessions (default 20; 0 for all)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON lines")
    parser.add_argument("--details", action="store_true", help="show every block of each session")


def run(args: argparse.Namespace) -> int:
    """List past circuit sessions."""
    entries, skipped = load_history()
    if skipped:
        print(f"warning: {skipped} unreadable line(s) in {history_path()} skipped")
    if args.last > 0:
        entries = entries[-args.last:]
    if not entries:
        print(f"no sessions recorded yet ({history_path()})")
        return 0
    for e in entries:
        if args.json:
            print(json.dumps(e))
            continue
        head = (f"{e.get('time', '?')}  {e.get('plan', '?')}: {e.get('blocks_complete', 0)}/"
                f"{e.get('blocks', 0)} blocks, {e.get('total_reps', 0)} reps, "
                f"{float(e.get('duration_s', 0.0)):.0f} s" + ("" if e.get("finished") else " (not finished)"))
        print(head)
        if args.details:
            for line in summary_lines(e)[1:]:
                print(line)
    return 0

