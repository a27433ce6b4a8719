"""Analyse one video: frames -> poses -> signals -> reps/holds -> :class:`Analysis`.

Poses come from the landmark-track cache when the same video was already seen with the same
model, otherwise from the model (and are then cached). An interrupted run (Ctrl-C) stops
reading frames and still returns what was found so far, marked with a warning.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from repcount.detectors import Detector, ExerciseDef, analyze_samples
from repcount.detectors.base import TrackResult
from repcount.models import ModelInfo
from repcount.overlay import OverlayContext, draw
from repcount.pose import cache
from repcount.pose.track import Track
from repcount.records import Analysis, PoseSample
from repcount.sinks import VideoSink
from repcount.sources import VideoFileSource

T = TypeVar("T")
Progress = Callable[[int, int | None], None]


def prefetch(items: Iterable[T], depth: int = 8) -> Iterator[T]:
    """Iterate ``items`` on a background thread, ``depth`` ahead (decoding overlaps inference)."""
    q: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def worker() -> None:
        try:
            for it in items:
                while not stop.is_set():
                    try:
                        q.put((0, it), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((1, None))
        except BaseException as exc:  # re-raised in the consumer
            q.put((2, exc))

    th = threading.Thread(target=worker, daemon=True)
    th.start()
    try:
        while True:
            kind, val = q.get()
            if kind == 1:
                return
            if kind == 2:
                assert isinstance(val, BaseException)
                raise val
            yield val  # type: ignore[misc]
    finally:
        stop.set()
        th.join(timeout=2)


@dataclass
class RunStats:
    """Timing of a run, for the summary and benchmarks."""

    frames: int = 0
    wall_s: float = 0.0
    pose_s: float = 0.0
    detect_s: float = 0.0
    cached: bool = False
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """End-to-end frames per second."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def pose_fps(self) -> float:
        """Frames per second of the pose model alone."""
        return self.frames / self.pose_s if self.pose_s > 0 else 0.0


def build_analysis(video: str, exdef: ExerciseDef, model: str, fps: float,
                   samples: list[PoseSample], result: TrackResult, stats: RunStats) -> Analysis:
    """Assemble the :class:`Analysis` record from an offline result."""
    warnings = list(result.warnings)
    if stats.interrupted:
        t_end = samples[-1].t if samples else 0.0
        warnings.append(f"interrupted at {t_end:.1f} s: partial results")
    warnings.extend(stats.notes)
    return Analysis(
        video=video,
        exercise=exdef.name,
        model=model,
        fps=fps,
        frames=len(samples),
        pose_frames=sum(1 for s in samples if s.pose is not None),
        reps=tuple(result.reps),
        holds=tuple(result.holds),
        partials=tuple(result.partials),
        warnings=tuple(warnings),
    )


def analyze_video(
    path: str | os.PathLike[str],
    exdef: ExerciseDef,
    model: ModelInfo,
    *,
    annotate: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    max_side: int | None = 1280,
) -> tuple[Analysis, TrackResult, RunStats]:
    """Analyse a video file end to end.

    Args:
        path: the video.
        exdef: the exercise to count.
        model: the resolved pose model.
        annotate: write an annotated copy of the video here.
        use_cache: re-use (and store) landmark tracks keyed by video and model hash.
        progress: called with (frames done, total frames or None).
        max_side: frames larger than this are downscaled before pose estimation.

    Returns:
        The analysis, the offline detector result (signal for plots) and run statistics.

    """
    stats = RunStats()
    t0 = time.perf_counter()
    source = VideoFileSource(path, max_side=max_side)
    name = Path(path).name
    track = cache.load_cached(path, model.sha256) if use_cache and annotate is None else None
    if track is not None:
        source.close()
        samples = list(track.samples())
        stats.cached = True
        fps = track.fps
    else:
        samples, stats = _stream(source, exdef, model, annotate, progress, stats)
        fps = source.fps
        if use_cache and not stats.interrupted:
            cache.store(path, model.sha256, Track.from_samples(
                samples, width=source.width, height=source.height, fps=fps,
                meta={"video": name, "model": model.name, "model_sha256": model.sha256}))
    td = time.perf_counter()
    result = analyze_samples(exdef, samples)
    stats.detect_s += time.perf_counter() - td
    stats.frames = len(samples)
    stats.wall_s = time.perf_counter() - t0
    return build_analysis(name, exdef, model.name, fps, samples, result, stats), result, stats


def _stream(source: VideoFileSource, exdef: ExerciseDef, model: ModelInfo,
            annotate: str | os.PathLike[str] | None, progress: Progress | None,
            stats: RunStats) -> tuple[list[PoseSample], RunStats]:
    from repcount.pose.mediapipe_backend import MediaPipePose

    samples: list[PoseSample] = []
    detector = Detector(exdef, source.fps)
    sink = VideoSink(annotate, source.fps, (source.width, source.height)) if annotate else None
    try:
        with source, MediaPipePose(model) as estimator:
            try:
                for frame in prefetch(source):
                    tp = time.perf_counter()
                    pose = estimator.estimate(frame)
                    stats.pose_s += time.perf_counter() - tp
                    sample = PoseSample(frame.index, frame.t, pose)
                    samples.append(sample)
                    td = time.perf_counter()
                    new = detector.update(sample)
                    stats.detect_s += time.perf_counter() - td
                    if sink is not None:
                        ctx = OverlayContext(pose=pose, state=detector.state(),
                                             exercise=exdef.name, flash=bool(new))
                        sink.write(draw(frame.image.copy(), ctx))
                    if progress:
                        progress(len(samples), source.frame_count)
            except KeyboardInterrupt:
                stats.interrupted = True
        if source.frame_count and len(samples) < source.frame_count - 2 and not stats.interrupted:
            stats.notes.append(
                f"video ended after {len(samples)} of {source.frame_count} frames (truncated file?)")
    finally:
        if sink is not None:
            sink.close()
    return samples, stats
