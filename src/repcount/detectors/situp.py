"""Sit-up: from lying on the back, the trunk curls up and lowers."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

SITUP = ExerciseDef(
    name="situp",
    description="on the back, knees bent; the trunk rises towards the knees and lowers",
    # The torso is upright at the top of a sit-up, so every posture is followed.
    postures=("supine", "standing", "unknown", "prone", "side"),
    signal=SignalDef(measure="trunk"),
    peaks=PeakParams(polarity=-1, min_rom=20.0, min_full_rom=30.0),
    target=10,
)
