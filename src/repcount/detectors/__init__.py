"""Per-exercise detectors over one peak/hold core.

- :mod:`~repcount.detectors.spec`: the definition types (data);
- :mod:`~repcount.detectors.exercises`: one definition per exercise;
- :mod:`~repcount.detectors.peaks` and :mod:`~repcount.detectors.holds`: the counting core;
- :mod:`~repcount.detectors.attribution`: which leg, and the gates (with their reasons);
- :mod:`~repcount.detectors.streaming`: the live detector, one pose at a time;
- :mod:`~repcount.detectors.offline`: the pass over a whole recording;
- :mod:`~repcount.detectors.recognition`: ``--exercise auto``.
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING, Any

from repcount.detectors.exercises import ALL
from repcount.detectors.spec import ExerciseDef
from repcount.detectors.state import DetectorState, DetectorUpdate, Gauge
from repcount.errors import InputError
from repcount.records import Rejected

if TYPE_CHECKING:
    from repcount.detectors.offline import TrackResult, analyze_samples
    from repcount.detectors.streaming import Detector

#: Names loaded on first use: the counting core needs scipy.signal (~0.8 s to import), which
#: the CLI's parser, ``--help`` and the exercise definitions do not.
_LAZY = {"TrackResult": "offline", "analyze_samples": "offline", "Detector": "streaming"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"repcount.detectors.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'repcount.detectors' has no attribute {name!r}")

#: The circuit's exercises first, then the secondary ones of the real clips.
EXERCISES: dict[str, ExerciseDef] = {d.name: d for d in ALL}
CIRCUIT = ("single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
           "ball_leg_curl", "clamshell")


def title_of(name: str | None) -> str:
    """The name users see for an exercise identifier ("not recognised" for None)."""
    if name is None:
        return "not recognised"
    ex = EXERCISES.get(name)
    return ex.title if ex is not None else name.replace("_", " ").capitalize()


def get_exercise(name: str) -> ExerciseDef:
    """Look up an exercise definition by CLI name (``single-leg-dip`` and titles accepted).

    Raises:
        InputError: for an unknown name, with the closest known ones.

    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in EXERCISES:
        return EXERCISES[key]
    close = difflib.get_close_matches(key, list(EXERCISES), n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise InputError(f"unknown exercise '{name}'{hint} (choose one of: auto, {', '.join(EXERCISES)})")


__all__ = ["CIRCUIT", "EXERCISES", "Detector", "DetectorState", "DetectorUpdate", "ExerciseDef", "Gauge",
           "Rejected",
           "TrackResult", "analyze_samples", "get_exercise", "title_of"]
