"""The recognition rules' physical facts, on simulated sets whose exercise is known.

Each test builds a recording the old rules named wrongly, the way MediaPipe or a user really
produces it (the far leg drawn on the near one, arms moving while face down, a standing leg
swing, a set of reps the hold detector times as one hold), and checks the answer against the
truth of the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from repcount.detectors import recognition as R
from repcount.records import Hold, Pose, PoseSample, Rep
from simulate import SimSpec, simulate

LEG = {"left": [23, 25, 27, 29, 31], "right": [24, 26, 28, 30, 32]}


def _samples(spec: SimSpec) -> list[PoseSample]:
    track, _ = simulate(spec)
    return list(track.samples())


def _edit(samples: list[PoseSample], fn) -> list[PoseSample]:
    """``fn(i, image, world)`` edits copies of each found pose's landmarks in place."""
    out = []
    for i, s in enumerate(samples):
        if s.pose is None:
            out.append(s)
            continue
        img, world = s.pose.image.copy(), s.pose.world.copy()
        fn(i, img, world)
        out.append(PoseSample(s.index, s.t, Pose(s.pose.t, img, world, s.pose.width, s.pose.height)))
    return out


@pytest.mark.parametrize("view", ["side", "oblique"])
def test_dip_drawn_with_two_free_legs_is_a_dip(view: str) -> None:
    """MediaPipe draws the standing leg on the free one: both knees bend alike, as in a squat.

    The old rules called that a squat (both knees bend together); the free foot still rises and
    falls with the hips, which planted feet never do.
    """
    samples = _samples(SimSpec(exercise="single_leg_dip", side="left", view=view, reps=8,
                               noise_px=1.0, seed=5))

    def copy_free_leg(_i: int, img: np.ndarray, world: np.ndarray) -> None:
        img[LEG["left"], :3] = img[LEG["right"], :3]
        world[LEG["left"]] = world[LEG["right"]]

    copied = _edit(samples, copy_free_leg)
    facts = R.clip_facts(copied)
    assert facts is not None and facts.median["foot_follows_hips"] >= R.FOOT_FOLLOWS
    assert R.recognise(copied)[0] == "single_leg_dip"


@pytest.mark.parametrize("exercise", ["squat", "lunge"])
def test_planted_feet_do_not_follow_the_hips(exercise: str) -> None:
    samples = _samples(SimSpec(exercise=exercise, side="left", view="oblique", reps=6, noise_px=1.5,
                               seed=2))
    facts = R.clip_facts(samples)
    assert facts is not None and facts.median["foot_follows_hips"] < R.FOOT_FOLLOWS
    assert R.recognise(samples)[0] == exercise


def test_standing_leg_swing_is_not_a_squat() -> None:
    """A standing side leg raise: the hip opens and closes, the knees stay straight."""
    samples = _samples(SimSpec(exercise="squat", side="left", view="side", reps=1, lead_in_s=0.0,
                               amplitude_scale=0.0, tail_s=8.0, noise_px=1.0, seed=1))

    def swing(i: int, img: np.ndarray, _world: np.ndarray) -> None:
        angle = np.radians(35.0 * (1 - np.cos(2 * np.pi * i / 60)) / 2)  # a swing every 2 s
        hip = img[LEG["left"][0], :2].copy()
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        img[LEG["left"][1:], :2] = (img[LEG["left"][1:], :2] - hip) @ rot.T + hip

    swung = _edit(samples, swing)
    facts = R.clip_facts(swung)
    assert facts is not None and max(facts.rom["hip_left"], facts.rom["hip_right"]) > 15
    name, why = R.recognise(swung)
    assert name is None and "knees" in why


def test_arms_moving_face_down_do_not_make_push_ups() -> None:
    """Prone leg lifts with the forearms swinging (elbow range 60°): the chest stays down."""
    samples = _samples(SimSpec(exercise="prone_leg_lift", side="left", view="side", reps=8,
                               noise_px=1.0, seed=4))

    def flap(i: int, img: np.ndarray, _world: np.ndarray) -> None:
        angle = np.radians(60.0 * np.sin(2 * np.pi * i / 45))
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        for elbow, wrist in ((13, 15), (14, 16)):
            img[wrist, :2] = (img[wrist, :2] - img[elbow, :2]) @ rot.T + img[elbow, :2]

    flapping = _edit(samples, flap)
    facts = R.clip_facts(flapping)
    assert facts is not None and min(facts.rom["elbow_left"], facts.rom["elbow_right"]) > 40
    assert facts.median["shoulder_rise"] < R.SHOULDER_RISE
    assert R.recognise_by_rules(flapping, facts)[0] == "prone_leg_lift"


def test_push_ups_lift_the_chest() -> None:
    samples = _samples(SimSpec(exercise="pushup", side="left", view="side", reps=6, noise_px=1.0,
                               seed=3))
    facts = R.clip_facts(samples)
    assert facts is not None and facts.median["shoulder_rise"] >= R.SHOULDER_RISE
    assert R.recognise(samples)[0] == "pushup"


@pytest.mark.parametrize(("reps", "expected"), [(6, True), (2, False)])
def test_sit_ups_raise_the_trunk_again_and_again(reps: int, expected: bool) -> None:
    samples = _samples(SimSpec(exercise="situp", side="left", view="side", reps=reps, noise_px=1.0,
                               seed=6))
    facts = R.clip_facts(samples)
    assert facts is not None and facts.rom["trunk_rises"] == pytest.approx(reps, abs=1)
    assert (R.recognise(samples)[0] == "situp") is expected


@dataclass
class _Result:
    reps: list[Rep]
    holds: list[Hold]


def _rep(side: str, start: float, end: float, rom: float) -> Rep:
    return Rep(index=1, side=side, start_s=start, peak_s=(start + end) / 2, end_s=end, rom_deg=rom)


@pytest.mark.parametrize(("reps", "expected"), [
    # A whole set of reps inside the "hold": no 5 s stretch without a rep is left.
    ([(4.0 + 2.5 * k, 5.5 + 2.5 * k, 25.0) for k in range(8)], []),
    # The rise into a real hold and the lowering out of it make one rep around it: kept whole.
    ([(2.0, 25.0, 40.0)], [(3.0, 24.0)]),
    # Shallow wobbles (under the hold's 20° rise) do not break it.
    ([(8.0, 9.0, 12.0), (15.0, 16.0, 14.0)], [(3.0, 24.0)]),
    # One real drop to rest mid-hold: the longer part stays a hold set.
    ([(12.0, 14.0, 30.0)], [(14.0, 24.0)]),
    # A rep on the other leg is no evidence about this one.
    ([(4.0 + 2.5 * k, 5.5 + 2.5 * k, 25.0, "right") for k in range(8)], [(3.0, 24.0)]),
])
def test_hold_sets_are_cut_at_reps_on_the_held_leg(monkeypatch, reps, expected) -> None:
    import repcount.detectors as D

    hold = Hold(side="left", start_s=3.0, end_s=24.0)
    found = [_rep(*(r[3:] or ("left",)), *r[:3]) for r in reps]

    def fake(exdef, _samples):
        return _Result(found, []) if exdef.name == "single_leg_bridge" else _Result([], [hold])

    monkeypatch.setattr(D, "analyze_samples", fake)
    got = [(h.start_s, h.end_s) for h in R.hold_sets([])]
    assert got == expected


@pytest.mark.parametrize("stem", ["single_leg_bridge_right_side_s1001",
                                  "single_leg_bridge_hold_left_side_s2001",
                                  "single_leg_dip_right_side_s1", "clamshell_left_front_s5001"])
def test_live_recogniser_answers_as_the_whole_stretch_does_without_replays(monkeypatch, stem: str) -> None:
    """Fed a sample's track frame by frame, the live recogniser names its labelled exercise, as
    :func:`recognise` over the whole stretch does, and never replays a detector over the stretch
    (that replay took about a second per try on 20 s of bridge poses: a frozen live picture)."""
    import json
    from pathlib import Path

    import repcount.detectors as D
    from repcount.pose.track import Track

    root = Path(__file__).resolve().parents[1]
    labels = {d["file"]: d for d in json.loads((root / "sample_videos" / "labels.json").read_text())}
    track = Track.load(root / "benchmarks" / "tracks" / "sample_videos" / f"synth_{stem}.npz")
    samples = list(track.samples())
    live = R.LiveRecogniser(track.fps, window_s=1e9)
    for s in samples:
        live.add(s)

    def no_replay(*_args, **_kw):
        raise AssertionError("a detector was replayed over the stretch")

    monkeypatch.setattr(D, "analyze_samples", no_replay)
    name, _why = live.recognise()
    monkeypatch.undo()
    assert name == labels[f"synth_{stem}.mp4"]["exercise"] == R.recognise(samples)[0]


@pytest.mark.parametrize(("knee_read", "hips_lift", "expected"), [
    (80.0, True, "ball_leg_curl"),   # the shins foreshortened: the knees never read straight
    (80.0, False, None),             # the same knees with the hips down: a dead bug, none of ours
])
def test_knees_bending_together_with_the_hips_lifting_are_a_ball_curl(knee_read, hips_lift, expected):
    """A ball curl seen where MediaPipe never draws the knees straight is still a ball curl: both
    knees bend and straighten together far more than planted feet allow, and the hips lift.

    Built on a simulated ball-curl set whose knee medians are set to what a foreshortening view
    reads (80 degrees; a rendered circuit's curl set read 76-86 and was called glute bridges).
    Negative control: the same knees without the hips lifting are not a curl. A simulated glute
    bridge stays one (its knees move together by ~13 degrees).
    """
    from dataclasses import replace

    samples = _samples(SimSpec("ball_leg_curl", reps=6, view="side", seed=2))
    f = R.clip_facts(samples)
    assert f is not None
    median = {**f.median, "knee_left": knee_read, "knee_right": knee_read,
              "hip_rise": f.median["hip_rise"] if hips_lift else 0.0}
    assert R.recognise_by_rules(samples, replace(f, median=median))[0] == expected
    glute = _samples(SimSpec("glute_bridge", reps=6, view="side", seed=2))
    assert R.recognise_by_rules(glute, R.clip_facts(glute))[0] == "glute_bridge"


def _swap_legs_every(seconds: float, fps: float = 30.0):
    """An edit swapping the left and right leg labels in every other ``seconds`` (MediaPipe's
    label swaps in oblique views), which also swaps the leg the hold detector follows."""
    def swap(i: int, img: np.ndarray, world: np.ndarray) -> None:
        if int(i / fps / seconds) % 2:
            img[LEG["left"] + LEG["right"]] = img[LEG["right"] + LEG["left"]]
            world[LEG["left"] + LEG["right"]] = world[LEG["right"] + LEG["left"]]
    return swap


def test_pelvis_lift_ignores_left_right_label_swaps() -> None:
    from repcount.signals.features import pelvis_lift

    samples = _samples(SimSpec(exercise="single_leg_bridge_hold", side="left", view="oblique",
                               reps=1, hold_s=8.0, noise_px=0.5, seed=8))

    def swap_all(_i: int, img: np.ndarray, world: np.ndarray) -> None:
        pairs = [(11, 12), *zip(LEG["left"], LEG["right"])]  # LEG holds the hips
        for a, b in pairs:
            img[[a, b]] = img[[b, a]]
            world[[a, b]] = world[[b, a]]

    swapped = _edit(samples, swap_all)
    for a, b in zip(samples, swapped):
        if a.pose is not None and b.pose is not None:
            assert pelvis_lift(a.pose) == pytest.approx(pelvis_lift(b.pose), abs=1e-9)


@pytest.mark.parametrize("azimuth", [35.0, 145.0, 215.0, 325.0])
def test_a_hold_whose_legs_swap_labels_is_a_hold(azimuth: float) -> None:
    """A 15 s hold seen obliquely, with MediaPipe swapping the leg labels every 1.5 s: the hold
    detector follows the planted leg's hip angle, which the swaps break into pieces; the pelvis
    stays up the whole time, so it is a hold set, not bridge reps."""
    samples = _samples(SimSpec(exercise="single_leg_bridge_hold", side="right", azimuth_deg=azimuth,
                               elevation_deg=15.0, reps=1, hold_s=15.0, noise_px=1.0, seed=9))
    swapped = _edit(samples, _swap_legs_every(1.5))
    run = R.lifted_run(swapped)
    assert run is not None and 12.0 <= run <= 16.5
    assert R.bridge_or_hold(swapped)[0] == "single_leg_bridge_hold"


@pytest.mark.parametrize("azimuth", [35.0, 145.0, 215.0, 325.0])
def test_slow_bridge_reps_whose_legs_swap_labels_are_reps(azimuth: float) -> None:
    """Slow reps (4 s each, a long pause at the bottom) with the same label swaps stay reps: the
    pelvis never stays up for a hold set's 5 s."""
    samples = _samples(SimSpec(exercise="single_leg_bridge", side="right", azimuth_deg=azimuth,
                               elevation_deg=15.0, reps=6, period_s=4.0, pauses_s=1.0,
                               noise_px=1.0, seed=10))
    swapped = _edit(samples, _swap_legs_every(1.5))
    run = R.lifted_run(swapped)
    assert run is not None and run < R.HOLD_SET_S
    assert R.bridge_or_hold(swapped)[0] == "single_leg_bridge"


def test_lying_still_shows_no_pelvis_lift() -> None:
    """Face down with a leg lifting, the pelvis stays on the floor: no lift evidence, so the
    hold detector decides (and finds no hold)."""
    samples = _samples(SimSpec(exercise="prone_leg_lift", side="left", view="side", reps=8,
                               noise_px=1.0, seed=11))
    assert R.lifted_run(samples) is None


def test_lying_flat_is_no_hold_set(monkeypatch) -> None:
    """Before it has seen the hips rest, the hold detector takes a hip angle past its absolute
    floor as held, and lying flat with straight legs reads that too: a rendered circuit's 6 s
    lying down before its first bridge rep became a hold set. With the pelvis seen rising and
    falling in the stretch, a "hold" with the pelvis down is dropped; the real hold is kept.

    The samples are simulated (lying flat, then a 10 s hold); the hold detector's answer is
    replaced by one "hold" over each part.
    """
    import repcount.detectors as D
    from simulate import join, simulate

    flat = list(simulate(SimSpec(exercise="leg_raise", side="both", reps=1, amplitude_scale=0.0,
                                 tail_s=8.0, noise_px=1.0, seed=12))[0].samples())
    track, truth = simulate(SimSpec(exercise="single_leg_bridge_hold", side="right", reps=1, hold_s=10.0,
                                    lead_in_s=0.0, noise_px=1.0, seed=13))
    samples = join(flat, track.samples())
    offset = samples[len(flat)].t
    (_, start, end), = truth.holds
    lying_flat = Hold("right", 3.0, flat[-1].t)
    held = Hold("right", offset + start, offset + end)
    assert lying_flat.duration_s >= R.HOLD_SET_S

    def fake(exdef, _samples):
        return _Result([], []) if exdef.name == "single_leg_bridge" else _Result([], [lying_flat, held])

    monkeypatch.setattr(D, "analyze_samples", fake)
    assert R.hold_sets(samples) == [held]
