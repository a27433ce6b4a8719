"""Sinks for analysis results: the stable JSON schema, a CSV row per rep, and a plot.

Every file is written atomically, so an interrupted run never leaves half a file behind.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

from repcount.io.atomic import atomic_path, write_text_atomic
from repcount.records import SIDES, Analysis, FloatArray, Rep

#: Columns of the per-rep CSV; later additions go at the end (older readers keep working).
CSV_FIELDS = ("video", "exercise", "index", "side", "start_s", "peak_s", "end_s", "rom_deg",
              "duration_s", "out_s", "back_s", "partial", "reason", "cues")


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def rep_dict(rep: Rep) -> dict[str, Any]:
    """JSON form of a rep (the schema's fields plus ``partial``/``reason``/``cues``)."""
    d: dict[str, Any] = {
        "index": rep.index,
        "side": rep.side,
        "start_s": _r(rep.start_s),
        "peak_s": _r(rep.peak_s),
        "end_s": _r(rep.end_s),
        "rom_deg": _r(rep.rom_deg, 1),
    }
    if rep.cues:
        d["cues"] = list(rep.cues)
    if rep.partial:
        d["partial"] = True
        d["reason"] = rep.reason
    return d


def to_json_dict(a: Analysis) -> dict[str, Any]:
    """The stable JSON document of an analysis.

    The fields of the published schema come first; later additions (``partial_reps``,
    ``events``, ``extra``, ``balance``, ``rejected``, ``blocks``) are extra keys that older
    readers can ignore. Holds gain ``sag_deg`` (their steadiness).
    """
    return {
        "video": a.video,
        "exercise": a.exercise,
        "model": a.model,
        "fps": _r(a.fps),
        "frames": a.frames,
        "pose_frames": a.pose_frames,
        "total_reps": a.total_reps,
        "per_side": {s: {"reps": a.reps_on(s), "hold_s": _r(a.hold_on(s), 2)} for s in SIDES},
        "reps": [{**rep_dict(r), "exercise": r.exercise or a.exercise} for r in a.reps],
        "holds": [
            {"side": h.side, "start_s": _r(h.start_s), "end_s": _r(h.end_s),
             "duration_s": _r(h.duration_s), "sag_deg": h.sag_deg, "exercise": h.exercise or a.exercise}
            for h in a.holds
        ],
        "warnings": list(a.warnings),
        "partial_reps": [{**rep_dict(r), "exercise": r.exercise or a.exercise} for r in a.partials],
        "events": [
            {"t": _r(e.t), "side": e.side, "code": e.code, "message": e.message} for e in a.events
        ],
        "extra": a.extra,
        "balance": list(a.balance),
        "blocks": list(a.blocks),
        "rejected": [
            {"side": r.side, "start_s": _r(r.start_s), "peak_s": _r(r.peak_s), "end_s": _r(r.end_s),
             "rom_deg": _r(r.rom_deg), "code": r.code, "reason": r.reason}
            for r in a.rejected
        ],
    }


def write_json(a: Analysis, path: str | os.PathLike[str]) -> None:
    """Write the analysis as JSON (atomically)."""
    write_text_atomic(path, json.dumps(to_json_dict(a), indent=2) + "\n")


def csv_rows(a: Analysis) -> list[dict[str, Any]]:
    """One row per rep, counted and partial, in time order, with its tempo and cues.

    ``out_s`` is start to turning point, ``back_s`` turning point to rest; ``partial`` is 0/1.
    """
    rows = []
    for r in sorted((*a.reps, *a.partials), key=lambda r: r.start_s):
        d = rep_dict(r)
        d.update(duration_s=_r(r.end_s - r.start_s, 2), out_s=_r(r.peak_s - r.start_s, 2),
                 back_s=_r(r.end_s - r.peak_s, 2), partial=int(r.partial),
                 cues=" ".join(r.cues))
        rows.append({"video": a.video, **d, "exercise": r.exercise or a.exercise})
    return rows


def write_csv(analyses: Iterable[Analysis], path: str | os.PathLike[str]) -> None:
    """Write a CSV with a row per rep of every analysis (atomically)."""
    write_rows_csv(CSV_FIELDS, (row for a in analyses for row in csv_rows(a)), path)


def write_rows_csv(fields: Sequence[str], rows: Iterable[dict[str, Any]],
                   path: str | os.PathLike[str]) -> None:
    """Write rows (dicts; missing keys empty) with the given columns as a CSV (atomically)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    write_text_atomic(path, buf.getvalue())


def write_plot(a: Analysis, t: FloatArray, signal: FloatArray, path: str | os.PathLike[str],
               ylabel: str = "angle (deg)", title: str | None = None) -> None:
    """Plot the followed signal with counted reps (and partial reps) marked.

    ``title`` is the exercise's human name (the identifier when not given).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=100)
    ax.plot(t, signal, color="#1f77b4", lw=1.2, label="signal")
    for r in a.reps:
        ax.axvspan(r.start_s, r.end_s, color="#2ca02c", alpha=0.12)
        y = float(np.interp(r.peak_s, t, np.nan_to_num(signal, nan=float(np.nanmean(signal)))))
        ax.plot([r.peak_s], [y], "v", color="#2ca02c")
        ax.annotate(f"{r.side[0].upper()}{r.index}", (r.peak_s, y), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=8)
    for r in a.partials:
        ax.axvspan(r.start_s, r.end_s, color="#7f7f7f", alpha=0.15)
    for h in a.holds:
        ax.axvspan(h.start_s, h.end_s, color="#ff7f0e", alpha=0.15)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.set_title(f"{a.video} — {title or a.exercise}: {a.total_reps} reps"
                 + (f", {len(a.partials)} partial" if a.partials else ""))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def write_trend_plot(series: dict[str, dict[str, list[tuple[Any, float]]]],
                     path: str | os.PathLike[str]) -> None:
    """One panel per exercise: the work done per leg (reps or seconds held) session by session."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(series) or ["no sessions yet"]
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.4 * len(names)), dpi=100, squeeze=False)
    colours = {"left": "#2b7bd6", "right": "#d9622b", "both": "#3a9a4a"}
    for ax, name in zip(axes[:, 0], names):
        for side, points in sorted(series.get(name, {}).items()):
            points = sorted(points)
            ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color=colours.get(side, "#555"),
                    label=f"{side} leg" if side != "both" else "both legs")
        ax.set_title(name, fontsize=11)
        ax.grid(alpha=0.3)
        if series.get(name):
            ax.legend(fontsize=8, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
