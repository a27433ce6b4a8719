"""Single-leg dip: a single-leg squat off a box or step, the free foot pointing down."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

SINGLE_LEG_DIP = ExerciseDef(
    name="single_leg_dip",
    title="Single-leg dip",
    description="standing on one leg on a box; the standing knee bends and straightens",
    stance="upright",
    postures=("standing",),
    signal=SignalDef(measure="knee"),
    # The standing knee is the one doing the bending (the free leg hangs, or moves much less),
    # whether the free foot hangs below the box or is held bent; that foot lifting or a step is
    # not a dip, because the working foot must stay planted.
    legs="mover",
    cue_margin=0.3,
    feet_planted=True,
    peaks=PeakParams(polarity=-1, min_rom=6.0, min_full_rom=10.0),
    target=20,
)
