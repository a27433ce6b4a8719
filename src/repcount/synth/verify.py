"""Check rendered clips with MediaPipe: detection rate and 2D joint/angle errors vs ground truth.

Usage: ``python -m repcount.synth.verify MODEL.task LABELS.json`` (prints one line per clip).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from repcount.synth.kinematics import joint_angle
from repcount.synth.truth import JOINT_NAMES

#: MediaPipe pose landmark index of each ground-truth joint ("toe" = foot_index).
MP_INDEX = {
    "nose": 0,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_toe": 31,
    "right_toe": 32,
}


def _angles_2d(p: dict[str, np.ndarray], s: str) -> tuple[np.ndarray, np.ndarray]:
    knee = joint_angle(p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"])
    hip = joint_angle(p[f"{s}_shoulder"], p[f"{s}_hip"], p[f"{s}_knee"])
    return knee, hip


def check_clip(video: Path, truth: Path, model: Path, side: str) -> dict[str, Any]:
    """Run MediaPipe on every frame of ``video`` and compare with ``truth``.

    Args:
        video: the rendered MP4.
        truth: its ground-truth npz.
        model: a MediaPipe ``pose_landmarker_*.task`` file.
        side: "left", "right" or "both": whose knee/hip angles to compare ("both" = left).

    Returns:
        detection_rate, median joint error in pixels (all joints), and mean absolute
        knee/hip angle errors in degrees (2D angles from MediaPipe vs projected truth).

    """
    from repcount.io.sources import VideoFileSource
    from repcount.pose.mediapipe_backend import MediaPipePose
    from repcount.pose.models import verify

    gt = np.load(truth)
    j2 = gt["joints_2d"]
    found, errs, dk, dh = 0, [], [], []
    s = "left" if side == "both" else side
    i = 0
    with VideoFileSource(video) as source, MediaPipePose(verify(model, None), num_poses=1) as pose:
        for frame in source:
            if i >= len(j2):
                break
            p = pose.estimate(frame)
            if p is not None:
                found += 1
                px = p.pixels()
                pred = {n: px[k] for n, k in MP_INDEX.items()}
                true = {n: j2[i, JOINT_NAMES.index(n)] for n in MP_INDEX}
                errs.append(np.median([np.linalg.norm(pred[n] - true[n]) for n in MP_INDEX]))
                kp, hp = _angles_2d(pred, s)
                kt, ht = _angles_2d(true, s)
                dk.append(abs(float(kp - kt)))
                dh.append(abs(float(hp - ht)))
            i += 1
    return {
        "frames": i,
        "detection_rate": found / max(i, 1),
        "median_joint_err_px": float(np.median(errs)) if errs else None,
        "knee_angle_mae_deg": float(np.mean(dk)) if dk else None,
        "hip_angle_mae_deg": float(np.mean(dh)) if dh else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Check every clip of a labels.json: ``python -m repcount.synth.verify MODEL LABELS``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m repcount.synth.verify MODEL.task LABELS.json", file=sys.stderr)
        return 2
    model, labels = Path(args[0]), Path(args[1])
    for entry in json.loads(labels.read_text(encoding="utf-8")):
        base = labels.parent
        r = check_clip(base / entry["file"], base / entry["source"]["ground_truth"], model, entry["side"])
        print(
            f"{entry['file']}: frames {r['frames']}, detected {100 * r['detection_rate']:.1f}%, "
            f"median joint error {r['median_joint_err_px']:.1f}px, knee angle MAE "
            f"{r['knee_angle_mae_deg']:.1f} deg, hip angle MAE {r['hip_angle_mae_deg']:.1f} deg",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
