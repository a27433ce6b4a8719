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
from repcount.io.atomic import atomic_path
from repcount.records import NUM_LANDMARKS, FloatArray, Pose, PoseSample

TRACK_VERSION = 1
#: Compact tracks: landmarks quantised (1/8 px, 1 mm, 1/250 visibility) and delta-coded in time,
#: about 7x smaller than float32; for committed corpora, not for the cache.
COMPACT_VERSION = 2
#: Quantisation steps of the compact format: image x/y in pixels, image z in pixels, visibility and
#: presence, world coordinates in metres.
_Q_XY, _Q_Z, _Q_VP, _Q_W = 1 / 8, 1 / 4, 1 / 250, 1 / 1000


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

    def save(self, path: str | os.PathLike[str], *, compact: bool = False) -> Path:
        """Write the track atomically to ``path`` (``.npz``); ``compact`` quantises it."""
        path = Path(path)
        if compact:
            return self._save_compact(path)
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

    def _save_compact(self, path: Path) -> Path:
        found = self.found
        scale = np.array([self.width, self.height], dtype=np.float64)
        img = np.where(found[:, None, None], self.image, 0.0)
        world = np.where(found[:, None, None], self.world, 0.0)
        parts = {
            "xy": img[:, :, :2] * scale / _Q_XY,
            "z": img[:, :, 2] * self.width / _Q_Z,
            "vp": img[:, :, 3:5] / _Q_VP,
            "w": world / _Q_W,
        }
        header = {"version": COMPACT_VERSION, "width": self.width, "height": self.height,
                  "fps": self.fps, "meta": self.meta}
        arrays = {k: np.diff(np.round(v).astype(np.int64), axis=0, prepend=0).astype(np.int32)
                  for k, v in parts.items()}
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, t=self.t, found=found, xy=arrays["xy"], z=arrays["z"],
                                vp=arrays["vp"], w=arrays["w"],
                                header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
        return path

    @classmethod
    def _load_compact(cls, z: np.lib.npyio.NpzFile, header: dict[str, object]) -> Track:
        width, height = int(header["width"]), int(header["height"])  # type: ignore[call-overload]
        found = z["found"].astype(bool)
        part = {k: np.cumsum(z[k].astype(np.int64), axis=0).astype(np.float64)
                for k in ("xy", "z", "vp", "w")}
        image = np.concatenate([part["xy"] * _Q_XY / np.array([width, height], dtype=np.float64),
                                part["z"][:, :, None] * _Q_Z / width, part["vp"] * _Q_VP], axis=2)
        world = part["w"] * _Q_W
        image[~found] = np.nan
        world[~found] = np.nan
        return cls(t=z["t"].astype(np.float64), image=image, world=world, width=width, height=height,
                   fps=float(header["fps"]),  # type: ignore[arg-type]
                   meta=dict(header.get("meta", {})))  # type: ignore[call-overload]

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
                if header.get("version") == COMPACT_VERSION:
                    return cls._load_compact(z, header)
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
