"""``repcount models``: list the pose models and whether each verifies; download one when asked.

``--download`` is the one thing in repcount that uses the network, and only for the names given.
"""

from __future__ import annotations

import argparse

from repcount.ui.console import console


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``repcount models``."""
    parser.add_argument("--download", metavar="NAME[,NAME]", default=None,
                        help="download the official model(s) not found locally (lite, full, heavy; "
                             "'all' for the three) from storage.googleapis.com, checked by sha256")


def run(args: argparse.Namespace) -> int:
    """Download the models asked for (if any), then list where each is and whether it verifies."""
    from rich.table import Table

    from repcount.errors import InputError
    from repcount.pose.models import MODEL_NAMES, resolve, survey
    from repcount.ui.console import download_progress

    if args.download:
        names = list(MODEL_NAMES) if args.download == "all" else [
            n.strip() for n in args.download.split(",") if n.strip()]
        bad = [n for n in names if n not in MODEL_NAMES]
        if bad or not names:
            raise InputError(f"--download takes {', '.join(MODEL_NAMES)} or all, got {args.download!r}")
        for n in names:
            resolve(n, download=True, progress=download_progress)

    table = Table(title="pose models")
    for col in ("model", "status", "origin", "where"):
        table.add_column(col)
    rows = survey()
    for r in rows:
        style = "red" if r["status"].startswith("CHECKSUM") else None
        table.add_row(r["model"], r["status"], r["origin"], r["where"], style=style)
    console().print(table)
    from repcount.pose.mediapipe_backend import mediapipe_version, sends_metrics

    version = mediapipe_version()
    metrics = sends_metrics(version)
    verdict = {False: "sends nothing", True: "SENDS USAGE METRICS to play.googleapis.com",
               None: "not known whether it sends usage metrics"}[metrics]
    console().print(f"mediapipe {version or 'not installed'}: {verdict}")
    return 1 if any(r["status"].startswith("CHECKSUM") for r in rows) else 0
