"""Push-up: in a plank, the elbows bend and straighten."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

PUSHUP = ExerciseDef(
    name="pushup",
    description="plank on the hands; elbows bend to lower the chest and straighten",
    postures=("prone", "unknown"),
    signal=SignalDef(measure="elbow", mode="image"),
    peaks=PeakParams(polarity=-1, min_rom=20.0, min_full_rom=30.0),
    target=10,
)
