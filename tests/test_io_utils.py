"""Atomic outputs: all or nothing, no temporary files left, ordinary permissions."""

import os

import pytest

from repcount.errors import OutputError
from repcount.io.atomic import atomic_path, write_text_atomic


def test_write_replaces_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "r.json"
    write_text_atomic(out, "one")
    write_text_atomic(out, "two")
    assert out.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_interrupted_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_result_has_the_permissions_of_a_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "r.csv", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o644


def test_folder_that_cannot_be_made_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        write_text_atomic(blocker / "sub" / "r.json", "x")
