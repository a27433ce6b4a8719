"""The overlay at 640x480: text inside its box, the gauge scaled to the rep, units and names."""

from __future__ import annotations

import numpy as np
import pytest

from repcount.detectors import EXERCISES, Detector, DetectorState, Gauge, get_exercise
from repcount.session.circuit import Circuit
from repcount.session.live import Session
from repcount.session.plan import load_plan
from repcount.ui.annotators import AngleGaugeAnnotator, HoldAnnotator, MessageAnnotator, OverlayContext
from repcount.ui.live import BannerAnnotator, ProgressAnnotator, live_context
from simulate import SimSpec, simulate

GREY = 128


def _canvas() -> np.ndarray:
    return np.full((480, 640, 3), GREY, np.uint8)


def _changed(image: np.ndarray) -> np.ndarray:
    return np.any(image != GREY, axis=2)


def _state(**kw: object) -> DetectorState:
    base = dict(t=1.0, side="right", count=7, angle=120.0, reference_rom=60.0, full_threshold=30.0,
                hold_s=7.9, holding=True)
    base.update(kw)
    return DetectorState(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_count_panel_text_stays_in_its_box(name: str) -> None:
    """The longest panel text of each exercise (name, leg, 'get ready') fits the 330 px panel."""
    exdef = get_exercise(name)
    s = Session(30.0, exdef, None, None)
    ctx = live_context(s, None, _state(side="right"), None, False, ())
    assert exdef.title in ctx.sub and name not in ctx.sub  # the human name, never the identifier
    image = _canvas()
    ProgressAnnotator().annotate(image, ctx)
    assert not _changed(image)[:, 331:].any()


def test_circuit_panel_rest_banner_and_hold_units() -> None:
    c = Circuit(load_plan())
    s = Session(30.0, None, None, c)
    while c.block is not None and not c.block.is_hold:
        c.skip(0.0)
        if c.phase == "rest":
            c.skip(0.0)
    ctx = live_context(s, None, _state(), None, False, ())
    assert ctx.big.endswith(" s") and "/20 s" in ctx.big  # "0.0/20 s": seconds say so
    image = _canvas()
    ProgressAnnotator().annotate(image, ctx)
    assert not _changed(image)[:, 331:].any()
    b = c.block
    assert b is not None
    c.update(1.0, [], _state(side=b.side, hold_s=20.0, holding=True))  # the hold reaches its target
    ctx = live_context(s, None, _state(), None, False, ())
    assert ctx.banner.startswith("REST ") and ctx.banner.endswith(" s")


def test_hold_bar_and_long_cues_fit_640x480() -> None:
    image = _canvas()
    ctx = OverlayContext(pose=None, state=_state(hold_s=17.9), hold_target_s=20.0,
                         cues=("keep the raised leg straight and the hips level with the knees",),
                         messages=("lie on your back, one foot planted, the other leg straight up",))
    HoldAnnotator().annotate(image, ctx)
    MessageAnnotator().annotate(image, ctx)
    changed = _changed(image)
    assert not changed[:, 640 - 60:].any()  # clear of the gauge's column
    assert changed[110:160, :330].any()  # the hold bar is drawn


def test_banner_fits_the_frame() -> None:
    from repcount.ui.live import LiveContext

    image = _canvas()
    ctx = LiveContext(pose=None, banner="CIRCUIT DONE - WELL DONE TODAY",
                      banner_sub="next: Single-leg bridge hold · left leg · 20 s")
    BannerAnnotator().annotate(image, ctx)
    # The banner's green letters: centred and whole, not cut off at the frame's edges.
    is_green = (image[..., 1] > 150) & (image[..., 0] < 120) & (image[..., 2] < 120)
    green = np.flatnonzero(is_green.any(axis=0))
    assert green.size and green.min() >= 10 and green.max() <= 629


@pytest.mark.parametrize(("angle", "share"), [(170.0, 0.0), (140.0, 0.5), (110.0, 1.0), (95.0, 1.25)])
def test_gauge_is_scaled_to_the_reps_own_range(angle: float, share: float) -> None:
    """Rest at 170°, a 60° reference rep going down: the bar's height is the share of the rep."""
    g = Gauge(side="right", angle=angle, rest=170.0, polarity=-1, reference_rom=60.0, full_threshold=30.0)
    assert g.progress == pytest.approx(share)
    assert g.threshold == pytest.approx(0.5)
    image = _canvas()
    AngleGaugeAnnotator().annotate(image, OverlayContext(pose=None, gauge=g))
    column = image[:, 640 - 36]  # inside the bar
    green = np.flatnonzero((column[:, 1] > 150) & (column[:, 0] < 120))
    orange = np.flatnonzero((column[:, 2] > 200) & (column[:, 1] < 200) & (column[:, 0] < 50))
    filled = np.concatenate([green, orange])
    y0, y1 = 120, 480 - 70
    height = (filled.max() - filled.min() + 1) / (y1 - y0) if filled.size else 0.0
    assert height == pytest.approx(min(share, AngleGaugeAnnotator.TOP) / AngleGaugeAnnotator.TOP, abs=0.03)
    assert (green.size > 0) == (share >= 0.5) or share == 0.0


def test_gauge_follows_the_working_leg_before_the_first_rep() -> None:
    """A left-leg dip: mid-way down the first rep the gauge is on the left leg, not on 'right'."""
    track, truth = simulate(SimSpec(exercise="single_leg_dip", side="left", reps=3, seed=3))
    det = Detector(get_exercise("single_leg_dip"), 30.0)
    first_peak = truth.reps[0][2]
    g = None
    for s in track.samples():
        det.update(s)
        if s.t >= first_peak:
            g = det.gauge()
            break
    assert g is not None and g.side == "left" and g.progress > 0.5
