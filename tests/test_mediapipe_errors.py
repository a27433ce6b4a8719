"""MediaPipe's structured errors injected into simulated sets, checked against the ground truth.

A simulated set of each circuit exercise (exact reps, sides and holds from ``simulate``) is
corrupted the way MediaPipe goes wrong, in amounts it really does (a few per cent of frames):

- ``swap``: left and right labels exchanged for a few frames (image and world landmarks);
- ``copy``: the far leg drawn on top of the near one (MediaPipe guessing an occluded limb);
- ``depth``: the sign of the depth flipped for a stretch (world z and image z);
- ``jitter``: extra landmark noise on a stretch;
- ``drop``: nobody found for a moment.

The streaming detector (reps as ``update`` announces them) must count exactly the true reps,
on the true legs, time holds within 0.5 s, and agree with the offline pass. The last tests show
these checks fail when the counter or the attribution is broken.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repcount.detectors import EXERCISES, Detector, analyze_samples
from repcount.records import Hold, Pose, PoseSample, Rep
from simulate import SimSpec, simulate

CIRCUIT = ["single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
           "ball_leg_curl", "clamshell"]
LEFT = [11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
RIGHT = [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]
LEG = {"left": [23, 25, 27, 29, 31], "right": [24, 26, 28, 30, 32]}
KINDS = ("swap", "copy", "depth", "jitter", "drop")
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def clean_set(exercise: str, side: str):
    kw = {"hold_s": 12.0, "reps": 1} if exercise.endswith("_hold") else {"reps": 6}
    track, truth = simulate(SimSpec(exercise=exercise, side=side, view="side", fps=30.0, lead_in_s=2.0,
                                    tail_s=1.0, noise_px=1.0, seed=11, **kw))
    return track, truth


def corrupt(track, events, seed: int) -> list[PoseSample]:
    """Apply (kind, start frame, length) events to a track's poses."""
    rng = np.random.default_rng(seed)
    n = len(track)
    poses: list[Pose | None] = [track.pose_at(i) for i in range(n)]
    for kind, start, length in events:
        for i in range(start, min(n, start + length)):
            p = poses[i]
            if p is None:
                continue
            img, world = p.image.copy(), p.world.copy()
            if kind == "swap":
                img[LEFT + RIGHT] = img[RIGHT + LEFT]
                world[LEFT + RIGHT] = world[RIGHT + LEFT]
            elif kind == "copy":  # the far (less visible) leg drawn on the near one
                near, far = (("left", "right") if img[25, 3] >= img[26, 3] else ("right", "left"))
                img[LEG[far], :3] = img[LEG[near], :3] + rng.normal(0, 0.002, (5, 3))
                world[LEG[far]] = world[LEG[near]]
            elif kind == "depth":
                img[:, 2] = -img[:, 2]
                world[:, 2] = -world[:, 2]
            elif kind == "jitter":
                img[:, :2] += rng.normal(0, 4.0 / p.width, (33, 2))
            elif kind == "drop":
                poses[i] = None
                continue
            poses[i] = Pose(p.t, img, world, p.width, p.height)
    return [PoseSample(i, float(track.t[i]), poses[i]) for i in range(n)]


def events_strategy(n_frames: int):
    """Up to 4 error events, each 1-8 frames (dropouts up to 9), about 2-6 % of the frames."""
    event = st.tuples(st.sampled_from(KINDS), st.integers(0, n_frames - 1), st.integers(1, 8))
    return st.lists(event, min_size=1, max_size=4)


def check_against_truth(exercise: str, samples: list[PoseSample], truth) -> None:
    exdef = EXERCISES[exercise]
    det = Detector(exdef, 30.0)
    live = [r for s in samples for r in det.update(s).reps]
    done = det.finish()
    live += [r for r in done if isinstance(r, Rep)]
    live_holds = det.holds + [h for h in done if isinstance(h, Hold)]
    if exdef.hold is not None:
        true_s = sum(e - s for _, s, e in truth.holds)
        got_s = sum(h.duration_s for h in live_holds)
        assert abs(got_s - true_s) <= 0.5, (got_s, true_s)
        assert {h.side for h in live_holds} == {s for s, _, _ in truth.holds}
        return
    want = [side for side, *_ in truth.reps]
    assert [r.side for r in live] == want, (
        f"counted {[(r.side, round(r.peak_s, 2)) for r in live]}, "
        f"true {[(s, round(p, 2)) for s, _, p, _ in truth.reps]}")
    for rep, (_, start, _, end) in zip(live, truth.reps):
        assert start - 0.3 <= rep.peak_s <= end + 0.3
    off = analyze_samples(exdef, samples)
    assert [r.side for r in off.reps] == [r.side for r in live]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("exercise", CIRCUIT)
def test_clean_set_is_counted_exactly(exercise, side):
    track, truth = clean_set(exercise, side)
    check_against_truth(exercise, list(track.samples()), truth)


@pytest.mark.parametrize("exercise", CIRCUIT)
@SETTINGS
@given(data=st.data())
def test_structured_errors_do_not_change_the_count(exercise, data):
    side = data.draw(st.sampled_from(["left", "right"]))
    track, truth = clean_set(exercise, side)
    events = data.draw(events_strategy(len(track)))
    seed = data.draw(st.integers(0, 2**16))
    check_against_truth(exercise, corrupt(track, events, seed), truth)


# ----------------------------------------------------------------------------- the checks can fail
def test_a_counter_that_never_announces_fails_the_check(monkeypatch):
    from repcount.detectors import peaks

    monkeypatch.setattr(peaks.PeakCounter, "update", lambda self, t, x, reference: [])
    track, truth = clean_set("single_leg_dip", "left")
    with pytest.raises(AssertionError):
        check_against_truth("single_leg_dip", list(track.samples()), truth)


def test_attribution_to_the_wrong_leg_fails_the_check(monkeypatch):
    from repcount.detectors import attribution

    real = attribution.Judge.side_of

    def flipped(self, c, channel, now):
        side = real(self, c, channel, now)
        return {"left": "right", "right": "left"}.get(side, side)  # type: ignore[arg-type]

    monkeypatch.setattr(attribution.Judge, "side_of", flipped)
    track, truth = clean_set("single_leg_bridge", "left")
    with pytest.raises(AssertionError):
        check_against_truth("single_leg_bridge", list(track.samples()), truth)


def test_a_gate_that_withholds_everything_fails_the_check(monkeypatch):
    from repcount.detectors import attribution

    monkeypatch.setattr(attribution.Judge, "gate", lambda self, c, side, now: ("test", "always"))
    track, truth = clean_set("clamshell", "right")
    with pytest.raises(AssertionError):
        check_against_truth("clamshell", list(track.samples()), truth)
