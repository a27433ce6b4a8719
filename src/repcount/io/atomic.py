"""Small I/O helpers: atomic writes and user directories."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from repcount.errors import OutputError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    A reader never sees a half-written file, and an interrupted run leaves the old file intact.

    Raises:
        OutputError: when the destination folder is not writable, or writing fails (full disk).

    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        publish(tmp, path)
    except OSError as exc:  # a full disk, a quota, a vanished folder: nothing half-written stays
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def publish(tmp: Path, path: str | os.PathLike[str]) -> None:
    """Rename the finished temporary file ``tmp`` over ``path``, with normal permissions.

    mkstemp makes the file private (0600); the result gets the permissions of any new file
    (0666 less the umask), as a user expects of a video or report they made.
    """
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        tmp.chmod(0o666 & ~umask)
    os.replace(tmp, path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail early, before any long work, when ``path`` could not be written.

    Raises:
        OutputError: when the folder is missing/unwritable or the path is a directory.

    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {path}: folder {parent} is not writable")


def user_cache_dir() -> Path:
    """Per-user cache folder (``REPCOUNT_CACHE_DIR`` overrides)."""
    env = os.environ.get("REPCOUNT_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("repcount"))


def user_data_dir() -> Path:
    """Per-user data folder for session history (``REPCOUNT_DATA_DIR`` overrides)."""
    env = os.environ.get("REPCOUNT_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("repcount"))
