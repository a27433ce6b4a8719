"""Recordings of several exercises stitched from real and rendered clips: are the blocks found?

Each recording joins labelled clips (the real ones in ``../shared/clips``, the independent
renderer's in ``../shared/synthetic``, the committed samples) with 3 s of idling before each
(its first frame held), letterboxed to 640x480 at 30 fps; a short real clip is looped to make a
set (its count multiplied). Each is analysed as a user would, ``repcount analyze VIDEO
--exercise auto`` with the defaults and the full model, and its blocks are scored against the
clips' labels (:func:`repcount.evaluation.stitched.score_blocks`): every block found with its
exercise and leg, its count, and the boundary between neighbouring exercises within 2 s of the
transition. The videos are built in a temporary folder and not kept (they are made of
``../shared``'s clips).

Last, the rendered whole circuit (``sample_videos/circuit``: every exercise on both legs with
its real transitions) is analysed and scored the same way.

Usage: ``python benchmarks/stitched.py [--json OUT] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from repcount.cli import main as repcount_main
from repcount.evaluation.datasets import dataset
from repcount.evaluation.labels import Label
from repcount.evaluation.stitched import TruthBlock, score_blocks, truth_of
from repcount.io.stitch import Piece, stitch_videos

#: (set, clip, loops) of each recording. Real clips of our exercises are short, so they loop.
RECORDINGS: dict[str, list[tuple[str, str, int]]] = {
    "circuit order, real and rendered": [
        ("samples", "synth_single_leg_dip_right_side_s1.mp4", 1),
        ("synthetic", "single_leg_bridge_201.mp4", 1),
        ("samples", "synth_single_leg_bridge_hold_left_side_s2001.mp4", 1),
        ("synthetic", "prone_leg_lift_402.mp4", 1),
        ("clips", "clamshell_studio_a.mp4", 2),
    ],
    "reordered, with real squats": [
        ("clips", "squat_wall_a.mp4", 2),
        ("synthetic", "clamshell_601.mp4", 1),
        ("samples", "synth_prone_leg_lift_right_side_s3001.mp4", 1),
        ("synthetic", "single_leg_dip_702.mp4", 1),
    ],
    "repeated, with real push-ups and glute bridges": [
        ("samples", "synth_ball_leg_curl_both_side_s4001.mp4", 1),
        ("clips", "pushup_silhouette_b.mp4", 2),
        ("synthetic", "ball_leg_curl_502.mp4", 1),
        ("clips", "glute_bridge_frogpump_a.mp4", 2),
    ],
}
#: Seconds of idling before each clip.
IDLE_S = 3.0
#: A whole circuit rendered by ``repcount synth --circuit --seed 1`` with its transitions (stepping
#: onto and off the box, lying down, rolling over, getting onto the ball), scored as it is.
RENDERED = Path(__file__).resolve().parents[1] / "sample_videos" / "circuit" / "synth_circuit_s1.mp4"


def label_of(set_name: str, file: str) -> Label:
    """The label of one clip of a set."""
    for lab in dataset(set_name).labels():
        if lab.file == file:
            return lab
    raise SystemExit(f"{set_name}/{file}: no such labelled clip")


def build(name: str, folder: Path) -> tuple[Path, list[TruthBlock]]:
    """Stitch one recording; return its path and truth per block."""
    labels = [(label_of(s, f), loops) for s, f, loops in RECORDINGS[name]]
    out = folder / (name.split(",")[0].replace(" ", "_") + ".mp4")
    spans = stitch_videos([Piece(lab.path, loops, IDLE_S) for lab, loops in labels], out)
    truth = []
    for (lab, loops), (a, b) in zip(labels, spans):
        held = sum(e - s for s, e in lab.holds) * loops if lab.holds else None
        truth.append(TruthBlock(lab.exercise, lab.side, None if lab.reps is None else lab.reps * loops,
                                held, a, b))
    return out, truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write every row here")
    ap.add_argument("--keep", type=Path, help="build the videos here instead of a temporary folder")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="repcount-stitched-"))
    folder.mkdir(parents=True, exist_ok=True)
    report = []
    recordings: list[str] = [*RECORDINGS, "rendered circuit with transitions"]
    for name in recordings:
        video, truth = build(name, folder) if name in RECORDINGS else (RENDERED, truth_of(RENDERED))
        out = folder / (video.stem + ".json")  # the rendered one is analysed where it lies
        t0 = time.perf_counter()
        code = repcount_main(["analyze", str(video), "-e", "auto", "--no-cache", "--quiet",
                              "--json", str(out)])
        wall = time.perf_counter() - t0
        doc = json.loads(out.read_text())
        rows, bounds = score_blocks(doc, truth)
        length = truth[-1].end_s
        print(f"\n{name}: {length:.0f} s, analysed in {wall:.0f} s (exit {code}), "
              f"exercise '{doc['exercise']}'")
        print(f"  {'exercise':24s} {'leg':6s} {'true':>6s} {'counted':>8s}  {'clip span s':>13s}  "
              "found span s")
        for r in rows:
            span = r["found_span"]
            fs = "not found" if span is None else f"{span[0]:.1f}-{span[1]:.1f}"
            print(f"  {r['exercise']:24s} {r['side']:6s} {r['true']!s:>6s} {r['counted']!s:>8s}  "
                  f"{r['span'][0]:6.1f}-{r['span'][1]:<6.1f}  {fs}")
        print("  boundary errors s: "
              + ", ".join("missing" if math.isinf(e) else f"{e:.1f}" for e in bounds))
        found = sum(r["found"] for r in rows)
        exact = sum(r["found"] and r["counted"] == r["true"] for r in rows if r["true"] is not None
                    and not isinstance(r["true"], float))
        report.append({"recording": name, "seconds": round(length, 1), "wall_s": round(wall, 1),
                       "rows": rows,
                       "boundary_errors_s": [None if math.isinf(e) else round(e, 2) for e in bounds],
                       "found": found, "blocks": len(rows), "exact_reps": exact})
        print(f"  {found}/{len(rows)} blocks found, {exact} rep counts exact, "
              f"{sum(e <= 2.0 for e in bounds)}/{len(bounds)} boundaries within 2 s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    sys.exit(main())
