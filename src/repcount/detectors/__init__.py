"""Per-exercise detectors over the shared peak/hold core."""

from __future__ import annotations

from repcount.detectors.base import Detector, ExerciseDef, analyze_samples
from repcount.detectors.glute_bridge import GLUTE_BRIDGE
from repcount.errors import InputError

EXERCISES: dict[str, ExerciseDef] = {d.name: d for d in (GLUTE_BRIDGE,)}


def get_exercise(name: str) -> ExerciseDef:
    """Look up an exercise definition by CLI name.

    Raises:
        InputError: for an unknown name, listing the known ones.

    """
    try:
        return EXERCISES[name]
    except KeyError:
        raise InputError(
            f"unknown exercise '{name}'; choose one of: {', '.join(sorted(EXERCISES))}"
        ) from None


__all__ = ["EXERCISES", "Detector", "ExerciseDef", "analyze_samples", "get_exercise"]
