"""The pose pass of a video file: strided, and split across processes for a long video.

Only the frames :class:`~repcount.pose.stride.StridePlan` asks for go to the model; the others
are only grabbed from the decoder (no colour conversion) and their landmarks are interpolated
afterwards (:func:`~repcount.pose.stride.fill_skipped`). With ``jobs`` > 1 a long video is cut
into contiguous segments, one per process (one model each): every segment starts posing
:data:`WARM_S` before its first frame so MediaPipe's tracker has settled when its frames begin,
and those warm-up poses are dropped.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from repcount.errors import interrupt_status
from repcount.io.prefetch import prefetch
from repcount.io.sources import VideoFileSource
from repcount.pose.models import ModelInfo
from repcount.pose.stride import StridePlan, auto_stride, fill_skipped
from repcount.pose.track import Track
from repcount.records import NUM_LANDMARKS, FloatArray

Progress = Callable[[int, int | None], None]
#: Seconds posed before a segment's first frame and thrown away (tracker and person probe settle).
WARM_S = 1.5
#: Shortest segment worth a process of its own: below it, starting the model costs more than it saves.
MIN_SEGMENT_S = 20.0
#: Processes ``--jobs auto`` uses at most for one video.
MAX_AUTO_JOBS = 4


@dataclass
class PosePass:
    """What the pose pass of (part of) a video produced.

    Attributes:
        start: index of the first frame in the arrays.
        t: (N,) frame times.
        image: (N, 33, 5) image landmarks, NaN where not posed or nobody found.
        world: (N, 33, 3) world landmarks, likewise.
        posed: (N,) frames that went to the model.
        pose_s: seconds spent in the model.
        interrupted: stopped by Ctrl-C (or a signal) before the end.
        stop_status: the exit status of that stop.
        dense_lost: frames posed off-stride because the person was lost.
        dense_fast: frames posed off-stride because the person moved fast.

    """

    start: int
    t: FloatArray
    image: FloatArray
    world: FloatArray
    posed: np.ndarray
    pose_s: float = 0.0
    interrupted: bool = False
    stop_status: int = 130
    dense_lost: int = 0
    dense_fast: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t)


def resolve_jobs(jobs: int | None, frames: int | None, fps: float) -> int:
    """Processes for one video: ``jobs`` as asked, or (None) one per core for a long video.

    Left to itself it gives no segment less than :data:`MIN_SEGMENT_S` (not worth a process);
    asked for, a segment still needs twice the warm-up.
    """
    if not frames or fps <= 0:
        return 1
    if jobs is None:
        most = math.floor(frames / fps / MIN_SEGMENT_S)
        jobs = min(os.cpu_count() or 1, MAX_AUTO_JOBS, most)
    most = math.floor(frames / fps / (2 * WARM_S))
    return max(1, min(jobs, most))


def pose_pass(path: str | os.PathLike[str], model: ModelInfo, *, stride: int | None = None,
              jobs: int | None = 1, progress: Progress | None = None, max_side: int | None = 1280
              ) -> tuple[Track, PosePass]:
    """Pose a whole video: strided (``None``: :func:`auto_stride`), on ``jobs`` processes.

    Returns the filled track (a pose on every frame where one could be posed or interpolated)
    and the raw pass (which frames were posed, timings). After an interrupt the track ends at
    the last frame done without a gap.
    """
    with VideoFileSource(path, max_side=max_side) as probe:
        fps, total, size = probe.fps, probe.frame_count, (probe.width, probe.height)
    step = auto_stride(fps) if stride is None else max(1, stride)
    n_jobs = resolve_jobs(jobs, total, fps)
    if n_jobs <= 1 or total is None:
        raw = pose_range(path, model, step, 0, None, progress=progress, max_side=max_side)
    else:
        raw = _pose_parallel(path, model, step, total, fps, n_jobs, progress, max_side)
    image, world = fill_skipped(raw.t, raw.image, raw.world, raw.posed)
    meta: dict[str, object] = {"stride": step, "jobs": n_jobs, "posed": int(raw.posed.sum())}
    track = Track(t=raw.t, image=image, world=world, width=size[0], height=size[1], fps=fps, meta=meta)
    return track, raw


def pose_range(path: str | os.PathLike[str], model: ModelInfo, stride: int, start: int,
               stop: int | None, *, keep_from: int | None = None, progress: Progress | None = None,
               max_side: int | None = 1280) -> PosePass:
    """Pose frames ``start`` .. ``stop`` (exclusive; None: the end), keeping those from ``keep_from``."""
    from repcount.pose.mediapipe_backend import MediaPipePose

    keep = start if keep_from is None else keep_from
    ts: list[float] = []
    imgs: list[np.ndarray | None] = []
    worlds: list[np.ndarray | None] = []
    posed: list[bool] = []
    out = PosePass(keep, np.zeros(0), np.zeros((0, NUM_LANDMARKS, 5)), np.zeros((0, NUM_LANDMARKS, 3)),
                   np.zeros(0, dtype=bool))
    source = VideoFileSource(path, max_side=max_side)
    plan = StridePlan(stride, source.fps)
    total = None if source.frame_count is None else (stop or source.frame_count) - keep
    with source, MediaPipePose(model) as estimator:
        source.seek(start)
        try:
            for index, t, frame in prefetch(source.sparse(plan.want, stop)):
                pose = None
                if frame is not None:
                    tp = time.perf_counter()
                    pose = estimator.estimate(frame)
                    out.pose_s += time.perf_counter() - tp
                    plan.observe(index, pose)
                if index < keep:
                    continue
                ts.append(t)
                posed.append(frame is not None)
                imgs.append(pose.image if pose is not None else None)
                worlds.append(pose.world if pose is not None else None)
                if progress:
                    progress(len(ts), total)
        except KeyboardInterrupt as exc:
            out.interrupted, out.stop_status = True, interrupt_status(exc)
    out.t = np.asarray(ts, dtype=np.float64)
    out.image = _stack(imgs, 5)
    out.world = _stack(worlds, 3)
    out.posed = np.asarray(posed, dtype=bool)
    out.dense_lost, out.dense_fast = plan.dense_lost, plan.dense_fast
    want = (stop if stop is not None else source.frame_count)
    if want and len(ts) < want - keep - 2 and not out.interrupted:
        out.notes.append(f"video ended after {keep + len(ts)} of {want} frames (truncated file?)")
    return out


def _stack(rows: list[np.ndarray | None], width: int) -> FloatArray:
    arr = np.full((len(rows), NUM_LANDMARKS, width), np.nan)
    for i, r in enumerate(rows):
        if r is not None:
            arr[i] = r
    return arr


Segment = tuple[str, ModelInfo, int, int, int, int, int | None, int | None]


def _segment_task(spec: Segment) -> PosePass:
    """One segment in a worker process (module level, so it pickles)."""
    from repcount.commands.parallel import task_progress

    path, model, stride, key, start, keep, stop, max_side = spec
    return pose_range(path, model, stride, start, stop, keep_from=keep,
                      progress=task_progress(str(key)), max_side=max_side)


def _pose_parallel(path: str | os.PathLike[str], model: ModelInfo, stride: int, total: int, fps: float,
                   jobs: int, progress: Progress | None, max_side: int | None) -> PosePass:
    """Segments on ``jobs`` processes: this one poses the first, workers the others."""
    from repcount.commands.parallel import run_in_processes

    bounds = [round(total * k / jobs) for k in range(jobs + 1)]
    warm = round(WARM_S * fps)
    specs: list[Segment] = [(os.fspath(path), model, stride, k, max(0, bounds[k] - warm), bounds[k],
                             bounds[k + 1] if k + 1 < jobs else None, max_side) for k in range(1, jobs)]
    done = [0] * jobs
    results: dict[int, PosePass] = {}

    def report(key: str, n: int, _total: int | None) -> None:
        done[int(key)] = n
        if progress:
            progress(sum(done), total)

    def first(n: int, _total: int | None) -> None:
        report("0", n, None)

    errors: list[BaseException] = []
    cancel = threading.Event()

    def workers() -> None:
        try:
            run_in_processes(_segment_task, specs, jobs - 1, lambda i, r: results.__setitem__(i + 1, r),
                             _raise, on_progress=report, cancel=cancel)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    th = threading.Thread(target=workers, name="repcount-segments", daemon=True)
    th.start()
    try:
        results[0] = pose_range(path, model, stride, 0, bounds[1], progress=first, max_side=max_side)
        if results[0].interrupted:  # stopped here: the workers keep what they have too
            cancel.set()
    finally:
        # Ctrl-C reaches this (main) thread: the workers see the same stop through the pool.
        with contextlib.suppress(KeyboardInterrupt):
            th.join()
    if errors and not isinstance(errors[0], KeyboardInterrupt):
        raise errors[0]
    return _merge([results[k] for k in sorted(results)], jobs, errors)


def _raise(_i: int, exc: Exception) -> PosePass:
    raise exc


def _merge(parts: list[PosePass], jobs: int, errors: list[BaseException]) -> PosePass:
    """The segments joined in order, up to the first one that did not finish."""
    kept: list[PosePass] = []
    expected = 0
    for p in parts:
        if p.start != expected:
            break
        kept.append(p)
        expected = p.start + len(p)
        if p.interrupted:
            break
    out = PosePass(0, np.concatenate([p.t for p in kept]), np.concatenate([p.image for p in kept]),
                   np.concatenate([p.world for p in kept]), np.concatenate([p.posed for p in kept]),
                   pose_s=sum(p.pose_s for p in parts), dense_lost=sum(p.dense_lost for p in parts),
                   dense_fast=sum(p.dense_fast for p in parts))
    stopped = [p for p in parts if p.interrupted]
    out.interrupted = (bool(stopped) or len(kept) < jobs
                       or any(isinstance(e, KeyboardInterrupt) for e in errors))
    if stopped:
        out.stop_status = stopped[0].stop_status
    for p in kept:
        out.notes.extend(p.notes)
    return out
