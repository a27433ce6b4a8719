"""Analyse many videos in parallel: local processes or a dask cluster.

Every video goes through the same per-video task as ``repcount analyze`` (:func:`analyze_one`,
a thin wrapper around :func:`repcount.commands.analyze.analyze_video`); one bad video never stops the
batch: its slot in the result list holds a :class:`BatchError` with the message and exit status
the CLI would have printed for it alone.

Executors:

* ``process`` (default): worker processes (:func:`repcount.commands.parallel.run_in_processes`).
  ``jobs=1`` runs in the calling process, with no pool at all.
* ``dask``: ``dask.distributed`` (``pip install "repcount[dask]"``). ``scheduler`` is a
  scheduler address (``tcp://host:8786``), a ``Client``, or anything with a
  ``scheduler_address`` (a ``LocalCluster``); None starts a ``LocalCluster`` of ``jobs``
  single-threaded worker processes for the duration of the call. Workers resolve the model by
  name themselves (``REPCOUNT_MODEL_DIR``, the cache, or a download), and read the videos by
  absolute path, so on a real cluster the videos must be on a shared file system.

Ctrl-C stops the batch: videos already finished are kept, the others become
:class:`BatchError` with ``kind="interrupted"`` and exit status 130.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from repcount.errors import InputError, RepcountError
from repcount.pose.models import ModelInfo
from repcount.records import Analysis, Side
from repcount.session.batch import BatchError, BatchResult, BatchSummary, summarize, was_interrupted

#: File name endings taken as videos when a folder is expanded.
VIDEO_SUFFIXES: tuple[str, ...] = (
    ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp",
)
Executor = Literal["process", "dask"]
#: Seconds to wait for a dask scheduler given by address.
DASK_CONNECT_TIMEOUT_S = 30.0


#: Called in the calling process as each video finishes: (result, videos done, videos total).
OnDone = Callable[[BatchResult, int, int], None]
#: Called in the calling process as frames are posed: (video path, frames done, frames total).
FrameProgress = Callable[[str, int, int | None], None]


def expand_paths(paths: Iterable[str | os.PathLike[str]], recursive: bool = False) -> list[Path]:
    """Files as given, folders replaced by the videos in them (name order).

    A path that does not exist is kept, so it is reported as that video's error; a folder
    without any video is an error (it was surely not meant).

    Raises:
        InputError: for a folder holding no video, or when no path was given at all.

    """
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f for f in (path.rglob("*") if recursive else path.iterdir())
                if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES and not f.name.startswith(".")
            )
            if not found:
                raise InputError(f"{path}: no videos ({', '.join(VIDEO_SUFFIXES)}) in folder")
            out.extend(found)
        else:
            out.append(path)
    if not out:
        raise InputError("no videos given")
    return out


def analyze_one(
    path: str | os.PathLike[str],
    exercise: str,
    model_spec: str | ModelInfo = "full",
    side: Side | None = None,
    use_cache: bool = True,
    max_side: int | None = 1280,
    progress: Callable[[str, int, int | None], None] | None = None,
    stride: int | None = 1,
) -> BatchResult:
    """The per-video task: analyse one video, turning any failure into a :class:`BatchError`.

    Runs in worker processes, so it takes only picklable arguments and imports lazily. In a
    worker, frame progress goes to the parent (which can also stop the task: it then returns
    its partial result); in this process to ``progress`` (path, frames done, frames total).
    """
    try:
        from repcount.commands.parallel import task_progress
        from repcount.commands.pipeline import analyze_video
        from repcount.detectors import get_exercise
        from repcount.pose.models import resolve

        exdef = None if exercise == "auto" else get_exercise(exercise)
        model = model_spec if isinstance(model_spec, ModelInfo) else resolve(model_spec)
        video = Path(path)
        if not video.exists():
            raise InputError(f"{video}: no such file")
        report = task_progress(str(path))
        if report is None and progress is not None:
            def report(done: int, total: int | None) -> None:
                progress(str(path), done, total)
        analysis, _, _ = analyze_video(video, exdef, model, side=side, use_cache=use_cache,
                                       max_side=max_side, progress=report, stride=stride)
        return analysis  # interrupted: the partial result, with an "interrupted" warning
    except RepcountError as exc:
        return BatchError(str(path), str(exc), exc.exit_code, type(exc).__name__)
    except KeyboardInterrupt:
        return BatchError(str(path), f"{path}: interrupted", 130, "interrupted")
    except Exception as exc:  # a bug, or a library failing on odd input: keep the batch going
        return BatchError(str(path), f"{path}: internal error: {type(exc).__name__}: {exc}", 1,
                          type(exc).__name__)


def _interrupted(path: Path) -> BatchError:
    return BatchError(str(path), f"{path}: not analysed (interrupted)", 130, "interrupted")


def _worker_failed(path: Path, exc: Exception) -> BatchError:
    """The result of a task whose worker was lost (killed, out of memory, unpicklable result)."""
    return BatchError(str(path), f"{path}: worker failed: {type(exc).__name__}: {exc}", 1,
                      type(exc).__name__)


def _run_local(paths: list[Path], task: dict[str, Any], jobs: int,
               on_done: OnDone | None, on_progress: FrameProgress | None = None) -> list[BatchResult]:
    from functools import partial

    from repcount.commands.parallel import run_in_processes

    results: list[BatchResult | None] = [None] * len(paths)
    done = 0

    def finished(i: int, result: BatchResult) -> None:
        nonlocal done
        results[i] = result
        done += 1
        if on_done:
            on_done(result, done, len(paths))

    if jobs <= 1:
        for i, p in enumerate(paths):
            try:
                result = analyze_one(p, **task, progress=on_progress)
            except KeyboardInterrupt:
                break
            finished(i, result)
            if was_interrupted(result):
                break
    else:
        with contextlib.suppress(KeyboardInterrupt):
            run_in_processes(partial(analyze_one, **task), paths, jobs, finished,
                             lambda i, exc: _worker_failed(paths[i], exc), on_progress)
    return [r if r is not None else _interrupted(p) for r, p in zip(results, paths)]


def _run_dask(paths: list[Path], task: dict[str, Any], jobs: int, scheduler: Any,
              on_done: OnDone | None) -> list[BatchResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError('--executor dask needs dask.distributed: pip install "repcount[dask]"'
                         ) from None
    cluster = None
    own_client = True
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client, own_client = scheduler, False
    else:
        address = getattr(scheduler, "scheduler_address", scheduler)
        try:
            client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the dask scheduler {address}: {exc}") from None
    results: list[BatchResult | None] = [None] * len(paths)
    n = len(paths)
    try:
        futures = [client.submit(analyze_one, str(p), pure=False, key=f"repcount-{i}-{p.name}",
                                 **task) for i, p in enumerate(paths)]
        index = {f.key: i for i, f in enumerate(futures)}
        done = 0
        try:
            for fut in as_completed(futures):
                i = index[fut.key]
                try:
                    results[i] = fut.result()
                except Exception as exc:  # a worker was lost, or the task failed to unpickle
                    results[i] = _worker_failed(paths[i], exc)
                done += 1
                if on_done:
                    on_done(results[i], done, n)  # type: ignore[arg-type]
        except KeyboardInterrupt:
            client.cancel([f for f in futures if not f.done()])
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
    return [r if r is not None else _interrupted(p) for r, p in zip(results, paths)]


def analyze_many(
    paths: Sequence[str | os.PathLike[str]],
    exercise: str,
    model_spec: str = "full",
    jobs: int = 1,
    executor: Executor = "process",
    scheduler: Any = None,
    *,
    side: Side | None = None,
    use_cache: bool = True,
    max_side: int | None = 1280,
    stride: int | None = 1,
    recursive: bool = False,
    on_done: OnDone | None = None,
    on_progress: FrameProgress | None = None,
) -> list[BatchResult]:
    """Analyse several videos (folders expand to their videos) in parallel.

    Args:
        paths: video files and/or folders of videos.
        exercise: an exercise name or ``auto``.
        model_spec: ``lite``/``full``/``heavy`` or a ``.task`` path (as ``--model``).
        jobs: parallel videos (worker processes; for dask without a scheduler, the workers of
            the local cluster).
        executor: ``process`` or ``dask``.
        scheduler: dask only: an address, a ``Client`` or a ``LocalCluster``; None starts a
            local cluster.
        side: force the working leg.
        use_cache: re-use/store landmark tracks.
        max_side: downscale frames larger than this before pose estimation.
        stride: pose one frame in this many (None: auto), as ``--stride``.
        recursive: also look for videos in sub-folders of the given folders.
        on_done: progress callback, called in this process as each video finishes.
        on_progress: frame progress of the videos under way (local processes only; a dask
            batch reports whole videos through ``on_done``).

    Returns:
        One entry per video, in input order (folders expanded in name order): an
        :class:`Analysis`, or a :class:`BatchError` for a video that failed.

    Raises:
        InputError: unknown exercise or executor, a folder without videos, no paths at all,
            dask missing or its scheduler unreachable.
        ModelError: the model cannot be found/downloaded or fails its checksum (checked once,
            up front, not once per video).

    """
    from repcount.detectors import get_exercise
    from repcount.pose.models import resolve

    if exercise != "auto":
        get_exercise(exercise)
    if executor not in ("process", "dask"):
        raise InputError(f"unknown executor '{executor}'; choose process or dask")
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    files = expand_paths(paths, recursive=recursive)
    model = resolve(model_spec)  # fail (and download) once, here
    task: dict[str, Any] = {"exercise": exercise, "side": side, "use_cache": use_cache,
                            "max_side": max_side, "stride": stride}
    if executor == "dask":
        # Remote workers resolve the model on their side (their own paths and cache).
        task["model_spec"] = model_spec if model_spec in ("lite", "full", "heavy") \
            else str(Path(model_spec).resolve())
        return _run_dask([f.resolve() for f in files], task, jobs, scheduler, on_done)
    task["model_spec"] = model
    return _run_local(files, task, jobs, on_done, on_progress)


def frame_counts(paths: Iterable[str | os.PathLike[str]]) -> dict[str, int]:
    """Frames in each video by its header (0 when unknown or unreadable), for a progress total."""
    from repcount.io.sources import header_frame_count

    return {str(p): header_frame_count(p) for p in paths}


#: Columns of the per-video summary CSV (a row for every video, failed and 0-rep ones too).
SUMMARY_FIELDS = ("video", "path", "status", "exercise", "reps", "left_reps", "right_reps", "both_reps",
                  "partial_reps", "left_hold_s", "right_hold_s", "both_hold_s", "frames", "pose_frames",
                  "flagged", "warnings")


def summary_rows(results: Iterable[BatchResult], paths: Sequence[str | os.PathLike[str]] = ()
                 ) -> list[dict[str, Any]]:
    """One row per video: its counts per leg, or why it failed."""
    where = {Path(p).name: str(p) for p in paths}
    rows: list[dict[str, Any]] = []
    for r in results:
        if isinstance(r, Analysis):
            flagged = [f"{b['exercise']}: {', '.join(b['flagged'])}" for b in r.balance if b.get("flagged")]
            rows.append({
                "video": r.video, "path": where.get(r.video, r.video),
                "status": "interrupted" if any(w.startswith("interrupted") for w in r.warnings) else "ok",
                "exercise": r.exercise, "reps": r.total_reps,
                **{f"{s}_reps": r.reps_on(s) for s in ("left", "right", "both")},
                "partial_reps": len(r.partials),
                **{f"{s}_hold_s": round(r.hold_on(s), 2) for s in ("left", "right", "both")},
                "frames": r.frames, "pose_frames": r.pose_frames, "flagged": "; ".join(flagged),
                "warnings": "; ".join(r.warnings)})
        else:
            rows.append({"video": Path(r.video).name, "path": r.video, "status": "failed",
                         "warnings": r.message})
    return rows


def write_summary_csv(results: Sequence[BatchResult], path: str | os.PathLike[str],
                      paths: Sequence[str | os.PathLike[str]] = ()) -> None:
    """Write :func:`summary_rows` as a CSV (atomically)."""
    from repcount.io.outputs import write_rows_csv

    write_rows_csv(SUMMARY_FIELDS, summary_rows(results, paths), path)


def write_combined_csv(results: Iterable[BatchResult], path: str | os.PathLike[str]) -> None:
    """One CSV with a row per rep of every analysed video (failed videos have no rows)."""
    from repcount.io.outputs import write_csv

    write_csv([r for r in results if isinstance(r, Analysis)], path)


def batch_json_dict(results: Sequence[BatchResult], summary: BatchSummary) -> dict[str, Any]:
    """The JSON document of a batch.

    Each analysed video in the stable per-video schema of ``repcount analyze --json``, then the
    failures and the totals.
    """
    from repcount.io.outputs import to_json_dict

    return {
        "videos": [to_json_dict(r) for r in results if isinstance(r, Analysis)],
        "failed": [{"video": r.video, "error": r.message, "exit_code": r.exit_code}
                   for r in results if isinstance(r, BatchError)],
        "summary": {"videos": summary.videos, "ok": summary.ok, "failed": summary.failed,
                    "total_reps": summary.total_reps, "frames": summary.frames,
                    "wall_s": round(summary.wall_s, 3), "interrupted": summary.exit_code == 130},
    }


def write_batch_json(results: Sequence[BatchResult], summary: BatchSummary,
                     path: str | os.PathLike[str]) -> None:
    """Write :func:`batch_json_dict` (atomically)."""
    import json

    from repcount.io.atomic import write_text_atomic

    write_text_atomic(path, json.dumps(batch_json_dict(results, summary), indent=2) + "\n")


def timed_analyze_many(*args: Any, **kwargs: Any) -> tuple[list[BatchResult], BatchSummary]:
    """:func:`analyze_many` plus its :class:`BatchSummary` (wall time measured here)."""
    t0 = time.perf_counter()
    results = analyze_many(*args, **kwargs)
    return results, summarize(results, time.perf_counter() - t0)
