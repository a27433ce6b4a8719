"""Lunge and split squat: the front knee bends and straightens."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

LUNGE = ExerciseDef(
    name="lunge",
    description="split stance; the front knee bends towards 90 degrees and straightens",
    postures=("standing",),
    feet_planted=True,
    signal=SignalDef(measure="knee", mode="image"),
    legs="per_leg",
    # The front foot is ahead along the body's forward direction (3D). Picture angles are no
    # guide: from an oblique view the rear knee can seem to bend most.
    cue="front_leg",
    cue_margin=0.15,
    peaks=PeakParams(polarity=-1, min_rom=15.0, min_full_rom=25.0),
    target=10,
)
