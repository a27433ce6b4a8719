"""One definition per exercise: the circuit's six, then the others the real clips show."""

from __future__ import annotations

from repcount.detectors.exercises.ball_leg_curl import BALL_LEG_CURL
from repcount.detectors.exercises.clamshell import CLAMSHELL
from repcount.detectors.exercises.glute_bridge import GLUTE_BRIDGE
from repcount.detectors.exercises.leg_raise import LEG_RAISE
from repcount.detectors.exercises.lunge import LUNGE
from repcount.detectors.exercises.prone_leg_lift import PRONE_LEG_LIFT
from repcount.detectors.exercises.pushup import PUSHUP
from repcount.detectors.exercises.single_leg_bridge import SINGLE_LEG_BRIDGE, SINGLE_LEG_BRIDGE_HOLD
from repcount.detectors.exercises.single_leg_dip import SINGLE_LEG_DIP
from repcount.detectors.exercises.situp import SITUP
from repcount.detectors.exercises.squat import SQUAT

ALL = (SINGLE_LEG_DIP, SINGLE_LEG_BRIDGE, SINGLE_LEG_BRIDGE_HOLD, PRONE_LEG_LIFT, BALL_LEG_CURL,
       CLAMSHELL, GLUTE_BRIDGE, SQUAT, LUNGE, SITUP, PUSHUP, LEG_RAISE)

__all__ = ["ALL"]
