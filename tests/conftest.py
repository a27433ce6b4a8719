"""Shared fixtures: where the shared clips/models are, and an isolated cache per test session."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REPCOUNT_SHARED_DIR", ROOT.parent / "shared"))
CLIPS = SHARED / "clips"


def shared_labels() -> list[dict]:
    """Entries of ../shared/clips/labels.json (empty when the folder is absent)."""
    path = CLIPS / "labels.json"
    return json.loads(path.read_text()) if path.exists() else []


needs_clips = pytest.mark.skipif(not CLIPS.is_dir(), reason=f"shared clips not found at {CLIPS}")


@pytest.fixture(scope="session", autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tests out of the user's cache and history; find the models CI provides."""
    from repcount.io.atomic import user_cache_dir

    # Without ../shared the models are where 'repcount models --download' put them (the README's
    # test command runs it first): the user's cache, found before the cache is isolated.
    user_models = user_cache_dir() / "models"
    base = tmp_path_factory.mktemp("repcount-home")
    os.environ["REPCOUNT_CACHE_DIR"] = str(base / "cache")
    os.environ["REPCOUNT_DATA_DIR"] = str(base / "data")
    if "REPCOUNT_MODEL_DIR" not in os.environ:
        shared = SHARED / "models"
        os.environ["REPCOUNT_MODEL_DIR"] = str(shared if shared.is_dir() else user_models)


class track_cache:
    """Point the repcount track cache at pytest's cache folder for the duration.

    The session's repcount cache is a fresh temporary folder (see ``_isolated_dirs``); tracks are
    keyed by the video's and the model's sha256, so keeping them in pytest's own cache across
    sessions cannot go stale, and only the first session on a machine pays for the model.
    """

    def __init__(self, request) -> None:
        self.folder = request.config.cache.mkdir("repcount-tracks")

    def __enter__(self):
        self.old = os.environ.get("REPCOUNT_CACHE_DIR")
        os.environ["REPCOUNT_CACHE_DIR"] = str(self.folder)
        return self.folder

    def __exit__(self, *exc) -> None:
        if self.old is None:
            os.environ.pop("REPCOUNT_CACHE_DIR", None)
        else:
            os.environ["REPCOUNT_CACHE_DIR"] = self.old


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-shared", action="store_true",
        help="record the full-model tracks of ../shared's clips that are not cached yet (about "
             "5 minutes on 2 cores, once per checkout), so the accuracy tests score those sets too")


def _record_shared(labels, record: bool) -> bool:
    """Record the missing full-model tracks of shared clips in two worker processes.

    Returns whether every clip has its track. Without ``record`` nothing is recorded: the
    default run stays within its time budget, and scores a shared set only once its tracks are
    in pytest's cache (``pytest --record-shared``).
    """
    from functools import partial

    from repcount.commands.bench import cached_track
    from repcount.commands.parallel import run_in_processes
    from repcount.pose import cache
    from repcount.pose.models import resolve

    model = resolve("full")
    missing = [lab for lab in labels
               if lab.track is None and cache.load_cached(lab.path, model.sha256) is None]
    if missing and record:  # 2 cores: about 5 minutes for 38 clips

        def failed(i: int, exc: Exception) -> None:
            raise exc

        run_in_processes(partial(cached_track, model=model), missing, 2, lambda i, track: None, failed)
        return True
    return not missing


@pytest.fixture(scope="session")
def accuracy_rows(request):
    """Every present labelled set scored on its landmark tracks: {set name: [ClipRow]}.

    Sample videos and the corpus have committed tracks; the shared sets are scored once their
    full-model tracks are in pytest's cache (``pytest --record-shared`` records them, once per
    checkout), and listed under ``"unrecorded"`` until then. Sets that are not there are left out.
    """
    from functools import partial

    from repcount.commands.bench import Job, measure_clip
    from repcount.commands.parallel import run_in_processes
    from repcount.evaluation.datasets import SET_NAMES, dataset
    from repcount.pose.models import resolve

    model = resolve("full")
    out: dict = {}
    unrecorded: dict = {}
    with track_cache(request):
        for name in SET_NAMES:
            ds = dataset(name)
            if not ds.available():
                continue
            labels = ds.labels()
            if name in ("clips", "synthetic") and not _record_shared(
                    labels, request.config.getoption("--record-shared")):
                unrecorded[name] = True
                continue
            jobs = [Job(name, lab, model) for lab in labels]
            done = {}
            run_in_processes(partial(measure_clip), jobs, 2, done.__setitem__,
                             lambda i, exc, jobs=jobs: pytest.fail(f"{jobs[i].label.file}: {exc}"))
            out[name] = [done[i] for i in sorted(done)]
    out["unrecorded"] = unrecorded
    return out


def renderer_available() -> bool:
    """Whether ``repcount synth`` can render here (pyrender over an offscreen EGL context)."""
    import importlib.util

    if importlib.util.find_spec("pyrender") is None:
        return False
    import numpy as np

    from repcount.synth.render import Camera, Look, Renderer

    try:
        cam = Camera(np.array([3.0, 0, 1]), np.zeros(3), 45.0, 32, 32)
        look = Look(np.zeros((3, 3)), (0.5,) * 3, (0.5,) * 3, (0.5,) * 3, 0.0, 2.0, False)
        Renderer(cam, look, np.array([[0, 1, 2]]), (0, 0, 1, 1)).close()
    except Exception:
        return False
    return True


def default_sigint() -> None:
    """Child-process hook: Ctrl-C handled as in a terminal.

    A suite started in the background of a non-interactive shell (``pytest &``) inherits SIGINT
    ignored, and so would every child it starts: they would never see the signal these tests
    send.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def interrupt_cli(argv: list[str], cache_dir: Path, after_cpu_s: float) -> tuple[int, str]:
    """Run ``python -m repcount ARGV``, send SIGINT once it has used ``after_cpu_s`` of CPU.

    CPU time, not wall time, so a loaded machine does not fool the test. Returns the exit
    status and stderr.
    """
    env = dict(os.environ, REPCOUNT_CACHE_DIR=str(cache_dir))
    proc = subprocess.Popen([sys.executable, "-m", "repcount", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=default_sigint)
    deadline = time.monotonic() + 120
    while cpu_seconds(proc.pid) < after_cpu_s and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "finished before the signal: use a longer clip"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err
