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
    # The rear foot is raised (on a bench, or on its toes), so the front leg has the lower ankle;
    # shin verticality (cue "front_leg") vanishes at the bottom where the cue is read.
    cue="lower_ankle",
    cue_margin=0.05,
    peaks=PeakParams(polarity=-1, min_rom=15.0),
    target=10,
)
