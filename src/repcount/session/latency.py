"""Frame rates, drops and rep-to-screen delays of a live run."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repcount.records import Rep


@dataclass
class DelayRecord:
    """When one rep was shown, relative to the end of the movement."""

    rep: Rep
    t_frame: float
    captured: float
    shown: float
    rest_end_s: float | None = None

    @property
    def signal_s(self) -> float:
        """Stream time from the rep's end (``end_s``) to the frame that announced it."""
        return self.t_frame - self.rep.end_s

    @property
    def pipeline_s(self) -> float:
        """Wall time from capturing the announcing frame to showing it."""
        return self.shown - self.captured

    @property
    def total_s(self) -> float:
        """Rep end to count on screen."""
        return self.signal_s + self.pipeline_s

    @property
    def from_peak_s(self) -> float:
        """From the rep's turning point to the count on screen."""
        return self.t_frame - self.rep.peak_s + self.pipeline_s

    @property
    def total_rest_s(self) -> float | None:
        """From the time the signal really got back to rest (offline) to the count on screen."""
        if self.rest_end_s is None:
            return None
        return self.t_frame - self.rest_end_s + self.pipeline_s


@dataclass
class LiveStats:
    """Frame rates, drops and delays of one live run."""

    frames: int = 0
    captured: int = 0
    dropped: int = 0
    wall_s: float = 0.0
    pose_s: float = 0.0
    delays: list[DelayRecord] = field(default_factory=list)

    @property
    def fps(self) -> float:
        """End-to-end processed (shown) frames per second."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON form for the ``extra.live`` key."""
        def ms(v: list[float]) -> dict[str, float]:
            if not v:
                return {}
            return {"median_ms": round(1000 * float(np.median(v)), 1),
                    "max_ms": round(1000 * float(np.max(v)), 1)}
        rest = [d.total_rest_s for d in self.delays if d.total_rest_s is not None]
        return {
            "fps": round(self.fps, 2),
            "frames": self.frames,
            "captured": self.captured,
            "dropped": self.dropped,
            "pose_ms": round(1000 * self.pose_s / self.frames, 1) if self.frames else None,
            "delay_signal": ms([d.signal_s for d in self.delays]),
            "delay_pipeline": ms([d.pipeline_s for d in self.delays]),
            "delay_total": ms([d.total_s for d in self.delays]),
            "delay_from_rest": ms([float(v) for v in rest]),
            "delay_from_peak": ms([d.from_peak_s for d in self.delays]),
            "reps_timed": len(self.delays),
            "reps_over_300ms": sum(1 for d in self.delays if d.total_s > 0.3),
        }
