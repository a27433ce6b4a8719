"""Batch analysis: folders expand, bad videos do not stop the batch, processes and dask agree."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import CLIPS, needs_clips
from repcount.batch import (
    BatchError,
    analyze_many,
    expand_paths,
    summarize,
    summary_lines,
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
    lines = summary_lines(two, 2.0)
    assert "FAILED" in lines[0] and lines[-1].startswith("2/3 videos analysed")

    out = tmp_path / "all.csv"
    write_combined_csv(two, out)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == s.total_reps
    assert {r["video"] for r in rows} <= set(SMALL)


@needs_clips
@pytest.mark.e2e
@pytest.mark.slow
def test_dask_local_cluster(folder):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        res = analyze_many([folder], "glute_bridge", "lite", executor="dask", scheduler=cluster,
                           use_cache=False)
    assert isinstance(res[0], BatchError)
    assert isinstance(res[1], Analysis) and res[1].total_reps == 5
    assert isinstance(res[2], Analysis)


def test_dask_unreachable_scheduler(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("repcount.batch.DASK_CONNECT_TIMEOUT_S", 2.0)
    (tmp_path / "v.mp4").write_bytes(b"x")
    with pytest.raises(InputError, match="dask scheduler"):
        analyze_many([tmp_path], "squat", "lite", executor="dask",
                     scheduler="tcp://127.0.0.1:1")
