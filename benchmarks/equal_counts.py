"""Do two bench runs count the same? Per clip: reps, reps per leg, hold time, recognised exercise.

    repcount bench --set all --jobs 2 --json out/s1.json
    repcount bench --set all --jobs 2 --stride 3 --json out/s3.json
    python benchmarks/equal_counts.py out/s1.json out/s3.json

Prints, per set, how many clips agree on each figure, how many rep clips counted exactly by the
reference are not any more (and the reverse), the mean per-rep timing error against the labelled
rep times (reference/other), and lists every clip that differs with both values
(and the true count, from the labels). Holds agree within ``--hold-tol`` seconds.
Exits 0 whatever it finds (it reports; the note explains the causes).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np


def rows_of(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(set, file) -> clip row of a ``repcount bench --json`` report."""
    doc = json.loads(path.read_text())
    return {(run["set"], c["file"]): c for run in doc["runs"] for c in run["clips"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", type=Path, help="bench JSON of the reference run (every frame posed)")
    ap.add_argument("other", type=Path, help="bench JSON of the run compared with it")
    ap.add_argument("--hold-tol", type=float, default=0.5)
    args = ap.parse_args()
    ref, oth = rows_of(args.reference), rows_of(args.other)
    common = sorted(set(ref) & set(oth))
    sets = sorted({s for s, _ in common})
    print(f"{'set':<12} {'clips':>5} {'reps':>6} {'per leg':>8} {'hold':>6} {'auto':>6} "
          f"{'exact->not':>10} {'not->exact':>10} {'rep timing s':>13}")
    diffs: list[str] = []
    for name in sets:
        keys = [k for k in common if k[0] == name]
        same = {"reps": 0, "legs": 0, "hold": 0, "auto": 0}
        lost = gained = 0
        timing: list[tuple[float, float]] = []
        for k in keys:
            a, b = ref[k], oth[k]
            true = a.get("true_reps")
            checks = {
                "reps": a["counted_reps"] == b["counted_reps"],
                "legs": (a.get("per_side") or {}) == (b.get("per_side") or {}),
                "hold": (a.get("counted_hold_s") is None) == (b.get("counted_hold_s") is None)
                and (a.get("counted_hold_s") is None
                     or abs(a["counted_hold_s"] - b["counted_hold_s"]) <= args.hold_tol),
                "auto": a.get("auto") == b.get("auto"),
            }
            for c, ok in checks.items():
                same[c] += ok
            if a.get("timing_error_s") is not None and b.get("timing_error_s") is not None:
                timing.append((a["timing_error_s"], b["timing_error_s"]))
            if true:  # rep clips: was the count exact at the reference, and is it now?
                lost += a["counted_reps"] == true and b["counted_reps"] != true
                gained += a["counted_reps"] != true and b["counted_reps"] == true
            if not all(checks.values()):
                what = []
                if not checks["reps"] or not checks["legs"]:
                    what.append(f"reps {a['counted_reps']} {a.get('per_side')} -> {b['counted_reps']} "
                                f"{b.get('per_side')} (true {true})")
                if not checks["hold"]:
                    what.append(f"hold {a.get('counted_hold_s')} -> {b.get('counted_hold_s')} s "
                                f"(true {a.get('true_hold_s')})")
                if not checks["auto"]:
                    what.append(f"auto {a.get('auto')} -> {b.get('auto')} (true {a['exercise']})")
                diffs.append(f"  {name} {k[1]}: " + "; ".join(what))
        n = len(keys)
        print(f"{name:<12} {n:>5} {same['reps']:>3}/{n:<2} {same['legs']:>5}/{n:<2} {same['hold']:>3}/{n:<2} "
              f"{same['auto']:>3}/{n:<2} {lost:>10} {gained:>10} "
              + (f"{np.mean([x for x, _ in timing]):6.3f}/{np.mean([y for _, y in timing]):.3f}"
                 if timing else ""))
    print("differences:" if diffs else "no differences")
    print("\n".join(diffs))


if __name__ == "__main__":
    main()
