"""Leg raise: on the back, straight legs raised and lowered (one or both)."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

LEG_RAISE = ExerciseDef(
    name="leg_raise",
    description="on the back; straight legs rise towards vertical and lower",
    postures=("supine",),
    signal=SignalDef(measure="elevation"),
    legs="per_leg",
    cue=None,
    cue_margin=0.35,
    allow_both=True,
    peaks=PeakParams(polarity=1, min_rom=15.0, min_full_rom=25.0),
    target=10,
)
