"""Single-leg bridge and its hold: one foot planted, the other leg straight to the sky."""

from repcount.detectors.spec import ExerciseDef, HoldDef, HoldParams, PeakParams, SignalDef

SINGLE_LEG_BRIDGE = ExerciseDef(
    name="single_leg_bridge",
    title="Single-leg bridge",
    description="on the back, one foot planted, the other leg straight up; hips drop and rise",
    stance="lying",
    postures=("supine",),
    # The planted leg's shoulder-hip-knee opening, past 180 at the top of a high bridge.
    signal=SignalDef(measure="hip"),
    # The raised leg's ankle is far up the picture, so the planted leg has the lower ankle.
    legs="cue",
    cue="lower_ankle",
    cue_margin=0.15,
    other_check=("knee", 120.0),
    other_cue=("raised_leg_bent", "keep the raised leg straight"),
    peaks=PeakParams(polarity=1, min_rom=5.0, min_full_rom=8.0),
    target=10,
)

SINGLE_LEG_BRIDGE_HOLD = ExerciseDef(
    name="single_leg_bridge_hold",
    title="Single-leg bridge hold",
    description="single-leg bridge held with the hips up; the timer pauses when the hips sag",
    stance="lying",
    postures=("supine",),
    signal=SignalDef(measure="hip"),
    legs="cue",
    cue="lower_ankle",
    cue_margin=0.15,
    hold=HoldDef(min_rise=20.0, abs_min=165.0, other_measure="knee", other_min=120.0,
                 params=HoldParams(min_hold_s=1.0, grace_s=0.3)),
    # The hold tracker judges levels and sags on its own half-second statistics; a longer
    # de-spiking median would only blur where the hold begins and ends.
    median_k=3,
    target=20,
)
