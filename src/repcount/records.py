"""Typed records passed between the pipeline stages.

frame -> pose -> angle samples -> rep/hold events -> session state. Every record is a frozen
dataclass so a stage cannot mutate what an earlier stage produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Side = Literal["left", "right", "both"]
SIDES: tuple[Side, ...] = ("left", "right", "both")
FloatArray = npt.NDArray[np.float64]


class LM(IntEnum):
    """The 33 BlazePose landmark indices used by MediaPipe Pose Landmarker."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = 33

#: Bones drawn by the skeleton annotator (pairs of landmark indices).
SKELETON: tuple[tuple[int, int], ...] = (
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
    (LM.LEFT_ELBOW, LM.LEFT_WRIST),
    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
    (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_HIP, LM.LEFT_KNEE),
    (LM.LEFT_KNEE, LM.LEFT_ANKLE),
    (LM.LEFT_ANKLE, LM.LEFT_HEEL),
    (LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
    (LM.LEFT_ANKLE, LM.LEFT_FOOT_INDEX),
    (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
    (LM.RIGHT_ANKLE, LM.RIGHT_HEEL),
    (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
    (LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX),
)


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded video frame.

    Attributes:
        index: 0-based position in the source.
        t: presentation time in seconds, strictly increasing within a source.
        image: BGR uint8 array of shape (H, W, 3).

    """

    index: int
    t: float
    image: npt.NDArray[np.uint8]

    @property
    def size(self) -> tuple[int, int]:
        """Return (width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True, eq=False)
class Pose:
    """The landmarks of one person in one frame.

    Attributes:
        t: time of the frame in seconds.
        image: (33, 5) array of x, y (normalised to the frame, 0..1), z (relative depth),
            visibility and presence.
        world: (33, 3) array of metric x, y, z coordinates centred on the hips (y down).
        width: frame width in pixels, so image coordinates can be made isotropic.
        height: frame height in pixels.

    """

    t: float
    image: FloatArray
    world: FloatArray
    width: int = 1
    height: int = 1

    def __post_init__(self) -> None:
        if self.image.shape != (NUM_LANDMARKS, 5):
            raise ValueError(f"pose image landmarks must be (33, 5), got {self.image.shape}")
        if self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"pose world landmarks must be (33, 3), got {self.world.shape}")

    @property
    def visibility(self) -> FloatArray:
        """Per-landmark visibility in 0..1."""
        return self.image[:, 3]

    def pixels(self) -> FloatArray:
        """Return (33, 2) image coordinates in pixels (isotropic, so angles are true; read-only)."""
        cached = self.__dict__.get("_pixels")
        if cached is None:  # asked for dozens of times per frame
            cached = self.image[:, :2] * np.array([self.width, self.height], dtype=np.float64)
            cached.flags.writeable = False
            object.__setattr__(self, "_pixels", cached)
        return cached


@dataclass(frozen=True)
class PoseSample:
    """A frame's pose estimate; ``pose`` is None when nobody was found."""

    index: int
    t: float
    pose: Pose | None


@dataclass(frozen=True)
class Rep:
    """One counted (or partial) repetition.

    Attributes:
        index: 1-based rep number within its side (0 for partial reps).
        side: which leg, see the developers' brief for the convention.
        start_s: time the movement left the rest position.
        peak_s: time of the turning point.
        end_s: time the movement came back to rest.
        rom_deg: range of motion of this rep in degrees (or signal units).
        partial: True when the rep did not reach the full-rep threshold.
        reason: why a rep is partial, empty otherwise.
        cues: codes of the form cues raised on this rep (e.g. ``too_fast``).

    """

    index: int
    side: Side
    start_s: float
    peak_s: float
    end_s: float
    rom_deg: float
    partial: bool = False
    reason: str = ""
    cues: tuple[str, ...] = ()
    #: The exercise it belongs to, when a run counts several (a circuit); else empty.
    exercise: str = ""


@dataclass(frozen=True)
class Hold:
    """One interval during which a hold position was kept.

    ``sag_deg`` is its steadiness: how far (degrees) the hips fell below the level they
    started the hold at (None when too short to tell).
    """

    side: Side
    start_s: float
    end_s: float
    sag_deg: float | None = None
    #: The exercise it belongs to, when a run counts several (a circuit); else empty.
    exercise: str = ""

    @property
    def duration_s(self) -> float:
        """Length of the hold in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FormEvent:
    """A timestamped form cue (e.g. "hips sagging")."""

    t: float
    side: Side
    code: str
    message: str


@dataclass(frozen=True)
class Rejected:
    """A movement big enough to count that a gate withheld, with the reason."""

    side: Side
    start_s: float
    peak_s: float
    end_s: float
    rom_deg: float
    code: str
    reason: str


@dataclass(frozen=True)
class Analysis:
    """Everything an analysis of one video produced; serialised by :mod:`repcount.io.outputs`."""

    video: str
    exercise: str
    model: str
    fps: float
    frames: int
    pose_frames: int
    reps: tuple[Rep, ...] = ()
    holds: tuple[Hold, ...] = ()
    partials: tuple[Rep, ...] = ()
    events: tuple[FormEvent, ...] = ()
    warnings: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    #: Movements big enough to count that a gate withheld, with the reasons.
    rejected: tuple[Rejected, ...] = ()
    #: Left/right balance and tempo per exercise, in JSON form (see ``session.balance``).
    balance: tuple[dict[str, Any], ...] = ()
    #: The sets (or circuit blocks) found, in JSON form (see ``session.blocks``).
    blocks: tuple[dict[str, Any], ...] = ()

    @property
    def total_reps(self) -> int:
        """Number of full repetitions over all sides."""
        return len(self.reps)

    def reps_on(self, side: Side) -> int:
        """Number of full repetitions on one side."""
        return sum(1 for r in self.reps if r.side == side)

    def hold_on(self, side: Side) -> float:
        """Total hold time in seconds on one side."""
        return float(sum(h.duration_s for h in self.holds if h.side == side))
