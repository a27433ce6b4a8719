"""Pose estimation: the :class:`PoseEstimator` protocol and its backends."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from repcount.records import Frame, Pose


@runtime_checkable
class PoseEstimator(Protocol):
    """Turns frames into poses; one instance follows one video stream.

    Implementations are context managers so native resources are released deterministically.
    """

    name: str

    def estimate(self, frame: Frame) -> Pose | None:
        """Return the main person's pose in ``frame``, or None when nobody is found."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...

    def __enter__(self) -> PoseEstimator: ...

    def __exit__(self, *exc: object) -> None: ...
