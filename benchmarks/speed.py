"""Speed of `repcount analyze` at 640x480: end-to-end fps and pose-only fps in the same run.

Usage: python benchmarks/speed.py [VIDEO] [--model full] [--exercise glute_bridge] [--annotate]

Without VIDEO, a shared clip is letterboxed to 640x480 first. Prints one table row per run.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from repcount.commands.pipeline import analyze_video
from repcount.detectors import get_exercise
from repcount.pose.models import resolve

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = ROOT.parent / "shared" / "clips" / "glute_bridge_darebee_a.mp4"


def letterbox_640x480(src: Path, dst: Path) -> Path:
    """Copy ``src`` into a 640x480 canvas (scaled to fit, padded) so the benchmark size is fixed."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    out = cv2.VideoWriter(str(dst), cv2.VideoWriter.fourcc(*"mp4v"), fps, (640, 480))
    while True:
        ok, img = cap.read()
        if not ok:
            break
        h, w = img.shape[:2]
        s = min(640 / w, 480 / h)
        img = cv2.resize(img, (round(w * s), round(h * s)))
        canvas = np.full((480, 640, 3), 255, np.uint8)
        y0, x0 = (480 - img.shape[0]) // 2, (640 - img.shape[1]) // 2
        canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = img
        out.write(canvas)
    cap.release()
    out.release()
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("video", nargs="?")
    ap.add_argument("--model", default="full")
    ap.add_argument("--exercise", default="glute_bridge")
    ap.add_argument("--annotate", action="store_true", help="also write an annotated video")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    video = Path(args.video) if args.video else letterbox_640x480(DEFAULT_CLIP, tmp / "bench_640x480.mp4")
    model = resolve(args.model)
    exdef = get_exercise(args.exercise)
    print(f"video {video.name}, model {model.name}, exercise {exdef.name}")
    print(f"{'run':>3} {'frames':>6} {'analyze fps':>12} {'pose-only fps':>14} {'ratio':>6} {'reps':>5}")
    for i in range(args.repeat):
        annotate = tmp / "annotated.mp4" if args.annotate else None
        analysis, _, stats = analyze_video(video, exdef, model, annotate=annotate, use_cache=False)
        print(f"{i + 1:>3} {stats.frames:>6} {stats.fps:>12.1f} {stats.pose_fps:>14.1f} "
              f"{stats.fps / stats.pose_fps:>6.2f} {analysis.total_reps:>5}")


if __name__ == "__main__":
    main()
