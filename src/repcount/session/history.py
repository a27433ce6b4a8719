"""Session history: one JSON line per finished circuit in ``user_data_dir()/history.jsonl``."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from repcount.errors import InputError, OutputError
from repcount.io.atomic import user_data_dir

try:
    import fcntl
except ImportError:  # not on Windows: appends are then not locked against each other
    fcntl = None  # type: ignore[assignment]

HISTORY_FILE = "history.jsonl"


def history_path() -> Path:
    """The session history file."""
    return user_data_dir() / HISTORY_FILE


#: History files larger than this are not read whole (a line per session: decades of use).
MAX_HISTORY_BYTES = 64 * 1024 * 1024


def _open_locked(path: Path, flags: int) -> int:
    """Open ``path`` and take its exclusive lock, on the file that is at ``path`` now.

    :func:`remove_history` renames a rewritten file over the old one; a writer that opened the
    old file and then waited for its lock would write into the replaced file and be lost, so it
    checks the inode after locking and opens again when the file was replaced.
    """
    while True:
        fd = os.open(path, flags, 0o666)
        if fcntl is None:
            return fd
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def append_history(summary: dict[str, Any], source: str = "", when: datetime | None = None) -> Path:
    """Append a session summary as one JSON line to the history.

    Safe against the ways a history gets lost: two processes appending at once (an exclusive
    lock, one ``write`` per line), a torn last line left by a crash (the new line starts on a
    line of its own) and a full disk (the file is cut back to its old length, so no half line
    stays).

    Raises:
        OutputError: when the history cannot be written (the old history is then unchanged).

    """
    path = history_path()
    entry = {"time": (when or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
             "source": source, **summary}
    line = (json.dumps(entry) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_locked(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            try:
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)  # also releases the lock
    except OSError as exc:
        raise OutputError(f"cannot write history {path}: {exc.strerror or exc}") from None
    return path


def _valid(entry: object) -> bool:
    """Whether a parsed line is a session summary that the history command can show."""
    if not isinstance(entry, dict):
        return False
    num = (int, float)
    if not (isinstance(entry.get("plan"), str) and isinstance(entry.get("finished"), bool)
            and all(isinstance(entry.get(k), num) and not isinstance(entry.get(k), bool)
                    for k in ("duration_s", "blocks_complete", "blocks", "total_reps"))):
        return False
    blocks = entry.get("per_block")
    keys: dict[str, type | tuple[type, ...]] = {
        "complete": bool, "skipped": bool, "unit": str, "partial_reps": int, "exercise": str,
        "side": str, "done": num, "target": num, "warnings": list}
    return isinstance(blocks, list) and all(
        isinstance(b, dict) and all(isinstance(b.get(k), t) for k, t in keys.items())
        and all(isinstance(w, str) for w in b["warnings"]) for b in blocks)


def load_history(path: Path | None = None) -> tuple[list[dict[str, Any]], int]:
    """Past sessions, oldest first, and how many lines were skipped as unreadable.

    A line that does not parse or is not a session summary (a torn write, an edit gone wrong)
    is skipped, never fatal: the other sessions are still shown.

    Raises:
        InputError: when the file cannot be read or is implausibly large.

    """
    path = path or history_path()
    try:
        if not path.exists():
            return [], 0
        if path.stat().st_size > MAX_HISTORY_BYTES:
            raise InputError(f"{path}: larger than {MAX_HISTORY_BYTES >> 20} MB; not a repcount history")
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read history {path}: {exc.strerror or exc}") from None
    out: list[dict[str, Any]] = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            entry = None
        if _valid(entry):
            out.append(entry)
        else:
            skipped += 1
    return out, skipped


def remove_history(index: int, path: Path | None = None) -> dict[str, Any]:
    """Remove the ``index``-th readable session (1 = oldest, -1 = newest) and return it.

    The file is rewritten under the same lock appends take, to a temporary file renamed over
    the old one, so a crash leaves the old history or the new one, never half of either.
    Unreadable lines are kept as they are (they may be recoverable by hand).

    Raises:
        InputError: when there is no such session.
        OutputError: when the history cannot be rewritten.

    """
    path = path or history_path()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if not path.exists():
            raise InputError(f"no session {index} in the history (none recorded)")
        fd = _open_locked(path, os.O_RDWR)
        try:
            entries, _ = load_history(path)
            n = len(entries)
            if not n or not (1 <= index <= n or -n <= index <= -1):
                raise InputError(f"no session {index} in the history ({n} recorded)")
            target = entries[index - 1 if index > 0 else index]
            kept, removed = [], False
            for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
                if not removed and line.strip():
                    with contextlib.suppress(ValueError, RecursionError):
                        if json.loads(line) == target:
                            removed = True
                            continue
                kept.append(line)
            tmp.write_text("".join(f"{x}\n" for x in kept), encoding="utf-8")
            os.replace(tmp, path)  # still holding the old file's lock: writers wait, then reopen
        finally:
            os.close(fd)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot rewrite history {path}: {exc.strerror or exc}") from None
    return target


def worked(summary: dict[str, Any]) -> bool:
    """Whether a session did anything worth keeping: a counted rep or some hold time.

    A run stopped before its first rep (a camera test, a false start) is not history.
    """
    return any((b.get("done") or 0) > 0 for b in summary.get("per_block", ()))


def read_history(path: Path | None = None) -> list[dict[str, Any]]:
    """Past sessions, oldest first (unreadable lines skipped)."""
    return load_history(path)[0]
