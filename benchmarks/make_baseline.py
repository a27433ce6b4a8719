"""Write the accuracy baseline that tests/test_accuracy_regression.py holds the detectors to.

The baseline is computed from landmark tracks only (no model at test time), with the labelled
exercise run through ``analyze_samples``: per exercise MAE, OBO, mean hold error and correct
recognitions, plus the per clip figures for reference.

Usage (from the checkout root, REPCOUNT_MODEL_DIR pointing at the models when recording):

    # sample_videos: committed tracks in benchmarks/tracks/sample_videos/<stem>.npz (--record makes
    # missing or stale ones with `repcount pose VIDEO -o TRACK --model full`)
    python benchmarks/make_baseline.py --record
    # the shared clips: tracks recorded into the repcount cache (nothing from shared is committed)
    python benchmarks/make_baseline.py --shared

Re-run it (and commit the JSON) after a deliberate detector change or when clips are added.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from repcount.bench import (
    baseline_doc,
    cached_track,
    evaluate_tracks,
    load_labels,
    summarise,
    track_file,
)
from repcount.cli import main as repcount_main
from repcount.errors import RepcountError
from repcount.io_utils import write_text_atomic
from repcount.models import resolve
from repcount.pose.track import Track, file_sha256

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LABELS = ROOT / "sample_videos" / "labels.json"
SAMPLE_TRACKS = ROOT / "benchmarks" / "tracks" / "sample_videos"
SAMPLE_BASELINE = ROOT / "benchmarks" / "baseline_sample_videos.json"
SHARED_LABELS = ROOT.parent / "shared" / "clips" / "labels.json"
SHARED_BASELINE = ROOT / "benchmarks" / "baseline_shared_clips.json"


def rel(p: Path) -> str:
    """``p`` relative to the checkout when inside it (the baseline should not name a home folder)."""
    p = p.resolve()
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


def track_problem(track: Path, video: Path) -> str | None:
    """Why ``track`` cannot be used for ``video`` (missing, or recorded from other video bytes)."""
    if not track.is_file():
        return "missing"
    want = Track.load(track).meta.get("video_sha256")
    if want and video.is_file() and file_sha256(video) != want:
        return "stale (the video changed since the track was recorded)"
    return None


def stamp(track: Path, video: Path) -> None:
    """Record the video's sha256 in the track so the test can tell a stale track from a good one."""
    t = Track.load(track)
    t.meta["video_sha256"] = file_sha256(video)
    t.save(track)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", action="store_true",
                    help="baseline the shared clips (tracks from the repcount cache), not sample_videos")
    ap.add_argument("--labels", type=Path, help="labels file (default per dataset)")
    ap.add_argument("--tracks", type=Path,
                    help="folder of <stem>.npz tracks (default benchmarks/tracks/sample_videos)")
    ap.add_argument("--out", type=Path, help="baseline JSON to write (default per dataset)")
    ap.add_argument("--record", action="store_true", help="record missing or stale tracks with the model")
    ap.add_argument("--model", default="full", help="model used to record tracks (default full)")
    args = ap.parse_args()

    labels_path = args.labels or (SHARED_LABELS if args.shared else SAMPLE_LABELS)
    out = args.out or (SHARED_BASELINE if args.shared else SAMPLE_BASELINE)
    labels = load_labels(labels_path)
    tracks: dict[int, Track] = {}
    if args.shared:
        model = resolve(args.model)
        for lab in labels:
            track = cached_track(lab, model)
            if track is None:
                print(f"{lab.file}: could not record a track", file=sys.stderr)
                return 2
            tracks[lab.index] = track
        source = f"{labels_path.name} of the shared clips, tracks by model {model.name} (repcount cache)"
    else:
        tracks_dir = args.tracks or SAMPLE_TRACKS
        for lab in labels:
            path = track_file(tracks_dir, lab)
            problem = track_problem(path, lab.path)
            if problem:
                if not args.record:
                    print(f"{path}: {problem}; record it with: repcount pose {lab.path} -o {path} "
                          f"--model {args.model}  (or pass --record)", file=sys.stderr)
                    return 2
                rc = repcount_main(["pose", str(lab.path), "-o", str(path), "--model", args.model, "-q"])
                if rc:
                    return rc
                stamp(path, lab.path)
            tracks[lab.index] = Track.load(path)
        source = f"{rel(labels_path)}, tracks in {rel(tracks_dir)}"
    rows = evaluate_tracks(labels, tracks)
    doc = baseline_doc(rows, source)
    write_text_atomic(out, json.dumps(doc, indent=1) + "\n")
    per, overall = summarise(rows)
    for d in per:
        print(f"{d['exercise']:<24} n={d['n']:<2} MAE={d['mae']} OBO={d['obo']} "
              f"hold_err={d['mean_hold_error_s']} auto={d['auto_ok']}/{d['auto_n']}")
    print(f"overall MAE={overall['mae']} OBO={overall['obo']} -> {out}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except RepcountError as exc:
        print(f"make_baseline: error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
