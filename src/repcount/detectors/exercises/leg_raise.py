"""Leg raise: on the back, straight legs raised and lowered (one or both)."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

LEG_RAISE = ExerciseDef(
    name="leg_raise",
    title="Leg raise",
    description="on the back; straight legs rise towards vertical and lower",
    stance="lying",
    postures=("supine",),
    signal=SignalDef(measure="elevation"),
    legs="mover",
    cue_margin=0.35,
    allow_both=True,
    # Raised from the floor, or lowered from legs up (alternating): the rep is the excursion
    # away from where the legs rest.
    peaks=PeakParams(polarity=0, min_rom=8.0, min_full_rom=15.0),
    target=10,
)
