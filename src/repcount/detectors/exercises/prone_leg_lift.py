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
    # The lifted leg is the higher one whatever MediaPipe calls it (its labels swap and the far
    # leg copies the near one, side-on and from behind); both legs rising alike is a superman.
    legs="envelope",
    cue_margin=0.2,
    allow_both=True,
    # Hip extension is 10-30 degrees, exaggerated up to about twice that in an oblique picture;
    # a swing of 90 or more is lying down or getting up.
    peaks=PeakParams(polarity=1, min_rom=3.0, min_full_rom=8.0, max_rom=90.0),
    min_rep_s=0.4,
    target=20,
)
