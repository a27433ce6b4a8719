"""The naive method repcount must beat: ``find_peaks`` on one 2D joint angle.

What the peers do: the exercise's main joint angle in the picture (knee, hip or elbow; the
angle between the thighs for a clamshell), peaks of prominence 15 degrees at least 0.8 s apart,
in the direction the rep turns (a knee bend is a minimum). It is given the labelled working leg
(an oracle the product does not have), or the leg whose angle moves most when the label says
``both``. No gates, no side attribution, no posture: a built-in baseline column of
``repcount bench``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.signal import find_peaks

from repcount.records import LM, PoseSample
from repcount.signals.angles import angle_between, joint_angle
from repcount.signals.features import JOINTS

PROMINENCE_DEG = 15.0
DISTANCE_S = 0.8
#: (joint, polarity) per exercise: +1 when the rep's turning point is a maximum of the angle.
JOINT_OF: dict[str, tuple[str, int]] = {
    "single_leg_dip": ("knee", -1),
    "squat": ("knee", -1),
    "lunge": ("knee", -1),
    "ball_leg_curl": ("knee", -1),
    "single_leg_bridge": ("hip", 1),
    "single_leg_bridge_hold": ("hip", 1),
    "glute_bridge": ("hip", 1),
    "prone_leg_lift": ("hip", 1),
    "clamshell": ("thighs", 1),
    "leg_raise": ("hip", -1),
    "situp": ("hip", -1),
    "pushup": ("elbow", -1),
}


def _angle(kind: str, side: str, samples: Sequence[PoseSample]) -> np.ndarray:
    vals = np.full(len(samples), np.nan)
    for i, s in enumerate(samples):
        if s.pose is None:
            continue
        p = s.pose.pixels()
        if kind == "thighs":
            vals[i] = float(angle_between(p[LM.LEFT_KNEE] - p[LM.LEFT_HIP],
                                          p[LM.RIGHT_KNEE] - p[LM.RIGHT_HIP]))
        else:
            j = JOINTS[kind][side]
            vals[i] = float(joint_angle(p[j.a], p[j.b], p[j.c]))
    return vals


def plain_peaks_count(exercise: str, samples: Sequence[PoseSample], side: str = "both") -> int | None:
    """Reps the naive method counts (None for an exercise it has no joint for).

    ``side`` is the labelled working leg; ``both`` (or anything else) takes the leg whose angle
    moves most.
    """
    if exercise not in JOINT_OF or not samples:
        return None
    kind, polarity = JOINT_OF[exercise]
    t = np.array([s.t for s in samples], dtype=np.float64)
    best: np.ndarray | None = None
    best_rom = -1.0
    legs = (side,) if side in ("left", "right") and kind != "thighs" else ("left", "right")
    for leg in legs:
        vals = _angle(kind, leg, samples)
        ok = np.isfinite(vals)
        if ok.sum() < 3:
            continue
        rom = float(np.percentile(vals[ok], 95) - np.percentile(vals[ok], 5))
        if rom > best_rom:
            best_rom = rom
            best = np.interp(t, t[ok], vals[ok])
    if best is None:
        return 0
    fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
    peaks, _ = find_peaks(polarity * best, prominence=PROMINENCE_DEG,
                          distance=max(1, round(DISTANCE_S * fps)))
    return len(peaks)
