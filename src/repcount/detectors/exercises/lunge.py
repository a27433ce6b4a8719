"""Lunge and split squat: the front knee bends and straightens."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

LUNGE = ExerciseDef(
    name="lunge",
    title="Lunge",
    description="split stance; the front knee bends towards 90 degrees and straightens",
    stance="upright",
    postures=("standing",),
    feet_planted=True,
    signal=SignalDef(measure="knee"),
    # The front foot is ahead along the body's forward direction (3D). Picture angles are no
    # guide: from an oblique view the rear knee can seem to bend most.
    legs="cue",
    cue="front_leg",
    cue_margin=0.15,
    peaks=PeakParams(polarity=-1, min_rom=8.0, min_full_rom=20.0),
    target=10,
)
