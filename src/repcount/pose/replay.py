"""A :class:`PoseEstimator` that replays a recorded :class:`Track` instead of running a model."""

from __future__ import annotations

from repcount.pose.track import Track
from repcount.records import Frame, Pose


class ReplayPose:
    """Return the recorded pose for each frame index of a track.

    Frames are matched by index, so the replay follows the same video the track was made from.
    """

    def __init__(self, track: Track) -> None:
        self.track = track
        self.name = f"replay-{track.meta.get('model', 'unknown')}"

    def estimate(self, frame: Frame) -> Pose | None:
        """Return the recorded pose of ``frame.index`` (None past the end of the track)."""
        if frame.index >= len(self.track):
            return None
        return self.track.pose_at(frame.index)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> ReplayPose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
