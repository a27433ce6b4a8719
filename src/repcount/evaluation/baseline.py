"""The accuracy ratchet: a committed baseline and the figures that got worse than it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from repcount.evaluation.metrics import ClipRow, summarise


def baseline_doc(rows: Sequence[ClipRow], source: str) -> dict[str, Any]:
    """The committed baseline of the regression test: per exercise and per clip figures."""
    per, overall = summarise(rows)
    return {
        "source": source,
        # Full precision: a rounded baseline would make an unchanged detector look worse.
        "exercises": {d["exercise"]: {k: v for k, v in d.items() if k != "exercise"} for d in per},
        "overall": overall,
        "clips": {r.file: {"exercise": r.exercise, "true_reps": r.true_reps, "counted_reps": r.counted_reps,
                           "norm_error": r.norm_error, "side_ok": r.side_ok, "hold_error_s": r.hold_error_s,
                           "auto_ok": r.auto_ok} for r in rows},
    }


def regressions(rows: Sequence[ClipRow], baseline: dict[str, Any], *, tol: float = 1e-6,
                hold_tol_s: float = 0.05) -> list[str]:
    """Per-exercise figures that got worse than ``baseline`` (empty when none did).

    MAE and mean hold error must not rise (beyond ``tol`` / ``hold_tol_s``), OBO, side accuracy
    and the number of correct recognitions must not fall. Exercises absent from the baseline
    are not judged.
    """
    per, _ = summarise(rows)
    bad: list[str] = []
    for d in per:
        ex = d["exercise"]
        b = baseline.get("exercises", {}).get(ex)
        if b is None:
            continue
        if d["errors"]:
            bad.append(f"{ex}: {d['errors']} clip(s) failed")
        if b.get("mae") is not None and (d["mae"] is None or d["mae"] > b["mae"] + tol):
            bad.append(f"{ex}: MAE {d['mae']} > baseline {b['mae']}")
        for key in ("obo", "side_acc"):
            if b.get(key) is not None and (d[key] is None or d[key] < b[key] - tol):
                bad.append(f"{ex}: {key} {d[key]} < baseline {b[key]}")
        bh = b.get("mean_hold_error_s")
        if bh is not None and (d["mean_hold_error_s"] is None or d["mean_hold_error_s"] > bh + hold_tol_s):
            bad.append(f"{ex}: mean hold error {d['mean_hold_error_s']} s > baseline {bh} s")
        if d["auto_ok"] < b.get("auto_ok", 0):
            bad.append(f"{ex}: auto recognition {d['auto_ok']}/{d['auto_n']} < baseline {b['auto_ok']}")
    return bad
