"""Recorded landmark tracks: a whole video's poses in arrays, saved as ``.npz``.

A track lets detectors, tests and benchmarks run without the video or the model. Frames where
nobody was found hold NaN.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from repcount.errors import InputError
from repcount.io_utils import atomic_path
from repcount.records import NUM_LANDMARKS, FloatArray, Pose, PoseSample

TRACK_VERSION = 1


@dataclass(frozen=True, eq=False)
class Track:
    """Poses of every frame of one video.

    Attributes:
        t: (N,) frame times in seconds.
        image: (N, 33, 5) image landmarks (x, y, z, visibility, presence); NaN where no pose.
        world: (N, 33, 3) world landmarks; NaN where no pose.
        width: frame width in pixels.
        height: frame height in pixels.
        fps: nominal frame rate of the source.
        meta: free-form provenance (video name and hash, model name and hash, ...).

    """

    t: FloatArray
    image: FloatArray
    world: FloatArray
    width: int
    height: int
    fps: float
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.t)
        if self.image.shape != (n, NUM_LANDMARKS, 5) or self.world.shape != (n, NUM_LANDMARKS, 3):
            raise ValueError(
                f"track arrays disagree: t {self.t.shape}, image {self.image.shape}, "
                f"world {self.world.shape}"
            )

    def __len__(self) -> int:
        return len(self.t)

    @property
    def found(self) -> np.ndarray:
        """(N,) bool mask of frames with a pose."""
        return ~np.isnan(self.image[:, 0, 0])

    def pose_at(self, i: int) -> Pose | None:
        """Return the pose of frame ``i`` or None."""
        if np.isnan(self.image[i, 0, 0]):
            return None
        return Pose(
            t=float(self.t[i]),
            image=self.image[i],
            world=self.world[i],
            width=self.width,
            height=self.height,
        )

    def samples(self) -> Iterator[PoseSample]:
        """Yield a :class:`PoseSample` per frame, in order."""
        for i in range(len(self)):
            yield PoseSample(index=i, t=float(self.t[i]), pose=self.pose_at(i))

    @classmethod
    def from_samples(
        cls,
        samples: Iterable[PoseSample],
        *,
        width: int,
        height: int,
        fps: float,
        meta: dict[str, object] | None = None,
    ) -> Track:
        """Build a track from pose samples (e.g. as they stream out of an estimator)."""
        ts: list[float] = []
        imgs: list[FloatArray] = []
        worlds: list[FloatArray] = []
        nan_img = np.full((NUM_LANDMARKS, 5), np.nan)
        nan_world = np.full((NUM_LANDMARKS, 3), np.nan)
        for s in samples:
            ts.append(s.t)
            imgs.append(s.pose.image if s.pose is not None else nan_img)
            worlds.append(s.pose.world if s.pose is not None else nan_world)
        n = len(ts)
        return cls(
            t=np.asarray(ts, dtype=np.float64),
            image=np.stack(imgs) if n else np.zeros((0, NUM_LANDMARKS, 5)),
            world=np.stack(worlds) if n else np.zeros((0, NUM_LANDMARKS, 3)),
            width=width,
            height=height,
            fps=fps,
            meta=dict(meta or {}),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the track atomically to ``path`` (``.npz``)."""
        path = Path(path)
        header = {
            "version": TRACK_VERSION,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "meta": self.meta,
        }
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(
                fh,
                t=self.t,
                image=self.image.astype(np.float32),
                world=self.world.astype(np.float32),
                header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Track:
        """Read a track written by :meth:`save`.

        Raises:
            InputError: when the file is missing or not a repcount track.

        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(bytes(z["header"]).decode())
                if header.get("version") != TRACK_VERSION:
                    raise InputError(f"{path}: unsupported track version {header.get('version')}")
                return cls(
                    t=z["t"].astype(np.float64),
                    image=z["image"].astype(np.float64),
                    world=z["world"].astype(np.float64),
                    width=int(header["width"]),
                    height=int(header["height"]),
                    fps=float(header["fps"]),
                    meta=dict(header.get("meta", {})),
                )
        except FileNotFoundError:
            raise InputError(f"{path}: no such track file") from None
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"{path}: not a repcount landmark track ({exc})") from None


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
