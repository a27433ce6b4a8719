"""Nothing leaves the machine: ``analyze`` and ``live`` make no network access at all.

Each command runs as a whole process under ``strace -f`` (every thread and child), with the real
MediaPipe model; any connect or datagram to an address other than loopback, and any name lookup
(the resolver's nscd socket or port 53), fails the test. mediapipe 0.10.35 and later fail it:
they look up play.googleapis.com to send usage metrics when the landmarker closes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "synth_single_leg_bridge_right_side_s1001.mp4"

needs_strace = pytest.mark.skipif(shutil.which("strace") is None,
                                  reason="strace not installed (apt-get install strace; .ci/run does)")

_ADDR = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
_LOOPBACK = ("127.", "::1", "::ffff:127.")


def network_calls(log: str) -> list[str]:
    """The lines of an strace log that reach beyond the machine or look a name up."""
    bad = []
    for line in log.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line):
            continue
        if "nscd" in line or "htons(53)" in line:
            bad.append(line)  # a DNS lookup, whatever its answer
            continue
        if "AF_INET" not in line:
            continue  # unix sockets (other than the resolver's) and unaddressed sends stay local
        addrs = [a or b for a, b in _ADDR.findall(line)]
        if any(not a.startswith(_LOOPBACK) for a in addrs):
            bad.append(line)
    return bad


def test_the_check_sees_lookups_and_connects():
    log = "\n".join([
        '123 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
        '123 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0',
        '124 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '125 connect(8, {sa_family=AF_INET, sin_port=htons(8000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '126 connect(9, {sa_family=AF_UNIX, sun_path="/tmp/.X11-unix/X0"}, 20) = 0',
    ])
    assert len(network_calls(log)) == 3


def traced(tmp_path: Path, argv: list[str]) -> tuple[int, list[str]]:
    log = tmp_path / "strace.log"
    env = {**os.environ, "REPCOUNT_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg",
                        "-o", str(log), sys.executable, "-m", "repcount", *argv],
                       capture_output=True, text=True, env=env, timeout=600)
    return r.returncode, network_calls(log.read_text())


@needs_strace
def test_analyze_sends_nothing(tmp_path):
    code, bad = traced(tmp_path, ["analyze", str(SAMPLE), "--exercise", "single_leg_bridge",
                                  "--model", "lite", "--no-cache", "-q", "--json", str(tmp_path / "a.json")])
    assert code == 0 and (tmp_path / "a.json").exists()
    assert bad == [], "network access:\n" + "\n".join(bad)


@needs_strace
def test_live_sends_nothing(tmp_path):
    code, bad = traced(tmp_path, ["live", "--source", str(SAMPLE), "--no-window", "--exercise",
                                  "single_leg_bridge", "--model", "lite", "-q", "--max-seconds", "8",
                                  "--json", str(tmp_path / "l.json")])
    assert code == 0 and (tmp_path / "l.json").exists()
    assert bad == [], "network access:\n" + "\n".join(bad)


def test_mediapipe_is_a_release_without_the_metrics_uploader():
    from repcount.pose.mediapipe_backend import mediapipe_version, sends_metrics

    assert sends_metrics(mediapipe_version()) is False
    assert sends_metrics("0.10.35") and sends_metrics("1.2.3") and not sends_metrics("0.10.33")
