"""``repcount models``: list the pose models, where each was found and whether it verifies."""

from __future__ import annotations

import argparse

from repcount.ui.console import console


def configure(parser: argparse.ArgumentParser) -> None:
    """``repcount models`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """List the pose models, where each was found and whether it verifies."""
    from rich.table import Table

    from repcount.pose.models import survey

    table = Table(title="pose models")
    for col in ("model", "status", "origin", "where"):
        table.add_column(col)
    rows = survey()
    for r in rows:
        style = "red" if r["status"].startswith("CHECKSUM") else None
        table.add_row(r["model"], r["status"], r["origin"], r["where"], style=style)
    console().print(table)
    return 1 if any(r["status"].startswith("CHECKSUM") for r in rows) else 0
