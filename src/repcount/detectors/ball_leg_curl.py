"""Leg extensions/curls on a stability ball: heels on the ball, roll it in and out."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

BALL_LEG_CURL = ExerciseDef(
    name="ball_leg_curl",
    description="on the back, heels on a ball; knees bend to roll it in (hips up), then roll out",
    postures=("supine",),
    signal=SignalDef(measure="knee", mode="image"),
    peaks=PeakParams(polarity=-1, min_rom=10.0, min_full_rom=25.0),
    target=20,
)
