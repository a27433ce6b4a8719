"""The guided circuit: plan parsing, the state machine, a whole circuit from recorded tracks, history."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from repcount.commands import history as history_cmd
from repcount.errors import InputError
from repcount.pose.track import Track
from repcount.records import FormEvent, Hold, PoseSample, Rep
from repcount.session.circuit import (
    ACTIVE,
    DONE,
    REST,
    WAITING,
    Circuit,
    CircuitRunner,
    summary_lines,
)
from repcount.session.history import append_history, read_history
from repcount.session.plan import load_plan, parse_plan

ROOT = Path(__file__).resolve().parents[1]
TRACKS = ROOT / "benchmarks" / "tracks" / "sample_videos"


def rep(side: str, t: float, partial: bool = False) -> Rep:
    return Rep(1, side, t - 1.0, t - 0.5, t, 40.0, partial=partial)  # type: ignore[arg-type]


SMALL = """
name = "small"
rest_s = 5
[[exercise]]
name = "single_leg_dip"
reps = 2
sides = ["right", "left"]
[[exercise]]
name = "single_leg_bridge_hold"
hold_s = 3
sides = ["left"]
rest_s = 0
[[exercise]]
name = "ball_leg_curl"
reps = 1
"""


def test_default_plan_is_the_developers_circuit() -> None:
    plan = load_plan()
    got = [(b.exercise, b.side, b.reps, b.hold_s, b.rest_s) for b in plan.blocks]
    assert got == [
        ("single_leg_dip", "right", 20, None, 30.0), ("single_leg_dip", "left", 20, None, 30.0),
        ("single_leg_bridge", "right", 10, None, 30.0), ("single_leg_bridge", "left", 10, None, 30.0),
        ("single_leg_bridge_hold", "right", None, 20.0, 30.0),
        ("single_leg_bridge_hold", "left", None, 20.0, 30.0),
        ("prone_leg_lift", "right", 20, None, 30.0), ("prone_leg_lift", "left", 20, None, 30.0),
        ("ball_leg_curl", "both", 20, None, 30.0),
        ("clamshell", "right", 20, None, 30.0), ("clamshell", "left", 20, None, 30.0),
    ]


@pytest.mark.parametrize("text,fragment", [
    ("name = [", "not valid TOML"),
    ("name = 'x'", "no [[exercise]]"),
    ("[[exercise]]\nname = 'burpee'\nreps = 3", "unknown exercise 'burpee'"),
    ("[[exercise]]\nname = 'clamshell'", "exactly one of reps or hold_s"),
    ("[[exercise]]\nname = 'clamshell'\nhold_s = 3", "counts reps"),
    ("[[exercise]]\nname = 'single_leg_bridge_hold'\nreps = 3", "is a hold"),
    ("[[exercise]]\nname = 'clamshell'\nreps = -1", "positive integer"),
    ("[[exercise]]\nname = 'clamshell'\nreps = 3\nsides = ['up']", "sides must be"),
    ("[[exercise]]\nname = 'clamshell'\nreps = 3\nrest_s = 'long'", "rest_s must be"),
    ("[[exercise]]\nname = 'clamshell'\nreps = 3\ncolour = 'red'", "unknown key(s) colour"),
])
def test_bad_plans_give_one_line_errors(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_plan(text, "plan.toml")
    msg = str(exc.value)
    assert fragment in msg and "\n" not in msg and msg.startswith("plan.toml")


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such plan file"):
        load_plan(tmp_path / "nope.toml")


def test_state_machine_reps_rest_hold_done() -> None:
    c = Circuit(parse_plan(SMALL))
    assert c.phase == WAITING and c.block is not None and c.block.side == "right"
    assert c.update(1.0, [rep("right", 1.0, partial=True)]) and c.phase == ACTIVE
    c.update(2.0, [FormEvent(2.0, "right", "too_fast", "slow down")])
    c.update(3.0, [rep("right", 3.0)])
    assert c.progress_text() == "1/2 right leg"
    notices = c.update(4.0, [rep("right", 4.0)])
    assert [n.kind for n in notices] == ["rep", "block_done", "rest"]
    assert c.phase == REST and c.rest_left(6.0) == pytest.approx(3.0)
    c.update(6.0, [rep("left", 6.0)])  # ignored during the rest
    c.pause(7.0)
    c.update(20.0)
    assert c.phase == REST  # paused: the countdown stopped
    c.resume(20.0)  # 2 s were left when paused
    assert c.phase == REST and c.rest_left(20.0) == pytest.approx(2.0)
    assert [n.kind for n in c.update(22.5)] == ["next"]
    c.update(23.0, [rep("left", 23.0)])
    c.update(24.0, [rep("left", 24.0)])
    assert c.block is not None and c.block.exercise == "single_leg_bridge_hold"
    c.skip(24.5)  # skip the rest
    c.update(25.0, [Hold("left", 25.0, 26.5)])
    assert c.phase == ACTIVE and c.result is not None and c.result.hold_s == pytest.approx(1.5)
    c.update(28.0, [Hold("left", 26.6, 28.0)])  # 2.9 s in total, target 3
    assert c.phase == ACTIVE
    c.update(28.5, [Hold("left", 28.0, 28.4)])  # no rest after this block (rest_s = 0)
    assert c.phase == WAITING and c.block is not None and c.block.exercise == "ball_leg_curl"
    notices = c.update(30.0, [rep("both", 30.0)])
    assert [n.kind for n in notices][-1] == "done" and c.done
    s = c.summary()
    assert s["finished"] and s["blocks_complete"] == 4 and s["total_reps"] == 5
    first = s["per_block"][0]
    assert (first["done"], first["partial_reps"], first["warnings"]) == (2, 1, ["slow down (x1)"])
    assert "4/4 blocks complete" in summary_lines(s)[0]


def test_skip_redo_and_starting_with_the_other_leg() -> None:
    c = Circuit(parse_plan(SMALL))
    c.update(1.0, [rep("left", 1.0)])  # plan says right first: the two legs swap
    assert c.block is not None and c.block.side == "left" and c.result is not None and c.result.reps == 1
    gen = c.generation
    c.redo(2.0)
    assert c.result.reps == 0 if c.result else False
    assert c.generation > gen and c.phase == WAITING
    c.update(3.0, [rep("left", 3.0)])
    c.update(4.0, [rep("left", 4.0)])
    assert c.phase == REST
    c.redo(5.0)  # during the rest: redo the block just finished
    assert c.block is not None and c.block.side == "left" and c.phase == WAITING
    c.skip(6.0)
    assert c.block is not None and c.block.side == "right" and c.phase == WAITING
    c.skip(7.0)
    c.skip(8.0)
    c.skip(9.0)
    assert c.phase == DONE and c.skip(10.0) == []
    s = c.summary()
    assert [b["skipped"] for b in s["per_block"]] == [True, True, True, True]
    assert s["blocks_complete"] == 0


def _stitched(order: list[str], gap_s: float) -> list[PoseSample]:
    """The committed tracks one after the other, with ``gap_s`` of nobody in frame between."""
    out: list[PoseSample] = []
    off = 0.0
    for stem in order:
        tr = Track.load(TRACKS / f"synth_{stem}.npz")
        for s in tr.samples():
            out.append(PoseSample(len(out), off + s.t, s.pose))
        off += float(tr.t[-1])
        for _ in range(int(gap_s * 30)):
            off += 1 / 30
            out.append(PoseSample(len(out), off, None))
    return out


WHOLE = """
name = "sample circuit"
rest_s = 2
[[exercise]]
name = "single_leg_dip"
reps = 5
sides = ["left", "right"]
[[exercise]]
name = "single_leg_bridge"
reps = 5
sides = ["right"]
[[exercise]]
name = "single_leg_bridge_hold"
hold_s = 20
sides = ["left"]
[[exercise]]
name = "prone_leg_lift"
reps = 6
sides = ["right"]
[[exercise]]
name = "ball_leg_curl"
reps = 8
[[exercise]]
name = "clamshell"
reps = 7
sides = ["left"]
"""


def test_whole_circuit_from_recorded_tracks() -> None:
    """Six sample clips' tracks stitched into one session drive the circuit to the right summary.

    The plan asks for the left-leg dips too, which the clips do not have: they are skipped (with
    the "n" key's method) when the next clip starts.
    """
    order = ["single_leg_dip_right_side_s1", "single_leg_bridge_right_side_s1001",
             "single_leg_bridge_hold_left_side_s2001", "prone_leg_lift_right_side_s3001",
             "ball_leg_curl_both_side_s4001", "clamshell_left_front_s5001"]
    samples = _stitched(order, gap_s=3.0)
    c = Circuit(parse_plan(WHOLE))
    runner = CircuitRunner(c, fps=30.0)
    kinds: list[str] = []
    skipped_at = None
    for s in samples:
        if c.phase == WAITING and c.index == 1 and s.pose is not None:
            skipped_at = s.t
            c.skip(s.t)
        _, notices = runner.feed(s)
        kinds.extend(n.kind for n in notices)
    runner.finish(samples[-1].t)
    assert skipped_at is not None
    assert c.done, summary_lines(c.summary())
    got = [(b["exercise"], b["side"], b["done"], b["complete"], b["skipped"])
           for b in c.summary()["per_block"]]
    assert got == [
        ("single_leg_dip", "right", 5, True, False),  # the clip is the right leg: legs swapped
        ("single_leg_dip", "left", 0, False, True),
        ("single_leg_bridge", "right", 5, True, False),
        ("single_leg_bridge_hold", "left", 20.0, True, False),
        ("prone_leg_lift", "right", 6, True, False),
        ("ball_leg_curl", "both", 8, True, False),
        ("clamshell", "left", 7, True, False),
    ]
    assert kinds.count("rep") == 31 and kinds.count("block_done") == 6 and kinds[-1] == "done"


def test_history_append_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    c = Circuit(parse_plan(SMALL))
    c.update(0.0)
    c.update(1.0, [rep("right", 1.0)])
    before = len(read_history())
    path = append_history(c.summary(), source="camera 0")
    entries = read_history(path)
    assert len(entries) == before + 1 and entries[-1]["source"] == "camera 0"
    assert entries[-1]["per_block"][0]["done"] == 1
    line = path.read_text().splitlines()[-1]
    assert json.loads(line)["plan"] == "small"
    p = argparse.ArgumentParser()
    history_cmd.configure(p)
    assert history_cmd.run(p.parse_args(["--details"])) == 0
    out = capsys.readouterr().out
    assert "small: 0/4 blocks complete, 1 reps" in out and "(not finished)" in out and "Single-leg dip" in out
    assert "single_leg_dip" not in out  # users see human names


def _history(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    p = argparse.ArgumentParser()
    history_cmd.configure(p)
    assert history_cmd.run(p.parse_args(list(argv))) == 0
    return capsys.readouterr().out


def test_history_table_local_time_remove_and_plot(capsys, tmp_path, monkeypatch):
    import time
    from datetime import datetime, timezone

    from repcount.session.history import history_path, worked

    monkeypatch.setenv("REPCOUNT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+5:30, no daylight saving
    time.tzset()
    try:
        c = Circuit(parse_plan(SMALL))
        c.update(0.0)
        assert not worked(c.summary())  # stopped before the first rep: not history
        c.update(1.0, [rep("right", 1.0)])
        assert worked(c.summary())
        for day, reps in ((1, 1), (2, 2), (3, 3)):
            s = c.summary()
            s["total_reps"] = reps
            append_history(s, when=datetime(2026, 11, day, 10, 0, tzinfo=timezone.utc))
        out = _history(capsys)
        assert "2026-11-01 15:30" in out and "2026-11-03 15:30" in out  # shown in local time
        assert _history(capsys, "--remove", "2").startswith("removed the session of 2026-11-02 15:30")
        left = read_history(history_path())
        assert [e["total_reps"] for e in left] == [1, 3]
        _history(capsys, "--remove", "-1")
        assert [e["total_reps"] for e in read_history(history_path())] == [1]
        with pytest.raises(InputError, match="no session 5"):
            _history(capsys, "--remove", "5")
        plot = tmp_path / "trends.png"
        assert "trends of 1 sessions" in _history(capsys, "--plot", str(plot))
        assert plot.stat().st_size > 10_000
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_analyze_circuit_recording_counts_each_block(tmp_path, capsys):
    """A recorded circuit (simulated sets joined into one track): every block gets its true count,
    in order, with its times; reps carry their exercise; one balance per exercise."""
    from dataclasses import replace as dc_replace

    from repcount.cli import main
    from repcount.records import PoseSample
    from simulate import SimSpec, simulate

    sets = [("single_leg_dip", "right", 5), ("single_leg_dip", "left", 4),
            ("single_leg_bridge_hold", "left", 1), ("clamshell", "left", 6)]
    samples, offset, truth = [], 0.0, []
    for i, (ex, side, n) in enumerate(sets):
        track, t = simulate(SimSpec(exercise=ex, side=side, reps=n, seed=60 + i, hold_s=12.0))
        for s in track.samples():
            pose = None if s.pose is None else dc_replace(s.pose, t=s.t + offset)
            samples.append(PoseSample(len(samples), s.t + offset, pose))
        truth.append((ex, side, len(t.reps), offset))
        offset = samples[-1].t + 1 / 30
    Track.from_samples(samples, width=640, height=480, fps=30.0,
                       meta={"video": "circuit.mp4", "model": "sim"}).save(tmp_path / "c.npz")
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "test"\nrest_s = 1\n'
                    '[[exercise]]\nname = "single_leg_dip"\nreps = 5\nsides = ["right"]\n'
                    '[[exercise]]\nname = "single_leg_dip"\nreps = 4\nsides = ["left"]\n'
                    '[[exercise]]\nname = "single_leg_bridge_hold"\nhold_s = 8\nsides = ["left"]\n'
                    '[[exercise]]\nname = "clamshell"\nreps = 6\nsides = ["left"]\n')
    out = tmp_path / "c.json"
    assert main(["analyze", str(tmp_path / "c.npz"), "--circuit", str(plan), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    blocks = doc["extra"]["circuit"]["per_block"]
    assert [(b["exercise"], b["side"], b["complete"]) for b in blocks] == [
        ("single_leg_dip", "right", True), ("single_leg_dip", "left", True),
        ("single_leg_bridge_hold", "left", True), ("clamshell", "left", True)]
    for b, (_, _, _, start) in zip(blocks, truth):
        assert b["start_s"] is not None and b["start_s"] >= start - 0.5
    assert [r["exercise"] for r in doc["reps"]] == ["single_leg_dip"] * 9 + ["clamshell"] * 6
    # The top-level blocks: each set as it was found, with its counts and times.
    assert [(b["exercise"], b["side"], b["reps"], b["holds"]) for b in doc["blocks"]] == [
        ("single_leg_dip", "right", 5, 0), ("single_leg_dip", "left", 4, 0),
        ("single_leg_bridge_hold", "left", 0, 1), ("clamshell", "left", 6, 0)]
    assert doc["blocks"][2]["hold_s"] >= 8.0
    assert all(b["start_s"] < b["end_s"] for b in doc["blocks"])
    assert doc["holds"] and all(h["exercise"] == "single_leg_bridge_hold" for h in doc["holds"])
    assert {b["exercise"] for b in doc["balance"]} == {"single_leg_dip", "single_leg_bridge_hold",
                                                       "clamshell"}
    out_text = capsys.readouterr().out
    assert "4/4 blocks complete" in out_text and "Single-leg dip" in out_text


def test_blocks_started_out_of_order_are_recognised_and_counted() -> None:
    """The person does the clamshells first, then the ball curls, then the dips on the right leg.

    No key is pressed: each set is recognised while the plan's current block waits, its block is
    brought forward, and the poses of the wait are counted by that block's detector, so every set
    gets its labelled count (the samples' labels) in the block of its exercise and leg.
    """
    order = ["clamshell_left_front_s5001", "ball_leg_curl_both_side_s4001", "single_leg_dip_right_side_s1"]
    samples = _stitched(order, gap_s=3.0)
    c = Circuit(parse_plan(WHOLE))
    runner = CircuitRunner(c, fps=30.0)
    recognised = []
    for s in samples:
        _, notices = runner.feed(s)
        recognised += [n.text for n in notices if n.text.startswith("recognised")]
    runner.finish(samples[-1].t)
    done = {(b["exercise"], b["side"]): b for b in c.summary()["per_block"]}
    assert done["clamshell", "left"]["done"] == 7 and done["clamshell", "left"]["complete"]
    assert done["ball_leg_curl", "both"]["done"] == 8
    assert done["single_leg_dip", "right"]["done"] == 5
    counted = {("clamshell", "left"), ("ball_leg_curl", "both"), ("single_leg_dip", "right")}
    assert all(done[k]["done"] == 0 for k in done if k not in counted)
    assert len(recognised) == 2, recognised  # the clamshells and the ball curls; the dips were next
    assert "done out of the plan's order (recognised)" in done["clamshell", "left"]["warnings"]
    assert [b["exercise"] for b in c.summary()["per_block"]][:2] == ["clamshell", "ball_leg_curl"]


def test_out_of_order_needs_the_exercise_counted_not_only_named() -> None:
    """A recording of nobody moving on the floor never takes a block, whatever it looks like."""
    tr = Track.load(TRACKS / "synth_clamshell_left_front_s5001.npz")
    first = tr.pose_at(0)
    assert first is not None
    still = [PoseSample(i, i / 30, first) for i in range(30 * 40)]
    c = Circuit(parse_plan(WHOLE))
    runner = CircuitRunner(c, fps=30.0)
    for s in still:
        runner.feed(s)
    assert c.index == 0 and c.blocks[0].exercise == "single_leg_dip" and c.phase == WAITING
