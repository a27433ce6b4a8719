"""What a detector hands to the overlay and the session after each frame: plain records.

Kept apart from the counting core so the overlay, the session and the CLI can use them without
loading scipy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from repcount.records import FormEvent, Hold, Rejected, Rep, Side


@dataclass(frozen=True)
class DetectorState:
    """What the overlay needs to draw the detector's state after a sample."""

    t: float
    side: Side
    count: int
    angle: float
    reference_rom: float
    full_threshold: float
    hold_s: float
    holding: bool
    posture: str = "unknown"


@dataclass(frozen=True)
class Gauge:
    """The followed angle of one leg as a share of its rep: what the overlay's gauge shows.

    Attributes:
        side: the leg whose angle it is.
        angle: the filtered angle now (degrees; NaN when unusable).
        rest: where the angle rests between reps (degrees; NaN until seen).
        polarity: +1 when reps raise the angle from rest, -1 when they lower it, 0 unknown.
        reference_rom: the range of a full rep so far (degrees; 0 until known).
        full_threshold: the range a rep must reach to count as full (degrees).
        seen_rom: how far the angle has moved lately (degrees): the scale until a rep has set
            the reference.

    """

    side: Side
    angle: float
    rest: float
    polarity: int
    reference_rom: float
    full_threshold: float
    seen_rom: float = 0.0

    @property
    def span(self) -> float:
        """The range the gauge is scaled to: the reference, or before it what was seen."""
        if self.reference_rom > 0:
            return self.reference_rom
        return max(self.seen_rom, 2 * self.full_threshold)

    @property
    def progress(self) -> float:
        """How far into a rep the angle is: 0 at rest, 1 at the gauge's span (NaN unknown)."""
        span = self.span
        if not (np.isfinite(self.angle) and np.isfinite(self.rest)) or self.polarity == 0 or span <= 0:
            return float("nan")
        return float(self.polarity * (self.angle - self.rest) / span)

    @property
    def threshold(self) -> float:
        """The full-rep threshold as a share of the span."""
        return float(self.full_threshold / self.span) if self.span > 0 else 0.5


@dataclass(frozen=True)
class DetectorUpdate:
    """What one frame completed: new reps, closed holds, form cues and withheld movements."""

    reps: tuple[Rep, ...] = ()
    holds: tuple[Hold, ...] = ()
    events: tuple[FormEvent, ...] = ()
    rejected: tuple[Rejected, ...] = ()

    def __iter__(self) -> Iterator[Rep | Hold | FormEvent]:
        """Reps, holds and cues in one sequence (for consumers of all three)."""
        yield from self.reps
        yield from self.holds
        yield from self.events

    def __bool__(self) -> bool:
        return bool(self.reps or self.holds or self.events or self.rejected)

    @classmethod
    def of(cls, items: Iterable[Rep | Hold | FormEvent]) -> DetectorUpdate:
        """Sort a flat sequence of reps, holds and cues back into their fields (order kept)."""
        items = list(items)
        return cls(tuple(e for e in items if isinstance(e, Rep)),
                   tuple(e for e in items if isinstance(e, Hold)),
                   tuple(e for e in items if isinstance(e, FormEvent)))

    @property
    def full_reps(self) -> tuple[Rep, ...]:
        """The reps that count (not partial)."""
        return tuple(r for r in self.reps if not r.partial)

    @property
    def partial_reps(self) -> tuple[Rep, ...]:
        """Movements reported as partial reps."""
        return tuple(r for r in self.reps if r.partial)
