import numpy as np
import pytest

from repcount.signals import (
    SignalFilter,
    angle_between,
    joint_angle,
    signed_angle_about,
    straightness,
)


def test_joint_angle_known_values():
    assert joint_angle(np.array([1.0, 0]), np.array([0.0, 0]), np.array([0.0, 1])) == pytest.approx(90)
    assert joint_angle(np.array([1.0, 0]), np.array([0.0, 0]), np.array([-1.0, 0])) == pytest.approx(180)
    assert joint_angle(np.array([1.0, 1]), np.array([0.0, 0]), np.array([1.0, 0])) == pytest.approx(45)


def test_angle_is_nan_for_degenerate_vectors():
    assert np.isnan(angle_between(np.zeros(3), np.array([1.0, 0, 0])))


def test_joint_angle_vectorised():
    a = np.array([[1.0, 0, 0], [0, 1, 0]])
    b = np.zeros((2, 3))
    c = np.array([[0.0, 1, 0], [0, 1, 0]])
    assert joint_angle(a, b, c) == pytest.approx([90, 0])


def test_signed_angle_about_axis_continues_past_180():
    axis = np.array([0.0, 0, 1])
    u = np.array([1.0, 0, 0])
    # Sweep v through a full turn: the opening must grow monotonically through 180 (no fold).
    angles = np.radians(np.arange(100, 261, 10))
    v = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=1)
    opening = straightness(signed_angle_about(np.broadcast_to(u, v.shape), v, axis))
    assert opening == pytest.approx(np.degrees(angles))
    assert np.all(np.diff(opening) > 0)


def test_signed_angle_projects_out_the_axis_component():
    axis = np.array([0.0, 0, 1])
    u = np.array([1.0, 0, 5.0])
    v = np.array([0.0, 1, -3.0])
    assert signed_angle_about(u, v, axis) == pytest.approx(90)
    assert signed_angle_about(v, u, axis) == pytest.approx(-90)


def test_filter_holds_short_gaps_and_breaks_long_ones():
    f = SignalFilter(max_gap_s=0.2, median_k=1)
    assert f.update(0.0, 10.0) == 10.0
    assert f.update(0.1, np.nan) == 10.0  # short gap bridged
    assert f.update(0.2, np.nan) == 10.0
    assert np.isnan(f.update(0.35, np.nan))  # gap longer than 0.2 s since last valid sample
    assert f.update(0.4, 20.0) == 20.0


def test_filter_median_removes_single_frame_spike():
    f = SignalFilter(max_gap_s=0.5, median_k=3)
    out = [f.update(i / 30, v) for i, v in enumerate([10, 10, 90, 10, 10])]
    assert max(out) == 10


def test_facing_needs_a_lasting_clear_call():
    """A lying person's facing flips only after a clear call lasting a second (a roll), never on
    MediaPipe's brief wrong calls (the corpus's longest: 0.27 s)."""
    from repcount.signals.features import FACING_HOLD_S, FacingTracker, facing_up_score
    from simulate import SimSpec, simulate

    up, _ = simulate(SimSpec("glute_bridge", reps=1, seed=1))
    down, _ = simulate(SimSpec("prone_leg_lift", reps=1, seed=1))
    up_pose = next(s.pose for s in up.samples() if s.pose is not None and s.t > 3.0)
    down_pose = next(s.pose for s in down.samples() if s.pose is not None and s.t > 3.0)
    assert facing_up_score(up_pose) > 0.6 > -0.6 > facing_up_score(down_pose)
    tr = FacingTracker()
    t = 0.0
    for _ in range(60):
        t += 1 / 30
        tr.update(t, up_pose)
    assert tr.facing == "up"
    for _ in range(int(0.5 * 30)):  # half a second of face-down calls: a glitch
        t += 1 / 30
        assert tr.update(t, down_pose) == "up"
    tr.update(t + 1 / 30, up_pose)
    for _ in range(int((FACING_HOLD_S + 0.2) * 30)):  # rolled over for good
        t += 1 / 30
        tr.update(t, down_pose)
    assert tr.facing == "down"
