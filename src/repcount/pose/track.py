"""Recorded landmark tracks: a whole video's poses in arrays, saved as ``.npz``.

A track lets detectors, tests and benchmarks run without the video or the model. Frames where
nobody was found hold NaN.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        header = track_header(TRACK_VERSION, self.width, self.height, self.fps, self.meta)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(
                fh,
                t=self.t,
                image=self.image.astype(np.float32),
                world=self.world.astype(np.float32),
                header=np.frombuffer(header, dtype=np.uint8),
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
    def _load_compact(cls, z: np.lib.npyio.NpzFile, header: dict[str, Any]) -> Track:
        width, height = header["width"], header["height"]
        found = z["found"].astype(bool)
        part = {k: np.cumsum(z[k].astype(np.int64), axis=0).astype(np.float64)
                for k in ("xy", "z", "vp", "w")}
        image = np.concatenate([part["xy"] * _Q_XY / np.array([width, height], dtype=np.float64),
                                part["z"][:, :, None] * _Q_Z / width, part["vp"] * _Q_VP], axis=2)
        world = part["w"] * _Q_W
        image[~found] = np.nan
        world[~found] = np.nan
        return cls(t=z["t"].astype(np.float64), image=image, world=world, width=width, height=height,
                   fps=header["fps"], meta=header["meta"])

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Track:
        """Read a track written by :meth:`save`.

        The file is checked before any array is read: only the expected members, numeric
        dtypes (no pickled objects), consistent shapes and at most :data:`MAX_FRAMES` frames, so
        a crafted file cannot make it allocate more than a long real video would.

        Raises:
            InputError: when the file is missing or not a well-formed repcount track.

        """
        path = Path(path)
        try:
            _check_members(path)
            with np.load(path, allow_pickle=False) as z:
                header = _header(z)
                if header["version"] == COMPACT_VERSION:
                    track = cls._load_compact(z, header)
                else:
                    track = cls(
                        t=z["t"].astype(np.float64),
                        image=z["image"].astype(np.float64),
                        world=z["world"].astype(np.float64),
                        width=header["width"],
                        height=header["height"],
                        fps=header["fps"],
                        meta=header["meta"],
                    )
        except FileNotFoundError:
            raise InputError(f"{path}: no such track file") from None
        except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError,
                zipfile.BadZipFile, zlib.error) as exc:
            raise InputError(f"{path}: not a repcount landmark track ({exc})") from None
        if not np.isfinite(track.t).all():
            raise InputError(f"{path}: not a repcount landmark track (frame times are not finite)")
        return track


def track_header(version: int, width: int, height: int, fps: float, meta: dict[str, object]) -> bytes:
    """The JSON header member of a track file."""
    return json.dumps({"version": version, "width": width, "height": height, "fps": fps,
                       "meta": meta}).encode()


def stream_members(path: str | os.PathLike[str], rows: int = 8192
                   ) -> tuple[dict[str, Any], Iterator[tuple[FloatArray, FloatArray, FloatArray]]]:
    """The header of a (non-compact) track file and its frames, ``rows`` at a time.

    For long tracks: nothing is held whole. The file is checked as :meth:`Track.load` checks it.

    Raises:
        InputError: when the file is not a well-formed non-compact track.

    """
    path = Path(path)
    try:
        _check_members(path)
        with np.load(path, allow_pickle=False) as z:
            header = _header(z)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise InputError(f"{path}: not a repcount landmark track ({exc})") from None
    if header["version"] != TRACK_VERSION:
        raise InputError(f"{path}: a compact track (read it with Track.load)")

    def frames() -> Iterator[tuple[FloatArray, FloatArray, FloatArray]]:
        with zipfile.ZipFile(path) as zf:
            handles = {}
            shapes = {}
            for k in ("t", "image", "world"):
                fh = zf.open(f"{k}.npy")
                version = np.lib.format.read_magic(fh)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(fh)
                handles[k], shapes[k] = (fh, dtype), shape
            n = shapes["t"][0]
            try:
                for i0 in range(0, n, rows):
                    m = min(rows, n - i0)
                    out = []
                    for k, width in (("t", 1), ("image", NUM_LANDMARKS * 5), ("world", NUM_LANDMARKS * 3)):
                        fh, dtype = handles[k]
                        buf = fh.read(m * width * dtype.itemsize)
                        out.append(np.frombuffer(buf, dtype=dtype).astype(np.float64))
                    yield (out[0], out[1].reshape(m, NUM_LANDMARKS, 5), out[2].reshape(m, NUM_LANDMARKS, 3))
            finally:
                for fh, _ in handles.values():
                    fh.close()

    return header, frames()


#: Most frames a track file may hold: three hours at 30 fps (about 680 MB once loaded).
MAX_FRAMES = 3 * 3600 * 30
#: Largest JSON header of a track (provenance only).
MAX_HEADER_BYTES = 1 << 20
_MEMBERS = {
    TRACK_VERSION: {"t": (), "image": (NUM_LANDMARKS, 5), "world": (NUM_LANDMARKS, 3)},
    COMPACT_VERSION: {"t": (), "found": (), "xy": (NUM_LANDMARKS, 2), "z": (NUM_LANDMARKS,),
                      "vp": (NUM_LANDMARKS, 2), "w": (NUM_LANDMARKS, 3)},
}


def _check_members(path: Path) -> None:
    """Read every member's npy header (not its data) and check it is a track's."""
    shapes: dict[str, tuple[int, ...]] = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            if dtype.kind not in "biuf":
                raise ValueError(f"member {name!r} has dtype {dtype} (only numbers are read)")
            shapes[name] = tuple(int(d) for d in shape)
    head = shapes.pop("header", None)
    if head is None or len(head) != 1 or head[0] > MAX_HEADER_BYTES:
        raise ValueError("no header, or a header that is too large")
    for members in _MEMBERS.values():
        if set(shapes) == set(members):
            n = shapes["t"][0] if len(shapes["t"]) == 1 else -1
            if not 0 <= n <= MAX_FRAMES:
                raise ValueError(f"{n} frames (at most {MAX_FRAMES} are read)")
            for k, tail in members.items():
                if shapes[k] != (n, *tail):
                    raise ValueError(f"member {k!r} has shape {shapes[k]}, expected {(n, *tail)}")
            return
    raise ValueError(f"unexpected members {sorted(shapes)}")


def _header(z: np.lib.npyio.NpzFile) -> dict[str, Any]:
    """The track's JSON header, with every field checked."""
    header = json.loads(bytes(z["header"]).decode())
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    version = header.get("version")
    if version not in (TRACK_VERSION, COMPACT_VERSION):
        raise ValueError(f"unsupported track version {version!r}")
    width, height, fps = header.get("width"), header.get("height"), header.get("fps")
    if not (isinstance(width, int) and isinstance(height, int) and 0 < width <= 65536
            and 0 < height <= 65536):
        raise ValueError(f"bad frame size {width!r}x{height!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 10000:
        raise ValueError(f"bad frame rate {fps!r}")
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("meta is not an object")
    return {"version": version, "width": width, "height": height, "fps": float(fps), "meta": meta}


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
