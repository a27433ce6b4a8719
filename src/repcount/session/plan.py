"""The circuit plan: an editable TOML list of blocks (exercise, leg, target, rest after).

The default plan ships as ``repcount/data/circuit.toml``; ``--plan`` takes the user's own.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from repcount.detectors import EXERCISES
from repcount.errors import InputError
from repcount.records import Side

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_REST_S = 30.0


@dataclass(frozen=True)
class Block:
    """One exercise on one leg (or both legs together).

    Attributes:
        exercise: exercise name (a key of :data:`repcount.detectors.EXERCISES`).
        side: ``left``, ``right`` or ``both``.
        reps: target repetitions (None for a hold).
        hold_s: target hold seconds (None for reps).
        rest_s: rest after this block.

    """

    exercise: str
    side: Side
    reps: int | None = None
    hold_s: float | None = None
    rest_s: float = DEFAULT_REST_S

    @property
    def is_hold(self) -> bool:
        """Whether the block times a hold."""
        return self.hold_s is not None

    @property
    def target(self) -> float:
        """Target reps or seconds."""
        return float(self.hold_s) if self.hold_s is not None else float(self.reps or 0)

    def label(self) -> str:
        """Short text such as ``Single-leg dip · right leg · 20 reps`` (the name users see)."""
        from repcount.detectors import title_of

        leg = "both legs" if self.side == "both" else f"{self.side} leg"
        goal = f"{self.hold_s:.0f} s" if self.is_hold else f"{self.reps} reps"
        return f"{title_of(self.exercise)} · {leg} · {goal}"


@dataclass(frozen=True)
class Plan:
    """A named sequence of blocks."""

    name: str
    blocks: tuple[Block, ...]


def default_plan_path() -> Path:
    """Path of the packaged default plan (the developers' circuit)."""
    return Path(str(resources.files("repcount") / "data" / "default_circuit.toml"))


def _number(value: object, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(f"{where}: {what} must be a non-negative number, got {value!r}")
    return float(value)


#: Largest plan accepted: a circuit is a few dozen lines.
MAX_PLAN_CHARS = 100_000


def parse_plan(text: str, where: str = "plan") -> Plan:
    """Parse a plan from TOML text.

    Raises:
        InputError: with a one-line message for invalid TOML or an invalid plan.

    """
    if len(text) > MAX_PLAN_CHARS:
        raise InputError(f"{where}: plan is too big ({len(text)} characters; a plan is a few lines)")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise InputError(f"{where}: not valid TOML (nested too deeply)") from None
    default_rest = _number(doc.get("rest_s", DEFAULT_REST_S), "rest_s", where)
    items = doc.get("exercise")
    if not isinstance(items, list) or not items:
        raise InputError(f"{where}: no [[exercise]] entries")
    blocks: list[Block] = []
    for i, item in enumerate(items, 1):
        at = f"{where}: exercise #{i}"
        if not isinstance(item, dict):
            raise InputError(f"{at}: must be a table")
        unknown = set(item) - {"name", "reps", "hold_s", "sides", "rest_s"}
        if unknown:
            raise InputError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
        name = item.get("name")
        if name not in EXERCISES:
            raise InputError(f"{at}: unknown exercise {name!r}; choose one of: {', '.join(EXERCISES)}")
        exdef = EXERCISES[name]
        reps, hold = item.get("reps"), item.get("hold_s")
        if (reps is None) == (hold is None):
            raise InputError(f"{at} ({name}): give exactly one of reps or hold_s")
        if hold is not None and exdef.hold is None:
            raise InputError(f"{at}: {name} counts reps, not a hold (use reps)")
        if reps is not None and exdef.hold is not None:
            raise InputError(f"{at}: {name} is a hold (use hold_s)")
        if reps is not None and (isinstance(reps, bool) or not isinstance(reps, int) or reps < 1):
            raise InputError(f"{at}: reps must be a positive integer, got {reps!r}")
        hold_s = _number(hold, "hold_s", at) if hold is not None else None
        if hold_s is not None and hold_s <= 0:
            raise InputError(f"{at}: hold_s must be positive")
        sides = item.get("sides", ["both"] if exdef.legs == "both" else ["right", "left"])
        if isinstance(sides, str):
            sides = ["right", "left"] if sides == "each" else [sides]
        if not isinstance(sides, list) or not sides or any(s not in ("left", "right", "both")
                                                            for s in sides):
            raise InputError(f"{at}: sides must be a list of left/right/both (or \"each\"), got {sides!r}")
        rest = _number(item.get("rest_s", default_rest), "rest_s", at)
        for s in sides:
            blocks.append(Block(name, s, reps, hold_s, rest))
    name = doc.get("name", "circuit")
    return Plan(str(name), tuple(blocks))


def load_plan(path: str | Path | None = None) -> Plan:
    """Read a plan file (the packaged default when ``path`` is None).

    Raises:
        InputError: when the file is missing, unreadable or invalid.

    """
    p = Path(path) if path is not None else default_plan_path()
    try:
        if p.stat().st_size > 4 * MAX_PLAN_CHARS:
            raise InputError(f"{p}: plan is too big ({p.stat().st_size} bytes; a plan is a few lines)")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: no such plan file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read plan ({exc})") from None
    return parse_plan(text, str(p))

