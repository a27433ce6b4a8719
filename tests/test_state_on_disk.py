"""Bad state on disk never costs a session; hostile files are refused with one line.

Corrupt and truncated tracks, torn history lines, partly written models, two writers at once,
a full disk (a 64 KiB tmpfs), crafted ``.npz``/TOML/JSON files: each ends in a one-line error
or is recovered, and nothing half-written is left.
"""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import os
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repcount.errors import InputError, ModelError, OutputError, RepcountError
from repcount.pose import cache, models
from repcount.pose.track import MAX_FRAMES, Track
from repcount.records import NUM_LANDMARKS, Pose, PoseSample
from repcount.session import history
from repcount.session.plan import parse_plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "synth_single_leg_bridge_right_side_s1001.mp4"


def small_track(n: int = 40) -> Track:
    rng = np.random.default_rng(0)
    samples = []
    for i in range(n):
        img = np.concatenate([rng.uniform(0.2, 0.8, (NUM_LANDMARKS, 3)), np.ones((NUM_LANDMARKS, 2))], 1)
        pose = Pose(i / 30, img, rng.normal(size=(NUM_LANDMARKS, 3)), 640, 480)
        samples.append(PoseSample(i, i / 30, pose))
    return Track.from_samples(samples, width=640, height=480, fps=30.0, meta={"video": "x"})


def summary(reps: int = 3) -> dict:
    return {"plan": "p", "finished": True, "duration_s": 12.0, "blocks_complete": 1, "blocks": 1,
            "total_reps": reps, "per_block": [{
                "exercise": "single_leg_dip", "side": "left", "unit": "reps", "target": 20,
                "done": reps, "partial_reps": 0, "complete": False, "skipped": False,
                "warnings": []}]}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


# ----------------------------------------------------------------------------- tracks
def test_truncated_or_corrupt_cached_track_is_a_miss_and_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REPCOUNT_CACHE_DIR", str(tmp_path / "cache"))
    video = tmp_path / "v.mp4"
    video.write_bytes(b"some video bytes")
    path = cache.store(video, "ab" * 32, small_track())
    assert len(cache.load_cached(video, "ab" * 32)) == 40
    data = path.read_bytes()
    for broken in (data[: len(data) // 2], data[:10], b"", bytes(len(data))):
        path.write_bytes(broken)
        assert cache.load_cached(video, "ab" * 32) is None
        with pytest.raises(InputError, match="not a repcount landmark track") as exc:
            Track.load(path)
        assert "\n" not in str(exc.value)
    # The next store replaces the bad entry.
    cache.store(video, "ab" * 32, small_track())
    assert len(cache.load_cached(video, "ab" * 32)) == 40


def _npz(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in members.items():
            zf.writestr(f"{k}.npy", v)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _header(**kw) -> bytes:
    h = {"version": 1, "width": 640, "height": 480, "fps": 30.0, "meta": {}, **kw}
    return _npy(np.frombuffer(json.dumps(h).encode(), dtype=np.uint8))


def _arrays(n: int = 3) -> dict[str, bytes]:
    return {"t": _npy(np.arange(n, dtype=np.float64)),
            "image": _npy(np.zeros((n, NUM_LANDMARKS, 5), np.float32)),
            "world": _npy(np.zeros((n, NUM_LANDMARKS, 3), np.float32))}


def test_crafted_tracks_are_refused(tmp_path):
    good = tmp_path / "good.npz"
    _npz(good, {**_arrays(), "header": _header()})
    assert len(Track.load(good)) == 3  # the crafting itself makes valid tracks
    # A pickled object member is never unpickled.
    pickled = {**_arrays(), "header": _header(), "t": _npy(np.array([{"a": 1}], dtype=object))}
    # An array header claiming far more frames than exist, or than a real video has: refused
    # from its header, before anything is allocated.
    big = np.lib.format.header_data_from_array_1_0(np.zeros((1, NUM_LANDMARKS, 5), np.float32))
    big["shape"] = (10**9, NUM_LANDMARKS, 5)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, big)
    huge = {**_arrays(), "header": _header(), "image": buf.getvalue()}
    cases = {
        "pickle": pickled,
        "huge": huge,
        "shapes disagree": {**_arrays(3), "t": _npy(np.arange(4.0)), "header": _header()},
        "no header": _arrays(),
        "nested header": {**_arrays(), "header": _npy(np.frombuffer(b"[" * 100000, dtype=np.uint8))},
        "header is a list": {**_arrays(), "header": _npy(np.frombuffer(b"[1, 2]", dtype=np.uint8))},
        "width is text": {**_arrays(), "header": _header(width="wide")},
        "fps is negative": {**_arrays(), "header": _header(fps=-1)},
        "meta is a number": {**_arrays(), "header": _header(meta=3)},
        "unknown version": {**_arrays(), "header": _header(version=9)},
        "extra member": {**_arrays(), "header": _header(), "evil": _npy(np.zeros(2))},
        "too many frames": {**_arrays(1), "t": _npy(np.zeros(MAX_FRAMES + 1)), "header": _header()},
        "times not finite": {**_arrays(), "t": _npy(np.array([0.0, np.nan, 1.0])), "header": _header()},
    }
    for name, members in cases.items():
        path = tmp_path / f"{name}.npz"
        _npz(path, members)
        with pytest.raises(InputError) as exc:
            Track.load(path)
        assert "\n" not in str(exc.value), name


# ----------------------------------------------------------------------------- history
def test_torn_and_corrupt_history_lines_cost_no_session(tmp_path, monkeypatch, capsys):
    from repcount.cli import main

    monkeypatch.setenv("REPCOUNT_DATA_DIR", str(tmp_path))
    history.append_history(summary(1))
    path = history.history_path()
    with open(path, "ab") as fh:  # a crash mid-write, then garbage and a wrongly typed entry
        fh.write(b'{"plan": "p", "finished": tr')
    history.append_history(summary(2))
    with open(path, "ab") as fh:
        fh.write(b"\xff\xfe not json\n" + json.dumps({**summary(), "duration_s": "long"}).encode() + b"\n")
    history.append_history(summary(3))
    entries, skipped = history.load_history()
    assert [e["total_reps"] for e in entries] == [1, 2, 3] and skipped == 3
    assert main(["history", "--details"]) == 0
    out = capsys.readouterr().out
    assert "3 unreadable line(s)" in out and out.count("blocks complete,") == 3


def _append_many(data_dir: str, who: int, n: int) -> None:
    os.environ["REPCOUNT_DATA_DIR"] = data_dir
    for i in range(n):
        history.append_history({**summary(i), "plan": f"w{who}", "note": "x" * 3000})


def _save_many(path: str, n: int) -> None:
    t = small_track(200)
    for _ in range(n):
        t.save(path)


def test_two_processes_writing_history_and_one_cache_entry(tmp_path):
    ctx = mp.get_context("spawn")
    ps = [ctx.Process(target=_append_many, args=(str(tmp_path), w, 40)) for w in (1, 2)]
    entry = tmp_path / "track.npz"
    ps += [ctx.Process(target=_save_many, args=(str(entry), 15)) for _ in (1, 2)]
    for p in ps:
        p.start()
    reads = 0
    while any(p.is_alive() for p in ps):
        if entry.exists():
            assert len(Track.load(entry)) == 200  # a reader never sees half a file
            reads += 1
    assert all(p.join() is None and p.exitcode == 0 for p in ps)
    entries, skipped = history.load_history(tmp_path / history.HISTORY_FILE)
    assert skipped == 0 and len(entries) == 80
    assert sorted(e["total_reps"] for e in entries if e["plan"] == "w1") == list(range(40))
    assert leftovers(tmp_path) == [] and reads > 0


# ----------------------------------------------------------------------------- models
def test_partly_written_model_is_refused_in_one_line(tmp_path, capsys):
    from repcount.cli import main

    src = Path(os.environ.get("REPCOUNT_MODEL_DIR", ROOT / "models")) / "pose_landmarker_lite.task"
    if not src.exists():
        pytest.skip(f"no lite model at {src} (run: repcount models --download lite)")
    half = tmp_path / "pose_landmarker_lite.task"  # official name: checked by sha256
    half.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    custom = tmp_path / "mine.task"  # custom name: MediaPipe itself must refuse it
    custom.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    for model, words in ((half, "does not match"), (custom, "could not load the model")):
        code = main(["pose", str(SAMPLE), "-o", str(tmp_path / "t.npz"), "--model", str(model), "-q"])
        err = capsys.readouterr().err
        assert code == 3 and words in err and err.count("\n") == 1, err
    assert not (tmp_path / "t.npz").exists()


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("REPCOUNT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("REPCOUNT_MODEL_DIR", str(tmp_path / "none"))
    monkeypatch.setattr(models, "project_models_dir", lambda: tmp_path / "none")

    class Dropped:
        headers = {"Content-Length": "100"}
        sent = 0

        def read(self, n):
            self.sent += 1
            if self.sent > 2:
                raise ConnectionResetError("connection reset by peer")
            return b"x" * 10

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: Dropped())
    with pytest.raises(ModelError, match="could not be downloaded"):
        models.resolve("lite", download=True)
    assert list((tmp_path / "models").iterdir()) == []


# ----------------------------------------------------------------------------- full disk
@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs (needs root, as in CI)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({r.stderr.strip() or 'not root'})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_while_writing_outputs(full_disk, monkeypatch):
    from repcount.io.atomic import write_text_atomic
    from repcount.io.sinks import VideoSink

    write_text_atomic(full_disk / "keep.json", "{}")
    with pytest.raises(OutputError) as exc:
        write_text_atomic(full_disk / "keep.json", "x" * 200_000)
    assert "\n" not in str(exc.value)
    assert (full_disk / "keep.json").read_text() == "{}"  # the old file is intact
    with pytest.raises(OutputError):
        small_track(2000).save(full_disk / "t.npz")
    with pytest.raises(OutputError), VideoSink(full_disk / "v.mp4", 30.0, (320, 240)) as sink:
        rng = np.random.default_rng(0)
        for _ in range(60):
            sink.write(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8))
    assert sorted(p.name for p in full_disk.iterdir()) == ["keep.json"]


def test_full_disk_keeps_the_history_whole(full_disk, monkeypatch):
    monkeypatch.setenv("REPCOUNT_DATA_DIR", str(full_disk))
    history.append_history(summary(1))
    before = history.history_path().read_bytes()
    with pytest.raises(OutputError):
        history.append_history({**summary(2), "note": "y" * 100_000})
    assert history.history_path().read_bytes() == before
    assert [e["total_reps"] for e in history.read_history()] == [1]


# ----------------------------------------------------------------------------- hostile parsers
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_plan_text_is_a_plan_or_one_line(text):
    try:
        parse_plan(text)
    except InputError as exc:
        assert "\n" not in str(exc)


def test_huge_and_deep_plans_are_refused():
    for text in ("x = [" * 50_000, "[[exercise]]\nname = 'clamshell'\nreps = 1\n" * 10_000):
        with pytest.raises(InputError, match=r"too big|nested|TOML"):
            parse_plan(text)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                 max_size=4),
                           max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values)
def test_any_labels_json_is_labels_or_one_line(tmp_path, doc):
    from repcount.evaluation.labels import load_labels

    path = tmp_path / "labels.json"
    path.write_text(json.dumps(doc))
    try:
        load_labels(path)
    except InputError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(json_values | st.builds(lambda s: {**summary(), **s},
                                        st.dictionaries(st.sampled_from(list(summary())), json_values,
                                                        max_size=3)), max_size=5))
def test_any_history_lines_show_or_are_skipped(tmp_path, entries):
    from repcount.session.circuit import summary_lines

    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    shown, skipped = history.load_history(path)
    assert len(shown) + skipped == len(entries)
    for e in shown:
        summary_lines(e)  # whatever is kept can be shown


def test_deeply_nested_labels_and_history(tmp_path):
    from repcount.evaluation.labels import load_labels

    p = tmp_path / "labels.json"
    p.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(RepcountError):
        load_labels(p)
    h = tmp_path / "h.jsonl"
    h.write_text("[" * 200_000 + "\n" + json.dumps({**summary(), "total_reps": 4}) + "\n")
    shown, skipped = history.load_history(h)
    assert [e["total_reps"] for e in shown] == [4] and skipped == 1
