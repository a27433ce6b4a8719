"""Hard scenes end to end: the real MediaPipe model (lite) through the real CLI.

Every clip is made inside the test from a real labelled clip (``glute_bridge_darebee_a.mp4``:
640x360, 23.976 fps, 232 frames, 5 both-leg glute bridges, side view), written with
``cv2.VideoWriter`` (mp4v) into a temporary folder, then analysed with
``repcount analyze VIDEO --exercise glute_bridge --model lite -q --no-cache --json OUT``.
Each case must give the labelled count (and side) exactly: nobody in frame, the person leaving
and coming back, a partial occlusion, a second person in view, a phone video with rotation
metadata, very low and very high frame rates, and a 4K input.

Where a case needs to see the poses the CLI used (which person was followed, the size of the
frames given to the model), it runs without ``--no-cache`` and reads the landmark track the run
stored in the session's private cache (``conftest`` points ``REPCOUNT_CACHE_DIR`` at a fresh
temporary folder, and every clip here is new, so that run cannot have been a cache hit).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from conftest import CLIPS, needs_clips
from repcount.cli import main
from repcount.io.sources import VideoFileSource
from repcount.pose import cache
from repcount.pose.mediapipe_backend import MediaPipePose
from repcount.pose.models import resolve
from repcount.pose.track import Track
from repcount.records import LM

pytestmark = [needs_clips, pytest.mark.e2e]

BASE = CLIPS / "glute_bridge_darebee_a.mp4"
REPS = 5
W, H = 640, 360
#: Rectangle (x0, y0, x1, y1) blacked out in the occlusion case: both feet, both ankles and the
#: lower half of both shins, on every frame (the person lies with her feet at the left, around
#: x 215-290, y 270-330, knees at about (300, 205) when the hips are down); the knees, hips and
#: shoulders the glute-bridge hip angle is made of stay visible. Checked against the landmark
#: track of the clean clip in ``test_partial_occlusion``.
OCCLUSION = (195, 240, 305, 340)


# ----------------------------------------------------------------------------- helpers
def read_frames(path: Path) -> tuple[list[np.ndarray], float]:
    """All decoded frames of ``path`` and its nominal rate."""
    cap = cv2.VideoCapture(str(path))
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    frames: list[np.ndarray] = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames, fps


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float) -> Path:
    """Write ``frames`` (all the same size) as an mp4v MP4 at ``fps``."""
    writer: cv2.VideoWriter | None = None
    n = 0
    for frame in frames:
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
            assert writer.isOpened(), f"cannot write {path}"
        writer.write(frame)
        n += 1
    assert writer is not None and n > 0
    writer.release()
    return path


def background(n: int, seed: int = 0, size: tuple[int, int] = (W, H)) -> Iterator[np.ndarray]:
    """``n`` frames of an empty studio: light grey, with fresh sensor-like noise per frame."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = np.full((h, w, 3), 232, np.int16)
    # A soft horizontal floor line, so the scene is not perfectly flat.
    base[int(h * 0.8):] -= 14
    for _ in range(n):
        yield np.clip(base + rng.integers(-10, 11, (h, w, 3)), 0, 255).astype(np.uint8)


def analyze(video: Path, *extra: str, cached: bool = False) -> dict:
    """``repcount analyze`` on ``video`` (glute bridge, lite model); the JSON it wrote."""
    out = video.with_suffix(".json")
    argv = ["analyze", str(video), "--exercise", "glute_bridge", "--model", "lite", "-q", "--stride", "1",
            "--json", str(out), *extra]
    if not cached:
        argv.append("--no-cache")
    assert main(argv) == 0
    return json.loads(out.read_text())


def stored_track(video: Path) -> Track:
    """The landmark track a cached ``analyze`` run of ``video`` stored (lite model)."""
    track = cache.load_cached(video, resolve("lite").sha256)
    assert track is not None, f"no cached track for {video}"
    return track


def assert_reps(doc: dict, reps: int = REPS, side: str = "both") -> None:
    """Exactly ``reps`` reps, all on ``side``, and no partial rep standing in for one."""
    summary = (doc["total_reps"], doc["per_side"], doc["warnings"])
    assert doc["total_reps"] == reps, summary
    assert doc["per_side"][side]["reps"] == reps, summary
    assert all(r["side"] == side for r in doc["reps"]), doc["reps"]


def hips_x(track: Track) -> np.ndarray:
    """Mid-hip x in pixels of every frame of ``track`` (NaN where no pose)."""
    return (track.image[:, LM.LEFT_HIP, 0] + track.image[:, LM.RIGHT_HIP, 0]) / 2 * track.width


# ----------------------------------------------------------------------------- clips
@pytest.fixture(scope="module")
def base() -> tuple[list[np.ndarray], float]:
    """Frames and rate of the base clip."""
    frames, fps = read_frames(BASE)
    assert frames[0].shape == (H, W, 3) and len(frames) >= 230 and fps == pytest.approx(23.976, abs=0.01)
    return frames, fps


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of this module's generated clips."""
    return tmp_path_factory.mktemp("hard_scenes")


@pytest.fixture(scope="module")
def empty_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """3 s of an empty background."""
    return write_video(clips / "empty.mp4", background(round(3 * base[1])), base[1])


@pytest.fixture(scope="module")
def leave_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """The clip, 2 s of empty background, the clip again."""
    frames, fps = base
    gap = list(background(round(2 * fps), seed=1))
    return write_video(clips / "leave_and_return.mp4", [*frames, *gap, *frames], fps)


@pytest.fixture(scope="module")
def leave_run(leave_clip: Path) -> tuple[dict, Track]:
    """The JSON and the landmark track of ``repcount analyze`` on the leave-and-return clip.

    Its first and last 232 frames are the clean base clip, so the track also says where the
    model finds the clean clip's landmarks (VIDEO mode is causal: the first 232 frames are
    exactly the clean clip's own track).
    """
    doc = analyze(leave_clip, cached=True)
    return doc, stored_track(leave_clip)


def occluded(frame: np.ndarray) -> np.ndarray:
    """``frame`` with the :data:`OCCLUSION` rectangle painted black."""
    x0, y0, x1, y1 = OCCLUSION
    out = frame.copy()
    out[y0:y1, x0:x1] = 0
    return out


@pytest.fixture(scope="module")
def occluded_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """The clip with the feet and lower shins blacked out on every frame."""
    frames, fps = base
    return write_video(clips / "occluded.mp4", (occluded(f) for f in frames), fps)


#: Second person: the same clip mirrored, 2.5 s out of phase, at 0.8 scale, in a strip at the
#: right of the main clip (canvas 1152x360; the main person fills the left 640 px).
SECOND_SCALE = 0.8
SECOND_SHIFT = 60


@pytest.fixture(scope="module")
def two_people_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """The main clip at full size with a smaller, mirrored, time-shifted person beside it."""
    frames, fps = base
    sw, sh = round(W * SECOND_SCALE), round(H * SECOND_SCALE)

    def canvas(i: int) -> np.ndarray:
        other = cv2.flip(frames[(i + SECOND_SHIFT) % len(frames)], 1)
        other = cv2.resize(other, (sw, sh), interpolation=cv2.INTER_AREA)
        out = np.full((H, W + sw, 3), 235, np.uint8)
        out[:, :W] = frames[i]
        out[H - sh:, W:] = other
        return out

    return write_video(clips / "two_people.mp4", (canvas(i) for i in range(len(frames))), fps)


def tkhd_matrix_offset(data: bytes | bytearray) -> int:
    """Byte offset of the display matrix in the (only) ``tkhd`` box of an MP4.

    The box is size(4) type(4) version(1) flags(3), then creation/modification time, track id,
    reserved, duration (20 bytes in version 0, 32 in version 1), then reserved(8) layer(2)
    alternate group(2) volume(2) reserved(2), then the 3x3 matrix of 32-bit values
    (a b u / c d v / x y w: 16.16 fixed point except u, v, w in 2.30).
    """
    assert data.count(b"tkhd") == 1
    box = data.index(b"tkhd") - 4
    version = data[box + 8]
    assert version in (0, 1)
    return box + 12 + (32 if version == 1 else 20) + 16


#: A phone held upright records the sensor's landscape frames and marks the track "rotate 90°
#: clockwise for display": matrix (0 1 0 / -1 0 0 / tx 0 1), as in ``ffmpeg -metadata:s:v
#: rotate=90`` files (tx, the coded height, does not change the rotation players read).
PHONE_MATRIX = (0, 0x10000, 0, -0x10000, 0, 0, 640 << 16, 0, 1 << 30)
IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 1 << 30)


@pytest.fixture(scope="module")
def rotated_clips(clips: Path, base: tuple[list[np.ndarray], float]) -> tuple[Path, Path]:
    """(stored sideways without metadata, the same bytes with the phone's rotation matrix)."""
    frames, fps = base
    plain = write_video(clips / "sideways.mp4",
                        (cv2.rotate(f, cv2.ROTATE_90_COUNTERCLOCKWISE) for f in frames), fps)
    data = bytearray(plain.read_bytes())
    off = tkhd_matrix_offset(data)
    assert struct.unpack(">9i", data[off:off + 36]) == IDENTITY  # the offset is right
    data[off:off + 36] = struct.pack(">9i", *PHONE_MATRIX)
    phone = clips / "phone_rotate90.mp4"
    phone.write_bytes(bytes(data))
    return plain, phone


@pytest.fixture(scope="module")
def low_fps_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """Every 3rd frame at a third of the rate (~8 fps)."""
    frames, fps = base
    return write_video(clips / "low_fps.mp4", frames[::3], fps / 3)


HIGH_FPS_FACTOR = 4


@pytest.fixture(scope="module")
def high_fps_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """Every frame repeated 4x at 4x the rate (~96 fps)."""
    frames, fps = base
    return write_video(clips / "high_fps.mp4",
                       (f for f in frames for _ in range(HIGH_FPS_FACTOR)), fps * HIGH_FPS_FACTOR)


UHD = (3840, 2160)


def letterboxed(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` scaled to fit ``size`` with its aspect ratio kept, black bars around it."""
    tw, th = size
    h, w = frame.shape[:2]
    s = min(tw / w, th / h)
    nw, nh = round(w * s), round(h * s)
    out = np.zeros((th, tw, 3), np.uint8)
    x0, y0 = (tw - nw) // 2, (th - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_CUBIC)
    return out


@pytest.fixture(scope="module")
def uhd_clip(clips: Path, base: tuple[list[np.ndarray], float]) -> Path:
    """The clip upscaled to 3840x2160 (16:9 like the clip, so the bars are empty)."""
    frames, fps = base
    return write_video(clips / "uhd.mp4", (letterboxed(f, UHD) for f in frames), fps)


# ----------------------------------------------------------------------------- tests
def test_nobody_in_frame(empty_clip: Path) -> None:
    doc = analyze(empty_clip)
    assert doc["frames"] == 72 and doc["pose_frames"] == 0
    assert doc["total_reps"] == 0 and doc["reps"] == [] and doc["partial_reps"] == []
    assert any("nobody" in w for w in doc["warnings"]), doc["warnings"]


def test_person_leaves_and_comes_back(leave_run: tuple[dict, Track],
                                      base: tuple[list[np.ndarray], float]) -> None:
    frames, fps = base
    doc = leave_run[0]
    assert_reps(doc, 2 * REPS)
    # Five reps before the empty stretch and five after it.
    gap_start, gap_end = len(frames) / fps, (len(frames) + round(2 * fps)) / fps
    peaks = [r["peak_s"] for r in doc["reps"]]
    assert sum(p < gap_start for p in peaks) == REPS and sum(p > gap_end for p in peaks) == REPS
    # The empty stretch really had nobody in it.
    assert doc["pose_frames"] <= doc["frames"] - round(2 * fps) + 2


def test_partial_occlusion(occluded_clip: Path, base: tuple[list[np.ndarray], float],
                           leave_run: tuple[dict, Track]) -> None:
    # The rectangle is a genuine occlusion: on every frame of the clean clip (both copies of it
    # in the leave-and-return clip), the model puts both ankles, heels and toes inside it and
    # the knees, hips and shoulders outside.
    n = len(base[0])
    image = leave_run[1].image
    px = np.concatenate([image[:n], image[-n:]])[:, :, :2] * [W, H]
    x0, y0, x1, y1 = OCCLUSION

    def inside(idx: tuple[int, ...]) -> np.ndarray:
        p = px[:, idx]
        return (p[..., 0] > x0) & (p[..., 0] < x1) & (p[..., 1] > y0) & (p[..., 1] < y1)

    feet = (LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL,
            LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX)
    kept = (LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_HIP, LM.RIGHT_HIP,
            LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    assert inside(feet).all()
    assert not inside(kept).any()

    assert_reps(analyze(occluded_clip))


def test_second_person_in_view(two_people_clip: Path) -> None:
    doc = analyze(two_people_clip, cached=True)
    assert_reps(doc)
    # The main person (left 640 px) is followed from the start (the detector may find only
    # the smaller one in the very first frames, before the track settles on the larger one)
    # and then on every frame with a pose; the smaller one at the right, doing the same reps
    # 2.5 s out of phase, never takes the track over.
    track = stored_track(two_people_clip)
    x = hips_x(track)
    found = ~np.isnan(x)
    assert found.mean() > 0.95
    main_person = found & (x < W)
    first = int(np.argmax(main_person))
    assert main_person[first] and track.t[first] < MediaPipePose.SETTLE_S
    after = found[first:]
    assert main_person[first:][after].all(), (
        f"the second person took the track on {int((~main_person[first:][after]).sum())} frames")


def test_phone_rotation_metadata(rotated_clips: tuple[Path, Path],
                                 base: tuple[list[np.ndarray], float]) -> None:
    plain, phone = rotated_clips
    first = base[0][0].astype(np.int16)
    # OpenCV reads the rotation from the patched matrix and undoes it: upright 640x360 frames,
    # the same picture as the original (up to mp4v's loss); without it, frames stay sideways.
    cap = cv2.VideoCapture(str(phone))
    assert cap.get(cv2.CAP_PROP_ORIENTATION_META) == 90
    cap.release()
    with VideoFileSource(phone) as src:
        assert (src.width, src.height) == (W, H)
        frame = next(iter(src)).image
    assert frame.shape == (H, W, 3)
    assert np.abs(frame.astype(np.int16) - first).mean() < 6
    with VideoFileSource(plain) as src:
        assert (src.width, src.height) == (H, W)
        assert next(iter(src)).image.shape == (W, H, 3)

    assert_reps(analyze(phone))


def test_very_low_frame_rate(low_fps_clip: Path, base: tuple[list[np.ndarray], float]) -> None:
    doc = analyze(low_fps_clip)
    assert doc["fps"] == pytest.approx(base[1] / 3, abs=0.01)
    assert doc["frames"] == len(base[0][::3])
    assert_reps(doc)


def test_very_high_frame_rate(high_fps_clip: Path, base: tuple[list[np.ndarray], float]) -> None:
    doc = analyze(high_fps_clip)
    assert doc["fps"] == pytest.approx(base[1] * HIGH_FPS_FACTOR, abs=0.05)
    assert doc["frames"] == HIGH_FPS_FACTOR * len(base[0])
    assert_reps(doc)


def test_uhd_input_is_downscaled(uhd_clip: Path) -> None:
    with VideoFileSource(uhd_clip) as src:
        assert (src.width, src.height) == UHD
    with VideoFileSource(uhd_clip, max_side=1280) as src:
        assert (src.width, src.height) == (1280, 720)
        assert next(iter(src)).image.shape == (720, 1280, 3)
    doc = analyze(uhd_clip, cached=True)
    assert_reps(doc)
    # The CLI run gave the model 1280x720 frames, not 4K ones.
    track = stored_track(uhd_clip)
    assert (track.width, track.height) == (1280, 720)


def test_follower_keeps_the_main_person() -> None:
    """The person-following rule of ``MediaPipePose(num_poses=2)`` on hand-made detections."""

    def person(cx: float, cy: float, half: float) -> list[SimpleNamespace]:
        # 33 landmarks spread over a box of half-size ``half``; hips at the centre.
        pts = [SimpleNamespace(x=cx + half * np.cos(k), y=cy + half * np.sin(k)) for k in range(33)]
        pts[LM.LEFT_HIP] = pts[LM.RIGHT_HIP] = SimpleNamespace(x=cx, y=cy)
        return pts

    big, small = person(0.3, 0.6, 0.2), person(0.8, 0.7, 0.1)
    with MediaPipePose(resolve("lite"), num_poses=2) as est:
        choose = est._choose
        assert choose([small], 0.0) == 0  # one person seen so far: followed
        est.crowded = True  # the probe has seen two people
        assert choose([small, big], 0.1) == 1  # the larger one wins while the track settles
        assert choose([big, small], 0.7) == 0  # then the nearest to the followed one
        assert choose([small, person(0.32, 0.6, 0.05)], 0.8) == 1  # even if it looks smaller
        assert choose([small], 0.9) is None  # the main person missed: nobody, not the other
        assert choose([small], 1.5) is None
        assert choose([small], 2.0) == 0  # gone > 1 s: whoever is there is followed
        assert choose([big, small], 2.6) == 1  # and kept


def test_one_person_gets_the_single_person_poses(base: tuple[list[np.ndarray], float]) -> None:
    """With one person in view, ``num_poses=2`` gives exactly the poses of ``num_poses=1``.

    (MediaPipe's several-person mode re-runs its detector on every frame and moves the
    landmarks by a few pixels, which was enough to add a rep to a committed sample clip; it
    is only used once a second person has actually been seen.)
    """
    from repcount.records import Frame

    frames, fps = base
    model = resolve("lite")
    n = round((3 * MediaPipePose.PROBE_S + MediaPipePose.SETTLE_S) * fps) + 1
    poses = {}
    for num in (1, 2):
        with MediaPipePose(model, num_poses=num) as est:
            out = [est.estimate(Frame(index=i, t=i / fps, image=f)) for i, f in enumerate(frames[:n])]
            assert not est.crowded
        assert all(p is not None for p in out)
        poses[num] = np.stack([p.image for p in out if p is not None])
    np.testing.assert_array_equal(poses[1], poses[2])
