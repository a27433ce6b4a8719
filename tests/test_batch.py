"""Batch analysis: folders expand, bad videos do not stop the batch, processes and dask agree."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import CLIPS, interrupt_cli, needs_clips
from repcount.cli import main
from repcount.commands.batch import (
    BatchError,
    analyze_many,
    expand_paths,
    summarize,
    write_combined_csv,
)
from repcount.errors import InputError, ModelError
from repcount.records import Analysis

SMALL = ("glute_bridge_darebee_a.mp4", "prone_superman_pulse_a.mp4")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short real clips, a corrupt 'video' and a non-video file in one folder."""
    d = tmp_path_factory.mktemp("batch")
    for name in SMALL:
        shutil.copy(CLIPS / name, d / name)
    (d / "b_corrupt.mp4").write_bytes(np.random.default_rng(0).bytes(20_000))
    (d / "notes.txt").write_text("not a video")
    return d


def test_expand_paths(tmp_path):
    (tmp_path / "b.mp4").write_bytes(b"x")
    (tmp_path / "a.MOV").write_bytes(b"x")
    (tmp_path / "c.txt").write_text("x")
    (tmp_path / ".hidden.mp4").write_bytes(b"x")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "d.mkv").write_bytes(b"x")
    missing = tmp_path / "missing.mp4"
    got = expand_paths([tmp_path, missing])
    assert [p.name for p in got] == ["a.MOV", "b.mp4", "missing.mp4"]
    assert [p.name for p in expand_paths([tmp_path], recursive=True)] == ["a.MOV", "b.mp4", "d.mkv"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no videos"):
        expand_paths([empty])
    with pytest.raises(InputError):
        expand_paths([])


def test_up_front_errors(tmp_path):
    with pytest.raises(InputError, match="unknown exercise"):
        analyze_many([tmp_path], "burpee", "lite")
    with pytest.raises(InputError, match="executor"):
        analyze_many([tmp_path], "squat", "lite", executor="spark")  # type: ignore[arg-type]
    bad = tmp_path / "pose_landmarker_full.task"
    bad.write_bytes(b"junk")
    (tmp_path / "v.mp4").write_bytes(b"x")
    with pytest.raises(ModelError):
        analyze_many([tmp_path], "squat", str(bad))


def _check(results: list, folder: Path) -> None:
    names = [Path(r.video).name for r in results]
    assert names == ["b_corrupt.mp4", SMALL[0], SMALL[1]]
    err = results[0]
    assert isinstance(err, BatchError) and err.exit_code == 2 and "not a readable video" in err.message
    assert all(isinstance(r, Analysis) for r in results[1:])
    assert results[1].exercise == "glute_bridge"
    assert results[1].total_reps == 5
    assert results[2].frames > 200


@needs_clips
@pytest.mark.e2e
def test_one_job_and_two_jobs_agree(folder, tmp_path):
    done: list[int] = []
    one = analyze_many([folder], "auto", "lite", jobs=1,
                       on_done=lambda r, k, n: done.append(k))
    _check(one, folder)
    assert done == [1, 2, 3]
    two = analyze_many([folder], "auto", "lite", jobs=2, use_cache=False)
    _check(two, folder)
    assert [getattr(r, "total_reps", None) for r in one] == [getattr(r, "total_reps", None) for r in two]

    s = summarize(two, wall_s=2.0)
    assert (s.videos, s.ok, s.failed, s.exit_code) == (3, 2, 1, 2)
    assert s.total_reps == sum(r.total_reps for r in two[1:])
    out = tmp_path / "all.csv"
    write_combined_csv(two, out)
    rows = [r for r in csv.DictReader(out.open()) if r["partial"] == "0"]  # partial reps have rows too
    assert len(rows) == s.total_reps
    assert {r["video"] for r in rows} <= set(SMALL)


@needs_clips
@pytest.mark.e2e
@pytest.mark.slow
def test_dask_local_cluster(folder):
    from dask import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        res = analyze_many([folder], "glute_bridge", "lite", executor="dask", scheduler=cluster,
                           use_cache=False)
    assert isinstance(res[0], BatchError)
    assert isinstance(res[1], Analysis) and res[1].total_reps == 5
    assert isinstance(res[2], Analysis)


def test_dask_unreachable_scheduler(tmp_path, monkeypatch):
    monkeypatch.setattr("repcount.commands.batch.DASK_CONNECT_TIMEOUT_S", 2.0)
    (tmp_path / "v.mp4").write_bytes(b"x")
    with pytest.raises(InputError, match="dask scheduler"):
        analyze_many([tmp_path], "squat", "lite", executor="dask",
                     scheduler="tcp://127.0.0.1:1")


@needs_clips
@pytest.mark.e2e
def test_cli_batch_folder_table_combined_csv_and_json(folder, tmp_path, capsys):
    """`repcount analyze FOLDER --jobs 2`: one table, a combined CSV, one JSON, exit 2 for the
    corrupt video (the others are still analysed)."""
    out_csv, out_json = tmp_path / "all.csv", tmp_path / "all.json"
    code = main(["analyze", str(folder), "-e", "auto", "--model", "lite", "--jobs", "2",
                 "--csv", str(out_csv), "--json", str(out_json)])
    cap = capsys.readouterr()
    assert code == 2
    err = cap.err.splitlines()
    assert len(err) == 1 and "1 of 3 videos could not be analysed" in err[0], err
    assert "2/3 videos analysed" in cap.out and "3 videos" in cap.out
    for name in SMALL:
        assert name in cap.out
    doc = json.loads(out_json.read_text())
    assert [v["video"] for v in doc["videos"]] == list(SMALL)
    assert doc["videos"][0]["total_reps"] == 5 and doc["videos"][0]["exercise"] == "glute_bridge"
    assert [Path(f["video"]).name for f in doc["failed"]] == ["b_corrupt.mp4"]
    assert doc["summary"]["ok"] == 2 and doc["summary"]["interrupted"] is False
    rows = [r for r in csv.DictReader(out_csv.open()) if r["partial"] == "0"]
    assert len(rows) == doc["summary"]["total_reps"] == sum(v["total_reps"] for v in doc["videos"])


@needs_clips
def test_cli_two_files_are_a_batch(tmp_path, capsys):
    a = CLIPS / SMALL[0]
    code = main(["analyze", str(a), str(a), "-e", "glute_bridge", "--model", "lite", "-q",
                 "--json", str(tmp_path / "two.json")])
    assert code == 0
    doc = json.loads((tmp_path / "two.json").read_text())
    assert [v["total_reps"] for v in doc["videos"]] == [5, 5]


@pytest.mark.parametrize("argv, words", [
    (["--annotate", "x.mp4"], "single video"),
    (["--scheduler", "tcp://127.0.0.1:1"], "needs --executor dask"),
    (["--jobs", "0"], "at least 1"),
])
def test_cli_batch_option_errors(tmp_path, capsys, argv, words):
    (tmp_path / "v.mp4").write_bytes(b"x")
    code = main(["analyze", str(tmp_path), "-e", "squat", *[a if not a.endswith(".mp4") else
                                                           str(tmp_path / a) for a in argv]])
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1 and words in err[0], err


@needs_clips
def test_cli_batch_sigint_keeps_finished_videos(tmp_path):
    """Ctrl-C during a batch: the videos done so far are in the JSON and CSV, exit 130."""
    d = tmp_path / "vids"
    d.mkdir()
    shutil.copy(CLIPS / SMALL[0], d / "a_first.mp4")  # ~3 s of CPU with lite, every frame
    # Two long ones (~10 s of CPU each here) after it, so the stop at 11 s of CPU lands after the
    # first video and before the end on a machine twice as fast or twice as slow as this one.
    shutil.copy(CLIPS / "situp_gym_a.mp4", d / "b_long.mp4")
    shutil.copy(CLIPS / "situp_gym_a.mp4", d / "c_long.mp4")
    out = tmp_path / "partial.json"
    code, err = interrupt_cli(["analyze", str(d), "-e", "auto", "--model", "lite", "--no-cache",
                               "--stride", "1", "-q", "--json", str(out), "--csv",
                               str(tmp_path / "partial.csv")], tmp_path / "cache", 11.0)
    assert code == 130, err
    assert "Traceback" not in err and "interrupted" in err
    doc = json.loads(out.read_text())
    assert doc["summary"]["interrupted"] is True
    assert doc["videos"][0]["video"] == "a_first.mp4" and doc["videos"][0]["total_reps"] == 5
    if len(doc["videos"]) > 1:  # the video in progress: its frames so far, marked
        assert any("interrupted" in w for w in doc["videos"][1]["warnings"])
    rows = [r for r in csv.DictReader((tmp_path / "partial.csv").open()) if r["partial"] == "0"]
    assert len(rows) >= 5


@pytest.mark.e2e
def test_batch_ctrl_c_keeps_the_videos_in_progress(tmp_path):
    """Ctrl-C during a 2-process batch: the videos under way come back with their frames so far
    (marked interrupted), in the JSON and in a row each of the per-video summary CSV."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import cv2

    from conftest import default_sigint
    from repcount.io.stitch import Piece, stitch_videos

    samples = Path(__file__).resolve().parents[1] / "sample_videos"
    d = tmp_path / "vids"
    d.mkdir()
    # Each sample played 3 times (1,500-2,300 frames, ~25-35 s each here with lite): still under
    # way at the stop on a machine twice as fast as this one.
    for name in ("synth_single_leg_bridge_hold_left_side_s2001.mp4",
                 "synth_single_leg_dip_right_side_s1.mp4"):
        stitch_videos([Piece(samples / name, loops=3, idle_s=0.0)], d / name)
    totals = {int(cv2.VideoCapture(str(p)).get(cv2.CAP_PROP_FRAME_COUNT)) for p in d.iterdir()}
    out, summary = tmp_path / "b.json", tmp_path / "videos.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "repcount", "analyze", str(d), "-e", "auto", "--model", "lite", "--no-cache",
         "--jobs", "2", "--stride", "1", "-q", "--json", str(out), "--summary-csv", str(summary)],
        stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
        env=dict(os.environ, REPCOUNT_CACHE_DIR=str(tmp_path / "cache")))
    time.sleep(12.0)  # workers start (spawn, model load) in ~5 s
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    doc = json.loads(out.read_text())
    assert doc["summary"]["interrupted"] is True
    assert len(doc["videos"]) == 2, doc["failed"]  # none lost: both came back from their workers
    for v in doc["videos"]:
        assert v["frames"] > 0
        assert any("interrupted" in w for w in v["warnings"]) or v["frames"] in totals
    rows = list(csv.DictReader(summary.open()))
    assert sorted(r["video"] for r in rows) == sorted(p.name for p in d.iterdir())
    assert {r["status"] for r in rows} <= {"ok", "interrupted"}
