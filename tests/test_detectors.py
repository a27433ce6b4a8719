"""Every exercise on synthetic landmark sequences with known answers (no model, no video).

Tracks come from ``simulate``: joint-angle trajectories of a stick figure with noise,
dropouts, pauses, changing tempo, partial reps, a lead-in while getting into position, both
sides, and side and oblique views. Counts must be exact, sides right, holds within 0.5 s, the
streaming detector must agree with the offline analysis, and ``auto`` must name the exercise.
"""

from pathlib import Path

import numpy as np
import pytest

from repcount.detectors import EXERCISES, Detector, analyze_samples, get_exercise
from repcount.detectors.recognition import recognise
from repcount.records import Hold, Pose, PoseSample, Rep
from repcount.signals.features import body_scale_px
from simulate import SimSpec, join, simulate

REP_EXERCISES = [n for n in EXERCISES if n != "single_leg_bridge_hold"]
VIEWS = ["side", "side_flipped", "oblique"]


def live_run(exdef, track, side=None):
    d = Detector(exdef, track.fps, side)
    reps, holds, events = [], [], []
    for s in track.samples():
        for ev in d.update(s):
            (reps if isinstance(ev, Rep) else holds if isinstance(ev, Hold) else events).append(ev)
    for ev in d.finish():
        (reps if isinstance(ev, Rep) else holds).append(ev)
    return reps, holds, events


def hard_spec(exercise, view, side, seed=1, **kw):
    base = dict(exercise=exercise, view=view, side=side, seed=seed, reps=7, noise_px=1.5,
                dropout=0.02, tempo_jitter=0.2, pauses_s=1.0, partial_reps=1, lead_in_s=2.0)
    base.update(kw)
    return SimSpec(**base)


# Known failure (not a circuit exercise): the oblique lead-in's step (knee to 55 degrees, hips
# dropping with it) is counted as a first lunge; it is as large as the lunges after it, and the
# foot_moved gate does not see it as a step.
LUNGE_LEAD_IN = pytest.mark.xfail(strict=True, reason="oblique lead-in step counted as a lunge")


@pytest.mark.parametrize(("exercise", "view"), [
    pytest.param(e, v, marks=LUNGE_LEAD_IN) if (e, v) == ("lunge", "oblique") else (e, v)
    for e in REP_EXERCISES for v in VIEWS])
def test_counts_exactly_with_noise_pauses_partials_and_lead_in(exercise, view):
    side = "left" if view != "side_flipped" else "right"
    track, truth = simulate(hard_spec(exercise, view, side))
    samples = list(track.samples())
    exdef = get_exercise(exercise)
    result = analyze_samples(exdef, samples)
    assert len(result.reps) == len(truth.reps) == 7
    assert {r.side for r in result.reps} == {s for s, *_ in truth.reps}
    # Each counted rep matches a true rep's turning point.
    for rep, (_, start, peak, end) in zip(result.reps, truth.reps):
        assert start - 0.3 <= rep.peak_s <= end + 0.3, (rep, peak)
    # The partial rep (30% of the range) is not counted; seen side-on it is reported as partial
    # with a reason (an oblique picture can shrink it under the 25% reporting threshold).
    (_, _, ppeak, _), = truth.partials
    assert all(abs(r.peak_s - ppeak) > 0.3 for r in result.reps)
    assert all(p.reason for p in result.partials)
    if view != "oblique":
        assert any(abs(p.peak_s - ppeak) < 0.5 for p in result.partials)
    # Live and offline agree.
    live, _, _ = live_run(exdef, track)
    assert len(live) == len(result.reps)
    assert [r.side for r in live] == [r.side for r in result.reps]
    assert recognise(samples)[0] == exercise


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("side", ["left", "right"])
def test_hold_time_within_half_a_second(view, side):
    track, truth = simulate(SimSpec(exercise="single_leg_bridge_hold", view=view, side=side, seed=2,
                                    reps=1, hold_s=20.0, noise_px=1.5, dropout=0.02))
    exdef = get_exercise("single_leg_bridge_hold")
    samples = list(track.samples())
    result = analyze_samples(exdef, samples)
    true_s = sum(e - s for _, s, e in truth.holds)
    got_s = sum(h.duration_s for h in result.holds)
    assert abs(got_s - true_s) <= 0.5
    assert {h.side for h in result.holds} == {side}
    _, live_holds, _ = live_run(exdef, track)
    assert abs(sum(h.duration_s for h in live_holds) - got_s) < 1e-6
    assert recognise(samples)[0] == "single_leg_bridge_hold"


def test_hold_pauses_when_the_hips_sag():
    track, truth = simulate(SimSpec(exercise="single_leg_bridge_hold", view="side", side="left",
                                    seed=3, reps=1, hold_s=20.0, sag_s=1.5, noise_px=1.0))
    result = analyze_samples(get_exercise("single_leg_bridge_hold"), list(track.samples()))
    assert len(truth.holds) == 2 and len(result.holds) == 2
    true_s = sum(e - s for _, s, e in truth.holds)
    # The simulator's sag interval runs from the first to the last frame off the top level; the
    # detector pauses from when the hips leave their level until they are back and steady, about
    # 0.2 s later at each end (the de-spiking median and the steadiness test).
    assert abs(sum(h.duration_s for h in result.holds) - true_s) <= 1.0
    (_, s1, e1), (_, s2, e2) = truth.holds
    assert abs(result.holds[0].end_s - e1) < 0.5 and abs(result.holds[1].start_s - s2) < 0.5
    assert any(e.code == "hips_sagging" for e in result.events)


@pytest.mark.parametrize("exercise", ["single_leg_dip", "single_leg_bridge", "prone_leg_lift",
                                      "clamshell", "lunge"])
def test_a_set_that_switches_leg_is_counted_per_side(exercise):
    track, truth = simulate(SimSpec(exercise=exercise, view="oblique", side="left", reps=8,
                                    switch_side_after=4, seed=5, noise_px=1.0))
    result = analyze_samples(get_exercise(exercise), list(track.samples()))
    want = {s: sum(1 for t in truth.reps if t[0] == s) for s in ("left", "right")}
    got = {s: sum(1 for r in result.reps if r.side == s) for s in ("left", "right")}
    assert got == want == {"left": 4, "right": 4}
    # Indices restart per side.
    assert [r.index for r in result.reps if r.side == "right"] == [1, 2, 3, 4]


def test_side_override_follows_only_that_leg():
    track, _ = simulate(SimSpec(exercise="single_leg_dip", view="side", side="left", reps=6, seed=4))
    exdef = get_exercise("single_leg_dip")
    assert len(analyze_samples(exdef, list(track.samples()), side="left").reps) == 6
    assert all(r.side == "left" for r in analyze_samples(exdef, list(track.samples()), side="left").reps)


def test_changing_tempo_is_counted():
    for period in (1.2, 3.5):
        track, _ = simulate(SimSpec(exercise="squat", view="side", reps=6, period_s=period,
                                    tempo_jitter=0.3, seed=6, noise_px=1.0))
        assert len(analyze_samples(get_exercise("squat"), list(track.samples())).reps) == 6


def test_occluded_far_leg_does_not_add_reps():
    track, _ = simulate(SimSpec(exercise="prone_leg_lift", view="side", side="left", reps=6, seed=7,
                                noise_px=1.5, occlude=("right_leg",)))
    result = analyze_samples(get_exercise("prone_leg_lift"), list(track.samples()))
    # No extra reps from the jitter; it may make a lift look two-legged, never the other leg's.
    assert len(result.reps) == 6
    assert all(r.side in ("left", "both") for r in result.reps)
    # Nor partial reps on the idle leg.
    assert {p.side for p in result.partials} <= {r.side for r in result.reps}


def test_idle_leg_wobble_is_not_a_partial_rep():
    """The committed prone-lift sample (real MediaPipe landmarks of a rendered clip, right leg
    lifting): the idle left leg's 6-8 degree wobbles are not reported as partial reps."""
    from repcount.pose.track import Track

    root = Path(__file__).resolve().parents[1]
    track = Track.load(root / "benchmarks/tracks/sample_videos/synth_prone_leg_lift_right_side_s3001.npz")
    result = analyze_samples(get_exercise("prone_leg_lift"), list(track.samples()))
    assert [r.side for r in result.reps] == ["right"] * 6
    assert all(p.side == "right" for p in result.partials)


def test_too_fast_reps_get_a_form_cue():
    track, _ = simulate(SimSpec(exercise="glute_bridge", view="side", reps=6, period_s=0.7, seed=8))
    result = analyze_samples(get_exercise("glute_bridge"), list(track.samples()))
    assert len(result.reps) == 6
    assert any(e.code == "too_fast" for e in result.events)
    assert all("too_fast" in r.cues for r in result.reps)


# ----------------------------------------------------------------------------- edge cases
def still_pose(t: float) -> Pose:
    track, _ = simulate(SimSpec(exercise="squat", view="side", reps=1, lead_in_s=0.0, seed=0))
    p = track.pose_at(0)
    assert p is not None
    return Pose(t=t, image=p.image, world=p.world, width=p.width, height=p.height)


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_no_person_gives_nothing_and_a_warning(exercise):
    samples = [PoseSample(i, i / 30, None) for i in range(90)]
    result = analyze_samples(get_exercise(exercise), samples)
    assert result.reps == [] and result.holds == [] and result.partials == []
    assert any("nobody" in w for w in result.warnings)
    live, holds, _ = live_run(get_exercise(exercise), _TrackLike(samples))
    assert live == [] and holds == []


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_single_frame_and_constant_pose(exercise):
    exdef = get_exercise(exercise)
    one = [PoseSample(0, 0.0, still_pose(0.0))]
    assert analyze_samples(exdef, one).reps == []
    constant = [PoseSample(i, i / 30, still_pose(i / 30)) for i in range(120)]
    assert analyze_samples(exdef, constant).reps == []


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_nan_landmarks_do_not_crash(exercise):
    p = still_pose(0.0)
    img = p.image.copy()
    img[23:29, :2] = np.nan
    bad = Pose(t=0.0, image=img, world=np.full((33, 3), np.nan), width=p.width, height=p.height)
    samples = [PoseSample(i, i / 30, bad if i % 3 else still_pose(i / 30)) for i in range(60)]
    analyze_samples(get_exercise(exercise), samples)
    live_run(get_exercise(exercise), _TrackLike(samples))


def test_unknown_exercise_is_an_input_error():
    from repcount.errors import InputError

    with pytest.raises(InputError, match="unknown exercise"):
        get_exercise("burpee")


def test_other_movement_is_not_recognised():
    # Walking about (standing, no knee bend) is no exercise of ours.
    samples = [PoseSample(i, i / 30, still_pose(i / 30)) for i in range(90)]
    name, why = recognise(samples)
    assert name is None and why
    assert recognise([PoseSample(0, 0.0, None)]) == (None, "nobody was found")


class _TrackLike:
    """Just enough of a Track for live_run over hand-made samples."""

    fps = 30.0

    def __init__(self, samples):
        self._samples = samples

    def samples(self):
        return iter(self._samples)


def _shifted(samples: list[PoseSample], dt: float, index0: int) -> list[PoseSample]:
    out = []
    for k, s in enumerate(samples):
        pose = None if s.pose is None else Pose(s.pose.t + dt, s.pose.image, s.pose.world,
                                                s.pose.width, s.pose.height)
        out.append(PoseSample(index0 + k, s.t + dt, pose))
    return out


# Not the prone lift: 40 % of its simulated lift (about 8 degrees) is under the floor of a first
# full rep anyway.
CIRCUIT_REPS = ["single_leg_dip", "single_leg_bridge", "ball_leg_curl", "clamshell"]


@pytest.mark.parametrize("exercise", CIRCUIT_REPS)
def test_small_movement_before_a_set_is_withheld_as_lead_in(exercise):
    """A movement at 40 % of the set's range before its first rep is not a rep, and says why.

    Before the set there is nothing to judge it against, so a detector that counts the first
    movement of a set as its own reference counts it (7 for 6).
    """
    side = "left"
    before, _ = simulate(SimSpec(exercise, reps=1, side=side, amplitude_scale=0.4, lead_in_s=0.0,
                                 tail_s=1.5, noise_px=1.0, seed=3))
    first = list(before.samples())
    main, truth = simulate(SimSpec(exercise, reps=6, side=side, lead_in_s=0.0, noise_px=1.0, seed=3))
    dt = first[-1].t + 1.0 / main.fps
    samples = first + _shifted(list(main.samples()), dt, len(first))
    exdef = get_exercise(exercise)
    result = analyze_samples(exdef, samples)
    got = [(round(r.peak_s, 1), round(r.rom_deg)) for r in result.reps]
    assert len(result.reps) == len(truth.reps) == 6, got
    assert all(r.peak_s > dt - 0.3 for r in result.reps)
    assert "lead_in" in [r.code for r in result.rejected if r.peak_s < dt]
    # The streaming detector decides the same (the offline pass replays it), announcing the
    # first rep with the second.
    det = Detector(exdef, main.fps)
    live = [r for s in samples for r in det.update(s).reps] + [r for r in det.finish() if isinstance(r, Rep)]
    assert [r.peak_s for r in live] == [r.peak_s for r in result.reps]


def _moved(samples: list[PoseSample], shift_x: float, t0: float, t1: float) -> list[PoseSample]:
    """The body carried ``shift_x`` of the frame's width to one side between ``t0`` and ``t1``."""
    out = []
    for s in samples:
        if s.pose is None:
            out.append(s)
            continue
        image = s.pose.image.copy()
        image[:, 0] += shift_x * float(np.clip((s.t - t0) / (t1 - t0), 0.0, 1.0))
        out.append(PoseSample(s.index, s.t, Pose(s.pose.t, image, s.pose.world, s.pose.width, s.pose.height)))
    return out


FLOOR_REPS = ["single_leg_bridge", "prone_leg_lift", "ball_leg_curl", "clamshell"]


@pytest.mark.parametrize("exercise", FLOOR_REPS)
@pytest.mark.parametrize("carried", [True, False])
def test_a_movement_that_ends_the_body_elsewhere_is_not_a_rep(exercise, carried):
    """Between two sets on the floor, a rep-sized movement during which the body shifts along the
    mat by half a leg length (getting into another position) is withheld as ``moved_on``; the
    same movement with the body staying put is a rep (the negative control).

    Truth: 4 + 4 simulated reps, and the one between them is a rep only when not carried.
    """
    side = "left"
    def sim(reps, seed):
        return simulate(SimSpec(exercise, reps=reps, side=side, lead_in_s=0.0, tail_s=1.0, noise_px=1.0,
                                seed=seed))

    (first, t1), (mid, tm), (last, t2) = sim(4, 4), sim(1, 5), sim(4, 6)
    a = list(first.samples())
    b = _shifted(list(mid.samples()), a[-1].t + 1 / first.fps, len(a))
    c = _shifted(list(last.samples()), b[-1].t + 1 / first.fps, len(a) + len(b))
    samples = a + b + c
    _, m_start, _, m_end = tm.reps[0]
    m_start, m_end = m_start + b[0].t, m_end + b[0].t
    pose = next(s.pose for s in a if s.pose is not None)
    leg = body_scale_px(pose) / pose.width  # one leg length as a share of the width
    if carried:
        samples = _moved(samples, 0.5 * leg, m_start, m_end)
    result = analyze_samples(get_exercise(exercise), samples)
    mid_reps = [r for r in result.reps if m_start - 0.3 <= r.peak_s <= m_end + 0.3]
    assert len(result.reps) - len(mid_reps) == len(t1.reps) + len(t2.reps) == 8
    if carried:
        assert mid_reps == []
        assert "moved_on" in [r.code for r in result.rejected if m_start - 0.3 <= r.peak_s <= m_end + 0.3]
    else:
        assert len(mid_reps) == 1


@pytest.mark.parametrize("face_up, detector", [("leg_raise", "prone_leg_lift"),
                                               ("glute_bridge", "prone_leg_lift")])
def test_a_face_down_exercise_is_not_counted_face_up(face_up, detector):
    """Legs lifted and lowered on the back are no prone lifts (a circuit's bridge hold ended by
    lowering the raised leg, before rolling over, counted as one on rendered seeds 1, 6 and 10).

    Truth: six simulated reps done face up give no prone lift; the same detector still counts a
    simulated prone set exactly (the negative control), and a face-up detector still counts the
    face-up set.
    """
    track, _ = simulate(SimSpec(face_up, reps=6, side="left", seed=3))
    assert analyze_samples(EXERCISES[detector], list(track.samples())).reps == []
    assert len(analyze_samples(EXERCISES[face_up], list(track.samples())).reps) == 6
    prone, _ = simulate(SimSpec(detector, reps=6, side="left", seed=3))
    assert len(analyze_samples(EXERCISES[detector], list(prone.samples())).reps) == 6


def _from(track, cut_s):
    """``track``'s frames from ``cut_s`` on."""
    return [s for s in track.samples() if s.t >= cut_s]


def test_a_movement_under_way_as_the_person_lies_down_is_not_a_rep():
    """The last of lying down is the hips opening: a circuit's person, settling on the back before
    the first single-leg bridge, was counted one bridge rep on the other leg (rendered circuits
    1, 10 and 11: a set of one rep that was never done).

    Truth: a person seen standing, then lying with the hips already rising, is getting into
    position: the reps counted are the set's, and none starts at the arrival. Controls: the same
    lying frames with no standing before them (a recording that begins mid-rep) keep the rep
    cut off by the start, and the whole set is counted when it starts from rest.
    """
    spec = SimSpec("single_leg_bridge", reps=6, side="left", seed=4, period_s=4.0, noise_px=0.5)
    bridge, truth = simulate(spec)
    standing, _ = simulate(SimSpec("single_leg_dip", reps=1, side="left", seed=4, lead_in_s=2.0))
    head = [s for s in standing.samples() if s.t < 1.5]
    _side, start, _peak, _end = truth.reps[1]
    cut = start + 0.1  # the second rep has just begun: five reps of it are left
    exdef = EXERCISES["single_leg_bridge"]
    arrived = analyze_samples(exdef, join(head, _from(bridge, cut)))
    assert len(arrived.reps) == 4
    assert [r.code for r in arrived.rejected] == ["arriving"]
    began = analyze_samples(exdef, join(_from(bridge, cut)))
    assert len(began.reps) == 5
    assert len(analyze_samples(exdef, join(head, bridge.samples())).reps) == 6


def test_a_pass_over_part_of_a_recording_sees_how_the_person_got_there():
    """An offline pass over one segment of a recording starts where the segment does: its
    detector would not know the person had just lain down (rendered circuit 1: the segment's
    margin began 0.3 s before they were lying). The frames before it, given as context, count
    nothing but show the arrival, as the live detector over the whole recording sees it.

    Truth as in the test above: five reps are left of the set after the arrival, and the
    movement under way at the arrival is not one of them.
    """
    spec = SimSpec("single_leg_bridge", reps=6, side="left", seed=4, period_s=4.0, noise_px=0.5)
    bridge, truth = simulate(spec)
    standing, _ = simulate(SimSpec("single_leg_dip", reps=1, side="left", seed=4, lead_in_s=2.0))
    samples = join([s for s in standing.samples() if s.t < 1.5], _from(bridge, truth.reps[1][1] + 0.1))
    k = next(i for i, s in enumerate(samples) if s.t >= 1.2)  # 0.3 s before the arrival
    exdef = EXERCISES["single_leg_bridge"]
    result = analyze_samples(exdef, samples[k:], context=samples[:k])
    assert len(result.reps) == 4
    assert [r.code for r in result.rejected] == ["arriving"]
