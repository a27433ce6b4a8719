"""User-facing errors: the CLI prints their message on one line and exits non-zero."""

from __future__ import annotations


class RepcountError(Exception):
    """An error caused by the user's input or environment, not by a bug.

    Attributes:
        exit_code: process exit status the CLI uses for this error.

    """

    exit_code = 2


class InputError(RepcountError):
    """A video, image folder, camera, plan or label file that cannot be used."""


class ModelError(RepcountError):
    """A pose model that is missing, cannot be downloaded or fails its checksum."""

    exit_code = 3


class OutputError(RepcountError):
    """An output path that cannot be written."""

    exit_code = 4


class Stopped(KeyboardInterrupt):
    """A stop asked for by a signal other than Ctrl-C (SIGTERM, SIGHUP).

    It is a :class:`KeyboardInterrupt`, so every command stops the way it does on Ctrl-C:
    it keeps and writes what it has so far. ``exit_code`` is the shell's 128 + signal number.
    """

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.exit_code = 128 + signum
        self.name = name


def interrupt_status(exc: BaseException | None) -> int:
    """Exit status after ``exc`` stopped a run: 130 for Ctrl-C, 128 + N for signal N."""
    return exc.exit_code if isinstance(exc, Stopped) else 130
