"""Squat (free, air or wall squat): both knees bend and straighten."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

SQUAT = ExerciseDef(
    name="squat",
    title="Squat",
    description="standing; both knees bend to a squat and straighten",
    stance="upright",
    postures=("standing",),
    feet_planted=True,
    signal=SignalDef(measure="knee"),
    peaks=PeakParams(polarity=-1, min_rom=8.0, min_full_rom=20.0),
    target=10,
)
