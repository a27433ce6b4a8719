"""Setup hints shown before counting starts: in frame, whole body visible, side-on, posture."""

from __future__ import annotations

import numpy as np

from repcount.detectors import ExerciseDef
from repcount.records import LM, Pose
from repcount.signals.features import posture_of

#: Landmark visibility below which a body part counts as not visible.
MIN_VISIBLE = 0.5

POSTURE_HINT = {
    "standing": "stand up",
    "supine": "lie down on your back",
    "prone": "lie face down",
    "side": "lie on your side",
}



def guidance(pose: Pose | None, exdef: ExerciseDef) -> list[str]:
    """Setup hints before counting starts: in frame, whole body visible, side-on, posture."""
    if pose is None:
        return ["nobody in frame: step into view"]
    vis = pose.visibility
    xy = pose.image[:, :2]
    inside = np.asarray((xy >= -0.02).all(axis=1) & (xy <= 1.02).all(axis=1), dtype=bool)
    missing = []
    for part, (a, b) in (("shoulders", (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)),
                         ("hips", (LM.LEFT_HIP, LM.RIGHT_HIP)),
                         ("knees", (LM.LEFT_KNEE, LM.RIGHT_KNEE)),
                         ("feet", (LM.LEFT_ANKLE, LM.RIGHT_ANKLE))):
        if not any(vis[i] >= MIN_VISIBLE and inside[i] for i in (a, b)):
            missing.append(part)
    out = []
    if missing:
        out.append(f"whole body not visible ({', '.join(missing)}): move back or adjust the camera")
    posture = posture_of(pose)
    if posture != "unknown" and posture not in exdef.postures:
        out.append(" or ".join(POSTURE_HINT.get(p, p) for p in exdef.postures) + f" (now: {posture})")
    elif "side" not in exdef.postures:
        p = pose.pixels()
        hips = abs(p[LM.LEFT_HIP][0] - p[LM.RIGHT_HIP][0])
        shoulders = abs(p[LM.LEFT_SHOULDER][0] - p[LM.RIGHT_SHOULDER][0])
        torso = float(np.linalg.norm((p[LM.LEFT_SHOULDER] + p[LM.RIGHT_SHOULDER]
                                      - p[LM.LEFT_HIP] - p[LM.RIGHT_HIP]) / 2)) or 1.0
        if posture == "standing" and max(hips, shoulders) > 0.5 * torso:
            out.append("turn side-on to the camera")
    return out
