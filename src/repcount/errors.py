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
