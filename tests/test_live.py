"""``repcount live``: same counts as ``analyze``, the newest-frame capture, guidance, the real window."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import default_sigint
from repcount.detectors import EXERCISES
from repcount.io.grabber import LatestFrameGrabber
from repcount.io.sources import FrameSource
from repcount.pose.track import Track
from repcount.records import Frame
from repcount.session.guidance import guidance
from repcount.session.live import Session
from repcount.ui.audio import Audio, write_tone
from repcount.ui.live import LIVE_ANNOTATORS, live_context, mirror_pose

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
TRACKS = ROOT / "benchmarks" / "tracks" / "sample_videos"
DIP = "synth_single_leg_dip_right_side_s1"
HOLD = "synth_single_leg_bridge_hold_left_side_s2001"
ARTIFACTS = ROOT / "out" / "test_live"


def _lite_available() -> bool:
    from repcount.errors import ModelError
    from repcount.pose.models import resolve

    try:
        resolve("lite", download=False)
    except ModelError:
        return False
    return True


needs_model = pytest.mark.skipif(not _lite_available(), reason="lite pose model not available offline")


def _repcount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "repcount", "live", *args], capture_output=True, text=True,
                          timeout=120, check=False)


# ----------------------------------------------------------------------------- end to end
@pytest.mark.e2e
@needs_model
def test_live_source_json_matches_analyze(tmp_path: Path) -> None:
    """Frame-by-frame live processing of a sample clip counts exactly what analyze counts."""
    from repcount.cli import main as cli_main

    clip = SAMPLES / f"{DIP}.mp4"
    labels = {e["file"]: e for e in json.loads((SAMPLES / "labels.json").read_text())}
    res = _repcount("--source", str(clip), "--exercise", "single-leg-dip", "--no-window", "--model", "lite",
                    "--json", str(tmp_path / "live.json"), "--record", str(tmp_path / "live.mp4"),
                    "--reps", "5")
    assert res.returncode == 0, res.stderr
    # Live poses every frame: so does analyze here (the same poses, so the same counts and times).
    assert cli_main(["analyze", str(clip), "-e", "single_leg_dip", "--model", "lite", "-q", "--stride", "1",
                     "--json", str(tmp_path / "analyze.json")]) == 0
    got = json.loads((tmp_path / "live.json").read_text())
    want = json.loads((tmp_path / "analyze.json").read_text())
    assert set(want) <= set(got)
    assert got["per_side"] == want["per_side"]
    assert got["total_reps"] == want["total_reps"] == labels[f"{DIP}.mp4"]["reps"]
    assert [r["peak_s"] for r in got["reps"]] == [r["peak_s"] for r in want["reps"]]
    assert [(r["code"], r["peak_s"]) for r in got["rejected"]] == [
        (r["code"], r["peak_s"]) for r in want["rejected"]]
    assert got["frames"] == want["frames"]
    lv = got["extra"]["live"]
    assert lv["dropped"] == 0 and lv["fps"] > 0 and lv["delay_total"]["median_ms"] < 1000
    assert "rep 5/5 right leg" in res.stdout and "Single-leg dip: target reached" in res.stdout
    assert "fps end to end" not in res.stdout and "ms after" not in res.stdout  # only with --verbose
    assert "single_leg_dip" not in res.stdout.replace(clip.name, "")  # users see human names
    assert (tmp_path / "live.mp4").stat().st_size > 10_000


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Start a private Xvfb (never the developer's own display)."""
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb not installed (.ci/run installs xvfb)")
    for n in range(90, 130):
        if Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
            continue
        proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                return proc, f":{n}"
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.kill()
        proc.wait()
    pytest.fail("could not start Xvfb")


def _screenshot(display: str, out: Path) -> None:
    """Grab the X root window into ``out`` (PNG) with ImageMagick's ``import``."""
    assert shutil.which("import"), "ImageMagick's import is needed (.ci/run installs imagemagick)"
    subprocess.run(["import", "-display", display, "-window", "root", str(out)], check=True, timeout=30)


def _overlay_visible(path: Path) -> None:
    import cv2

    img = cv2.imread(str(path))
    assert img is not None and img.std() > 10
    # The hold bar / skeleton in green and the count panel's white text.
    green = (img[:, :, 1] > 150) & (img[:, :, 0] < 120) & (img[:, :, 2] < 140)
    white = (img > 230).all(axis=2)
    assert green.sum() > 300 and white.sum() > 300


@pytest.mark.e2e
@needs_model
def test_window_under_xvfb_screenshot_and_ctrl_c(tmp_path: Path) -> None:
    """The real OpenCV window under Xvfb shows the overlay; Ctrl-C writes partial JSON, exits 130.

    The screenshot is of the X root window, taken with ImageMagick's ``import`` once the hold
    timer has run for a few seconds; the frame passed to ``imshow`` (``--snapshot``) is checked
    too. Both are kept in out/test_live/ (live_window.png, live_imshow_frame.png).
    """
    xvfb, display = _start_xvfb()
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    out_json = tmp_path / "partial.json"
    snapshot = tmp_path / "imshow_frame.png"
    proc = subprocess.Popen(
        [sys.executable, "-m", "repcount", "live", "--source", str(SAMPLES / f"{HOLD}.mp4"), "--realtime",
         "--exercise", "single_leg_bridge_hold", "--model", "lite", "--json", str(out_json),
         "--snapshot", str(snapshot), "--max-seconds", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    shot = tmp_path / "screenshot.png"
    try:
        # The hold starts at 2.5 s of the clip; model loading takes a few seconds before that.
        deadline = time.monotonic() + 60
        while not lines and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert lines, "live did not start: " + (proc.stderr.read() if proc.stderr else "")
        time.sleep(9.0)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        _screenshot(display, shot)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        xvfb.terminate()
        xvfb.wait(timeout=10)
    reader.join(timeout=5)
    assert rc == 130
    partial = json.loads(out_json.read_text())
    assert any("interrupted" in w for w in partial["warnings"])
    assert partial["frames"] > 50 and partial["per_side"]["left"]["hold_s"] > 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(snapshot, ARTIFACTS / "live_imshow_frame.png")
    _overlay_visible(snapshot)
    shutil.copy(shot, ARTIFACTS / "live_window.png")
    _overlay_visible(shot)


@pytest.mark.e2e
@needs_model
def test_sigterm_keeps_the_json_and_a_real_time_recording(tmp_path: Path) -> None:
    """SIGTERM stops live like Ctrl-C: JSON and video written, playable, in real time, no temp files.

    The recording is checked against the wall clock: a real-time run that drops frames must
    still write about fps x seconds frames (the gaps repeat the last image).
    """
    video, out_json = tmp_path / "rec.mp4", tmp_path / "rec.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "repcount", "live", "--source", str(SAMPLES / f"{DIP}.mp4"), "--realtime",
         "--exercise", "single_leg_dip", "--model", "lite", "--no-window", "-q", "--json", str(out_json),
         "--record", str(video), "--report", str(tmp_path / "rec.html")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(12.0)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    err = proc.stderr.read() if proc.stderr else ""
    assert rc == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    result = json.loads(out_json.read_text())
    assert any("interrupted" in w for w in result["warnings"])
    import cv2

    cap = cv2.VideoCapture(str(video))
    frames, fps = cap.get(cv2.CAP_PROP_FRAME_COUNT), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    import re

    stopped_at = next(float(m.group(1)) for w in result["warnings"]
                      if (m := re.search(r"interrupted at ([0-9.]+) s", w)))
    # The container's average rate is its frames over its track's duration, which once read one
    # frame period longer (414 frames over 415 periods: 29.93 in a CI run, not reproduced in 16
    # reruns): a tolerance of a few frames, while a wrong rate (25, 15) still fails.
    assert fps == pytest.approx(30.0, rel=0.005)
    # Real time: the file spans the stream time reached, though frames were dropped meanwhile,
    # then a 3 s end screen.
    assert frames / fps == pytest.approx(stopped_at + 3.0, abs=0.2)
    assert frames >= result["frames"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.html", "rec.json", "rec.mp4"]  # no temp files
    page = (tmp_path / "rec.html").read_text()
    assert "Single-leg dip" in page and page.count("<figure>") == result["per_side"]["right"]["reps"]
    umask = os.umask(0)
    os.umask(umask)
    assert video.stat().st_mode & 0o777 == 0o666 & ~umask


# ----------------------------------------------------------------------------- capture thread
class FakeSource(FrameSource):
    """A source of numbered blank frames at ``fps`` (delivered as fast as they are read)."""

    def __init__(self, n: int, fps: float = 30.0) -> None:
        super().__init__()
        self.n, self.fps, self.name = n, fps, "fake"
        self.width, self.height = 8, 8

    def __iter__(self) -> Iterator[Frame]:
        for i in range(self.n):
            yield self._emit(np.zeros((8, 8, 3), np.uint8), i / self.fps)


def test_grabber_keeps_only_the_newest_frame_when_paced() -> None:
    grabber = LatestFrameGrabber(FakeSource(30, fps=100.0), pace=True).start()
    got = []
    try:
        for frame, _captured in grabber:
            got.append(frame.index)
            time.sleep(0.04)  # a slow consumer (25 fps) against a 100 fps source
    finally:
        grabber.close()
    assert got == sorted(got) and got[-1] == 29 and 5 <= len(got) <= 15
    assert grabber.dropped == 30 - len(got) and grabber.captured == 30


def test_grabber_paces_a_file_at_its_own_rate() -> None:
    t0 = time.monotonic()
    grabber = LatestFrameGrabber(FakeSource(20, fps=50.0), pace=True).start()
    frames = [f for f, _ in grabber]
    grabber.close()
    assert 0.3 <= time.monotonic() - t0 < 2.0 and frames[-1].index == 19


def test_grabber_reraises_source_errors() -> None:
    class Broken(FakeSource):
        def __iter__(self) -> Iterator[Frame]:
            yield self._emit(np.zeros((8, 8, 3), np.uint8), 0.0)
            raise OSError("unplugged")

    grabber = LatestFrameGrabber(Broken(1), pace=False).start()
    with pytest.raises(OSError, match="unplugged"):
        time.sleep(0.1)
        list(grabber)
    grabber.close()


# ----------------------------------------------------------------------------- overlay helpers
def _pose(stem: str, i: int):  # type: ignore[no-untyped-def]
    return Track.load(TRACKS / f"{stem}.npz").pose_at(i)


def test_guidance_messages() -> None:
    assert guidance(None, EXERCISES["single_leg_dip"]) == ["nobody in frame: step into view"]
    standing = _pose(DIP, 60)
    assert standing is not None
    assert guidance(standing, EXERCISES["single_leg_dip"]) == []
    msgs = guidance(standing, EXERCISES["single_leg_bridge"])
    assert msgs and msgs[-1].startswith("lie down on your back (now: standing)")
    cut = standing.image.copy()
    cut[[27, 28], 1] = 1.3  # ankles below the picture
    from repcount.records import Pose

    msgs = guidance(Pose(standing.t, cut, standing.world, standing.width, standing.height),
                         EXERCISES["single_leg_dip"])
    assert msgs[0].startswith("whole body not visible (feet)")
    facing = standing.image.copy()
    facing[[11, 23], 0] -= 0.15  # shoulders and hips spread across the picture: facing the camera
    facing[[12, 24], 0] += 0.15
    msgs = guidance(Pose(standing.t, facing, standing.world, standing.width, standing.height),
                         EXERCISES["single_leg_dip"])
    assert "turn side-on to the camera" in msgs


def test_mirror_pose_flips_x_only() -> None:
    pose = _pose(DIP, 10)
    assert pose is not None
    m = mirror_pose(pose)
    assert m is not None
    np.testing.assert_allclose(m.image[:, 0], 1 - pose.image[:, 0])
    np.testing.assert_allclose(m.image[:, 1:], pose.image[:, 1:])
    assert mirror_pose(None) is None


def test_session_keys_and_overlay_context() -> None:
    from repcount.session.circuit import Circuit
    from repcount.session.plan import load_plan

    s = Session(30.0, None, None, Circuit(load_plan()))
    notices = s.key(ord("n"), 1.0)[1]
    assert [n.text for n in notices] == ["Single-leg dip · right leg · 20 reps skipped",
                                         "next: Single-leg dip · left leg · 20 reps"]
    s.key(ord(" "), 2.0)
    assert s.circuit is not None and s.circuit.paused
    ctx = live_context(s, None, s.state(), 30.0, False, ())
    assert ctx.banner == "PAUSED" and ctx.messages == ("nobody in frame: step into view",)
    s.key(ord("p"), 3.0)
    assert not s.circuit.paused
    assert s.key(ord("r"), 4.0)[1][0].text.startswith("redo")
    assert s.key(ord("q"), 5.0)[0] and s.key(27, 5.0)[0]
    image = np.zeros((480, 640, 3), np.uint8)
    from repcount.ui.annotators import draw

    ctx = live_context(s, _pose(DIP, 60), s.state(), 30.0, True, ("slow down",))
    assert ctx.big == "0/20" and ctx.sub.startswith("Single-leg dip · left leg")
    draw(image, ctx, LIVE_ANNOTATORS)
    assert image.any()


def test_audio_never_crashes_without_a_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wav = write_tone(tmp_path / "t.wav", 880.0, 0.05)
    assert wav.stat().st_size > 1000
    quiet = Audio(enabled=False)
    quiet.beep()
    quiet.say("1")
    assert quiet.backend == "off"
    a = Audio(enabled=True)
    a.player = str(tmp_path / "no-such-player")  # spawning fails: falls back to the bell
    a.speaker = str(tmp_path / "no-such-espeak")
    a.beep("rep")
    a.beep("set")
    a.say("3")
    a.close()


@needs_model
def test_bad_inputs_end_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "plan.toml"
    bad.write_text("[[exercise]]\nname = 'clamshell'\n")
    for args, fragment in ((["--camera", "9", "--no-window", "-e", "clamshell"], "camera 9 could not"),
                           (["--source", str(tmp_path / "no.mp4"), "-e", "clamshell"], "no such file"),
                           (["--circuit", str(bad), "--no-window"], "exactly one of reps or hold_s"),
                           (["--realtime", "-e", "clamshell"], "--realtime applies to --source")):
        res = _repcount(*args)
        assert res.returncode == 2, (args, res.stderr)
        assert res.stderr.strip().count("\n") == 0 and fragment in res.stderr, res.stderr


@pytest.mark.parametrize("entry", json.loads((SAMPLES / "labels.json").read_text()), ids=lambda e: e["file"])
def test_live_auto_recognises_and_counts_each_sample(entry: dict) -> None:
    """``live --exercise auto`` over each sample's recorded track: the labelled exercise, and the
    labelled count and leg, though recognition only decides a few seconds into the set (the
    poses before are replayed)."""
    from repcount.session.analysis import RunStats, Tally
    from repcount.session.live import session_analysis

    track = Track.load(TRACKS / entry["file"].replace(".mp4", ".npz"))
    samples = list(track.samples())
    s = Session(track.fps, None, None, None, auto=True)
    for sample in samples:
        s.feed(sample)
    s.finish(samples[-1].t)
    a = session_analysis(entry["file"], s, "full", track.fps, Tally.of(samples), RunStats())
    assert a.exercise == entry["exercise"], a.extra.get("auto")
    if entry.get("reps") is not None:
        assert a.reps_on(entry["side"]) == entry["reps"] and a.total_reps == entry["reps"]
    else:
        (start, end), = entry["holds"]
        assert a.hold_on(entry["side"]) == pytest.approx(end - start, abs=0.5)


@pytest.mark.e2e
@needs_model
def test_live_exercise_auto_cli(tmp_path: Path) -> None:
    res = _repcount("--source", str(SAMPLES / f"{DIP}.mp4"), "--exercise", "auto", "--no-window", "--model",
                    "lite", "-q", "--json", str(tmp_path / "auto.json"))
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "auto.json").read_text())
    assert doc["exercise"] == "single_leg_dip" and doc["per_side"]["right"]["reps"] == 5
    assert doc["extra"]["auto"]["recognised"] == "single_leg_dip"
