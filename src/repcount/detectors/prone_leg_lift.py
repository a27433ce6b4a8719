"""Prone leg lift: face down, a straight leg raised and lowered."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

PRONE_LEG_LIFT = ExerciseDef(
    name="prone_leg_lift",
    description="face down; one straight leg lifts (hip extension) and lowers",
    postures=("prone",),
    # Elevation of the hip-ankle line above the shoulder-hip line: signed, so it does not fold
    # at 180 degrees the way the unsigned hip angle does at the top of a lift.
    signal=SignalDef(measure="elevation"),
    legs="per_leg",
    # The lifted leg is the one that moves; similar excursions on both legs mean both lifted.
    cue=None,
    cue_margin=0.35,
    allow_both=True,  # both legs at once (a "superman") is reported as both
    # Lifts seen from the near side move the picture angle by only 10-15 degrees.
    peaks=PeakParams(polarity=1, min_rom=4.0, min_full_rom=10.0),
    min_rep_s=0.4,
    target=20,
)
