"""A video's landmark track on disk, written and read a block at a time (flat memory).

An hour of video is about 108,000 frames; held as pose records that is ~280 MB. The pose pass
appends each frame's landmarks to raw files instead (:class:`SpillWriter`, float32 landmarks
and float64 times: about 1 KB a frame on disk), and the detectors read them back through
:class:`SpilledSamples`, a sequence of pose samples that keeps one block in memory. The files
live in a private temporary folder removed when the track is garbage-collected or closed.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from repcount.records import NUM_LANDMARKS, FloatArray, Pose, PoseSample

#: Frames per block read or written at once (~1 MB of landmarks).
BLOCK = 1024
#: Floats per frame in the landmark file: image (33 x 5), world (33 x 3), posed flag.
_ROW = NUM_LANDMARKS * 8 + 1


def _private_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="repcount-track-"))


class SpillWriter:
    """Append frames (time, landmarks or None, posed) to raw files in ``folder``.

    Args:
        folder: where the files go (a fresh private temporary folder by default).
        name: file stem (several writers may share a folder).

    """

    def __init__(self, folder: Path | None = None, name: str = "track") -> None:
        self.folder = folder if folder is not None else _private_dir()
        self.name = name
        self._t = open(self.folder / f"{name}.t", "wb")  # noqa: SIM115 - closed in close()
        self._lm = open(self.folder / f"{name}.lm", "wb")  # noqa: SIM115
        self._tb: list[float] = []
        self._rows = np.full((BLOCK, _ROW), np.nan, dtype=np.float32)
        self._k = 0
        self.frames = 0
        self.posed = 0

    def append(self, t: float, image: FloatArray | None, world: FloatArray | None, posed: bool) -> None:
        """One frame; ``image``/``world`` None where nobody was found or the frame was not posed."""
        row = self._rows[self._k]
        row[:] = np.nan
        if image is not None and world is not None:
            row[:NUM_LANDMARKS * 5] = image.reshape(-1)
            row[NUM_LANDMARKS * 5:-1] = world.reshape(-1)
        row[-1] = 1.0 if posed else 0.0
        self._tb.append(t)
        self._k += 1
        self.frames += 1
        self.posed += bool(posed)
        if self._k == BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._k:
            np.asarray(self._tb, dtype=np.float64).tofile(self._t)
            self._rows[:self._k].tofile(self._lm)
            self._tb, self._k = [], 0

    def close(self) -> None:
        """Write what is buffered and close the files."""
        self._flush()
        self._t.close()
        self._lm.close()


class SpilledTrack:
    """Read access to one or more spill files, joined in order, a block at a time.

    Args:
        parts: (folder, name) of each writer's files, in frame order.
        width: frame width in pixels.
        height: frame height in pixels.
        fps: nominal frame rate.
        meta: provenance, as :attr:`Track.meta`.
        owned: folders removed with this object.

    """

    def __init__(self, parts: Sequence[tuple[Path, str]], width: int, height: int, fps: float,
                 meta: dict[str, object] | None = None, owned: Sequence[Path] = ()) -> None:
        self.parts = list(parts)
        self.width, self.height, self.fps = width, height, fps
        self.meta: dict[str, object] = dict(meta or {})
        self._sizes = [(folder / f"{name}.t").stat().st_size // 8 for folder, name in self.parts]
        self._starts = np.concatenate([[0], np.cumsum(self._sizes)]).astype(int)
        self._cleanup = weakref.finalize(self, _remove, list(owned))

    def __len__(self) -> int:
        return int(self._starts[-1])

    def close(self) -> None:
        """Remove the owned folders now."""
        self._cleanup()

    def read(self, i0: int, i1: int) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray]:
        """(t, image, world, posed) of frames ``i0`` .. ``i1`` (exclusive), as float64."""
        i0, i1 = max(0, i0), min(len(self), i1)
        ts, rows = [], []
        for k, (folder, name) in enumerate(self.parts):
            a, b = max(i0, self._starts[k]), min(i1, self._starts[k + 1])
            if a >= b:
                continue
            off = a - self._starts[k]
            ts.append(np.fromfile(folder / f"{name}.t", dtype=np.float64, count=b - a, offset=8 * off))
            rows.append(np.fromfile(folder / f"{name}.lm", dtype=np.float32, count=(b - a) * _ROW,
                                    offset=4 * _ROW * off).reshape(b - a, _ROW))
        if not ts:
            empty = np.zeros((0, _ROW))
            return np.zeros(0), *_split(empty)
        return np.concatenate(ts), *_split(np.concatenate(rows).astype(np.float64))

    def write(self, i0: int, image: FloatArray, world: FloatArray, posed: np.ndarray) -> None:
        """Overwrite frames from ``i0`` (used to fill skipped frames in place)."""
        n = len(image)
        rows = np.concatenate([image.reshape(n, -1), world.reshape(n, -1),
                               np.asarray(posed, dtype=np.float64).reshape(n, 1)], axis=1).astype(np.float32)
        for k, (folder, name) in enumerate(self.parts):
            a, b = max(i0, self._starts[k]), min(i0 + n, self._starts[k + 1])
            if a >= b:
                continue
            with open(folder / f"{name}.lm", "r+b") as fh:
                fh.seek(4 * _ROW * (a - self._starts[k]))
                fh.write(rows[a - i0:b - i0].tobytes())

    def blocks(self, size: int = BLOCK
               ) -> Iterator[tuple[int, FloatArray, FloatArray, FloatArray, np.ndarray]]:
        """(first index, t, image, world, posed) block by block."""
        for i0 in range(0, len(self), size):
            yield (i0, *self.read(i0, i0 + size))

    def samples(self) -> SpilledSamples:
        """The frames as a sequence of pose samples."""
        return SpilledSamples(self)

    def save_npz(self, path: str | Path) -> Path:
        """Write the track in :meth:`Track.save`'s format, block by block (nothing held whole)."""
        from repcount.io.atomic import atomic_path
        from repcount.pose.track import TRACK_VERSION, track_header

        path = Path(path)
        n = len(self)
        header = track_header(TRACK_VERSION, self.width, self.height, self.fps, self.meta)
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            shape: tuple[int, ...]
            for member, shape, dtype, pick in (
                ("t", (n,), np.float64, 1),
                ("image", (n, NUM_LANDMARKS, 5), np.float32, 2),
                ("world", (n, NUM_LANDMARKS, 3), np.float32, 3),
            ):
                with zf.open(f"{member}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array_header_2_0(
                        fh, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                             "fortran_order": False, "shape": shape})
                    for block in self.blocks(8 * BLOCK):
                        fh.write(np.ascontiguousarray(block[pick], dtype=dtype).tobytes())
            raw = np.frombuffer(header, dtype=np.uint8)
            with zf.open("header.npy", "w") as fh:
                np.lib.format.write_array(fh, raw)
        return path


def _split(rows: np.ndarray) -> tuple[FloatArray, FloatArray, np.ndarray]:
    n = len(rows)
    image = rows[:, :NUM_LANDMARKS * 5].reshape(n, NUM_LANDMARKS, 5)
    world = rows[:, NUM_LANDMARKS * 5:-1].reshape(n, NUM_LANDMARKS, 3)
    return image, world, rows[:, -1] > 0.5


def _remove(folders: list[Path]) -> None:
    for f in folders:
        shutil.rmtree(f, ignore_errors=True)


def spill_npz(path: str | Path) -> SpilledTrack:
    """A track file (a cached track) copied to a spill, block by block: nothing is held whole."""
    from repcount.pose.track import stream_members

    header, frames = stream_members(path)
    writer = SpillWriter()
    try:
        for t, image, world in frames:
            for j in range(len(t)):
                found = not np.isnan(image[j, 0, 0])
                writer.append(float(t[j]), image[j] if found else None, world[j] if found else None, True)
    finally:
        writer.close()
    return SpilledTrack([(writer.folder, writer.name)], header["width"], header["height"], header["fps"],
                        header["meta"], owned=[writer.folder])


class SpilledSamples(Sequence[PoseSample]):
    """The frames of a :class:`SpilledTrack` as pose samples, one block in memory at a time."""

    def __init__(self, track: SpilledTrack) -> None:
        self.track = track
        self._block = -1
        self._data: tuple[FloatArray, FloatArray, FloatArray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.track)

    def _sample(self, i: int) -> PoseSample:
        b = i // BLOCK
        if b != self._block or self._data is None:
            self._data = self.track.read(b * BLOCK, (b + 1) * BLOCK)
            self._block = b
        t, image, world, _ = self._data
        j = i - b * BLOCK
        tt = float(t[j])
        if np.isnan(image[j, 0, 0]):
            return PoseSample(i, tt, None)
        return PoseSample(i, tt, Pose(t=tt, image=image[j].copy(), world=world[j].copy(),
                                      width=self.track.width, height=self.track.height))

    @overload
    def __getitem__(self, i: int) -> PoseSample: ...

    @overload
    def __getitem__(self, i: slice) -> list[PoseSample]: ...

    def __getitem__(self, i: int | slice) -> PoseSample | list[PoseSample]:
        if isinstance(i, slice):
            return [self._sample(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._sample(i)

    def __iter__(self) -> Iterator[PoseSample]:
        # A private cursor: two loops over the same samples do not evict each other's block.
        for i0, t, image, world, _ in self.track.blocks():
            for j in range(len(t)):
                tt = float(t[j])
                # Copies: a pose kept by a detector must not pin its whole block in memory.
                pose = None if np.isnan(image[j, 0, 0]) else Pose(
                    t=tt, image=image[j].copy(), world=world[j].copy(), width=self.track.width,
                    height=self.track.height)
                yield PoseSample(i0 + j, tt, pose)
