"""Push-up: in a plank, the elbows bend and straighten."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

PUSHUP = ExerciseDef(
    name="pushup",
    title="Push-up",
    description="plank on the hands; elbows bend to lower the chest and straighten",
    # An incline push-up against a bar or a wall is done nearly upright.
    stance="any",
    postures=("prone",),
    signal=SignalDef(measure="elbow"),
    peaks=PeakParams(polarity=-1, min_rom=10.0, min_full_rom=20.0),
    target=10,
)
