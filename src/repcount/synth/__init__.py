"""Synthetic labelled exercise clips rendered from the CC0 MakeHuman base mesh.

Importing this package is cheap: numpy-heavy kinematics, pyrender and trimesh are imported by the
submodules that need them, and the renderer only inside functions.
"""

from __future__ import annotations

EXERCISES: tuple[str, ...] = (
    "single_leg_dip",
    "single_leg_bridge",
    "single_leg_bridge_hold",
    "prone_leg_lift",
    "ball_leg_curl",
    "clamshell",
)

#: Full reps of each set and seconds of each bridge hold of a rendered circuit (``--circuit``).
CIRCUIT_REPS = 4
CIRCUIT_HOLD_S = 8.0

__all__ = ["CIRCUIT_HOLD_S", "CIRCUIT_REPS", "EXERCISES"]
