"""Tracks on disk (flat memory) and the segmented pose pass: same data as in memory, same counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from repcount.commands.posing import fill_spilled, resolve_jobs
from repcount.io.sources import VideoFileSource
from repcount.pose.spill import BLOCK, SpilledTrack, SpillWriter, spill_npz
from repcount.pose.stride import fill_skipped
from repcount.pose.track import Track, stream_members
from simulate import SimSpec, simulate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


def _spill(track: Track, folder: Path, cut: int | None = None, posed_every: int = 1) -> SpilledTrack:
    """``track`` written as one spill part, or two parts split at ``cut``."""
    cuts = [0, cut, len(track)] if cut else [0, len(track)]
    parts = []
    for k in range(len(cuts) - 1):
        w = SpillWriter(folder, f"p{k}")
        for i in range(cuts[k], cuts[k + 1]):
            posed = i % posed_every == 0
            found = posed and not np.isnan(track.image[i, 0, 0])
            w.append(float(track.t[i]), track.image[i] if found else None, track.world[i] if found else None,
                     posed)
        w.close()
        parts.append((folder, f"p{k}"))
    return SpilledTrack(parts, track.width, track.height, track.fps, {"x": 1})


@pytest.fixture(scope="module")
def track() -> Track:
    tr, _ = simulate(SimSpec("single_leg_bridge", reps=40, dropout=0.05, noise_px=1.0))  # > 2 blocks
    assert len(tr) > 2 * BLOCK
    return tr


def test_spilled_track_reads_back_what_was_written(track, tmp_path):
    sp = _spill(track, tmp_path, cut=BLOCK + 17)
    assert len(sp) == len(track)
    t, image, world, posed = sp.read(0, len(sp))
    assert np.array_equal(t, track.t) and posed.all()
    assert np.allclose(image, track.image, atol=1e-6, equal_nan=True)
    assert np.allclose(world, track.world, atol=1e-6, equal_nan=True)
    samples = sp.samples()
    listed = list(samples)
    assert len(listed) == len(track) and [s.index for s in listed] == list(range(len(track)))
    for i in (0, BLOCK - 1, BLOCK, BLOCK + 17, len(track) - 1, -1):
        ref = track.pose_at(i % len(track))
        got = samples[i]
        assert (got.pose is None) == (ref is None)
        if ref is not None:
            assert np.allclose(got.pose.image, ref.image, atol=1e-6)
    assert [s.index for s in samples[5:20:5]] == [5, 10, 15]
    with pytest.raises(IndexError):
        samples[len(track)]


def test_npz_written_block_by_block_loads_as_a_track(track, tmp_path):
    sp = _spill(track, tmp_path, cut=len(track) // 2 + 3)
    path = sp.save_npz(tmp_path / "t.npz")
    back = Track.load(path)
    assert back.meta == {"x": 1} and back.fps == track.fps and len(back) == len(track)
    assert np.allclose(back.image, track.image, atol=1e-6, equal_nan=True)
    header, frames = stream_members(path, rows=1000)
    chunks = list(frames)
    assert header["width"] == track.width and sum(len(c[0]) for c in chunks) == len(track)
    assert np.allclose(np.concatenate([c[2] for c in chunks]), track.world, atol=1e-6, equal_nan=True)
    again = spill_npz(path)
    assert np.allclose(again.read(0, len(again))[1], track.image, atol=1e-6, equal_nan=True)
    folder = again.parts[0][0]
    again.close()
    assert not folder.exists()  # the private copy is removed


def test_block_by_block_fill_equals_the_whole_fill(track, tmp_path):
    sp = _spill(track, tmp_path, cut=1001, posed_every=3)
    t, image, world, posed = sp.read(0, len(sp))
    whole = fill_skipped(t, image, world, posed)
    fill_spilled(sp, margin=16, block=500)
    t2, image2, world2, posed2 = sp.read(0, len(sp))
    assert np.array_equal(posed2, posed)
    assert np.allclose(image2, whole[0], atol=1e-5, equal_nan=True)
    assert np.allclose(world2, whole[1], atol=1e-5, equal_nan=True)
    # The fill came close to the true landmarks where a pose was found either side.
    filled = ~posed & ~np.isnan(image2[:, 0, 0]) & ~np.isnan(track.image[:, 0, 0])
    err = np.abs(image2[filled, :, :2] - track.image[filled, :, :2]) * [track.width, track.height]
    assert filled.sum() > len(track) / 2 and np.median(err) < 1.5


def test_seek_gives_the_same_frames_as_reading_through():
    video = SAMPLES / "synth_clamshell_left_front_s5001.mp4"
    with VideoFileSource(video) as src:
        seq = {f.index: (f.t, f.image) for f in src}
    for start in (1, 97, 250):
        with VideoFileSource(video) as src:
            src.seek(start)
            got = [(i, t, fr) for i, t, fr in src.sparse(lambda i: i % 2 == 0, stop=start + 40)]
        assert [g[0] for g in got] == list(range(start, start + 40))
        for i, t, fr in got:
            assert t == pytest.approx(seq[i][0], abs=1e-6)
            assert (fr is not None) == (i % 2 == 0)
            if fr is not None:
                assert np.array_equal(fr.image, seq[i][1])


def test_jobs_for_one_video():
    assert resolve_jobs(None, 30 * 600, 30.0) >= 1
    assert resolve_jobs(None, 30 * 30, 30.0) == 1  # too short to be worth a second process
    assert resolve_jobs(3, 30 * 17, 30.0) == 3 and resolve_jobs(8, 30 * 5, 30.0) == 1
    assert resolve_jobs(2, None, 30.0) == 1


@pytest.mark.e2e
def test_a_video_posed_on_two_processes_counts_as_on_one(tmp_path):
    """The real model: stride 3 on 2 segments, against the labels of a sample video."""
    from repcount.commands.pipeline import analyze_video
    from repcount.detectors import EXERCISES
    from repcount.pose.models import resolve

    labels = {d["file"]: d for d in json.loads((SAMPLES / "labels.json").read_text())}
    name = "synth_single_leg_bridge_right_side_s1001.mp4"
    lab = labels[name]
    model = resolve("full")
    one, _, s1 = analyze_video(SAMPLES / name, EXERCISES[lab["exercise"]], model, use_cache=False,
                               stride=3, jobs=1)
    two, _, s2 = analyze_video(SAMPLES / name, EXERCISES[lab["exercise"]], model, use_cache=False,
                               stride=3, jobs=2)
    assert s2.jobs == 2 and s1.jobs == 1
    assert one.frames == two.frames == VideoFileSource(SAMPLES / name).frame_count
    assert one.total_reps == two.total_reps == lab["reps"]
    assert {r.side for r in two.reps} == {lab["side"]}
    # The second segment's tracker starts afresh, so its poses differ a little: rep starts and
    # ends agree within three frames (a bridge's flat top leaves its peak time loose by ~0.1 s).
    for a, b in zip(one.reps, two.reps):
        assert abs(a.start_s - b.start_s) <= 3 / one.fps and abs(a.end_s - b.end_s) <= 3 / one.fps
        assert abs(a.peak_s - b.peak_s) <= 0.2
