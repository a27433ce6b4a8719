"""End to end with the real MediaPipe model on a real clip."""

import csv
import json

import cv2
import pytest

from conftest import CLIPS, needs_clips
from repcount.cli import main

SCHEMA_KEYS = {"video", "exercise", "model", "fps", "frames", "pose_frames", "total_reps",
               "per_side", "reps", "holds", "warnings"}


@needs_clips
@pytest.mark.e2e
def test_analyze_glute_bridge_clip(tmp_path, capsys):
    clip = CLIPS / "glute_bridge_darebee_a.mp4"
    out = tmp_path / "out.json"
    args = ["analyze", str(clip), "--exercise", "glute_bridge", "--json", str(out),
            "--csv", str(tmp_path / "reps.csv"), "--plot", str(tmp_path / "p.png"),
            "--annotate", str(tmp_path / "a.mp4")]
    assert main(args) == 0
    doc = json.loads(out.read_text())
    assert set(doc) >= SCHEMA_KEYS
    assert doc["total_reps"] == 5
    assert doc["per_side"]["both"]["reps"] == 5
    assert doc["model"] == "full" and doc["frames"] == 232 and doc["pose_frames"] >= 230
    for i, rep in enumerate(doc["reps"], 1):
        assert rep["index"] == i and rep["start_s"] < rep["peak_s"] < rep["end_s"]
        assert rep["rom_deg"] > 30
    rows = [r for r in csv.DictReader((tmp_path / "reps.csv").open()) if r["partial"] == "0"]
    assert len(rows) == 5 and rows[0]["exercise"] == "glute_bridge"
    for row, rep in zip(rows, doc["reps"]):
        assert float(row["duration_s"]) == pytest.approx(rep["end_s"] - rep["start_s"], abs=0.01)
    assert (tmp_path / "p.png").stat().st_size > 10_000
    cap = cv2.VideoCapture(str(tmp_path / "a.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 232 + round(3 * doc["fps"])  # then a 3 s end screen
    cap.release()
    summary = capsys.readouterr().out
    assert "total" in summary and "5" in summary

    # Second run comes from the landmark cache and gives the same answer.
    out2 = tmp_path / "out2.json"
    assert main(["analyze", str(clip), "-e", "glute_bridge", "--json", str(out2), "-q"]) == 0
    doc2 = json.loads(out2.read_text())
    assert doc2["reps"] == doc["reps"]


@pytest.mark.e2e
def test_ctrl_c_during_annotate_keeps_the_annotated_video(tmp_path):
    """Ctrl-C while posing still writes the JSON and the annotated video up to that point."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from conftest import default_sigint
    from repcount.io.stitch import Piece, stitch_videos

    # The dip sample played 4 times (about 2,000 frames): long enough that the stop lands
    # mid-run on a machine twice as fast as this one (one loop took ~8 s here with lite).
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "synth_single_leg_dip_right_side_s1.mp4"
    video = tmp_path / "loops" / "dips.mp4"
    video.parent.mkdir()
    stitch_videos([Piece(sample, loops=4, idle_s=0.0)], video)
    total = int(cv2.VideoCapture(str(video)).get(cv2.CAP_PROP_FRAME_COUNT))
    out, ann = tmp_path / "a.json", tmp_path / "a.mp4"
    proc = subprocess.Popen(
        [sys.executable, "-m", "repcount", "analyze", str(video), "-e", "single_leg_dip", "--model", "lite",
         "--no-cache", "--stride", "1", "--annotate", str(ann), "--json", str(out), "-q"],
        stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
        env=dict(os.environ, REPCOUNT_CACHE_DIR=str(tmp_path / "cache")))
    time.sleep(6.0)  # start-up and model load take ~3 s
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=60)
    assert rc == 130, proc.stderr.read() if proc.stderr else ""
    doc = json.loads(out.read_text())
    assert any("interrupted" in w for w in doc["warnings"])
    cap = cv2.VideoCapture(str(ann))
    written = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert 0 < doc["frames"] < total - 100
    assert written == doc["frames"] + round(3 * doc["fps"])  # + the end screen
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("cache", "loops"))
    assert left == ["a.json", "a.mp4"]
