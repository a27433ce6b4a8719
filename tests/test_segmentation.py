"""``--exercise auto`` on a recording of several exercises: segments, counts and blocks.

The recordings are the committed sample tracks (real MediaPipe output of rendered clips) joined
end to end in several orders, so the true exercise, leg, count and time span of every block are
known from the samples' labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from repcount.cli import main
from repcount.pose.track import Track

ROOT = Path(__file__).resolve().parents[1]
LABELS = {d["exercise"] + ("_oblique" if "oblique" in d["file"] else ""): d
          for d in json.loads((ROOT / "sample_videos" / "labels.json").read_text())}
TRACKS = ROOT / "benchmarks" / "tracks" / "sample_videos"


def stitch(names: list[str], path: Path) -> list[tuple[str, str, int | None, float, float, float | None]]:
    """Join the sample tracks of ``names`` into one track; their truth: (exercise, leg, reps,
    start, end, held seconds)."""
    t, image, world, truth = [], [], [], []
    offset = 0.0
    for name in names:
        lab = LABELS[name]
        tr = Track.load(TRACKS / lab["file"].replace(".mp4", ".npz"))
        t.append(tr.t + offset)
        image.append(tr.image)
        world.append(tr.world)
        held = sum(b - a for a, b in lab["holds"]) if lab["holds"] else None
        truth.append((lab["exercise"], lab["side"], lab["reps"], offset, offset + float(tr.t[-1]), held))
        offset += float(tr.t[-1]) + 1 / tr.fps
    Track(np.concatenate(t), np.concatenate(image), np.concatenate(world), 640, 480, 30.0,
          {"video": path.name, "model": "full"}).save(path)
    return truth


ORDERS = {
    "the circuit": ["single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
                    "ball_leg_curl", "clamshell"],
    "reordered, one skipped": ["clamshell", "single_leg_dip", "prone_leg_lift", "single_leg_bridge"],
    "repeated": ["single_leg_dip", "prone_leg_lift", "single_leg_dip_oblique", "ball_leg_curl"],
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_every_block_is_found_and_counted(order, tmp_path):
    truth = stitch(ORDERS[order], tmp_path / "rec.npz")
    out = tmp_path / "rec.json"
    assert main(["analyze", str(tmp_path / "rec.npz"), "-e", "auto", "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert doc["exercise"] == "several" and any("several exercises" in w for w in doc["warnings"])
    blocks = doc["blocks"]
    assert [(b["exercise"], b["side"]) for b in blocks] == [(ex, side) for ex, side, *_ in truth]
    for b, (ex, _side, reps, start, end, held) in zip(blocks, truth):
        if reps is not None:
            assert b["reps"] == reps, (ex, b)
        if held is not None:
            assert abs(b["hold_s"] - held) < 2.0, (ex, b)
        # The block lies within its clip, give or take 2 s.
        assert start - 2.0 <= b["start_s"] and b["end_s"] <= end + 2.0, (ex, b, start, end)
    segs = doc["extra"]["auto"]["segments"]
    # Segment boundaries (where one exercise's stretch ends and the next begins) within 2 s.
    for s, (_, _, _, start, _, _) in list(zip(segs, truth))[1:]:
        assert abs(s["start_s"] - start) <= 2.0, (s, start)
    assert {r["exercise"] for r in doc["reps"]} == {ex for ex, _, reps, *_ in truth if reps}


def test_one_exercise_stays_one(tmp_path):
    truth = stitch(["single_leg_dip", "single_leg_dip_oblique"], tmp_path / "dips.npz")
    out = tmp_path / "dips.json"
    assert main(["analyze", str(tmp_path / "dips.npz"), "-e", "auto", "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert doc["exercise"] == "single_leg_dip" and doc["total_reps"] == sum(r for _, _, r, *_ in truth)


CIRCUIT_ORDERS = {
    "reordered, one skipped": ["clamshell", "single_leg_dip", "prone_leg_lift", "single_leg_bridge"],
    "a block done twice": ["single_leg_dip", "prone_leg_lift", "single_leg_dip_oblique", "ball_leg_curl"],
}


@pytest.mark.parametrize("order", sorted(CIRCUIT_ORDERS))
def test_circuit_blocks_are_matched_to_the_plan_in_any_order(order, tmp_path):
    from repcount.session.plan import load_plan

    truth = stitch(CIRCUIT_ORDERS[order], tmp_path / "rec.npz")
    out = tmp_path / "rec.json"
    assert main(["analyze", str(tmp_path / "rec.npz"), "--circuit", "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    summary = doc["extra"]["circuit"]
    plan = load_plan(None)
    per_block = summary["per_block"]
    assert [(b["exercise"], b["side"]) for b in per_block[:len(plan.blocks)]] == [
        (b.exercise, b.side) for b in plan.blocks]
    assert all(b["planned"] for b in per_block)  # every exercise done is in the plan
    first_set = {}
    for k, (ex, side, *_rest) in enumerate(truth):
        first_set.setdefault((ex, side), k)
    for b in per_block:
        done = [t for t in truth if (t[0], t[1]) == (b["exercise"], b["side"])]
        assert b["skipped"] == (not done), b
        assert ("not done" in b["warnings"]) == (not done), b
        assert b["sets"] == len(done), b
        if done and done[0][2] is not None:
            assert b["done"] == sum(t[2] for t in done), b
            assert b["complete"] == (b["done"] >= b["target"]), b
        if len(done) > 1:
            assert f"done in {len(done)} sets" in b["warnings"], b
        if done:
            # The block lies within its clips, give or take 2 s.
            assert done[0][3] - 2.0 <= b["start_s"] and b["end_s"] <= done[-1][4] + 2.0, (b, done)
    # Out of order: a block whose first set came after a later plan block's first set.
    index = {(b.exercise, b.side): i for i, b in enumerate(plan.blocks)}
    seen = -1
    for key, _k in sorted(first_set.items(), key=lambda kv: kv[1]):
        b = per_block[index[key]]
        assert ("done out of the plan's order" in b["warnings"]) == (index[key] < seen), b
        seen = max(seen, index[key])
    assert summary["blocks"] == len(plan.blocks)
    assert summary["total_reps"] == sum(t[2] or 0 for t in truth)
    assert doc["blocks"] and all(r["exercise"] for r in doc["reps"])


def test_a_dip_set_drawn_like_a_squat_stays_a_dip_set() -> None:
    """Dips on the left leg, then on the right leg with MediaPipe drawing the free leg on the
    standing one (both knees bend alike, both feet still: a squat to a window on its own). Beside the
    dip set, in the same posture, that stretch is counted as dips, on its own leg."""
    from repcount.detectors.segmentation import absorb_lookalikes, count_segments, segment_exercises
    from repcount.records import Pose, PoseSample
    from simulate import SimSpec, simulate

    left, _ = simulate(SimSpec(exercise="single_leg_dip", side="left", view="side", reps=10, seed=3,
                               noise_px=1.0, tail_s=2.0))
    right, _ = simulate(SimSpec(exercise="single_leg_dip", side="right", view="side", reps=10, seed=4,
                                noise_px=1.0, lead_in_s=0.0))
    samples = list(left.samples())
    dt = samples[-1].t + 1 / 30
    for s in right.samples():
        assert s.pose is not None
        img, world = s.pose.image.copy(), s.pose.world.copy()
        img[[23, 25, 27, 29, 31], :3] = img[[24, 26, 28, 30, 32], :3]  # the free (left) leg drawn
        world[[23, 25, 27, 29, 31]] = world[[24, 26, 28, 30, 32]]  # on the standing (right) one
        samples.append(PoseSample(len(samples), s.t + dt, Pose(s.pose.t + dt, img, world, 640, 480)))
    segments = segment_exercises(samples)
    assert [s.exercise for s in segments] == ["single_leg_dip"]
    _, counts = count_segments(samples, segments)
    assert len(counts.reps) >= 18
    # Without the rule the second set is a squat segment of its own.
    assert absorb_lookalikes([("single_leg_dip", 0, 5), ("squat", 6, 9)]) == [("single_leg_dip", 0, 9)]
    assert absorb_lookalikes([("single_leg_dip", 0, 5), ("clamshell", 6, 9)]) == [
        ("single_leg_dip", 0, 5), ("clamshell", 6, 9)]
    # Real glute bridges after ball curls (same posture, but no MediaPipe copy of them) stay apart.
    assert absorb_lookalikes([("ball_leg_curl", 0, 5), ("glute_bridge", 6, 9)]) == [
        ("ball_leg_curl", 0, 5), ("glute_bridge", 6, 9)]
    assert absorb_lookalikes([("single_leg_bridge", 0, 5), ("glute_bridge", 6, 9)]) == [
        ("single_leg_bridge", 0, 9)]
    assert absorb_lookalikes([("squat", 0, 5), ("clamshell", 6, 9)]) == [("squat", 0, 5), ("clamshell", 6, 9)]


def _joined(*specs):
    """The simulated tracks of ``specs`` one after the other, as one list of samples."""
    from simulate import join, simulate

    return join(*(simulate(spec)[0].samples() for spec in specs))


def test_changing_legs_between_two_holds_is_not_a_set_of_bridges() -> None:
    """Two 12 s holds, one per leg, 11.7 s apart: lowering out of the first, changing legs and
    rising into the second take that long, but it is no set of reps (ten reps take well over
    15 s, two such movements up to 7.5 s each), so no bridge segment is made of it (one was,
    and the change of legs counted as 1-2 bridge reps in rendered circuits). A set of ten
    bridges between the holds stays a bridge segment."""
    from repcount.detectors.segmentation import Segment, split_bridges
    from simulate import SimSpec, simulate

    track, truth = simulate(SimSpec(exercise="single_leg_bridge_hold", reps=2, side="both", hold_s=12.0,
                                    pauses_s=6.0, noise_px=1.0, seed=5))
    samples = list(track.samples())
    gap = truth.holds[1][1] - truth.holds[0][2]
    assert 10.0 < gap < 15.0
    segs = split_bridges(samples, [Segment("single_leg_bridge", 0.0, samples[-1].t, 3, "")])
    inside = [s for s in segs if s.exercise == "single_leg_bridge"
              and s.end_s > truth.holds[0][2] + 1 and s.start_s < truth.holds[1][1] - 1]
    assert [s.exercise for s in segs][:2] == ["single_leg_bridge_hold"] * 2 and not inside, segs

    samples = _joined(SimSpec(exercise="single_leg_bridge_hold", reps=1, side="right", hold_s=10.0, seed=6),
                      SimSpec(exercise="single_leg_bridge", reps=10, side="left", lead_in_s=0.0, seed=7),
                      SimSpec(exercise="single_leg_bridge_hold", reps=1, side="left", hold_s=10.0,
                              lead_in_s=0.0, seed=8))
    segs = split_bridges(samples, [Segment("single_leg_bridge", 0.0, samples[-1].t, 3, "")])
    assert [s.exercise for s in segs] == ["single_leg_bridge_hold", "single_leg_bridge",
                                          "single_leg_bridge_hold"], segs


def test_one_bridge_movement_beside_a_hold_is_no_set() -> None:
    """After a hold the person lowers the raised leg and rolls over: the windows between the hold
    and the prone set read as bridges, and one movement there was counted as a one-rep bridge
    set (rendered circuits 4, 7 and 15). A bridge stretch beside a hold in which no leg has two
    reps joins the exercise on its other side (the hold detector would time the hips resting on
    the way as another short hold). A single simulated bridge rep stands in for the lowering.

    Truth: the hold, then the prone set's reps; no bridge rep, and the withheld movement is in
    ``rejected`` with its reason. Control: three bridge reps there are a set and are counted.
    """
    from repcount.detectors.segmentation import STRAY_CODE, Segment, count_segments
    from simulate import SimSpec, join, simulate

    def run(bridge_reps: int) -> tuple[list[str], int, int, float, int]:
        hold = list(simulate(SimSpec(exercise="single_leg_bridge_hold", reps=1, side="right", hold_s=10.0,
                                     seed=6, tail_s=3.0))[0].samples())
        # The bridge track's lead-in (getting into position) bridges the jump between two tracks.
        bridge = list(simulate(SimSpec(exercise="single_leg_bridge", reps=bridge_reps, side="left",
                                       seed=7))[0].samples())
        prone, _ = simulate(SimSpec(exercise="prone_leg_lift", reps=6, side="left", seed=8))
        samples = join(hold, bridge, prone.samples())
        t1, t2 = samples[len(hold) - 1].t, samples[len(hold) + len(bridge) - 1].t
        segs = [Segment("single_leg_bridge_hold", 0.0, t1, 3, ""),
                Segment("single_leg_bridge", t1, t2, 3, ""),
                Segment("prone_leg_lift", t2, samples[-1].t, 3, "")]
        kept, counts = count_segments(samples, segs)
        bridges = sum(1 for r in counts.reps if r.exercise == "single_leg_bridge")
        lifts = sum(1 for r in counts.reps if r.exercise == "prone_leg_lift")
        # A withheld movement is kept with its reason, where the bridge stretch was.
        stray = [x for x in counts.rejected if x.code == STRAY_CODE]
        assert all(t1 <= x.peak_s <= t2 for x in stray)
        return [s.exercise for s in kept], bridges, lifts, sum(h.duration_s for h in counts.holds), len(stray)

    names, bridge, prone, hold_s, withheld = run(1)
    assert (bridge, prone, withheld) == (0, 6, 1) and "single_leg_bridge" not in names
    assert hold_s == pytest.approx(10.0, abs=0.5)
    names, bridge, prone, _, withheld = run(3)
    assert (bridge, prone, withheld) == (3, 6, 0) and "single_leg_bridge" in names


def test_a_hold_timed_with_the_pelvis_down_is_no_hold(monkeypatch) -> None:
    """After a hold the person lowers the hips and turns over; the hold detector timed about a
    second of that as a hold on the other leg (rendered circuits 18 and 23), a block of its own.
    Its pelvis stayed at the resting lift: it is kept out of the hold time and listed in
    ``rejected``, while the real hold is kept.

    The samples are simulated (a 10 s hold, then lying flat); the hold detector's answer over
    the hold segment is replaced by the real hold and a 1 s "hold" while lying flat.
    """
    import repcount.detectors as D
    from repcount.detectors.offline import TrackResult
    from repcount.detectors.segmentation import RESTING_CODE, Segment, count_segments
    from repcount.records import Hold
    from simulate import SimSpec, join, simulate

    track, truth = simulate(SimSpec(exercise="single_leg_bridge_hold", side="right", reps=1, hold_s=10.0,
                                    noise_px=1.0, seed=13, tail_s=2.0))
    flat = simulate(SimSpec(exercise="leg_raise", side="both", reps=1, amplitude_scale=0.0, lead_in_s=0.0,
                            tail_s=8.0, noise_px=1.0, seed=12))[0]
    held = list(track.samples())
    samples = join(held, flat.samples())
    (_, start, end), = truth.holds
    real = Hold("right", start, end)
    lying = Hold("left", held[-1].t + 4.0, held[-1].t + 5.0)

    def fake(exdef, stretch, context=()):
        holds = [h for h in (real, lying) if stretch and stretch[0].t <= h.start_s <= stretch[-1].t]
        empty = np.zeros(0)
        return TrackResult([], [], holds if exdef.name == "single_leg_bridge_hold" else [], [], empty, empty,
                           {}, [])

    monkeypatch.setattr(D, "analyze_samples", fake)
    _, counts = count_segments(samples, [Segment("single_leg_bridge_hold", 0.0, samples[-1].t, 3, "")])
    assert [(h.start_s, h.end_s) for h in counts.holds] == [(real.start_s, real.end_s)]
    assert [(x.code, x.start_s) for x in counts.rejected] == [(RESTING_CODE, lying.start_s)]
