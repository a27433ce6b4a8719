"""Labelled clips: the labels.json format of ``../shared/clips`` plus the fields rendered sets add.

A label names a video (``file``) and what is in it: the exercise, full reps, holds, the working
side, the view. Rendered sets add ``rep_times``, ``rep_sides`` (per rep), ``sets`` (a clip that
switches leg: ``side`` is then ``switch``), ``partial_times``, ``split`` (corpus half) and
``track`` (a committed landmark track standing in for the video).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repcount.errors import InputError

#: Label exercise meaning "none of ours": auto recognition must say "not recognised".
OTHER = "other"
#: Largest labels file read (bytes): a labels file is text a person wrote or a script made.
MAX_LABELS_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class LabelledSet:
    """One leg's set within a clip: its side, time span and full reps."""

    side: str
    start_s: float
    end_s: float
    reps: int | None


@dataclass(frozen=True)
class Label:
    """One labels.json entry, validated.

    Attributes:
        index: position in the labels file (results are reported in this order).
        file: the ``file`` field as written.
        path: the clip, resolved against the labels file's folder.
        exercise: the labelled exercise (``other`` or a name without a detector are not ours).
        reps: true full repetitions, None for a hold-only clip.
        holds: true hold intervals ``(start_s, end_s)``.
        side: labelled side (``left``, ``right``, ``both``, ``alternating``, ``switch``, ``unknown``).
        view: camera view.
        rep_times: ``(start_s, end_s)`` of each full rep, when known.
        rep_sides: side of each full rep, when known.
        sets: the clip's sets (one, or two when it switches leg).
        split: ``tune`` or ``test`` for a corpus clip, empty otherwise.
        track: a landmark track file (resolved) standing in for the video, or None.

    """

    index: int
    file: str
    path: Path
    exercise: str
    reps: int | None
    holds: tuple[tuple[float, float], ...] = ()
    side: str = "unknown"
    view: str = "unknown"
    rep_times: tuple[tuple[float, float], ...] = ()
    rep_sides: tuple[str, ...] = ()
    sets: tuple[LabelledSet, ...] = ()
    split: str = ""
    track: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ours(self) -> bool:
        """Whether repcount has a detector for the labelled exercise."""
        from repcount.detectors import EXERCISES

        return self.exercise in EXERCISES

    @property
    def stem(self) -> str:
        """The clip's name without folder and extension."""
        return Path(self.file).stem


def _pairs(raw: object, what: str, where: str) -> tuple[tuple[float, float], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(f"{where}: '{what}' must be a list of [start_s, end_s]")
    out = []
    for item in raw:
        if (not isinstance(item, list) or len(item) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item)):
            raise InputError(f"{where}: '{what}' must be a list of [start_s, end_s]")
        out.append((float(item[0]), float(item[1])))
    return tuple(out)


def _sets(raw: object, where: str) -> tuple[LabelledSet, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise InputError(f"{where}: 'sets' must be a list of objects")
    try:
        return tuple(LabelledSet(str(s["side"]), float(s["start_s"]), float(s["end_s"]),
                                 None if s.get("reps") is None else int(s["reps"])) for s in raw)
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{where}: each set needs side, start_s, end_s and reps") from None


def parse_label(i: int, entry: object, base: Path, where: Path) -> Label:
    """Validate one labels.json entry (clip paths are relative to ``base``).

    Raises:
        InputError: naming the entry and the field that is wrong.

    """
    if not isinstance(entry, dict):
        raise InputError(f"{where}: entry {i} is not a JSON object")
    file, exercise, reps = entry.get("file"), entry.get("exercise"), entry.get("reps")
    if not isinstance(file, str) or not file:
        raise InputError(f"{where}: entry {i} has no 'file'")
    at = f"{where}: entry {i} ({file})"
    if not isinstance(exercise, str) or not exercise:
        raise InputError(f"{at} has no 'exercise'")
    # bool is an int in Python; a label of `true` reps is a typo, not one rep.
    if reps is not None and (isinstance(reps, bool) or not isinstance(reps, int) or reps < 0):
        raise InputError(f"{at}: 'reps' must be a non-negative integer or null")
    sides = entry.get("rep_sides") or []
    if not isinstance(sides, list) or not all(isinstance(s, str) for s in sides):
        raise InputError(f"{at}: 'rep_sides' must be a list of sides")
    track = entry.get("track")
    if track is not None and not isinstance(track, str):
        raise InputError(f"{at}: 'track' must be a path")
    return Label(
        index=i, file=file, path=base / file, exercise=exercise, reps=reps,
        holds=_pairs(entry.get("holds"), "holds", at), side=str(entry.get("side", "unknown")),
        view=str(entry.get("view", "unknown")), rep_times=_pairs(entry.get("rep_times"), "rep_times", at),
        rep_sides=tuple(sides), sets=_sets(entry.get("sets"), at), split=str(entry.get("split", "")),
        track=base / track if track else None,
    )


def load_labels(path: str | os.PathLike[str]) -> list[Label]:
    """Read and validate a labels file; clip paths are relative to its folder.

    Raises:
        InputError: when the file is missing, unreadable, too big, not a JSON list or has a
            bad entry.

    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_LABELS_BYTES:
            raise InputError(f"{path}: labels file is too big ({size} bytes)")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such labels file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read labels file ({exc})") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: labels file is not valid JSON ({exc})") from None
    if not isinstance(doc, list):
        raise InputError(f"{path}: labels file must be a JSON list of clips")
    if not doc:
        raise InputError(f"{path}: labels file lists no clips")
    base = path.resolve().parent
    return [parse_label(i, e, base, path) for i, e in enumerate(doc)]
