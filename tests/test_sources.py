import cv2
import numpy as np
import pytest

from repcount.errors import InputError
from repcount.io.sources import CameraSource, ImageFolderSource, VideoFileSource, open_source


def write_video(path, n=20, fps=25.0, size=(64, 48)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
    assert w.isOpened()
    for i in range(n):
        img = np.full((size[1], size[0], 3), (i * 10) % 255, np.uint8)
        w.write(img)
    w.release()
    return path


def test_video_frames_have_increasing_container_timestamps(tmp_path):
    path = write_video(tmp_path / "v.mp4", n=20, fps=25.0)
    with VideoFileSource(path) as src:
        frames = list(src)
        assert src.fps == pytest.approx(25.0)
        assert (src.width, src.height) == (64, 48)
    assert [f.index for f in frames] == list(range(20))
    ts = np.array([f.t for f in frames])
    assert np.all(np.diff(ts) > 0)
    assert ts[0] == pytest.approx(0.0) and ts[-1] == pytest.approx(19 / 25.0, abs=1e-3)


def test_downscale_large_frames(tmp_path):
    path = write_video(tmp_path / "big.mp4", n=3, size=(800, 600))
    with VideoFileSource(path, max_side=400) as src:
        f = next(iter(src))
    assert f.size == (400, 300)


def test_image_folder(tmp_path):
    for i in range(5):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((10, 12, 3), i, np.uint8))
    (tmp_path / "notes.txt").write_text("x")
    with open_source(tmp_path, fps=10) as src:
        assert isinstance(src, ImageFolderSource)
        frames = list(src)
    assert len(frames) == 5
    assert [f.t for f in frames] == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])


def test_forced_increasing_timestamps():
    src = ImageFolderSource.__new__(ImageFolderSource)
    src.max_side = None
    src._last_t = -float("inf")
    src._index = 0
    img = np.zeros((4, 4, 3), np.uint8)
    ts = [src._emit(img, t).t for t in (0.0, 0.0, 0.04, 0.03, float("nan"))]
    assert all(b > a for a, b in zip(ts, ts[1:]))


def put(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: p / "missing.mp4", "no such file"),
        (lambda p: (p / "d.mp4").mkdir() or p / "d.mp4", "directory"),
        (lambda p: put(p / "z.mp4", b""), "empty"),
        (lambda p: put(p / "t.mp4", b"hello, not a video\n" * 50), "not a readable video|no decodable"),
    ],
)
def test_bad_video_inputs(tmp_path, make, match):
    with pytest.raises(InputError, match=match):
        VideoFileSource(make(tmp_path))


def test_camera_that_does_not_open():
    with pytest.raises(InputError, match="camera 97"):
        CameraSource(97)


def test_empty_image_folder(tmp_path):
    with pytest.raises(InputError, match="no images"):
        ImageFolderSource(tmp_path)
