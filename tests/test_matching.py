"""Matching the sets found in a circuit recording to the plan's blocks (pure)."""

from __future__ import annotations

from repcount.session.matching import match_plan, matched_summary
from repcount.session.plan import Block, Plan

PLAN = Plan("test", (Block("single_leg_dip", "right", reps=5), Block("single_leg_dip", "left", reps=5),
                     Block("single_leg_bridge_hold", "right", hold_s=20.0),
                     Block("clamshell", "left", reps=4)))


def _set(ex: str, side: str, start: float, reps: int = 0, hold_s: float = 0.0, warnings=()) -> dict:
    return {"exercise": ex, "side": side, "start_s": start, "end_s": start + 20, "reps": reps,
            "partial_reps": 1, "holds": int(hold_s > 0), "hold_s": hold_s, "warnings": list(warnings)}


def test_reordered_skipped_repeated_and_unplanned() -> None:
    sets = [_set("clamshell", "left", 0, reps=4), _set("single_leg_dip", "right", 30, reps=3),
            _set("squat", "both", 60, reps=8),
            _set("single_leg_dip", "right", 90, reps=2, warnings=["knee in"]),
            _set("single_leg_bridge_hold", "right", 120, hold_s=12.5)]
    out = match_plan(PLAN, sets, frozenset({"single_leg_bridge_hold"}))
    assert [(b["exercise"], b["side"]) for b in out] == [
        ("single_leg_dip", "right"), ("single_leg_dip", "left"), ("single_leg_bridge_hold", "right"),
        ("clamshell", "left"), ("squat", "both")]
    dip_r, dip_l, hold, clam, squat = out
    # Two sets of one block add up; done out of order since the clamshell (a later block) came first.
    assert dip_r["done"] == 5 and dip_r["complete"] and dip_r["sets"] == 2 and dip_r["partial_reps"] == 2
    assert "done in 2 sets" in dip_r["warnings"] and "done out of the plan's order" in dip_r["warnings"]
    assert "knee in" in dip_r["warnings"] and (dip_r["start_s"], dip_r["end_s"]) == (30, 110)
    assert dip_l["skipped"] and dip_l["done"] == 0 and "not done" in dip_l["warnings"]
    assert hold["unit"] == "s" and hold["done"] == 12.5 and not hold["complete"]
    assert clam["complete"] and clam["warnings"] == []
    assert not squat["planned"] and squat["target"] is None and squat["done"] == 8
    assert "not in the plan" in squat["warnings"] and not squat["complete"]
    summary = matched_summary(PLAN, out, 140.0, [])
    assert summary["blocks"] == 4 and summary["blocks_complete"] == 2 and not summary["finished"]
    assert summary["total_reps"] == 5 + 4 + 8


def test_in_order_has_no_order_warning() -> None:
    sets = [_set("single_leg_dip", "right", 0, reps=5), _set("single_leg_dip", "left", 30, reps=5),
            _set("single_leg_bridge_hold", "right", 60, hold_s=21.0), _set("clamshell", "left", 90, reps=4)]
    out = match_plan(PLAN, sets, frozenset({"single_leg_bridge_hold"}))
    assert all(b["complete"] and b["warnings"] == [] for b in out)
    assert matched_summary(PLAN, out, 120.0, [])["finished"]
