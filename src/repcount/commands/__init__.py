"""One module per command (analyze, live, batch, bench, pose, models, history, synth).

Each has ``configure(parser)`` (its arguments) and ``run(args) -> int`` (its exit status);
``repcount.cli`` wires them up and turns errors into one line.
"""

from __future__ import annotations

import argparse

from repcount.pose.models import DEFAULT_MODEL


def add_model_argument(parser: argparse.ArgumentParser, several: bool = False) -> None:
    """The ``--model`` option every pose-running command shares."""
    metavar = "lite|full|heavy|PATH" + ("[,...]" if several else "")
    more = " (several, comma-separated, are compared)" if several else ""
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar=metavar,
                        help=f"pose model (default {DEFAULT_MODEL}){more}")
