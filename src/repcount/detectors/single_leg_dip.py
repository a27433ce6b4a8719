"""Single-leg dip: a single-leg squat off a box or step, the free foot pointing down."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

SINGLE_LEG_DIP = ExerciseDef(
    name="single_leg_dip",
    description="standing on one leg on a box; the standing knee bends and straightens",
    postures=("standing",),
    signal=SignalDef(measure="knee", mode="image"),
    legs="per_leg",
    # The standing foot is on the box, so its ankle is the higher one in the picture.
    cue="higher_ankle",
    cue_margin=0.05,
    peaks=PeakParams(polarity=-1, min_rom=8.0),
    target=20,
)
