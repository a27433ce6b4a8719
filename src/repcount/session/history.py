"""Session history: one JSON line per finished circuit in ``user_data_dir()/history.jsonl``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from repcount.errors import OutputError
from repcount.io.atomic import user_data_dir

HISTORY_FILE = "history.jsonl"


def history_path() -> Path:
    """The session history file."""
    return user_data_dir() / HISTORY_FILE


def append_history(summary: dict[str, Any], source: str = "", when: datetime | None = None) -> Path:
    """Append a session summary as one JSON line to the history.

    Raises:
        OutputError: when the history folder cannot be written.

    """
    path = history_path()
    entry = {"time": (when or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
             "source": source, **summary}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
    except OSError as exc:
        raise OutputError(f"cannot write history {path}: {exc.strerror or exc}") from None
    return path


def read_history(path: Path | None = None) -> list[dict[str, Any]]:
    """Past sessions, oldest first (lines that do not parse are skipped)."""
    path = path or history_path()
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out

