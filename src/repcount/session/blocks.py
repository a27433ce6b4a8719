"""The ``blocks`` of a recording: each set found, with its exercise, leg, times and counts.

A single-exercise analysis has one block per set: consecutive reps (or holds) on the same leg,
split where the person rests longer than :data:`SET_BREAK_S`. A circuit has one block per plan
block that was started. Either way a block is (exercise, side, start_s, end_s, reps, partial
reps, holds, hold_s, warnings), the JSON's ``blocks`` key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from repcount.records import FormEvent, Hold, Rep

#: A pause longer than this between two reps on the same leg starts a new set.
SET_BREAK_S = 30.0


def _is_partial(item: Rep | Hold) -> bool:
    return isinstance(item, Rep) and item.partial


def _block(exercise: str, items: list[Rep | Hold], events: Iterable[FormEvent]) -> dict[str, Any]:
    reps = [r for r in items if isinstance(r, Rep) and not r.partial]
    partials = [r for r in items if isinstance(r, Rep) and r.partial]
    holds = [h for h in items if isinstance(h, Hold)]
    start = min(i.start_s for i in items)
    end = max(i.end_s for i in items)
    cues = sorted({e.message for e in events if start <= e.t <= end and e.code != "partial"})
    side = next(i.side for i in items if not _is_partial(i))
    return {"exercise": exercise, "side": side, "start_s": round(start, 2), "end_s": round(end, 2),
            "reps": len(reps), "partial_reps": len(partials), "holds": len(holds),
            "hold_s": round(sum(h.duration_s for h in holds), 2), "warnings": cues}


def sets_of(exercise: str, reps: Iterable[Rep], holds: Iterable[Hold],
            events: Iterable[FormEvent] = ()) -> list[dict[str, Any]]:
    """The sets of one exercise: runs of reps and holds on the same leg, split at long pauses.

    A partial rep belongs to the set it falls in: it never starts a set of its own leg (its side
    is the least certain of any, e.g. ``both`` where the full reps name a leg).
    """
    items: list[Rep | Hold] = sorted([*reps, *holds], key=lambda i: i.start_s)
    events = list(events)
    out: list[dict[str, Any]] = []
    run: list[Rep | Hold] = []
    for it in items:
        full = [r for r in run if not _is_partial(r)]
        rested = bool(run) and it.start_s - max(r.end_s for r in run) > SET_BREAK_S
        if full and (rested or (it.side != full[-1].side and not _is_partial(it))):
            # The new leg's partial reps just before its first full one open its set.
            k = len(run)
            while not rested and k and _is_partial(run[k - 1]) and run[k - 1].side == it.side:
                k -= 1
            out.append(_block(exercise, run[:k], events))
            run = run[k:]
        run.append(it)
    if run and any(not _is_partial(r) for r in run):
        out.append(_block(exercise, run, events))
    return out


def circuit_blocks(per_block: Iterable[dict[str, Any]], records: Iterable[list[Rep | Hold]]
                   ) -> list[dict[str, Any]]:
    """The started blocks of a circuit: the summary's blocks with their reps and holds counted."""
    out = []
    for b, recs in zip(per_block, records):
        if b.get("start_s") is None:
            continue
        holds = [h for h in recs if isinstance(h, Hold)]
        out.append({"exercise": b["exercise"], "side": b["side"], "start_s": b["start_s"],
                    "end_s": b["end_s"], "reps": sum(1 for r in recs if isinstance(r, Rep) and not r.partial),
                    "partial_reps": b["partial_reps"], "holds": len(holds), "hold_s": b["hold_s"],
                    "warnings": list(b["warnings"])})
    return out
