"""Scoring the blocks of a recording of several exercises against the truth of each clip.

The truth is one :class:`TruthBlock` per clip joined into the recording (see
:mod:`repcount.io.stitch`). A block is *found* when the analysis has sets of the same exercise
and leg overlapping the clip's span; its count is their reps (or hold seconds); a *boundary* is
where the analysis's segment of one clip's exercise ends and the next begins, and its error is
its distance from the truth's transition (the idling between the clips: anywhere in it is right).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

#: A set this far outside a clip's span still belongs to it (a rep straddling the edge).
SLACK_S = 2.0


@dataclass(frozen=True)
class TruthBlock:
    """One clip of the recording: what was done, on which leg, and when."""

    exercise: str
    side: str
    reps: int | None
    hold_s: float | None
    start_s: float
    end_s: float


def truth_of(video: str | os.PathLike[str]) -> list[TruthBlock]:
    """The sets of a rendered recording, from the ``blocks`` of its entry in ``labels.json`` beside it."""
    path = Path(video)
    entries = json.loads((path.parent / "labels.json").read_text())
    label = next(e for e in entries if e["file"] == path.name)
    return [TruthBlock(b["exercise"], b["side"], b["reps"], b["hold_s"] if b["reps"] is None else None,
                       b["start_s"], b["end_s"]) for b in label["blocks"]]


def score_blocks(doc: dict[str, Any], truth: Sequence[TruthBlock]
                 ) -> tuple[list[dict[str, Any]], list[float]]:
    """One row per truth block (found, counted, error) and the boundary errors in seconds.

    Args:
        doc: the analysis JSON (``blocks`` and ``extra.auto.segments``).
        truth: the clips in time order.

    Returns:
        Rows with ``exercise``, ``side``, ``true`` (reps or seconds), ``counted``, ``found``
        (bool), ``span`` and ``found_span``; and, for each pair of neighbouring clips of
        different exercises, how far the analysis's boundary between them is from their
        transition (``inf`` when the analysis has no boundary there).

    """
    rows: list[dict[str, Any]] = []
    for tb in truth:
        sets = [b for b in doc.get("blocks", []) if (b["exercise"], b["side"]) == (tb.exercise, tb.side)
                and b["end_s"] >= tb.start_s - SLACK_S and b["start_s"] <= tb.end_s + SLACK_S]
        is_hold = tb.reps is None
        counted: float = (round(sum(b["hold_s"] for b in sets), 1) if is_hold
                          else sum(b["reps"] for b in sets))
        true = tb.hold_s if is_hold else tb.reps
        rows.append({"exercise": tb.exercise, "side": tb.side, "true": true, "counted": counted,
                     "found": bool(sets), "span": (round(tb.start_s, 1), round(tb.end_s, 1)),
                     "found_span": (min(b["start_s"] for b in sets), max(b["end_s"] for b in sets))
                     if sets else None})
    segs = (doc.get("extra", {}).get("auto") or {}).get("segments") or []
    errors: list[float] = []
    for a, b in pairwise(truth):
        if a.exercise == b.exercise:
            continue
        # The segment boundary between a's exercise and b's: the end of a segment of a's exercise
        # followed by one of b's.
        cands = [s1["end_s"] for s1, s2 in pairwise(segs)
                 if s1["exercise"] == a.exercise and s2["exercise"] == b.exercise]
        if not cands:
            errors.append(float("inf"))
            continue
        lo, hi = a.end_s, b.start_s
        errors.append(min(max(lo - c, 0.0, c - hi) for c in cands))
    return rows, errors
