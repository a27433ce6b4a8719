"""Single-leg bridge and its hold: one foot planted, the other leg straight to the sky."""

from repcount.detectors.base import ExerciseDef, HoldDef, SignalDef
from repcount.detectors.core import HoldParams, PeakParams

_COMMON = {
    "postures": ("supine",),
    # Working (planted) leg's shoulder-hip-knee opening.
    "signal": SignalDef(measure="hip", mode="image"),
    "legs": "per_leg",
    # The raised leg's ankle is far up the picture, so the planted leg has the lower ankle.
    "cue": "lower_ankle",
    "cue_margin": 0.1,
    "other_check": ("knee", 140.0),
    "other_cue": ("raised_leg_bent", "keep the raised leg straight"),
}

SINGLE_LEG_BRIDGE = ExerciseDef(
    name="single_leg_bridge",
    description="on the back, one foot planted, the other leg straight up; hips drop and rise",
    peaks=PeakParams(polarity=1, min_rom=8.0, min_full_rom=20.0),
    target=10,
    **_COMMON,  # type: ignore[arg-type]
)

SINGLE_LEG_BRIDGE_HOLD = ExerciseDef(
    name="single_leg_bridge_hold",
    description="single-leg bridge held with the hips up; the timer pauses when the hips sag",
    hold=HoldDef(min_angle=155.0, other_measure="knee", other_min=140.0,
                 params=HoldParams(min_hold_s=1.0, grace_s=0.3)),
    target=20,
    **_COMMON,  # type: ignore[arg-type]
)
