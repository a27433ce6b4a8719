"""Speed of repcount against the bare pose loop, whole processes, side by side in one run.

    python benchmarks/speed.py [--models lite,full,heavy] [--live-seconds 120] [--json OUT]

The test video is built once: a committed sample video (640x480, 30 fps; the right-leg dip by
default) looped into one H.264 file of at least ``--minutes`` (whole loops, so the true count is
known and printed beside each run's). Every figure is a whole process (imports, model
load, decode, everything), timed from outside:

* ``bare``: a loop of OpenCV decode + ``PoseLandmarker.detect_for_video`` on every frame and
  nothing else (written here, against MediaPipe directly); ``bare/N`` poses every N-th frame
  and only grabs the others.
* ``analyze s1 j1``: ``repcount analyze VIDEO -e EXERCISE --no-cache --stride 1 --jobs 1``; then at
  the default stride (``auto``) on 1 and 2 processes. Then ``--pairs`` more back-to-back pairs of
  the bare loop and ``analyze s1 j1``: the overhead ratio is the median over every pair, because
  this machine's speed drifts by about 10 % from one minute to the next (a single pair has read
  anything from 0.97 to 1.21).
* ``live``: ``repcount live --source VIDEO --realtime --no-window`` (the video paced like a
  30 fps camera) for ``--live-seconds``: frames shown per second, frames dropped, and the delay
  from each rep's end to its count on screen, read from the run's JSON.

Each row gives frames/s (frames of video per wall second), × real time, and the ratio of its
wall time to the bare loop's. Do not run anything else meanwhile: the machine's cores are the
measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"

BARE = r'''
import sys, time, cv2, numpy as np
from mediapipe.tasks.python import BaseOptions, vision
import mediapipe as mp
video, model, stride = sys.argv[1], sys.argv[2], int(sys.argv[3])
opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                    running_mode=vision.RunningMode.VIDEO, num_poses=1)
lm = vision.PoseLandmarker.create_from_options(opts)
cap = cv2.VideoCapture(video)
i = found = 0
while True:
    if i % stride:
        if not cap.grab():
            break
        i += 1
        continue
    ok, img = cap.read()
    if not ok:
        break
    ts = round(cap.get(cv2.CAP_PROP_POS_MSEC))
    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), max(ts, i))
    found += bool(res.pose_landmarks)
    i += 1
print(i, found)
'''


def build_video(clip: Path, out: Path, minutes: float) -> tuple[Path, int, float, int]:
    """``clip`` looped (whole loops) into one H.264 file of at least ``minutes``.

    Returns (path, frames, fps, loops).
    """
    import cv2

    from repcount.io.sinks import VideoSink

    cap = cv2.VideoCapture(str(clip))
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 30.0)
    images = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        images.append(img if img.shape[:2] == (480, 640) else cv2.resize(img, (640, 480)))
    cap.release()
    if not images:
        raise SystemExit(f"{clip}: no frames")
    loops = math.ceil(minutes * 60 * fps / len(images))
    with VideoSink(out, fps, (640, 480)) as sink:
        for _ in range(loops):
            for img in images:
                sink.write(img)
    return out, loops * len(images), fps, loops


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds of a whole process, and its stdout."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall, proc.stdout


def rss_peak_mb(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a whole process, from /usr/bin/time if present."""
    if not Path("/usr/bin/time").exists():
        return timed(cmd)[0], float("nan")
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    try:
        peak = int(proc.stderr.strip().splitlines()[-1]) / 1024
    except (ValueError, IndexError):
        peak = float("nan")
    return wall, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", type=Path, default=SAMPLES / "synth_single_leg_dip_right_side_s1.mp4",
                    help="a sample video (with a label in sample_videos/labels.json), looped")
    ap.add_argument("--models", default="lite,full,heavy")
    ap.add_argument("--minutes", type=float, default=1.0,
                    help="least length of the test video (at least --live-seconds with the live rows)")
    ap.add_argument("--live-seconds", type=float, default=120.0)
    ap.add_argument("--skip-live", action="store_true")
    ap.add_argument("--offline-models", default="full", help="models for the offline rows ('' for none)")
    ap.add_argument("--pairs", type=int, default=3,
                    help="extra back-to-back pairs of the bare loop and `analyze --stride 1 --jobs 1`; the "
                         "overhead ratio is the median over every pair, since this machine's speed drifts "
                         "by ~10%% between minutes")
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args()

    from repcount.pose.models import resolve

    tmp = Path(tempfile.mkdtemp(prefix="repcount-speed-"))
    labels = {d["file"]: d for d in json.loads((SAMPLES / "labels.json").read_text())}
    label = labels[args.clip.name]
    exercise = label["exercise"]
    minutes = args.minutes if args.skip_live else max(args.minutes, args.live_seconds / 60)  # live needs it
    video, frames, fps, loops = build_video(args.clip, tmp / "speed_640x480.mp4", minutes)
    duration = frames / fps
    truth = loops * label["reps"]
    print(f"video: {args.clip.name} x {loops} = {frames} frames, 640x480 @ {fps:.0f} fps, {duration:.1f} s "
          f"(H.264), {truth} {exercise} reps; {os.cpu_count()} cores")
    env = {**os.environ, "REPCOUNT_CACHE_DIR": str(tmp / "cache")}
    rows: list[dict[str, object]] = []

    def row(name: str, model: str, wall: float, bare: float | None, extra: str = "") -> None:
        r = {"run": name, "model": model, "wall_s": round(wall, 2), "fps": round(frames / wall, 1),
             "x_realtime": round(duration / wall, 2),
             "vs_bare": round(wall / bare, 3) if bare else None, "note": extra}
        rows.append(r)
        ratio = f"{wall / bare:6.2f}" if bare else "     -"
        print(f"{name:<22} {model:<6} {wall:7.1f} s {frames / wall:7.1f} fps {duration / wall:6.2f}x "
              f"{ratio}  {extra}", flush=True)

    print(f"{'run':<22} {'model':<6} {'wall':>9} {'frames/s':>11} {'× rt':>7} {'/bare':>6}")
    for m in [x for x in args.offline_models.split(",") if x.strip()]:
        model = resolve(m)
        bare, _ = timed([sys.executable, "-c", BARE, str(video), str(model.path), "1"], env)
        row("bare", m, bare, None)
        for n in (3, 5):
            w, _ = timed([sys.executable, "-c", BARE, str(video), str(model.path), str(n)], env)
            row(f"bare/{n}", m, w, bare)
        def analyze(stride: str, jobs: str, m: str = m) -> tuple[float, str]:
            out = tmp / f"a_{m}_{stride}_{jobs}.json"
            cmd = [sys.executable, "-m", "repcount", "analyze", str(video), "-e", exercise, "--no-cache",
                   "--quiet", "--model", m, "--stride", stride, "--jobs", jobs, "--json", str(out)]
            w, peak = rss_peak_mb(cmd)
            d = json.loads(out.read_text())
            pose = d.get("extra", {}).get("pose", {})
            posed = pose.get("posed_frames")
            return w, f"{d['total_reps']}/{truth} reps, posed {posed}, peak RSS {peak:.0f} MB"

        ratios: list[float] = []
        for stride, jobs in (("1", "1"), ("auto", "1"), ("auto", "2"), ("1", "2")):
            w, note = analyze(stride, jobs)
            row(f"analyze s{stride} j{jobs}", m, w, bare, note)
            if (stride, jobs) == ("1", "1"):
                ratios.append(w / bare)
        for k in range(args.pairs):
            b, _ = timed([sys.executable, "-c", BARE, str(video), str(model.path), "1"], env)
            row(f"bare (pair {k + 2})", m, b, None)
            w, note = analyze("1", "1")
            row(f"analyze s1 j1 (pair {k + 2})", m, w, b, note)
            ratios.append(w / b)
        if len(ratios) > 1:
            med = statistics.median(ratios)
            print(f"stride-1 overhead, {m}: median {med:.3f} over {len(ratios)} back-to-back pairs "
                  f"({', '.join(f'{r:.3f}' for r in ratios)})", flush=True)
            rows.append({"run": "overhead s1 j1 / bare", "model": m, "median": round(med, 3),
                         "pairs": [round(r, 3) for r in ratios]})
    if not args.skip_live:
        print(f"\nlive: --source at 30 fps in real time, {args.live_seconds:.0f} s each")
        print(f"{'model':<6} {'shown fps':>9} {'captured':>8} {'dropped':>7} {'pose ms':>7} "
              f"{'rep end→screen med/max ms':>26} {'capture→screen med/max':>23} {'reps >0.3 s':>11}")
        for m in args.models.split(","):
            out = tmp / f"live_{m}.json"
            cmd = [sys.executable, "-m", "repcount", "live", "--source", str(video), "--realtime",
                   "--no-window", "--quiet", "--model", m, "--exercise", exercise, "--json", str(out),
                   "--max-seconds", str(args.live_seconds)]
            timed(cmd, env)
            live = json.loads(out.read_text())["extra"]["live"]
            delay = live.get("delay_total") or {}
            pipe = live.get("delay_pipeline") or {}
            nan = float("nan")
            print(f"{m:<6} {live['fps']:9.1f} {live['captured']:8d} {live['dropped']:7d} "
                  f"{live['pose_ms']:7.1f} {delay.get('median_ms', nan):>13.0f} / "
                  f"{delay.get('max_ms', nan):<11.0f} {pipe.get('median_ms', nan):>11.0f} / "
                  f"{pipe.get('max_ms', nan):<9.0f} {live.get('reps_over_300ms', 0):>5d} of "
                  f"{live.get('reps_timed', 0)}", flush=True)
            rows.append({"run": "live", "model": m, **{k: live[k] for k in ("fps", "captured", "dropped",
                                                                             "pose_ms")},
                         "delay_total": delay})
    if args.json:
        Path(args.json).write_text(json.dumps({"video_frames": frames, "fps": fps, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
