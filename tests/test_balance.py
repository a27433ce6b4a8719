"""Left/right balance and tempo, checked against simulated sets whose legs differ by known amounts."""

from __future__ import annotations

import pytest

from repcount.detectors import analyze_samples, get_exercise
from repcount.records import Hold, Rep
from repcount.session.balance import ASYMMETRY_FLAG_PCT, asymmetry_pct, balance, leg_stats
from simulate import SimSpec, simulate


def _reps(exercise: str, side: str, **kw: object) -> tuple[list[Rep], list[Hold]]:
    track, _ = simulate(SimSpec(exercise=exercise, side=side, view="side", **kw))  # type: ignore[arg-type]
    r = analyze_samples(get_exercise(exercise), list(track.samples()))
    return [*r.reps, *r.partials], r.holds


@pytest.mark.parametrize("exercise", ["single_leg_dip", "single_leg_bridge", "prone_leg_lift", "clamshell"])
def test_a_shallower_leg_is_flagged_by_its_true_deficit(exercise: str) -> None:
    """The right leg moves through 75 % of the left's range: about 25 % less, flagged."""
    left, _ = _reps(exercise, "left", reps=8, seed=11)
    right, _ = _reps(exercise, "right", reps=8, seed=12, amplitude_scale=0.75)
    b = balance(exercise, left + right)
    assert [x.reps for x in b.legs] == [8, 8]
    assert b.asymmetry["rom_mean_deg"] == pytest.approx(25.0, abs=7.0)
    assert "range of motion" in b.flagged and "reps" not in b.flagged


@pytest.mark.parametrize("exercise", ["single_leg_dip", "prone_leg_lift"])
def test_equal_legs_are_not_flagged(exercise: str) -> None:
    left, _ = _reps(exercise, "left", reps=8, seed=21)
    right, _ = _reps(exercise, "right", reps=8, seed=22)
    b = balance(exercise, left + right)
    assert abs(b.asymmetry["rom_mean_deg"]) < ASYMMETRY_FLAG_PCT / 2
    assert b.flagged == ()


def test_tempo_follows_the_true_rep_duration() -> None:
    """Reps of 2 s and 3 s (70 % moving): about 1.4 s and 2.1 s per rep, out and back halves."""
    left, _ = _reps("single_leg_dip", "left", reps=6, seed=31, period_s=2.0)
    right, _ = _reps("single_leg_dip", "right", reps=6, seed=32, period_s=3.0)
    b = balance("single_leg_dip", left + right)
    fast, slow = b.leg("left"), b.leg("right")
    assert fast is not None and slow is not None
    assert slow.rep_s / fast.rep_s == pytest.approx(1.5, abs=0.2)  # type: ignore[operator]
    assert fast.out_s + fast.back_s == pytest.approx(fast.rep_s, abs=0.01)  # type: ignore[operator]
    assert b.flagged == ()  # slower is not weaker: tempo is shown, not flagged
    assert b.asymmetry["rep_s"] < -20


def test_hold_steadiness_counts_the_drop_that_paused_it() -> None:
    """Hips that drop ~28° mid-hold pause the timer once (a break); a steady hold has none.

    While the timer runs the hips stay within their sway (±1.5°) plus jitter.
    """
    _, steady = _reps("single_leg_bridge_hold", "left", reps=1, seed=41, hold_s=12.0)
    _, sagged = _reps("single_leg_bridge_hold", "left", reps=1, seed=42, hold_s=12.0, sag_s=2.0)
    calm, broken = leg_stats("left", [], steady), leg_stats("left", [], sagged)
    assert calm.hold_breaks == 0 and broken.hold_breaks == 1
    assert calm.sag_deg is not None and calm.sag_deg < 6
    assert broken.sag_deg is not None and broken.sag_deg < 6


def test_one_leg_only_has_no_asymmetry() -> None:
    left, _ = _reps("single_leg_dip", "left", reps=5, seed=51)
    b = balance("single_leg_dip", left)
    assert [x.side for x in b.legs] == ["left"] and b.asymmetry == {} and b.flagged == ()


def test_asymmetry_is_signed_and_relative_to_the_stronger_leg() -> None:
    assert asymmetry_pct(20, 15) == pytest.approx(25.0)
    assert asymmetry_pct(15, 20) == pytest.approx(-25.0)
    assert asymmetry_pct(0, 0) is None and asymmetry_pct(None, 3) is None


def _legs(left_roms: list[float], right_roms: list[float]) -> list[Rep]:
    reps = []
    for side, roms in (("left", left_roms), ("right", right_roms)):
        for i, rom in enumerate(roms):
            t = 3.0 * i + (0 if side == "left" else 100)
            reps.append(Rep(i + 1, side, t, t + 1.0, t + 2.0, rom))  # type: ignore[arg-type]
    return reps


def test_a_range_difference_within_the_reps_spread_is_not_flagged() -> None:
    """15 % apart on average, but 5 noisy reps a leg cannot tell (what MediaPipe showed on a
    mirrored copy of the same clips); the same gap with steady reps is flagged."""
    noisy = balance("prone_leg_lift", _legs([20, 26, 16, 24, 19], [15, 22, 14, 20, 17]))
    assert noisy.asymmetry["rom_mean_deg"] == pytest.approx(15.8, abs=0.5)
    assert "range of motion" not in noisy.flagged
    steady = balance("prone_leg_lift", _legs([21, 21.5, 20.5, 21, 21], [17.5, 18, 17.5, 17.5, 18]))
    assert "range of motion" in steady.flagged
