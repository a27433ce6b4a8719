"""Prone leg lift: face down, a straight leg raised and lowered."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

PRONE_LEG_LIFT = ExerciseDef(
    name="prone_leg_lift",
    title="Prone leg lift",
    description="face down; one straight leg lifts (hip extension) and lowers",
    stance="lying",
    postures=("prone",),
    # Elevation of the hip-ankle line above the shoulder-hip line: signed, so it does not fold
    # at 180 degrees the way the unsigned hip angle does at the top of a lift.
    signal=SignalDef(measure="elevation"),
    # The lifted leg is the one that moves; similar excursions on both legs mean both lifted.
    legs="mover",
    cue_margin=0.35,
    allow_both=True,
    peaks=PeakParams(polarity=1, min_rom=3.0, min_full_rom=6.0),
    min_rep_s=0.4,
    target=20,
)
