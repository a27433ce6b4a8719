"""Single-leg dip: a single-leg squat off a box or step, the free foot pointing down."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

SINGLE_LEG_DIP = ExerciseDef(
    name="single_leg_dip",
    description="standing on one leg on a box; the standing knee bends and straightens",
    postures=("standing",),
    feet_planted=True,
    signal=SignalDef(measure="knee", mode="image"),
    legs="per_leg",
    # No side cue: the standing knee is the one doing the bending (the free leg barely moves),
    # which holds whether the free foot hangs below the box or is held in front.
    cue=None,
    cue_margin=0.3,
    peaks=PeakParams(polarity=-1, min_rom=8.0, min_full_rom=20.0),
    target=20,
)
