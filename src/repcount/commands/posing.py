"""The pose pass of a video file: strided, split across processes for a long video, on disk.

Only the frames :class:`~repcount.pose.stride.StridePlan` asks for go to the model; the others
are only grabbed from the decoder (no colour conversion) and their landmarks are interpolated
afterwards (:func:`~repcount.pose.stride.fill_skipped`). With ``jobs`` > 1 a long video is cut
into contiguous segments, one per process (one model each): every segment starts posing
:data:`WARM_S` before its first frame so MediaPipe's tracker has settled when its frames begin,
and those warm-up poses are dropped. Frames go straight to spill files
(:mod:`repcount.pose.spill`), so memory stays flat however long the video.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from repcount.errors import interrupt_status
from repcount.io.prefetch import prefetch
from repcount.io.sources import VideoFileSource
from repcount.pose.models import ModelInfo
from repcount.pose.spill import SpilledTrack, SpillWriter
from repcount.pose.stride import StridePlan, auto_stride, fill_skipped

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
        start: index of the first frame kept.
        frames: frames kept (from ``start``).
        posed: of those, frames that went to the model.
        parts: the spill files holding them, in order (see :mod:`repcount.pose.spill`).
        pose_s: seconds spent in the model.
        interrupted: stopped by Ctrl-C (or a signal) before the end.
        stop_status: the exit status of that stop.
        dense_lost: frames posed off-stride because the person was lost.
        dense_fast: frames posed off-stride because the person moved fast.
        notes: remarks for the analysis's warnings (a truncated file).

    """

    start: int
    frames: int = 0
    posed: int = 0
    parts: list[tuple[Path, str]] = field(default_factory=list)
    pose_s: float = 0.0
    interrupted: bool = False
    stop_status: int = 130
    dense_lost: int = 0
    dense_fast: int = 0
    notes: list[str] = field(default_factory=list)


def resolve_jobs(jobs: int | None, frames: int | None, fps: float) -> int:
    """Processes for one video: ``jobs`` as asked, or (None) one per core for a long video.

    Left to itself it gives no segment less than :data:`MIN_SEGMENT_S` (not worth a process);
    asked for, a segment still needs twice the warm-up.
    """
    if not frames or fps <= 0:
        return 1
    if jobs is None:
        jobs = min(os.cpu_count() or 1, MAX_AUTO_JOBS, math.floor(frames / fps / MIN_SEGMENT_S))
    return max(1, min(jobs, math.floor(frames / fps / (2 * WARM_S))))


def pose_pass(path: str | os.PathLike[str], model: ModelInfo, *, stride: int | None = None,
              jobs: int | None = 1, progress: Progress | None = None, max_side: int | None = 1280
              ) -> tuple[SpilledTrack, PosePass]:
    """Pose a whole video: strided (``None``: :func:`auto_stride`), on ``jobs`` processes.

    Returns the filled track on disk (a pose on every frame where one could be posed or
    interpolated; its files are removed with the object) and the raw pass (which frames were
    posed, timings). After an interrupt the track ends at the last frame done without a gap.
    """
    with VideoFileSource(path, max_side=max_side) as probe:
        fps, total, size = probe.fps, probe.frame_count, (probe.width, probe.height)
    step = auto_stride(fps) if stride is None else max(1, stride)
    n_jobs = resolve_jobs(jobs, total, fps)
    # The counting core (scipy.signal, ~0.8 s) loads while the model works, not after it.
    threading.Thread(target=_preload, name="repcount-preload", daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="repcount-track-"))
    try:
        if n_jobs <= 1 or total is None:
            n_jobs = 1
            raw = pose_range(path, model, step, 0, None, folder=folder, name="seg0", progress=progress,
                             max_side=max_side)
        else:
            raw = _pose_parallel(path, model, step, total, fps, n_jobs, folder, progress, max_side)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    meta: dict[str, object] = {"stride": step, "jobs": n_jobs, "posed": raw.posed}
    track = SpilledTrack(raw.parts, size[0], size[1], fps, meta, owned=[folder])
    if step > 1:
        fill_spilled(track, margin=4 * step + 4, size=size)
    return track, raw


def _preload() -> None:
    with contextlib.suppress(Exception):
        import repcount.detectors.offline  # noqa: F401


def fill_spilled(track: SpilledTrack, margin: int, block: int = 8192,
                 size: tuple[int, int] | None = None) -> None:
    """Interpolate the skipped frames of a spilled track in place, block by block.

    The interpolation is local (two posed frames either side), so a block read with ``margin``
    frames on each side fills exactly as the whole track would.
    """
    for i0 in range(0, len(track), block):
        lo = max(0, i0 - margin)
        t, image, world, posed = track.read(lo, i0 + block + margin)
        image, world = fill_skipped(t, image, world, posed, size)
        a, b = i0 - lo, i0 - lo + min(block, len(track) - i0)
        track.write(i0, image[a:b], world[a:b], posed[a:b])


def pose_range(path: str | os.PathLike[str], model: ModelInfo, stride: int, start: int,
               stop: int | None, *, folder: Path, name: str, keep_from: int | None = None,
               progress: Progress | None = None, max_side: int | None = 1280) -> PosePass:
    """Pose frames ``start`` .. ``stop`` (exclusive; None: the end), keeping those from ``keep_from``.

    The kept frames are written to ``folder``/``name`` (see :class:`SpillWriter`).
    """
    from repcount.pose.mediapipe_backend import MediaPipePose

    keep = start if keep_from is None else keep_from
    out = PosePass(keep, parts=[(folder, name)])
    writer = SpillWriter(folder, name)
    source = VideoFileSource(path, max_side=max_side)
    plan = StridePlan(stride, source.fps)
    total = None if source.frame_count is None else (stop or source.frame_count) - keep
    try:
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
                    writer.append(t, pose.image if pose else None, pose.world if pose else None,
                                  frame is not None)
                    if progress:
                        progress(writer.frames, total)
            except KeyboardInterrupt as exc:
                out.interrupted, out.stop_status = True, interrupt_status(exc)
    finally:
        writer.close()
    out.frames, out.posed = writer.frames, writer.posed
    out.dense_lost, out.dense_fast = plan.dense_lost, plan.dense_fast
    want = stop if stop is not None else source.frame_count
    if want and out.frames < want - keep - 2 and not out.interrupted:
        out.notes.append(f"video ended after {keep + out.frames} of {want} frames (truncated file?)")
    return out


#: (video, model, stride, segment number, first frame posed, first frame kept, end, max side, folder)
Segment = tuple[str, ModelInfo, int, int, int, int, int | None, int | None, str]


def _segment_task(spec: Segment) -> PosePass:
    """One segment in a worker process (module level, so it pickles)."""
    from repcount.commands.parallel import task_progress

    path, model, stride, key, start, keep, stop, max_side, folder = spec
    return pose_range(path, model, stride, start, stop, folder=Path(folder), name=f"seg{key}",
                      keep_from=keep, progress=task_progress(str(key)), max_side=max_side)


def _pose_parallel(path: str | os.PathLike[str], model: ModelInfo, stride: int, total: int, fps: float,
                   jobs: int, folder: Path, progress: Progress | None, max_side: int | None) -> PosePass:
    """Segments on ``jobs`` processes: this one poses the first, workers the others."""
    from repcount.commands.parallel import run_in_processes

    bounds = [round(total * k / jobs) for k in range(jobs + 1)]
    warm = round(WARM_S * fps)
    specs: list[Segment] = [(os.fspath(path), model, stride, k, max(0, bounds[k] - warm), bounds[k],
                             bounds[k + 1] if k + 1 < jobs else None, max_side, str(folder))
                            for k in range(1, jobs)]
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
        results[0] = pose_range(path, model, stride, 0, bounds[1], folder=folder, name="seg0",
                                progress=first, max_side=max_side)
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
        if p.frames == 0 and not p.interrupted and p.start > expected:
            continue  # a segment past the real end of a video whose header promised more frames
        if p.start != expected:
            break
        kept.append(p)
        expected = p.start + p.frames
        if p.interrupted:
            break
    out = PosePass(0, frames=sum(p.frames for p in kept), posed=sum(p.posed for p in kept),
                   parts=[part for p in kept for part in p.parts], pose_s=sum(p.pose_s for p in parts),
                   dense_lost=sum(p.dense_lost for p in parts), dense_fast=sum(p.dense_fast for p in parts))
    stopped = [p for p in parts if p.interrupted]
    out.interrupted = (bool(stopped) or len(parts) < jobs
                       or any(isinstance(e, KeyboardInterrupt) for e in errors))
    if stopped:
        out.stop_status = stopped[0].stop_status
    for p in kept:
        out.notes.extend(p.notes)
    return out
