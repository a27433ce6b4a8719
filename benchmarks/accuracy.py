"""Markdown tables for the README from one or more ``repcount bench --json`` reports.

Per set and model: one row per exercise and the overall row (MAE, OBO, side accuracy, hold
error, ``auto`` recognitions, the plain-peaks baseline, withheld movements), then, when the
report scored several models, the clips on which the models' counts differ.

Usage:
    repcount bench --set all --json out/bench.json
    python benchmarks/accuracy.py out/bench.json [more.json ...] > out/accuracy.md
    python benchmarks/accuracy.py benchmarks/baseline.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HEAD = ("| exercise | clips | MAE | OBO | side | max hold err s | auto | plain MAE | plain OBO | withheld |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")


def _f(x: Any, spec: str = "{:.3f}") -> str:
    return "" if x is None else spec.format(x)


def _row(name: str, d: dict[str, Any]) -> str:
    side = f"{d['side_acc']:.2f} ({d['n_sided']})" if d.get("side_acc") is not None else ""
    auto = f"{d['auto_ok']}/{d['auto_n']}" if d.get("auto_n") else ""
    withheld = ", ".join(f"{k} {v}" for k, v in sorted(d.get("rejected", {}).items()))
    return (f"| {name} | {d['n_counted']}/{d['n']} | {_f(d['mae'])} | {_f(d['obo'], '{:.2f}')} | {side} | "
            f"{_f(d.get('max_hold_error_s'), '{:.2f}')} | {auto} | {_f(d.get('baseline_mae'))} | "
            f"{_f(d.get('baseline_obo'), '{:.2f}')} | {withheld} |")


def _model(a: dict[str, Any], m: str) -> str:
    hold = f" hold {a['holds_s'][m]} s" if a["holds_s"][m] else ""
    return f"{m} {a['counts'][m]} {a['sides'][m]}{hold}"


def markdown(doc: dict[str, Any]) -> str:
    """The tables of one report (a ``bench --json`` report, or ``baseline.json``)."""
    if "runs" not in doc:  # baseline.json: {set: {"source", "exercises", "overall", "clips"}}
        doc = {"runs": [{"set": name, "model": d["source"].rsplit("model ", 1)[-1],
                         "exercises": [{"exercise": e, **v} for e, v in d["exercises"].items()],
                         "overall": d["overall"]} for name, d in doc.items()]}
    out = []
    for run in doc["runs"]:
        out += [f"**{run['set']}** (model {run['model']})", "", HEAD]
        out += [_row(e["exercise"], e) for e in run["exercises"]]
        out += [_row("**all**", run["overall"]), ""]
    models = sorted({run["model"] for run in doc["runs"]})
    if len(models) > 1:
        diffs = doc.get("agreement") or []
        out.append(f"Clips on which the models ({', '.join(models)}) differ in count, sides or hold "
                   f"(> 0.5 s): {len(diffs)}")
        for a in diffs:
            models_said = ", ".join(_model(a, m) for m in a["counts"])
            out.append(f"- {a['set']}/{a['file']} (true {a['true_reps']}): {models_said}")
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Print the tables of every report named on the command line."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv:
        print(markdown(json.loads(Path(path).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
