"""The sets found in a recording of a circuit, matched to the plan's blocks.

Offline, the recording is split into the sets that were done (exercise, leg, time span, counts;
see :mod:`repcount.detectors.segmentation` and :func:`repcount.session.blocks.sets_of`) without
looking at the plan. :func:`match_plan` then credits each set to the plan block of the same
exercise and leg, whatever the order: a set done out of the plan's order, a block skipped, a
block done twice (its sets add up) and a set the plan does not have (listed as unplanned) are
all allowed and said in the block's warnings. The summary has the live circuit's shape
(:meth:`repcount.session.circuit.Circuit.summary`).

Pure: dicts in, dicts out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from repcount.session.plan import Plan


def _entry(exercise: str, side: str, target: float | int | None, is_hold: bool) -> dict[str, Any]:
    return {"exercise": exercise, "side": side, "target": target, "unit": "s" if is_hold else "reps",
            "done": 0, "hold_s": 0.0, "partial_reps": 0, "complete": False, "skipped": True,
            "warnings": [], "start_s": None, "end_s": None, "sets": 0, "planned": target is not None}


def match_plan(plan: Plan, sets: Sequence[dict[str, Any]], holds: frozenset[str] = frozenset()
               ) -> list[dict[str, Any]]:
    """Each plan block's result from the sets found, then the sets the plan has no block for.

    Args:
        plan: the plan.
        sets: the sets found, each with ``exercise``, ``side``, ``start_s``, ``end_s``, ``reps``,
            ``partial_reps``, ``hold_s`` and ``warnings`` (the JSON's ``blocks``).
        holds: exercises timed as holds (for an unplanned set's unit).

    Returns:
        One entry per plan block, in plan order, then one per unplanned exercise and leg, with
        ``target``, ``done``, ``complete``, ``skipped``, ``sets``, ``start_s``/``end_s`` (of its
        first and last set) and ``warnings``.

    """
    out = [_entry(b.exercise, b.side, b.hold_s if b.is_hold else b.reps, b.is_hold) for b in plan.blocks]
    last_planned = -1
    for s in sorted(sets, key=lambda s: s["start_s"]):
        k = next((i for i, b in enumerate(plan.blocks) if (b.exercise, b.side) == (s["exercise"], s["side"])),
                 None)
        if k is None:
            k = next((i for i, e in enumerate(out) if not e["planned"]
                      and (e["exercise"], e["side"]) == (s["exercise"], s["side"])), None)
            if k is None:
                out.append(_entry(s["exercise"], s["side"], None, s["exercise"] in holds))
                out[-1]["warnings"].append("not in the plan")
                k = len(out) - 1
        e = out[k]
        if e["planned"] and k < last_planned and not e["sets"]:
            e["warnings"].append("done out of the plan's order")
        if e["planned"]:
            last_planned = max(last_planned, k)
        e["sets"] += 1
        e["skipped"] = False
        e["hold_s"] = round(e["hold_s"] + float(s.get("hold_s") or 0.0), 2)
        e["partial_reps"] += int(s.get("partial_reps") or 0)
        e["reps_counted"] = e.get("reps_counted", 0) + int(s.get("reps") or 0)
        e["start_s"] = s["start_s"] if e["start_s"] is None else e["start_s"]
        e["end_s"] = s["end_s"]
        e["warnings"].extend(w for w in s.get("warnings", ()) if w not in e["warnings"])
    for e in out:
        reps = e.pop("reps_counted", 0)
        e["done"] = round(e["hold_s"], 1) if e["unit"] == "s" else reps
        if e["sets"] > 1:
            e["warnings"].append(f"done in {e['sets']} sets")
        e["complete"] = e["target"] is not None and e["done"] >= e["target"] - 1e-6
        if e["skipped"]:
            e["warnings"].append("not done")
    return out


def matched_summary(plan: Plan, per_block: list[dict[str, Any]], duration_s: float,
                    balance: list[dict[str, Any]]) -> dict[str, Any]:
    """The circuit summary (the live circuit's keys) of blocks matched by :func:`match_plan`."""
    planned = [b for b in per_block if b["planned"]]
    return {
        "plan": plan.name,
        "finished": all(b["complete"] for b in planned),
        "duration_s": round(duration_s, 1),
        "blocks_complete": sum(1 for b in planned if b["complete"]),
        "blocks": len(planned),
        "total_reps": sum(b["done"] for b in per_block if b["unit"] == "reps"),
        "per_block": per_block,
        "balance": balance,
        "matched": "by exercise and leg, in any order",
    }
