"""The records of a batch: one result per video (its analysis or its error) and the totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from repcount.records import Analysis


@dataclass(frozen=True)
class BatchError:
    """A video of a batch that could not be analysed.

    Attributes:
        video: the path as it was given (after folder expansion).
        message: the one-line message (what ``repcount analyze`` prints for that video alone).
        exit_code: the exit status the CLI uses for it (2 input, 3 model, 4 output,
            1 internal error, 130 interrupted).
        kind: the exception's class name, or ``interrupted``.

    """

    video: str
    message: str
    exit_code: int = 2
    kind: str = "InputError"


BatchResult = Analysis | BatchError


def was_interrupted(r: BatchResult) -> bool:
    """Whether a video was stopped by Ctrl-C (not analysed, or analysed only in part)."""
    if isinstance(r, BatchError):
        return r.kind == "interrupted"
    return any(w.startswith("interrupted") for w in r.warnings)


@dataclass(frozen=True)
class BatchSummary:
    """Totals of a batch run.

    Attributes:
        videos: videos in the batch.
        ok: videos analysed.
        failed: videos that ended in a :class:`BatchError`.
        total_reps: reps counted over all analysed videos.
        frames: frames analysed.
        wall_s: wall-clock seconds (as passed in).
        exit_code: 0 when every video was analysed, 130 when interrupted, else the highest
            exit status of the failures.

    """

    videos: int
    ok: int
    failed: int
    total_reps: int
    frames: int
    wall_s: float
    exit_code: int

    @property
    def videos_per_s(self) -> float:
        """Videos per second of wall-clock time."""
        return self.videos / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def frames_per_s(self) -> float:
        """Frames per second of wall-clock time."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0


def summarize(results: Sequence[BatchResult], wall_s: float = 0.0) -> BatchSummary:
    """Totals and the exit status of a batch."""
    ok = [r for r in results if isinstance(r, Analysis)]
    errs = [r for r in results if isinstance(r, BatchError)]
    code = max((e.exit_code for e in errs), default=0)
    if any(was_interrupted(r) for r in results):
        code = 130
    return BatchSummary(len(results), len(ok), len(errs), sum(a.total_reps for a in ok),
                        sum(a.frames for a in ok), wall_s, code)
