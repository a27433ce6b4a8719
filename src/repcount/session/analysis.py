"""The :class:`Analysis` record of a run, built from a detector result and the stream's tally.

Shared by the offline ``analyze`` pass and the live session, so both write the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from repcount.detectors import EXERCISES
from repcount.records import Analysis, PoseSample
from repcount.session.balance import Balance, balance
from repcount.session.blocks import sets_of

if TYPE_CHECKING:
    from repcount.detectors import TrackResult


@dataclass
class RunStats:
    """Timing of a run, for the summary and benchmarks."""

    frames: int = 0
    wall_s: float = 0.0
    pose_s: float = 0.0
    detect_s: float = 0.0
    cached: bool = False
    cached_pose_fps: float = 0.0
    interrupted: bool = False
    #: Exit status after an interrupt: 130 for Ctrl-C, 128 + N when signal N stopped the run.
    stop_status: int = 130
    notes: list[str] = field(default_factory=list)
    #: Pose stride (1: every frame posed), frames that went to the model, pose processes.
    stride: int = 1
    posed_frames: int = 0
    jobs: int = 1

    @property
    def fps(self) -> float:
        """End-to-end frames per second."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def pose_fps(self) -> float:
        """Frames per second of the pose model alone (as measured when cached, if cached)."""
        if self.cached:
            return self.cached_pose_fps
        return self.frames / self.pose_s if self.pose_s > 0 else 0.0

    @property
    def detect_fps(self) -> float:
        """Frames per second of signals + detectors alone."""
        return self.frames / self.detect_s if self.detect_s > 0 else 0.0


@dataclass
class Tally:
    """What the JSON needs of a whole stream, without keeping the stream (live runs for hours).

    Frames seen, frames with a person, and the last timestamp.
    """

    frames: int = 0
    pose_frames: int = 0
    t_end: float = 0.0

    def add(self, sample: PoseSample) -> None:
        """Count one sample."""
        self.frames += 1
        self.pose_frames += sample.pose is not None
        self.t_end = sample.t

    @classmethod
    def of(cls, samples: Iterable[PoseSample]) -> Tally:
        """The tally of a recorded stream."""
        tally = cls()
        for s in samples:
            tally.add(s)
        return tally


def build_analysis(video: str, exercise: str, model: str, fps: float, tally: Tally,
                   result: TrackResult | None, stats: RunStats,
                   extra_warnings: tuple[str, ...] = (), extra: dict[str, object] | None = None,
                   balances: tuple[Balance, ...] | None = None,
                   blocks: list[dict[str, Any]] | None = None) -> Analysis:
    """Assemble the :class:`Analysis` record from an offline (or live) result.

    ``balances`` are the per-exercise left/right comparisons; by default the one of
    ``exercise`` from the result's reps and holds. ``blocks`` are the sets found (by default
    the runs of reps and holds on one leg, see :func:`repcount.session.blocks.sets_of`).
    """
    if balances is None:
        balances = (balance(exercise, [*result.reps, *result.partials], result.holds),) \
            if result is not None and exercise in EXERCISES else ()
    warnings = list(result.warnings) if result else []
    warnings.extend(extra_warnings)
    if stats.interrupted:
        warnings.append(f"interrupted at {tally.t_end:.1f} s: partial results")
    warnings.extend(stats.notes)
    return Analysis(
        video=video,
        exercise=exercise,
        model=model,
        fps=fps,
        frames=tally.frames,
        pose_frames=tally.pose_frames,
        reps=tuple(result.reps) if result else (),
        holds=tuple(result.holds) if result else (),
        partials=tuple(result.partials) if result else (),
        events=tuple(result.events) if result else (),
        warnings=tuple(warnings),
        extra=dict(extra or {}),
        rejected=tuple(result.rejected) if result else (),
        balance=tuple(b.to_dict() for b in balances),
        blocks=tuple(blocks if blocks is not None else
                     sets_of(exercise, [*result.reps, *result.partials], result.holds, result.events)
                     if result is not None and exercise in EXERCISES else ()),
    )
