"""Tests of the synthetic landmark tracks: geometry, ground truth and bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from repcount.pose.track import Track
from repcount.records import LM
from simulate import EXERCISES, SimSpec, SimTruth, simulate

SIDES = (
    ("left", 1.0, LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE),
    ("right", -1.0, LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.sum(_unit(a) * _unit(b), axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _rx(deg: np.ndarray) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((len(a), 3, 3))
    r[:, 0, 0] = 1
    r[:, 1, 1], r[:, 1, 2], r[:, 2, 1], r[:, 2, 2] = c, -s, s, c
    return r


def _rz(deg: np.ndarray) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    r = np.zeros((len(a), 3, 3))
    r[:, 2, 2] = 1
    r[:, 0, 0], r[:, 0, 1], r[:, 1, 0], r[:, 1, 1] = c, -s, s, c
    return r


def recompute_angles(track: Track) -> dict[str, np.ndarray]:
    """Angles from the world landmarks alone, independent of the simulator's internals."""
    w = track.world
    x = _unit(w[:, LM.LEFT_HIP] - w[:, LM.RIGHT_HIP])  # towards the body's left
    hip_mid = 0.5 * (w[:, LM.LEFT_HIP] + w[:, LM.RIGHT_HIP])
    up = 0.5 * (w[:, LM.LEFT_SHOULDER] + w[:, LM.RIGHT_SHOULDER]) - hip_mid
    y = _unit(up - np.sum(up * x, axis=1, keepdims=True) * x)
    z = np.cross(x, y)
    basis = np.stack([x, y, z], axis=1)  # rows: body axes in world coordinates

    out: dict[str, np.ndarray] = {}
    for name, sign, hip, knee, ankle in SIDES:
        thigh = np.einsum("nij,nj->ni", basis, w[:, knee] - w[:, hip])
        shin = np.einsum("nij,nj->ni", basis, w[:, ankle] - w[:, knee])
        flex = np.degrees(np.arctan2(thigh[:, 2], -thigh[:, 1]))
        abd = np.degrees(np.arcsin(np.clip(sign * _unit(thigh)[:, 0], -1, 1)))
        # Undo flexion and abduction; what is left of the shin's swing is femoral rotation.
        v = np.einsum("nij,nj->ni", _rz(-sign * abd) @ _rx(flex), _unit(shin))
        out[f"{name}_hip_rotation"] = sign * np.degrees(np.arctan2(-v[:, 0], -v[:, 2]))
        out[f"{name}_hip_flexion"] = flex
        out[f"{name}_hip"] = 180.0 - flex
        out[f"{name}_hip_abduction"] = abd
        out[f"{name}_knee"] = _angle(w[:, hip] - w[:, knee], w[:, ankle] - w[:, knee])
    for name, sho, elb, wri in (
        ("left", LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST),
        ("right", LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    ):
        out[f"{name}_elbow"] = _angle(w[:, sho] - w[:, elb], w[:, wri] - w[:, elb])
    out["thigh_spread"] = _angle(
        w[:, LM.LEFT_KNEE] - w[:, LM.LEFT_HIP], w[:, LM.RIGHT_KNEE] - w[:, LM.RIGHT_HIP]
    )
    up_world = np.asarray(track.meta["up_world"], dtype=float)
    out["trunk_incline"] = _angle(up, np.broadcast_to(up_world, up.shape))
    return out


@pytest.fixture(scope="module")
def sims() -> dict[str, tuple[Track, SimTruth]]:
    return {ex: simulate(SimSpec(exercise=ex, reps=2, fps=15.0)) for ex in EXERCISES}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_truth_angles_match_world_landmarks(sims: dict[str, tuple[Track, SimTruth]], exercise: str) -> None:
    track, truth = sims[exercise]
    got = recompute_angles(track)
    assert set(got) <= set(truth.angles)
    for key, value in got.items():
        want = truth.angles[key]
        assert want.shape == (len(track),)
        mask = np.ones(len(track), dtype=bool)
        if key.endswith("_hip_rotation"):
            # Femoral rotation is only observable with a bent knee.
            mask = truth.angles[key.replace("hip_rotation", "knee")] < 150.0
        err = np.abs(value[mask] - want[mask])
        assert err.size == 0 or err.max() < 1.0, f"{exercise} {key}: max error {err.max():.2f}°"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_segment_lengths_are_constant(sims: dict[str, tuple[Track, SimTruth]], exercise: str) -> None:
    w = sims[exercise][0].world
    for a, b in (
        (LM.LEFT_HIP, LM.LEFT_KNEE),
        (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
        (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
        (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
        (LM.LEFT_HIP, LM.RIGHT_HIP),
        (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
        (LM.LEFT_SHOULDER, LM.LEFT_HIP),
        (LM.NOSE, LM.LEFT_EAR),
        (LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX),
    ):
        length = np.linalg.norm(w[:, a] - w[:, b], axis=1)
        assert np.ptp(length) < 1e-6, (exercise, a, b)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_track_shape_and_image_range(sims: dict[str, tuple[Track, SimTruth]], exercise: str) -> None:
    track, truth = sims[exercise]
    assert track.image.shape == (len(track), 33, 5)
    assert np.all(track.found)
    xy = track.image[:, :, :2]
    assert xy.min() > 0.0 and xy.max() < 1.0
    vis = track.image[:, :, 3:]
    assert vis.min() >= 0.0 and vis.max() <= 1.0
    assert np.allclose(np.diff(track.t), 1 / track.fps)
    assert track.meta["spec"]["exercise"] == exercise  # type: ignore[index]
    # World landmarks are centred on the hip midpoint.
    hip_mid = 0.5 * (track.world[:, LM.LEFT_HIP] + track.world[:, LM.RIGHT_HIP])
    assert np.abs(hip_mid).max() < 1e-9
    if exercise == "single_leg_bridge_hold":
        assert truth.reps == () and len(truth.holds) == 2
    else:
        assert len(truth.reps) == 2 and truth.holds == ()


def _pixels(track: Track, i: int) -> np.ndarray:
    return track.image[i, :, :2] * np.array([track.width, track.height])


def test_side_view_of_standing_person_is_tall_and_narrow() -> None:
    track, _ = simulate(SimSpec(exercise="squat", reps=1, view="side"))
    px = _pixels(track, len(track) - 1)
    w, h = np.ptp(px, axis=0)
    assert h > 2.5 * w
    # Standing: shoulders well above the hips (image y grows downwards).
    sho_y = px[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER], 1].mean()
    hip_y = px[[LM.LEFT_HIP, LM.RIGHT_HIP], 1].mean()
    assert hip_y - sho_y > 0.2 * h


def test_supine_posture_has_shoulders_and_hips_level() -> None:
    spec = SimSpec(exercise="glute_bridge", reps=1, view="side")
    track, truth = simulate(spec)
    i = int(truth.reps[0][1] * spec.fps) - 1  # at rest, just before the first rep
    px = _pixels(track, i)
    sho = px[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]].mean(axis=0)
    hip = px[[LM.LEFT_HIP, LM.RIGHT_HIP]].mean(axis=0)
    assert abs(sho[1] - hip[1]) < 0.2 * abs(sho[0] - hip[0])
    # At the top of the rep the hips are higher (smaller y) than the shoulders.
    j = round(truth.reps[0][2] * spec.fps)
    top = _pixels(track, j)
    assert top[[LM.LEFT_HIP, LM.RIGHT_HIP], 1].mean() < top[[LM.LEFT_SHOULDER], 1].mean() - 20


def test_far_side_is_less_visible_side_on() -> None:
    track, _ = simulate(SimSpec(exercise="single_leg_bridge", reps=1, side="right"))
    vis = track.image[:, :, 3].mean(axis=0)
    assert vis[LM.RIGHT_KNEE] > 0.9 and vis[LM.LEFT_KNEE] < 0.7
    front, _ = simulate(SimSpec(exercise="squat", reps=1, view="front"))
    assert front.image[:, LM.LEFT_KNEE, 3].mean() > 0.9


def test_rep_count_timing_and_partials() -> None:
    spec = SimSpec(exercise="squat", reps=5, partial_reps=2, tempo_jitter=0.2, pauses_s=1.0)
    track, truth = simulate(spec)
    assert len(truth.reps) == 5 and len(truth.partials) == 2
    knee = truth.angles["left_knee"]
    events = sorted(truth.reps + truth.partials, key=lambda r: r[1])
    for (_, _s0, _, e0), (_, s1, _, _) in zip(events, events[1:]):
        assert e0 < s1  # no overlap
    rest = knee[int(spec.lead_in_s * spec.fps) - 2]  # still, before the first rep
    for _side, start, peak, end in truth.reps:
        i0, ip, i1 = (round(v * spec.fps) for v in (start, peak, end))
        assert knee[i0 - 1 : i1 + 2].min() == pytest.approx(knee[ip], abs=0.5)
        assert knee[ip] == pytest.approx(90.0, abs=1.0)
        assert knee[i0] == pytest.approx(rest, abs=0.5) and knee[i1] == pytest.approx(rest, abs=0.5)
    for _side, _start, peak, _end in truth.partials:
        rom = rest - knee[round(peak * spec.fps)]
        assert 0.2 * (rest - 90.0) < rom < 0.4 * (rest - 90.0)
    assert track.t[-1] >= max(r[3] for r in events)


def test_dropout_frames_are_nan() -> None:
    track, _ = simulate(SimSpec(exercise="lunge", reps=3, dropout=0.2, noise_px=2.0))
    missing = ~track.found
    assert 0.18 < missing.mean() < 0.3
    assert np.isnan(track.image[missing]).all() and np.isnan(track.world[missing]).all()
    assert not np.isnan(track.image[~missing]).any()


def test_deterministic_by_seed() -> None:
    spec = SimSpec(
        exercise="clamshell",
        reps=3,
        noise_px=1.5,
        dropout=0.05,
        tempo_jitter=0.3,
        pauses_s=0.5,
        partial_reps=1,
        seed=7,
    )
    a, ta = simulate(spec)
    b, tb = simulate(spec)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.world, b.world)
    assert ta.reps == tb.reps and ta.partials == tb.partials
    c, _ = simulate(SimSpec(**{**spec.__dict__, "seed": 8}))
    assert c.image.shape != a.image.shape or not np.array_equal(c.image, a.image, equal_nan=True)


def test_side_switch_gives_reps_on_both_sides() -> None:
    spec = SimSpec(exercise="single_leg_bridge", reps=5, side="right", switch_side_after=2)
    _, truth = simulate(spec)
    assert [r[0] for r in truth.reps] == ["right", "right", "left", "left", "left"]
    for side, _start, peak, _end in truth.reps:
        i = round(peak * spec.fps)
        assert truth.angles[f"{side}_hip"][i] == pytest.approx(181.0, abs=1.0)
        other = "left" if side == "right" else "right"
        assert truth.angles[f"{other}_hip_flexion"][i] == pytest.approx(85.0, abs=1.0)


def test_hold_with_sag_is_split() -> None:
    spec = SimSpec(exercise="single_leg_bridge_hold", reps=1, hold_s=8.0, sag_s=1.0)
    _, truth = simulate(spec)
    assert truth.reps == () and len(truth.holds) == 2
    (s0, a0, b0), (s1, a1, b1) = truth.holds
    assert s0 == s1 == "right" and b1 - a0 == pytest.approx(8.0) and a1 - b0 == pytest.approx(1.0)
    hip = truth.angles["right_hip"]
    t = np.arange(len(hip)) / spec.fps
    held = ((t >= a0) & (t <= b0)) | ((t >= a1) & (t <= b1))
    assert hip[held].min() > 175.0
    assert hip[(t > b0) & (t < a1)].min() < 160.0


def test_ranges_of_motion() -> None:
    def rng_of(ex: str, key: str, **kw: object) -> tuple[float, float]:
        spec = SimSpec(exercise=ex, reps=1, lead_in_s=0.0, **kw)  # type: ignore[arg-type]
        _, truth = simulate(spec)
        v = truth.angles[key]
        return float(v.min()), float(v.max())

    lo, hi = rng_of("single_leg_bridge", "right_hip")
    assert 120 <= lo <= 132 and 175 <= hi <= 185
    lo, hi = rng_of("single_leg_dip", "right_knee")
    assert 110 <= lo <= 140 and hi > 170
    lo, hi = rng_of("prone_leg_lift", "left_hip_flexion", side="left")
    assert -25 <= lo <= -10 and hi == pytest.approx(0.0, abs=0.5)
    lo, hi = rng_of("ball_leg_curl", "left_knee")
    assert 80 <= lo <= 100 and hi > 165
    lo, hi = rng_of("clamshell", "thigh_spread")
    assert lo < 2 and 25 <= hi <= 50
    lo, hi = rng_of("situp", "trunk_incline")
    assert lo == pytest.approx(20.0, abs=1) and hi == pytest.approx(90.0, abs=1)


def test_save_load_roundtrip(tmp_path: object) -> None:
    track, _ = simulate(SimSpec(exercise="pushup", reps=1, occlude=("left_arm",)))
    path = Track.save(track, f"{tmp_path}/sim.npz")
    again = Track.load(path)
    assert again.meta["spec"]["occlude"] == ["left_arm"]  # type: ignore[index]
    assert track.image[:, LM.LEFT_ELBOW, 3].mean() < 0.4


def test_bad_spec_raises() -> None:
    with pytest.raises(ValueError):
        simulate(SimSpec(exercise="burpee"))
    with pytest.raises(ValueError):
        simulate(SimSpec(exercise="squat", view="top"))


@pytest.mark.parametrize("view", ["side", "side_flipped", "oblique", "front"])
def test_angles_do_not_depend_on_view(view: str) -> None:
    spec = SimSpec(exercise="clamshell", reps=1, view=view, elevation_deg=20.0, side="left")
    track, truth = simulate(spec)
    got = recompute_angles(track)
    for key in ("left_hip_abduction", "left_knee", "thigh_spread", "trunk_incline"):
        assert np.abs(got[key] - truth.angles[key]).max() < 1.0, key
    az = {"side": -90.0, "side_flipped": 90.0, "oblique": -35.0, "front": 0.0}[view]
    assert track.meta["azimuth_deg"] == pytest.approx(az)


@pytest.mark.parametrize(
    ("exercise", "points"),
    [
        ("single_leg_bridge", (LM.RIGHT_ANKLE, LM.RIGHT_SHOULDER, LM.LEFT_SHOULDER)),
        ("glute_bridge", (LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_SHOULDER)),
        ("single_leg_dip", (LM.RIGHT_ANKLE,)),
        ("squat", (LM.LEFT_HEEL, LM.RIGHT_FOOT_INDEX)),
        ("clamshell", (LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HIP)),
        ("pushup", (LM.LEFT_WRIST, LM.RIGHT_WRIST, LM.LEFT_FOOT_INDEX)),
        ("lunge", (LM.RIGHT_ANKLE, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX)),
        ("situp", (LM.LEFT_HIP, LM.LEFT_ANKLE)),
    ],
)
def test_contacts_stay_put_during_reps(exercise: str, points: tuple[int, ...]) -> None:
    spec = SimSpec(exercise=exercise, reps=2)
    track, truth = simulate(spec)
    i0 = int(truth.reps[0][1] * spec.fps)
    px = track.image[i0:, list(points), :2] * np.array([spec.width, spec.height])
    assert np.ptp(px, axis=0).max() < 4.0


def test_lead_in_moves_a_lot_but_holds_no_reps() -> None:
    spec = SimSpec(exercise="single_leg_bridge", reps=2, lead_in_s=3.0)
    track, truth = simulate(spec)
    assert min(r[1] for r in truth.reps) >= spec.lead_in_s
    lead = slice(0, int(spec.lead_in_s * spec.fps))
    assert np.ptp(truth.angles["trunk_incline"][lead]) > 80.0  # standing -> lying
    assert np.ptp(truth.angles["left_knee"][lead]) > 60.0


def test_both_sides_and_both_legs() -> None:
    _, truth = simulate(SimSpec(exercise="prone_leg_lift", reps=4, side="both"))
    assert [r[0] for r in truth.reps] == ["left", "left", "right", "right"]
    _, truth = simulate(SimSpec(exercise="ball_leg_curl", reps=3, side="left"))
    assert {r[0] for r in truth.reps} == {"both"}
    _, truth = simulate(SimSpec(exercise="leg_raise", reps=2, side="both"))
    assert {r[0] for r in truth.reps} == {"both"}
    assert truth.angles["left_hip_flexion"].max() == pytest.approx(80.0, abs=0.5)
    assert truth.angles["right_hip_flexion"].max() == pytest.approx(80.0, abs=0.5)
