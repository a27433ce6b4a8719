"""Per-exercise detectors over the shared peak/hold core."""

from __future__ import annotations

from repcount.detectors.ball_leg_curl import BALL_LEG_CURL
from repcount.detectors.base import Detector, ExerciseDef, TrackResult, analyze_samples
from repcount.detectors.clamshell import CLAMSHELL
from repcount.detectors.glute_bridge import GLUTE_BRIDGE
from repcount.detectors.leg_raise import LEG_RAISE
from repcount.detectors.lunge import LUNGE
from repcount.detectors.prone_leg_lift import PRONE_LEG_LIFT
from repcount.detectors.pushup import PUSHUP
from repcount.detectors.single_leg_bridge import SINGLE_LEG_BRIDGE, SINGLE_LEG_BRIDGE_HOLD
from repcount.detectors.single_leg_dip import SINGLE_LEG_DIP
from repcount.detectors.situp import SITUP
from repcount.detectors.squat import SQUAT
from repcount.errors import InputError

#: The circuit's exercises first, then the secondary ones of the real clips.
EXERCISES: dict[str, ExerciseDef] = {
    d.name: d
    for d in (
        SINGLE_LEG_DIP, SINGLE_LEG_BRIDGE, SINGLE_LEG_BRIDGE_HOLD, PRONE_LEG_LIFT, BALL_LEG_CURL,
        CLAMSHELL, GLUTE_BRIDGE, SQUAT, LUNGE, SITUP, PUSHUP, LEG_RAISE,
    )
}
CIRCUIT = ("single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
           "ball_leg_curl", "clamshell")


def get_exercise(name: str) -> ExerciseDef:
    """Look up an exercise definition by CLI name.

    Raises:
        InputError: for an unknown name, listing the known ones.

    """
    try:
        return EXERCISES[name]
    except KeyError:
        raise InputError(
            f"unknown exercise '{name}'; choose one of: auto, {', '.join(EXERCISES)}"
        ) from None


__all__ = ["CIRCUIT", "EXERCISES", "Detector", "ExerciseDef", "TrackResult", "analyze_samples",
           "get_exercise"]
