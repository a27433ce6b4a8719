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


def test_missing_model_offline_says_where_to_put_it(model_dir, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ModelError, match="put the file in one of") as exc:
        models.resolve("lite")
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
        models.resolve("lite")
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
