"""Squat (free, air or wall squat): both knees bend and straighten."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

SQUAT = ExerciseDef(
    name="squat",
    description="standing; both knees bend to a squat and straighten",
    postures=("standing",),
    feet_planted=True,
    signal=SignalDef(measure="knee", mode="image"),
    peaks=PeakParams(polarity=-1, min_rom=15.0, min_full_rom=30.0),
    target=10,
)
