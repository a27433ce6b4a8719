"""Sit-up: from lying on the back, the trunk curls up and lowers."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

SITUP = ExerciseDef(
    name="situp",
    title="Sit-up",
    description="on the back, knees bent; the trunk rises towards the knees and lowers",
    # The torso is upright at the top of a sit-up, so every stance is followed.
    stance="any",
    postures=("supine",),
    trunk_moves=True,
    signal=SignalDef(measure="trunk"),
    peaks=PeakParams(polarity=-1, min_rom=15.0, min_full_rom=25.0),
    target=10,
)
