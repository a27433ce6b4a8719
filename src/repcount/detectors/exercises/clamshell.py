"""Clamshell: side-lying, knees bent, the top knee opens and closes."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

CLAMSHELL = ExerciseDef(
    name="clamshell",
    title="Clamshell",
    description="lying on the side, knees bent; the top knee opens and closes",
    stance="lying",
    postures=("side",),
    # The knees' separation as an opening angle; one signal, the side is the top leg.
    signal=SignalDef(measure="thigh_opening"),
    legs="both",
    cue="higher_hip",
    # Thighs cannot open much past 60 degrees in a clamshell; the picture chord exaggerates an
    # opening seen along a foreshortened torso up to about 1.5x. A swing past 120 is getting
    # into or out of position (knees apart while lying down), never a rep nor its reference.
    peaks=PeakParams(polarity=1, min_rom=4.0, min_full_rom=8.0, max_rom=120.0),
    target=20,
)
