"""Atomic outputs: all or nothing, no temporary files left, ordinary permissions."""

import os

import pytest

from repcount.errors import OutputError
from repcount.io.atomic import atomic_path, write_text_atomic


def test_write_replaces_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "r.json"
    write_text_atomic(out, "one")
    write_text_atomic(out, "two")
    assert out.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_interrupted_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_result_has_the_permissions_of_a_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "r.csv", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o644


def test_folder_that_cannot_be_made_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        write_text_atomic(blocker / "sub" / "r.json", "x")


def _frames_of(path):
    import cv2

    cap = cv2.VideoCapture(str(path))
    images = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        images.append(img)
    cap.release()
    return images


def test_real_time_recording_fills_dropped_frames_with_the_last_image(tmp_path):
    """Frames shown at 0, 0.1 and 0.5 s at 10 fps make a 6-frame file (0.6 s), not 3 frames."""
    import numpy as np

    from repcount.io.sinks import VideoSink

    out = tmp_path / "rec.mp4"
    with VideoSink(out, 10.0, (64, 48)) as sink:
        for t, level in ((2.0, 0), (2.1, 120), (2.5, 250)):  # a camera's clock need not start at 0
            sink.write_at(np.full((48, 64, 3), level, np.uint8), t)
    images = _frames_of(out)
    assert len(images) == 6
    means = [float(im.mean()) for im in images]
    assert means[0] < 20 and all(100 < m < 140 for m in means[1:5]) and means[5] > 230
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


def test_cues_stay_on_screen_for_two_seconds():
    from repcount.ui.annotators import CueBoard

    board = CueBoard()
    assert board.update(10.0, ["Keep the knee over the toes"]) == ("Keep the knee over the toes",)
    assert board.update(11.9) == ("Keep the knee over the toes",)
    assert board.update(12.1, ["Slow down"]) == ("Slow down",)
    assert board.update(14.2) == ()
