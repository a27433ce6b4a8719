"""The JSON's ``blocks``: the sets of a recording, against simulated ground truth."""

from __future__ import annotations

import numpy as np

from repcount.detectors import EXERCISES, analyze_samples
from repcount.io.outputs import to_json_dict
from repcount.pose.track import Track
from repcount.records import Rep
from repcount.session.analysis import RunStats, Tally, build_analysis
from repcount.session.blocks import sets_of
from simulate import SimSpec, simulate


def _analysis(track: Track, exercise: str):
    samples = list(track.samples())
    result = analyze_samples(EXERCISES[exercise], samples)
    return build_analysis("sim", exercise, "sim", track.fps, Tally.of(samples), result, RunStats())


def test_a_set_on_each_leg_gives_two_blocks():
    track, truth = simulate(SimSpec("single_leg_dip", reps=12, side="both", noise_px=1.0, seed=4))
    doc = to_json_dict(_analysis(track, "single_leg_dip"))
    blocks = doc["blocks"]
    true_sides = [s for s, *_ in truth.reps]
    first = true_sides[0]
    n_first = true_sides.index(next(s for s in true_sides if s != first))
    assert [b["side"] for b in blocks] == [first, "right" if first == "left" else "left"]
    assert [b["reps"] for b in blocks] == [n_first, len(true_sides) - n_first]
    # Each block spans its reps: from the first rep's start to the last one's end (within 0.5 s).
    reps = truth.reps
    assert abs(blocks[0]["start_s"] - reps[0][1]) < 0.5 and abs(blocks[1]["end_s"] - reps[-1][3]) < 0.5
    assert blocks[0]["end_s"] <= blocks[1]["start_s"]
    assert all(b["exercise"] == "single_leg_dip" for b in blocks)


def test_a_hold_is_one_block_with_its_time():
    track, truth = simulate(SimSpec("single_leg_bridge_hold", reps=1, hold_s=15.0, side="left"))
    blocks = to_json_dict(_analysis(track, "single_leg_bridge_hold"))["blocks"]
    assert len(blocks) == 1 and blocks[0]["side"] == "left" and blocks[0]["holds"] == 1
    assert abs(blocks[0]["hold_s"] - 15.0) < 0.5


def test_a_long_rest_splits_a_set():
    a, _ = simulate(SimSpec("clamshell", reps=5, side="left", tail_s=40.0, seed=1))
    # The same set again after the rest, where the person already lies (from the end of the
    # lead-in on: a second simulation would place the body elsewhere, a jump no body makes).
    k = int(np.searchsorted(a.t, 2.0))  # the default lead-in
    t = np.concatenate([a.t, a.t[-1] + 1 / a.fps + a.t[k:] - a.t[k]])
    both = Track(t, np.concatenate([a.image, a.image[k:]]), np.concatenate([a.world, a.world[k:]]),
                 a.width, a.height, a.fps)
    result = analyze_samples(EXERCISES["clamshell"], list(both.samples()))
    blocks = sets_of("clamshell", [*result.reps, *result.partials], result.holds)
    assert [(x["side"], x["reps"]) for x in blocks] == [("left", 5), ("left", 5)]


def _rep(side: str, t: float, partial: bool = False) -> Rep:
    return Rep(0 if partial else 1, side, t, t + 0.8, t + 1.6, 10.0 if partial else 20.0, partial)  # type: ignore[arg-type]


def test_a_partial_rep_of_uncertain_side_does_not_split_a_set():
    # A partial the far leg's copy made look like both legs, in the middle of a left set: the
    # set is one block, and it is the left leg's (a block took its first item's side before).
    reps = [_rep("left", 0.0), _rep("left", 2.0), _rep("both", 4.0, True), _rep("left", 6.0),
            _rep("left", 8.0)]
    blocks = sets_of("prone_leg_lift", reps, [])
    assert [(b["side"], b["reps"], b["partial_reps"]) for b in blocks] == [("left", 4, 1)]


def test_the_new_legs_partial_rep_opens_its_set():
    reps = [_rep("left", 0.0), _rep("left", 2.0), _rep("right", 8.0, True), _rep("right", 10.0),
            _rep("right", 12.0)]
    blocks = sets_of("single_leg_dip", reps, [])
    assert [(b["side"], b["reps"], b["partial_reps"]) for b in blocks] == [("left", 2, 0), ("right", 2, 1)]
    assert blocks[1]["start_s"] == 8.0
