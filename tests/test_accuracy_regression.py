"""Accuracy must not regress: detectors on recorded landmark tracks vs a committed baseline.

- sample_videos: tracks committed in ``benchmarks/tracks/sample_videos/<stem>.npz`` (recorded with
  ``repcount pose VIDEO -o TRACK --model full``, stamped with the video's sha256), baseline
  ``benchmarks/baseline_sample_videos.json``.
  No model and no video decoding: only ``analyze_samples`` (and recognition for ``other`` clips).
- shared clips (when ``../shared/clips`` is present): tracks recorded on the fly with the full model
  into pytest's cache folder (so only the first session pays for the model), baseline
  ``benchmarks/baseline_shared_clips.json``. Nothing from shared is committed.

Both baselines are written by ``python benchmarks/make_baseline.py [--record | --shared]``.
Per exercise, MAE and mean hold error must not rise and OBO and correct recognitions must not fall.
Only the clips named in the baseline are judged, so adding clips never fails the test by itself.
"""

import json
import warnings
from pathlib import Path

import pytest

from conftest import ROOT, needs_clips
from repcount.bench import evaluate_tracks, load_labels, regressions, track_file
from repcount.pose.track import Track, file_sha256

SAMPLES = ROOT / "sample_videos"
SAMPLE_LABELS = SAMPLES / "labels.json"
SAMPLE_TRACKS = ROOT / "benchmarks" / "tracks" / "sample_videos"
SAMPLE_BASELINE = ROOT / "benchmarks" / "baseline_sample_videos.json"
SHARED_BASELINE = ROOT / "benchmarks" / "baseline_shared_clips.json"


def judge(labels, tracks, baseline):
    rows = evaluate_tracks(labels, tracks)
    bad = regressions(rows, baseline)
    detail = "; ".join(f"{r.file}: {r.counted_reps}/{r.true_reps} reps, hold err {r.hold_error_s}, "
                       f"auto {r.auto}" for r in rows)
    assert not bad, f"accuracy regressed: {bad} (clips: {detail})"
    return rows


def baselined(labels, baseline, where):
    """The labels the baseline knows; warn about the others (re-run make_baseline.py)."""
    known = baseline.get("clips", {})
    new = [lab.file for lab in labels if lab.file not in known]
    if new:
        warnings.warn(f"{where}: {len(new)} clip(s) not in the baseline, not judged: {new[:5]}; "
                      "re-run benchmarks/make_baseline.py", stacklevel=2)
    return [lab for lab in labels if lab.file in known]


def test_sample_videos_not_worse_than_baseline():
    if not SAMPLE_LABELS.is_file():
        pytest.skip("sample_videos/labels.json not there yet")
    if not SAMPLE_BASELINE.is_file():
        pytest.skip("no baseline: run python benchmarks/make_baseline.py --record")
    baseline = json.loads(SAMPLE_BASELINE.read_text())
    labels = baselined(load_labels(SAMPLE_LABELS), baseline, "sample_videos")
    missing = [str(track_file(SAMPLE_TRACKS, lab)) for lab in labels
               if not track_file(SAMPLE_TRACKS, lab).is_file()]
    assert not missing, f"tracks missing (python benchmarks/make_baseline.py --record): {missing}"
    tracks = {lab.index: Track.load(track_file(SAMPLE_TRACKS, lab)) for lab in labels}
    # A re-rendered clip (same name, new bytes, maybe new labels) needs a new track and baseline.
    stale = [lab.file for lab in labels if lab.path.is_file()
             and tracks[lab.index].meta.get("video_sha256") not in (None, file_sha256(lab.path))]
    assert not stale, f"tracks older than their videos (python benchmarks/make_baseline.py --record): {stale}"
    judge(labels, tracks, baseline)


@needs_clips
@pytest.mark.e2e
@pytest.mark.slow
def test_shared_clips_not_worse_than_baseline(shared_tracks):
    if not SHARED_BASELINE.is_file():
        pytest.skip("no baseline: run python benchmarks/make_baseline.py --shared")
    baseline = json.loads(SHARED_BASELINE.read_text())
    labels, tracks = shared_tracks
    labels = baselined(labels, baseline, "shared clips")
    assert all(tracks[lab.index] is not None for lab in labels)
    judge(labels, tracks, baseline)


def test_regression_check_catches_a_worse_detector(tmp_path):
    """The comparison itself: a baseline better than reality fails, an equal one passes."""
    from repcount.bench import ClipRow

    rows = [ClipRow(0, "a.mp4", "squat", "side", 5, counted_reps=4, norm_error=0.2, obo=True)]
    assert regressions(rows, {"exercises": {"squat": {"mae": 0.2, "obo": 1.0}}}) == []
    assert regressions(rows, {"exercises": {"squat": {"mae": 0.0, "obo": 1.0}}})
    assert Path(track_file(tmp_path, load_labels_one(tmp_path))).name == "clip.npz"


def load_labels_one(tmp_path):
    p = tmp_path / "labels.json"
    p.write_text('[{"file": "videos/clip.mp4", "exercise": "squat", "reps": 3}]')
    return load_labels(p)[0]
