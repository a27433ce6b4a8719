"""Clamshell: side-lying, knees bent, the top knee opens and closes."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

CLAMSHELL = ExerciseDef(
    name="clamshell",
    description="lying on the side, knees bent; the top knee opens and closes",
    postures=("side",),
    # The angle between the thighs at the pelvis; one signal, the side is the top leg.
    signal=SignalDef(measure="thigh_opening", mode="image"),
    legs="both",
    cue="higher_hip",
    peaks=PeakParams(polarity=1, min_rom=6.0, min_full_rom=10.0),
    target=20,
)
