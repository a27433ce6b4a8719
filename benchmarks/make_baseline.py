"""Write the accuracy baseline that ``tests/test_accuracy.py`` ratchets the detectors against.

For every labelled set that is present (``repcount.evaluation.datasets``: the shared real and
rendered clips, the sample videos, both corpus halves) the detectors run on the landmark tracks
only and the per set, per exercise figures (MAE, OBO, side accuracy, hold error, recognitions)
go to ``benchmarks/baseline.json``. Tracks of shared clips come from the repcount cache
(recorded with the full model when missing; nothing from ``../shared`` is committed); sample
videos and the corpus have committed tracks (``--record`` re-records a sample video's track
when its video changed).

Re-run it (and commit the JSON) after a deliberate detector change: the ratchet only lets
figures stay or improve.

Usage: python benchmarks/make_baseline.py [--record] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repcount.cli import main as repcount_main
from repcount.commands.bench import Job, measure_clip
from repcount.errors import RepcountError
from repcount.evaluation.baseline import baseline_doc
from repcount.evaluation.datasets import SET_NAMES, checkout_root, dataset, sample_track
from repcount.evaluation.metrics import summarise
from repcount.io.atomic import write_text_atomic
from repcount.pose.models import resolve
from repcount.pose.track import Track, file_sha256

ROOT = checkout_root()
BASELINE = ROOT / "benchmarks" / "baseline.json"


def refresh_sample_tracks(model_name: str) -> None:
    """Record the track of every sample video whose committed track is missing or stale."""
    for lab in dataset("samples").labels():
        path = sample_track(lab)
        want = Track.load(path).meta.get("video_sha256") if path.is_file() else None
        if want == file_sha256(lab.path):
            continue
        rc = repcount_main(["pose", str(lab.path), "-o", str(path), "--model", model_name, "-q"])
        if rc:
            raise SystemExit(rc)
        track = Track.load(path)
        track.meta["video_sha256"] = file_sha256(lab.path)
        track.save(path)


def main() -> int:
    """Score every present set and write the baseline."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record", action="store_true", help="re-record stale or missing sample-video tracks")
    ap.add_argument("--model", default="full")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=BASELINE)
    args = ap.parse_args()
    model = resolve(args.model)
    if args.record:
        refresh_sample_tracks(args.model)
    doc: dict[str, object] = {}
    for name in SET_NAMES:
        ds = dataset(name)
        if not ds.available():
            print(f"{name}: not found, skipped")
            continue
        jobs = [Job(name, lab, model) for lab in ds.labels()]
        if args.jobs > 1:
            from functools import partial

            from repcount.commands.parallel import run_in_processes

            done: dict[int, object] = {}
            run_in_processes(partial(measure_clip), jobs, args.jobs, done.__setitem__,
                             lambda i, exc: (_ for _ in ()).throw(exc))
            rows = [done[i] for i in sorted(done)]
        else:
            rows = [measure_clip(j) for j in jobs]
        failed = [r for r in rows if r.error]  # type: ignore[attr-defined]
        if failed:
            print(f"{name}: {len(failed)} clip(s) failed, first: {failed[0].error}", file=sys.stderr)  # type: ignore[attr-defined]
            return 2
        doc[name] = baseline_doc(rows, f"set {name}, model {model.name}")  # type: ignore[arg-type]
        _, overall = summarise(rows)  # type: ignore[arg-type]
        print(f"{name:12} clips {overall['n']:3} MAE {overall['mae']} OBO {overall['obo']} "
              f"side {overall['side_acc']} hold {overall['mean_hold_error_s']} "
              f"auto {overall['auto_ok']}/{overall['auto_n']}")
    write_text_atomic(args.out, json.dumps(doc, indent=1) + "\n")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except RepcountError as exc:
        print(f"make_baseline: error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
