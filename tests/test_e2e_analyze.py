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
    rows = list(csv.DictReader((tmp_path / "reps.csv").open()))
    assert len(rows) == 5 and rows[0]["exercise"] == "glute_bridge"
    assert (tmp_path / "p.png").stat().st_size > 10_000
    cap = cv2.VideoCapture(str(tmp_path / "a.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 232
    cap.release()
    summary = capsys.readouterr().out
    assert "total" in summary and "5" in summary

    # Second run comes from the landmark cache and gives the same answer.
    out2 = tmp_path / "out2.json"
    assert main(["analyze", str(clip), "-e", "glute_bridge", "--json", str(out2), "-q"]) == 0
    doc2 = json.loads(out2.read_text())
    assert doc2["reps"] == doc["reps"]
