"""Both-leg glute bridge (hip thrusts and frog pumps included): hips rise and drop."""

from repcount.detectors.base import ExerciseDef, SignalDef
from repcount.detectors.core import PeakParams

GLUTE_BRIDGE = ExerciseDef(
    name="glute_bridge",
    description="on the back, both feet planted; hips rise to a straight line and drop",
    postures=("supine",),
    # Shoulder-hip-knee opening: the rep's turning point is the hips' highest (most open) point.
    signal=SignalDef(measure="hip", mode="image"),
    peaks=PeakParams(polarity=1, min_rom=8.0, min_full_rom=15.0),
    target=10,
)
