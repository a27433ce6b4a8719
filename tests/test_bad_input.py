"""Bad input through the real CLI: a non-zero exit, one line on stderr, never a traceback.

Each case goes through ``repcount.cli.main`` with ``capsys`` (what Python prints). Lines that
OpenCV/FFmpeg write straight to file descriptor 2 are not seen by ``capsys``; the ``capfd``
tests at the end cover them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import interrupt_cli
from repcount.cli import main

# Committed sample videos, so these run on a fresh clone without ../shared.
SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIP = SAMPLES / "synth_single_leg_dip_right_side_s1.mp4"  # 501 frames, 5 reps
LONG_CLIP = SAMPLES / "synth_single_leg_bridge_hold_left_side_s2001.mp4"  # 762 frames


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    """Run the CLI; return (exit status, stderr lines, stdout)."""
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.err.splitlines(), cap.out


def assert_one_line_error(code: int, err: list[str], expected_code: int, *words: str) -> str:
    assert code == expected_code, err
    assert len(err) == 1, err
    line = err[0]
    assert "Traceback" not in line
    assert line.startswith("repcount: error: "), line
    for w in words:
        assert w in line, line
    return line


def analyze(capsys: pytest.CaptureFixture[str], video: Path | str, *extra: str
            ) -> tuple[int, list[str], str]:
    return run(capsys, "analyze", str(video), "--exercise", "single_leg_dip", "--model", "lite",
               "-q", *extra)


# ----------------------------------------------------------------------------- inputs
def test_missing_file(capsys, tmp_path):
    code, err, _ = analyze(capsys, tmp_path / "nope.mp4")
    assert_one_line_error(code, err, 2, "no such file")


def test_directory_without_videos(capsys, tmp_path):
    """A folder is a batch of the videos in it; one without any is an error."""
    (tmp_path / "notes.txt").write_text("x")
    code, err, _ = analyze(capsys, tmp_path)
    assert_one_line_error(code, err, 2, "no videos", str(tmp_path))


def test_directory_named_like_a_video(capsys, tmp_path):
    d = tmp_path / "clip.mp4"
    d.mkdir()
    code, err, _ = run(capsys, "pose", str(d), "-o", str(tmp_path / "t.npz"), "--model", "lite", "-q")
    assert_one_line_error(code, err, 2, "no images")


def test_unreadable_file(capsys, tmp_path):
    """chmod 000. As root the permission bits do not block reads, so the file is opened and
    rejected for what it holds (junk bytes here); as a normal user it is refused up front."""
    p = tmp_path / "locked.mp4"
    p.write_bytes(np.random.default_rng(0).bytes(50_000))
    p.chmod(0)
    try:
        code, err, _ = analyze(capsys, p)
    finally:
        p.chmod(0o644)
    if os.geteuid() == 0:
        assert_one_line_error(code, err, 2, "not a readable video")
    else:
        assert_one_line_error(code, err, 2, "permission denied")


def test_unreadable_broken_symlink(capsys, tmp_path):
    """An unreadable case that holds for root too: a link whose target is gone."""
    link = tmp_path / "gone.mp4"
    link.symlink_to(tmp_path / "deleted_target.mp4")
    code, err, _ = analyze(capsys, link)
    assert_one_line_error(code, err, 2, "no such file")


def test_corrupt_video(capsys, tmp_path):
    p = tmp_path / "corrupt.mp4"
    p.write_bytes(np.random.default_rng(1).bytes(100_000))
    code, err, _ = analyze(capsys, p)
    assert_one_line_error(code, err, 2, "not a readable video")


def test_zero_byte_file(capsys, tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    code, err, _ = analyze(capsys, p)
    assert_one_line_error(code, err, 2, "empty file")


def test_text_file_named_mp4(capsys, tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("these are my workout notes\n" * 20)
    code, err, _ = analyze(capsys, p)
    assert_one_line_error(code, err, 2, "not a readable video")


def test_truncated_video_analyses_the_decodable_part(capsys, tmp_path):
    """Half a video file: the decodable frames are analysed, exit 0, with a 'truncated file?'
    warning. An AVI is used (made here from a sample): its frames need no index at the end,
    unlike an MP4 whose moov atom was written last."""
    import cv2

    cap = cv2.VideoCapture(str(CLIP))
    full = tmp_path / "full.avi"
    writer = cv2.VideoWriter(str(full), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (320, 240))
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        writer.write(cv2.resize(frame, (320, 240)))
    cap.release()
    writer.release()
    data = full.read_bytes()
    p = tmp_path / "half.avi"
    p.write_bytes(data[: len(data) // 2])
    out = tmp_path / "half.json"
    code, err, _ = analyze(capsys, p, "--json", str(out), "--no-cache")
    assert code == 0 and err == [], err
    doc = json.loads(out.read_text())
    assert 200 < doc["frames"] < 300
    assert any("truncated" in w for w in doc["warnings"]), doc["warnings"]
    assert 0 <= doc["total_reps"] <= 5


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tiff", ".webp"])
def test_image_named_mp4_is_rejected(capsys, tmp_path, ext):
    """OpenCV's FFmpeg backend would open a still image as a one-frame 'video'."""
    import cv2

    img = tmp_path / f"img{ext}"
    assert cv2.imwrite(str(img), np.zeros((120, 160, 3), np.uint8))
    p = tmp_path / "photo.mp4"
    p.write_bytes(img.read_bytes())
    code, err, _ = analyze(capsys, p, "--no-cache")
    assert_one_line_error(code, err, 2, "image, not a video")


def test_unknown_exercise(capsys, tmp_path):
    code, err, _ = run(capsys, "analyze", str(CLIP), "--exercise", "burpee", "-q")
    assert_one_line_error(code, err, 2, "unknown exercise 'burpee'", "single_leg_dip")


@pytest.mark.parametrize("text, words", [
    ("name = [", "not valid TOML"),
    ("[[exercise]]\nname = 'burpee'\nreps = 5\n", "unknown exercise 'burpee'"),
])
def test_bad_plan_file(capsys, tmp_path, text, words):
    """Through the real CLI (the plan is read before the camera is opened)."""
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    code, err, _ = run(capsys, "live", "--circuit", str(plan), "--camera", "7")
    assert_one_line_error(code, err, 2, "plan.toml", words)


def test_camera_that_does_not_open(capsys, tmp_path):
    code, err, _ = run(capsys, "pose", "7", "-o", str(tmp_path / "x.npz"), "--model", "lite",
                       "-q")
    assert_one_line_error(code, err, 2, "camera 7")
    assert not (tmp_path / "x.npz").exists()


# ----------------------------------------------------------------------------- outputs
def test_output_under_a_file(capsys, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, err, _ = analyze(capsys, CLIP, "--json", str(blocker / "sub" / "out.json"))
    assert_one_line_error(code, err, 4, "cannot write")


def test_output_is_a_directory(capsys, tmp_path):
    code, err, _ = analyze(capsys, CLIP, "--json", str(tmp_path))
    assert_one_line_error(code, err, 4, "is a directory")


def test_csv_output_is_a_directory(capsys, tmp_path):
    code, err, _ = analyze(capsys, CLIP, "--csv", str(tmp_path))
    assert_one_line_error(code, err, 4, "is a directory")


# ----------------------------------------------------------------------------- models
def test_model_with_wrong_checksum(capsys, tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    bad = d / "pose_landmarker_full.task"
    bad.write_bytes(np.random.default_rng(2).bytes(4096))
    code, err, _ = run(capsys, "analyze", str(CLIP), "--exercise", "single_leg_dip",
                       "--model", str(bad), "-q")
    assert_one_line_error(code, err, 3, "sha256", "does not match")


def test_model_path_missing(capsys, tmp_path):
    code, err, _ = run(capsys, "analyze", str(CLIP), "--exercise", "single_leg_dip",
                       "--model", str(tmp_path / "nothing.task"), "-q")
    assert_one_line_error(code, err, 3, "neither")


# ----------------------------------------------------------------------------- fd-level noise
# OpenCV/FFmpeg log straight to fd 2 ("moov atom not found", a dozen VIDEOIO lines for a
# missing camera); capfd sees those, capsys does not.
def test_corrupt_video_really_prints_one_line(capfd, tmp_path):
    p = tmp_path / "corrupt.mp4"
    p.write_bytes(np.random.default_rng(3).bytes(100_000))
    code = main(["analyze", str(p), "--exercise", "glute_bridge", "--model", "lite", "-q"])
    err = capfd.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1, err


def test_missing_camera_really_prints_one_line(capfd, tmp_path):
    code = main(["pose", "7", "-o", str(tmp_path / "x.npz"), "--model", "lite", "-q"])
    err = capfd.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1, err


# ----------------------------------------------------------------------------- Ctrl-C
def test_sigint_writes_partial_json(tmp_path):
    """SIGINT during `repcount analyze --json`: exit 130 and a JSON of the frames done so far,
    with an 'interrupted' warning (the pose pass catches KeyboardInterrupt)."""
    out = tmp_path / "partial.json"
    # Imports and the model load take ~1.5 s of CPU, the clip ~15 s with lite.
    code, err = interrupt_cli(["analyze", str(LONG_CLIP), "--exercise", "single_leg_bridge_hold",
                               "--model", "lite", "--no-cache", "-q", "--json", str(out)],
                              tmp_path / "cache", 4.0)
    assert code == 130, err
    assert "Traceback" not in err
    doc = json.loads(out.read_text())
    assert any("interrupted" in w for w in doc["warnings"]), doc["warnings"]
    assert 0 < doc["frames"] < 762


def test_missing_camera_in_live_really_prints_one_line(capfd, tmp_path):
    code = main(["live", "--camera", "7", "--exercise", "clamshell", "--no-window", "--quiet"])
    err = capfd.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1 and "camera 7" in err[0], err
