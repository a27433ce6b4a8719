"""``repcount pose``: record a video's landmark track to an ``.npz`` file."""

from __future__ import annotations

import argparse
import sys
import time

from repcount.commands import add_model_argument
from repcount.io.atomic import check_writable
from repcount.ui.console import download_progress, progress_bar


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``repcount pose``."""
    parser.add_argument("video", help="video file, image folder or camera index")
    parser.add_argument("-o", "--output", required=True, metavar="TRACK.npz")
    add_model_argument(parser)
    parser.add_argument("--quiet", "-q", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Record a video's landmark track to an .npz file."""
    from repcount.io.prefetch import prefetch
    from repcount.io.sources import open_source
    from repcount.pose.mediapipe_backend import MediaPipePose
    from repcount.pose.models import resolve
    from repcount.pose.track import Track
    from repcount.records import PoseSample

    check_writable(args.output)
    model = resolve(args.model, progress=download_progress)
    samples: list[PoseSample] = []
    t0 = time.perf_counter()
    with open_source(args.video) as src, MediaPipePose(model) as est, \
            progress_bar(f"pose {src.name}", not args.quiet) as prog:
        try:
            for frame in prefetch(src):
                samples.append(PoseSample(frame.index, frame.t, est.estimate(frame)))
                prog(len(samples), src.frame_count)
        except KeyboardInterrupt:
            print("interrupted: writing the frames done so far", file=sys.stderr)
        track = Track.from_samples(samples, width=src.width, height=src.height, fps=src.fps,
                                   meta={"video": src.name, "model": model.name,
                                         "model_sha256": model.sha256})
    track.save(args.output)
    if not args.quiet:
        dt = time.perf_counter() - t0
        print(f"{args.output}: {len(track)} frames, pose in {int(track.found.sum())}, "
              f"{len(track) / dt:.1f} frames/s")
    return 0
