import numpy as np
import pytest

from repcount.errors import InputError
from repcount.pose.replay import ReplayPose
from repcount.pose.track import Track
from repcount.records import Frame, Pose, PoseSample


def make_pose(t, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.uniform(0, 1, (33, 5))
    return Pose(t=t, image=img, world=rng.normal(0, 0.3, (33, 3)), width=640, height=480)


def test_pose_validates_shapes():
    with pytest.raises(ValueError):
        Pose(t=0, image=np.zeros((10, 5)), world=np.zeros((33, 3)))


def test_track_roundtrip_and_replay(tmp_path):
    samples = [PoseSample(0, 0.0, make_pose(0.0, 1)), PoseSample(1, 0.04, None),
               PoseSample(2, 0.08, make_pose(0.08, 2))]
    tr = Track.from_samples(samples, width=640, height=480, fps=25.0, meta={"video": "v.mp4"})
    path = tr.save(tmp_path / "t.npz")
    back = Track.load(path)
    assert len(back) == 3 and back.meta["video"] == "v.mp4" and back.fps == 25.0
    assert back.found.tolist() == [True, False, True]
    np.testing.assert_allclose(back.image[2], samples[2].pose.image, atol=1e-6)
    replay = ReplayPose(back)
    img = np.zeros((480, 640, 3), np.uint8)
    assert replay.estimate(Frame(1, 0.04, img)) is None
    p = replay.estimate(Frame(2, 0.08, img))
    assert p is not None and p.width == 640
    assert replay.estimate(Frame(9, 1.0, img)) is None


def test_load_rejects_non_tracks(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("nope")
    with pytest.raises(InputError):
        Track.load(bad)
    with pytest.raises(InputError, match="no such"):
        Track.load(tmp_path / "missing.npz")
