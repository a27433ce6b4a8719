"""The peak/hold core on synthetic signals with known answers (in the style of scipy's tests)."""

import numpy as np
import pytest

from repcount.detectors.core import (
    HoldParams,
    HoldTimer,
    PeakParams,
    RepCounter,
    analyze_holds,
    analyze_reps,
    reference_rom,
    split_segments,
)

FPS = 30.0


def reps_signal(amplitudes, period=2.0, rest=0.5, base=120.0, fps=FPS, noise=0.0, seed=0):
    """Raised-cosine bumps of the given amplitudes separated by rests."""
    parts = [np.full(int(rest * fps), base)]
    for a in amplitudes:
        n = int(period * fps)
        parts.append(base + a * 0.5 * (1 - np.cos(2 * np.pi * np.arange(n) / n)))
        parts.append(np.full(int(rest * fps), base))
    x = np.concatenate(parts)
    x = x + np.random.default_rng(seed).normal(0, noise, len(x)) if noise else x
    return np.arange(len(x)) / fps, x


def stream(t, x, params, side="both"):
    c = RepCounter(params, side, FPS)
    emitted = []
    for ti, xi in zip(t, x):
        emitted.extend(c.update(float(ti), float(xi)))
    return emitted


@pytest.mark.parametrize("n", [1, 5, 12])
def test_counts_clean_reps(n):
    t, x = reps_signal([50] * n)
    reps, partials = analyze_reps(t, x, PeakParams(), "both")
    assert len(reps) == n and not partials
    assert [r.index for r in reps] == list(range(1, n + 1))


def test_rep_timing_brackets_the_peak():
    t, x = reps_signal([40, 40], period=2.0, rest=1.0)
    reps, _ = analyze_reps(t, x, PeakParams(), "both")
    for r in reps:
        assert r.start_s < r.peak_s < r.end_s
    assert reps[0].peak_s == pytest.approx(1.0 + 1.0, abs=0.05)
    assert reps[0].rom_deg == pytest.approx(40, abs=0.5)


def test_partial_reps_are_reported_not_counted():
    t, x = reps_signal([50, 15, 50, 50, 18])
    reps, partials = analyze_reps(t, x, PeakParams(), "left")
    assert len(reps) == 3
    assert len(partials) == 2
    assert all(p.partial and "range of motion" in p.reason for p in partials)


def test_noise_below_floor_is_not_counted():
    t, x = reps_signal([50] * 4, noise=1.5)
    reps, _ = analyze_reps(t, x, PeakParams(min_rom=10), "both")
    assert len(reps) == 4


def test_small_range_of_motion_is_counted_relative_to_itself():
    # A prone lift seen from the near side moves the angle only ~12 degrees.
    t, x = reps_signal([12] * 6, noise=0.4)
    reps, _ = analyze_reps(t, x, PeakParams(min_rom=5), "right")
    assert len(reps) == 6


def test_minimum_polarity():
    t, x = reps_signal([50] * 3)
    reps, _ = analyze_reps(t, 2 * 120 - x, PeakParams(polarity=-1), "both")
    assert len(reps) == 3


@pytest.mark.parametrize("x", [np.array([]), np.array([5.0]), np.full(100, 7.0), np.full(50, np.nan)])
def test_degenerate_signals_give_no_reps(x):
    t = np.arange(len(x)) / FPS
    assert analyze_reps(t, x, PeakParams(), "both") == ([], [])
    assert stream(t, x, PeakParams()) == []


def test_plateau_peak_counts_once():
    x = np.concatenate([np.full(20, 100.0), np.linspace(100, 150, 20), np.full(40, 150.0),
                        np.linspace(150, 100, 20), np.full(20, 100.0)])
    t = np.arange(len(x)) / FPS
    reps, _ = analyze_reps(t, x, PeakParams(), "both")
    assert len(reps) == 1
    assert 40 / FPS < reps[0].peak_s < 80 / FPS


def test_nan_gap_splits_segments():
    t, x = reps_signal([40] * 4)
    x = x.copy()
    x[len(x) // 2 : len(x) // 2 + 5] = np.nan
    assert len(split_segments(x)) == 2


def test_streaming_equals_offline_with_tempo_and_amplitude_changes():
    rng = np.random.default_rng(3)
    amps = rng.uniform(35, 55, 15)
    t, x = reps_signal(amps, period=1.4, noise=1.0, seed=4)
    offline, _ = analyze_reps(t, x, PeakParams(), "both")
    emitted = stream(t, x, PeakParams())
    assert len(emitted) == len(offline) == 15
    for e, o in zip(emitted, offline):
        assert e.peak_s == pytest.approx(o.peak_s, abs=0.05)


def test_streaming_announces_before_the_rep_ends():
    t, x = reps_signal([50] * 3, period=2.0, rest=1.0)
    c = RepCounter(PeakParams(), "both", FPS)
    announce_times = []
    for ti, xi in zip(t, x):
        if c.update(float(ti), float(xi)):
            announce_times.append(ti)
    offline, _ = analyze_reps(t, x, PeakParams(), "both")
    for ta, rep in zip(announce_times, offline):
        assert ta <= rep.end_s + 0.3


def test_reference_rom_is_the_largest_prominence():
    assert reference_rom([40, 42, 41]) == pytest.approx(42)
    assert reference_rom([]) == 0.0
    assert reference_rom([30]) == 30


def test_single_frame_glitch_does_not_inflate_the_reference():
    from repcount.signals import filter_signal

    t, x = reps_signal([40] * 5)
    x = x.copy()
    x[len(x) // 2] += 150  # one-frame landmark flip
    xf = filter_signal(t, x, max_gap_s=0.5, median_k=3)
    reps, _ = analyze_reps(t, xf, PeakParams(), "both")
    assert len(reps) == 5


def test_hold_timer_pauses_on_sag_and_ignores_short_lapses():
    t = np.arange(0, 30, 1 / FPS)
    holding = (t > 2) & (t < 25)
    holding &= ~((t > 10) & (t < 12))  # a 2 s sag pauses the timer
    holding &= ~((t > 20) & (t < 20.1))  # a 0.1 s glitch does not
    holds = analyze_holds(t, holding, HoldParams(grace_s=0.3), "right")
    assert len(holds) == 2
    assert sum(h.duration_s for h in holds) == pytest.approx(21.0, abs=0.1)
    assert all(h.side == "right" for h in holds)


def test_hold_timer_streaming_total():
    timer = HoldTimer(HoldParams(), "left")
    for ti in np.arange(0, 5, 0.1):
        timer.update(float(ti), True)
    assert timer.total(4.9) == pytest.approx(4.9)
    assert timer.finish() is not None


def test_later_bigger_rep_does_not_demote_an_earlier_one():
    """Each rep is judged against the range known at its turning point, as live counting must:
    a first 25-degree rep is a full rep when it happens, whatever comes later."""
    t, x = reps_signal([25, 50, 50])
    offline, partials = analyze_reps(t, x, PeakParams(), "both")
    assert len(offline) == len(stream(t, x, PeakParams())) == 3 and not partials
    t, x = reps_signal([50, 20, 50])  # after the range is known, a small one is still partial
    offline, partials = analyze_reps(t, x, PeakParams(), "both")
    assert len(offline) == len(stream(t, x, PeakParams())) == 2 and len(partials) == 1
