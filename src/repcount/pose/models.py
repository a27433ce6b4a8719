"""Pose model files: where to find them, how to verify them, and how to download them.

Resolution order for ``--model NAME`` (``lite``, ``full``, ``heavy``): ``REPCOUNT_MODEL_DIR`` ->
the project's ``models/`` folder -> the user cache. Nothing is downloaded unless the user asks:
``repcount models --download NAME`` fetches the official file (progress bar, sha256 check) into
the user cache, and is the only network access repcount makes. ``--model PATH`` uses that file,
verified if its name is one of the official ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from repcount.errors import ModelError
from repcount.io.atomic import atomic_path, user_cache_dir

MODEL_NAMES: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"

#: Accepted sha256 digests of the official float16 bundles. For ``full`` the ``latest`` URL
#: serves a build whose zip timestamps differ while both tflite members are identical.
SHA256: dict[str, tuple[str, ...]] = {
    "lite": ("59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",),
    "full": (
        "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1",
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
    ),
    "heavy": ("64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",),
}
SIZES: dict[str, int] = {"lite": 5_777_746, "full": 9_398_198, "heavy": 30_664_242}
URL = "https://storage.googleapis.com/mediapipe-models/pose_landmarker/{stem}/float16/1/{stem}.task"


def file_name(name: str) -> str:
    """Return the official file name of a model, e.g. ``pose_landmarker_full.task``."""
    return f"pose_landmarker_{name}.task"


def project_models_dir() -> Path:
    """The ``models/`` folder of a source checkout (or the current directory's)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "models").is_dir():
            return parent / "models"
    return Path.cwd() / "models"


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def official_name(path: Path) -> str | None:
    """Return ``lite``/``full``/``heavy`` when ``path`` has an official file name."""
    for name in MODEL_NAMES:
        if path.name == file_name(name):
            return name
    return None


@dataclass(frozen=True)
class ModelInfo:
    """A resolved model file.

    Attributes:
        name: ``lite``/``full``/``heavy``, or the file stem for a custom model.
        path: where the file is.
        origin: how it was found (``path``, ``REPCOUNT_MODEL_DIR``, ``models/``, ``cache``,
            ``download``).
        sha256: its digest.
        verified: True when the digest is an accepted official one; None for custom models.

    """

    name: str
    path: Path
    origin: str
    sha256: str
    verified: bool | None


def verify(path: Path, name: str | None) -> ModelInfo:
    """Hash ``path`` and check it against the official digests of ``name``.

    Raises:
        ModelError: when the file is an official model whose checksum does not match.

    """
    digest = sha256_of(path)
    if name is None:
        return ModelInfo(path.stem, path, "path", digest, None)
    if digest not in SHA256[name]:
        raise ModelError(
            f"{path}: sha256 {digest[:12]}… does not match the official {file_name(name)}; "
            "delete it and let repcount download it again"
        )
    return ModelInfo(name, path, "path", digest, True)


def candidates(name: str) -> list[tuple[str, Path]]:
    """Places searched for a named model, in order, as (origin, path)."""
    out: list[tuple[str, Path]] = []
    env = os.environ.get("REPCOUNT_MODEL_DIR")
    if env:
        out.append(("REPCOUNT_MODEL_DIR", Path(env) / file_name(name)))
    out.append(("models/", project_models_dir() / file_name(name)))
    out.append(("cache", user_cache_dir() / "models" / file_name(name)))
    return out


ProgressFactory = Callable[[int, str], Callable[[int], None]]


@contextlib.contextmanager
def _network_errors_as(name: str) -> Iterator[None]:
    """A connection lost mid-download is a model error, not a failed write of the file."""
    try:
        yield
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise _download_failed(name, exc) from None


def _download_failed(name: str, exc: Exception) -> ModelError:
    places = ", ".join(str(p) for _, p in candidates(name))
    return ModelError(f"model {file_name(name)} not found and could not be downloaded ({exc}); "
                      f"put the file in one of: {places}")


def _download(name: str, dest: Path, progress: ProgressFactory | None) -> None:
    url = URL.format(stem=f"pose_landmarker_{name}")
    try:
        with urllib.request.urlopen(url, timeout=30) as resp, atomic_path(dest) as tmp, \
                _network_errors_as(name):
            total = int(resp.headers.get("Content-Length") or SIZES[name])
            advance = progress(total, f"downloading {file_name(name)}") if progress else None
            h = hashlib.sha256()
            with open(tmp, "wb") as out:
                while block := resp.read(1 << 16):
                    out.write(block)
                    h.update(block)
                    if advance:
                        advance(len(block))
            if h.hexdigest() not in SHA256[name]:
                raise ModelError(f"downloaded {file_name(name)} failed its sha256 check; refused")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:  # urlopen itself failed
        raise _download_failed(name, exc) from None


def resolve(model: str, *, download: bool = False, progress: ProgressFactory | None = None) -> ModelInfo:
    """Find (or, when asked, fetch) the model file for ``--model`` and verify it.

    Args:
        model: ``lite``, ``full``, ``heavy`` or a path to a ``.task`` file.
        download: whether to download a missing official model (only when the user asked).
        progress: factory ``(total_bytes, label) -> advance(nbytes)`` for a progress bar.

    Raises:
        ModelError: when the model is missing, unreadable or fails its checksum.

    """
    if model not in MODEL_NAMES:
        path = Path(model).expanduser()
        if not path.is_file():
            raise ModelError(
                f"model '{model}' is neither one of {', '.join(MODEL_NAMES)} nor an existing file"
            )
        info = verify(path, official_name(path))
        return ModelInfo(info.name, path, "path", info.sha256, info.verified)
    for origin, path in candidates(model):
        if path.is_file():
            info = verify(path, model)
            return ModelInfo(model, path, origin, info.sha256, True)
    if not download:
        places = ", ".join(str(p) for _, p in candidates(model))
        raise ModelError(f"model {file_name(model)} not found; download it with "
                         f"'repcount models --download {model}' or put it in one of: {places}")
    dest = user_cache_dir() / "models" / file_name(model)
    _download(model, dest, progress)
    info = verify(dest, model)
    return ModelInfo(model, dest, "download", info.sha256, True)


def survey() -> list[dict[str, str]]:
    """Describe each official model: where it was found and whether it verifies."""
    rows: list[dict[str, str]] = []
    for name in MODEL_NAMES:
        found = [(o, p) for o, p in candidates(name) if p.is_file()]
        if not found:
            rows.append({"model": name, "where": f"not found (repcount models --download {name})",
                         "origin": "-", "status": "missing"})
            continue
        origin, path = found[0]
        ok = sha256_of(path) in SHA256[name]
        rows.append({"model": name, "where": str(path), "origin": origin,
                     "status": "verified" if ok else "CHECKSUM MISMATCH"})
    return rows
