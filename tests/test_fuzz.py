"""Hypothesis drives every detector with random and adversarial landmark streams.

Streams start from a simulated set of the exercise (so reps can happen) and every frame can be
replaced by: nobody (None), NaN landmarks (all, or one leg), a random pose, a huge jump (the
landmarks scaled and shifted far out of the frame), a frozen copy of the previous frame, or
random visibilities. Timestamps strictly increase with random steps (1 ms .. 0.3 s).

Properties: no exception; counts never negative; rep indices 1..n per side; and the streaming
:class:`Detector` (reps collected from ``update``) counts as many reps, and times as much hold,
as the offline :func:`analyze_samples`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repcount.detectors import EXERCISES, Detector, analyze_samples
from repcount.records import NUM_LANDMARKS, Hold, Pose, PoseSample, Rep
from simulate import EXERCISES as SIM_EXERCISES
from simulate import SimSpec, simulate

#: Frame operations that lose or degrade the pose but never invent a movement.
BENIGN = ("keep", "keep", "keep", "none", "nan_all", "nan_leg", "freeze", "vis")
#: Plus ones that invent movement: a random pose, a huge jump.
OPS = (*BENIGN, "random", "jump")
FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def base_poses(exercise: str) -> tuple[Pose | None, ...]:
    """Poses of a short simulated set of the exercise (a plain supine set if not simulated)."""
    name = exercise if exercise in SIM_EXERCISES else "glute_bridge"
    kw = {"hold_s": 4.0} if name.endswith("_hold") else {}
    track, _ = simulate(SimSpec(exercise=name, reps=4, fps=30.0, lead_in_s=0.5, tail_s=0.5,
                                noise_px=1.0, seed=3, **kw))
    return tuple(track.pose_at(i) for i in range(len(track)))


def random_pose(rng: np.random.Generator, t: float) -> Pose:
    img = np.column_stack([rng.uniform(-0.2, 1.2, (NUM_LANDMARKS, 3)),
                           rng.uniform(0, 1, (NUM_LANDMARKS, 2))])
    return Pose(t=t, image=img, world=rng.normal(0, 0.5, (NUM_LANDMARKS, 3)),
                width=640, height=480)


def build(exercise: str, ops: list[str], dts: list[float], seed: int) -> list[PoseSample]:
    base = base_poses(exercise)
    t = 0.0
    samples: list[PoseSample] = []
    prev: Pose | None = None
    for i, (op, dt) in enumerate(zip(ops, dts)):
        t += dt
        p = base[i % len(base)]
        rng = np.random.default_rng([seed, i])  # per frame, so one frame's op shrinks alone
        pose: Pose | None
        if op == "none" or p is None:
            pose = None
        elif op == "keep":
            pose = Pose(t, p.image, p.world, p.width, p.height)
        elif op == "nan_all":
            pose = Pose(t, np.full((NUM_LANDMARKS, 5), np.nan), np.full((NUM_LANDMARKS, 3), np.nan),
                        p.width, p.height)
        elif op == "nan_leg":
            img, world = p.image.copy(), p.world.copy()
            leg = [23, 25, 27, 29, 31] if rng.random() < 0.5 else [24, 26, 28, 30, 32]
            img[leg] = np.nan
            world[leg] = np.nan
            pose = Pose(t, img, world, p.width, p.height)
        elif op == "random":
            pose = random_pose(rng, t)
        elif op == "jump":
            k = float(rng.choice([-1e6, -50.0, 50.0, 1e6]))
            pose = Pose(t, p.image * np.array([k, k, 1, 1, 1]) + k, p.world * k, p.width, p.height)
        elif op == "freeze":
            pose = Pose(t, prev.image, prev.world, prev.width, prev.height) if prev else None
        else:  # "vis": random visibility/presence
            img = p.image.copy()
            img[:, 3:] = rng.uniform(0, 1, (NUM_LANDMARKS, 2))
            pose = Pose(t, img, p.world, p.width, p.height)
        prev = pose if pose is not None else prev
        samples.append(PoseSample(i, t, pose))
    return samples


def stream(exercise: str, samples: list[PoseSample]) -> tuple[list[Rep], list[Hold]]:
    det = Detector(EXERCISES[exercise], 30.0)
    reps: list[Rep] = []
    holds: list[Hold] = []
    for s in samples:
        for ev in det.update(s):
            if isinstance(ev, Rep):
                reps.append(ev)
            elif isinstance(ev, Hold):
                holds.append(ev)
        st_ = det.state()
        assert st_.count >= 0 and st_.hold_s >= 0
    for ev in det.finish():
        (reps if isinstance(ev, Rep) else holds).append(ev)
    return reps, holds


def check(exercise: str, samples: list[PoseSample]) -> None:
    live, live_holds = stream(exercise, samples)
    off = analyze_samples(EXERCISES[exercise], samples)
    for reps in (live, off.reps):
        for side in ("left", "right", "both"):
            idx = [r.index for r in reps if r.side == side]
            assert idx == list(range(1, len(idx) + 1))
        assert all(r.rom_deg >= 0 and r.start_s <= r.peak_s <= r.end_s for r in reps)
    assert all(h.duration_s >= 0 for h in off.holds + live_holds)
    assert round(sum(h.duration_s for h in live_holds), 6) == round(sum(h.duration_s for h in off.holds), 6)
    assert len(live) == len(off.reps), (
        f"streaming {[(r.side, round(r.peak_s, 3)) for r in live]} vs offline "
        f"{[(r.side, round(r.peak_s, 3)) for r in off.reps]}")


def streams(ops: tuple[str, ...], max_len: int = 240
            ) -> st.SearchStrategy[tuple[list[str], list[float], int]]:
    return st.integers(1, max_len).flatmap(lambda n: st.tuples(
        st.lists(st.sampled_from(ops), min_size=n, max_size=n),
        st.lists(st.one_of(st.just(1 / 30), st.floats(0.001, 0.3)), min_size=n, max_size=n),
        st.integers(0, 2**16)))


@pytest.mark.parametrize("exercise", list(EXERCISES))
@settings(FUZZ, max_examples=30)
@given(data=st.one_of(streams(BENIGN), streams(OPS)))
def test_lost_degraded_and_adversarial_streams(exercise, data):
    """Lost and degraded poses, or random poses and huge jumps too: no exception, sane counts,
    live equals offline."""
    ops, dts, seed = data
    check(exercise, build(exercise, ops, dts, seed))


@pytest.mark.parametrize("exercise", list(EXERCISES))
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), n=st.integers(1, 200),
       none_p=st.floats(0, 1), const=st.booleans())
def test_random_and_constant_poses(exercise, seed, n, none_p, const):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.001, 0.1, n))
    fixed = random_pose(rng, 0.0)
    samples = []
    for i in range(n):
        if rng.random() < none_p:
            pose = None
        elif const:
            pose = Pose(float(t[i]), fixed.image, fixed.world, 640, 480)
        else:
            pose = random_pose(rng, float(t[i]))
        samples.append(PoseSample(i, float(t[i]), pose))
    check(exercise, samples)
    if const:
        assert analyze_samples(EXERCISES[exercise], samples).reps == []


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_clean_simulated_set_streaming_equals_offline(exercise):
    base = base_poses(exercise)
    samples = [PoseSample(i, i / 30, None if p is None else Pose(i / 30, p.image, p.world,
                                                                 p.width, p.height))
               for i, p in enumerate(base)]
    check(exercise, samples)


# ----------------------------------------------------------------------------- found by fuzzing
def test_glitch_after_a_rep_does_not_change_the_offline_count():
    """Shrunk from a Hypothesis failure: single_leg_bridge, 92 frames at 30 fps, random poses at
    frames 58, 59 and 90, nobody at 91. Live counts the real rep at 1.23 s and the glitch at
    3.0 s (prominence 137); offline used to judge the real rep against the later glitch's range
    and drop it. Both now judge a rep against the range known at its turning point."""
    ops = ["keep"] * 92
    ops[58] = ops[59] = ops[90] = "random"
    ops[91] = "none"
    check("single_leg_bridge", build("single_leg_bridge", ops, [1 / 30] * 92, 4042))


def test_small_reps_then_full_reps_streaming_equals_offline():
    """3 reps at 45 % amplitude, then 3 full reps: the small ones reach half of the range seen so
    far, so live counts them when they happen and offline must not take them back later."""
    small, _ = simulate(SimSpec(exercise="squat", reps=3, amplitude_scale=0.45, lead_in_s=0.5,
                                tail_s=0.5, seed=1))
    full, _ = simulate(SimSpec(exercise="squat", reps=3, lead_in_s=0.5, tail_s=0.5, seed=1))
    poses = [small.pose_at(i) for i in range(len(small))] + [full.pose_at(i) for i in range(len(full))]
    samples = [PoseSample(i, i / 30, None if p is None else
                          Pose(i / 30, p.image, p.world, p.width, p.height))
               for i, p in enumerate(poses)]
    check("squat", samples)
    assert len(analyze_samples(EXERCISES["squat"], samples).reps) == 6
