"""Leg extensions (curls) on a stability ball: heels on the ball, roll it in and out."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

BALL_LEG_CURL = ExerciseDef(
    name="ball_leg_curl",
    title="Ball leg curl",
    description="on the back, heels on a ball; knees bend to roll it in (hips up), then roll out",
    # The hips lift with the knees bent: the torso is steep in the picture but the feet are not
    # below the hips, so this stays "lying" (never gated as standing).
    stance="lying",
    postures=("supine",),
    signal=SignalDef(measure="knee"),
    peaks=PeakParams(polarity=-1, min_rom=8.0, min_full_rom=20.0),
    target=20,
)
