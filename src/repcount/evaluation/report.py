"""A bench run's records: rows per (set, model), the whole report, and model agreement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from repcount.evaluation.labels import Label
from repcount.evaluation.metrics import ClipRow, evaluate_samples, summarise
from repcount.pose.track import Track


def evaluate_tracks(labels: Sequence[Label], tracks: dict[int, Track]) -> list[ClipRow]:
    """Score every label whose track (keyed by label index) is given, in label order."""
    return [evaluate_samples(lab, list(tracks[lab.index].samples())) for lab in labels if lab.index in tracks]


@dataclass
class BenchRun:
    """One (set, model) pair's rows."""

    set_name: str
    model: str
    rows: list[ClipRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Per clip, per exercise and overall figures."""
        per, overall = summarise(self.rows)
        return {"set": self.set_name, "model": self.model, "clips": [r.to_json() for r in self.rows],
                "exercises": [_round(d) for d in per], "overall": _round(overall)}


@dataclass
class BenchReport:
    """A whole bench: its runs, the model agreement, and how it ran."""

    runs: list[BenchRun]
    jobs: int
    use_cache: bool
    wall_s: float = 0.0
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {"jobs": self.jobs, "use_cache": self.use_cache, "interrupted": self.interrupted,
                "wall_s": round(self.wall_s, 3), "runs": [r.to_json() for r in self.runs],
                "agreement": model_agreement(self.runs)}


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}


def model_agreement(runs: Sequence[BenchRun]) -> list[dict[str, Any]]:
    """Clips whose counts, sides or hold times differ between the models of a run."""
    by_clip: dict[tuple[str, str], dict[str, ClipRow]] = {}
    for run in runs:
        for r in run.rows:
            if r.error is None:
                by_clip.setdefault((run.set_name, r.file), {})[run.model] = r
    out = []
    for (set_name, file), rows in by_clip.items():
        if len(rows) < 2:
            continue
        counts = {m: r.counted_reps for m, r in rows.items()}
        sides = {m: r.per_side for m, r in rows.items()}
        holds = {m: round(r.counted_hold_s, 1) if r.counted_hold_s is not None else None
                 for m, r in rows.items()}
        if len(set(counts.values())) > 1 or len({json.dumps(s, sort_keys=True) for s in sides.values()}) > 1 \
                or any(abs((a or 0) - (b or 0)) > 0.5 for a in holds.values() for b in holds.values()):
            true = next(iter(rows.values())).true_reps
            out.append({"set": set_name, "file": file, "true_reps": true, "counts": counts, "sides": sides,
                        "holds_s": holds, "rejected": {m: r.rejected for m, r in rows.items()}})
    return out
