import hashlib
import urllib.request

import pytest

from repcount.errors import ModelError
from repcount.pose import models


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    d = tmp_path / "m"
    d.mkdir()
    monkeypatch.setenv("REPCOUNT_MODEL_DIR", str(d))
    monkeypatch.setenv("REPCOUNT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "project_models_dir", lambda: tmp_path / "project-models")
    return d


def offline(*a, **k):
    raise OSError("network is unreachable")


def test_missing_model_is_not_downloaded_unasked(model_dir, monkeypatch):
    """Privacy: a missing model is an error naming the download command, with no network use."""
    calls = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: calls.append(a) or offline())
    with pytest.raises(ModelError, match="repcount models --download lite") as exc:
        models.resolve("lite")
    assert str(model_dir) in str(exc.value) and calls == []


def test_asked_download_offline_says_where_to_put_it(model_dir, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ModelError, match="put the file in one of") as exc:
        models.resolve("lite", download=True)
    assert str(model_dir) in str(exc.value)


def test_wrong_checksum_is_refused(model_dir):
    (model_dir / "pose_landmarker_lite.task").write_bytes(b"not the model")
    with pytest.raises(ModelError, match="does not match"):
        models.resolve("lite")


def test_custom_model_path_is_not_verified(tmp_path):
    p = tmp_path / "custom.task"
    p.write_bytes(b"abc")
    info = models.resolve(str(p))
    assert info.verified is None and info.sha256 == hashlib.sha256(b"abc").hexdigest()


def test_unknown_model_name():
    with pytest.raises(ModelError, match="neither"):
        models.resolve("medium")


def test_download_verifies_checksum(model_dir, monkeypatch):
    class FakeResp:
        headers = {"Content-Length": "5"}

        def __init__(self):
            self.data = [b"bogus", b""]

        def read(self, n):
            return self.data.pop(0)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: FakeResp())
    with pytest.raises(ModelError, match="sha256"):
        models.resolve("lite", download=True)
    assert not (models.user_cache_dir() / "models" / "pose_landmarker_lite.task").exists()


def test_official_models_verify_and_survey(model_dir, monkeypatch):
    from conftest import SHARED

    src = SHARED / "models" / "pose_landmarker_lite.task"
    if not src.exists():
        pytest.skip("shared models not present")
    monkeypatch.setenv("REPCOUNT_MODEL_DIR", str(src.parent))
    info = models.resolve("lite")
    assert info.verified and info.origin == "REPCOUNT_MODEL_DIR"
    rows = {r["model"]: r for r in models.survey()}
    assert rows["lite"]["status"] == "verified"


class _Served:
    """A fake HTTP response serving ``data`` in small blocks."""

    def __init__(self, data: bytes):
        self.headers = {"Content-Length": str(len(data))}
        self._data = data

    def read(self, n):
        block, self._data = self._data[:7], self._data[7:]
        return block

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_models_download_command_fetches_verifies_and_lists(model_dir, monkeypatch, capsys):
    from repcount.cli import main

    payload = b"a pose model, or what passes for one here"
    monkeypatch.setitem(models.SHA256, "lite", (hashlib.sha256(payload).hexdigest(),))
    urls = []
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, **k: urls.append(url) or _Served(payload))
    assert main(["models", "--download", "lite"]) == 0
    dest = models.user_cache_dir() / "models" / "pose_landmarker_lite.task"
    assert dest.read_bytes() == payload and len(urls) == 1 and "pose_landmarker_lite" in urls[0]
    assert "verified" in capsys.readouterr().out
    # Present now: asking again downloads nothing.
    assert main(["models", "--download", "lite"]) == 0 and len(urls) == 1


def test_models_download_rejects_unknown_names(capsys):
    from repcount.cli import main

    assert main(["models", "--download", "medium"]) == 2
    assert "--download takes lite, full, heavy or all" in capsys.readouterr().err
