"""Landmark tracks cached by the video's content hash and the model's hash.

A second analysis or benchmark of the same video with the same model skips the model entirely.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from repcount.io.atomic import user_cache_dir
from repcount.pose.mediapipe_backend import NUM_POSES
from repcount.pose.track import Track, file_sha256

if TYPE_CHECKING:
    from repcount.pose.spill import SpilledTrack

#: Bumped when the MediaPipe backend changes the poses it gives, so older cached tracks are not
#: re-used (2 took a probe frame's pose from the several-person landmarker; 3 is back to the
#: one-person landmarker's poses on every frame; 4 resets MediaPipe's tracker at a cut; 5 turns
#: the picture when the fit of a person lying across it flips head to feet).
BACKEND_VERSION = 5


#: Bumped when the filling of skipped frames changes (strided tracks are cached filled).
FILL_VERSION = 2


def cache_dir() -> Path:
    """Folder of cached tracks (``REPCOUNT_CACHE_DIR``/tracks or the user cache)."""
    return user_cache_dir() / "tracks"


def track_key(video_sha256: str, model_sha256: str, stride: int = 1) -> str:
    """File name of the cached track for a (video, model, stride) triple.

    The person-following setting is part of it: a track made while looking for another number
    of people may have followed someone else. So is the pose stride (a strided track holds
    interpolated frames).
    """
    tail = f"-s{stride}f{FILL_VERSION}" if stride > 1 else ""
    return f"{video_sha256[:20]}-{model_sha256[:12]}-p{NUM_POSES}b{BACKEND_VERSION}{tail}.npz"


def cached_track_path(video: str | os.PathLike[str], model_sha256: str, stride: int = 1) -> Path:
    """Where the track of ``video`` made with the model of that hash is (or would be) cached."""
    return cache_dir() / track_key(file_sha256(video), model_sha256, stride)


def load_cached(video: str | os.PathLike[str], model_sha256: str, stride: int = 1) -> Track | None:
    """Return the cached track, or None when there is none (or it is unreadable)."""
    path = cached_track_path(video, model_sha256, stride)
    if not path.is_file():
        return None
    try:
        return Track.load(path)
    except Exception:  # a corrupt cache entry is just a miss
        return None


def load_spilled(video: str | os.PathLike[str], model_sha256: str, stride: int = 1) -> SpilledTrack | None:
    """The cached track copied to disk block by block (flat memory), or None on a miss."""
    from repcount.errors import InputError
    from repcount.pose.spill import spill_npz

    path = cached_track_path(video, model_sha256, stride)
    if not path.is_file():
        return None
    try:
        return spill_npz(path)
    except InputError:  # a corrupt cache entry is just a miss
        return None


def store(video: str | os.PathLike[str], model_sha256: str, track: Track, stride: int = 1) -> Path:
    """Write ``track`` to the cache (atomically) and return its path."""
    return track.save(cached_track_path(video, model_sha256, stride))
