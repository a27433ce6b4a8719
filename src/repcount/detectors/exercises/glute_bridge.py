"""Both-leg glute bridge (hip thrusts and frog pumps included): hips rise and drop."""

from repcount.detectors.spec import ExerciseDef, PeakParams, SignalDef

GLUTE_BRIDGE = ExerciseDef(
    name="glute_bridge",
    title="Glute bridge",
    description="on the back, both feet planted; hips rise to a straight line and drop",
    stance="lying",
    postures=("supine",),
    # Shoulder-hip-knee opening: the rep's turning point is the hips' highest (most open) point.
    signal=SignalDef(measure="hip"),
    peaks=PeakParams(polarity=1, min_rom=5.0, min_full_rom=10.0),
    target=10,
)
