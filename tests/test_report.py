"""The HTML report: self-contained, opened in a real headless Chromium, on a phone-sized window."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from repcount.detectors import analyze_samples, get_exercise
from repcount.io.report import render_report
from repcount.records import Analysis
from repcount.session.analysis import RunStats, Tally, build_analysis
from simulate import SimSpec, simulate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "synth_single_leg_dip_right_side_s1.mp4"  # 5 reps, right leg
ARTIFACTS = ROOT / "out" / "test_report"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason="chromium not installed (Debian package chromium)")

#: Anything that would make a browser fetch something: a URL in an attribute or in CSS.
EXTERNAL = re.compile(r"""(?:src|href|action|poster)\s*=\s*["']?(?!data:|#)[a-z]+:|url\(\s*["']?(?!data:)""",
                      re.IGNORECASE)


def _two_leg_analysis() -> Analysis:
    from repcount.commands.report import report_data

    exdef = get_exercise("single_leg_dip")
    reps, partials = [], []
    for side, scale, seed in (("left", 1.0, 1), ("right", 0.7, 2)):
        track, _ = simulate(SimSpec(exercise="single_leg_dip", side=side, reps=6, seed=seed,
                                    amplitude_scale=scale, partial_reps=1))
        r = analyze_samples(exdef, list(track.samples()))
        reps += r.reps
        partials += r.partials
    result = r
    result.reps[:], result.partials[:] = reps, partials
    a = build_analysis("two_legs.mp4", "single_leg_dip", "full", 30.0, Tally(frames=900, pose_frames=900),
                       result, RunStats())
    assert report_data(a, result).title == "Single-leg dip"
    return a


def test_report_is_self_contained_and_shows_the_imbalance() -> None:
    from repcount.commands.report import report_data

    a = _two_leg_analysis()
    page = render_report(a, report_data(a, None))
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "default-src 'none'" in page  # the browser refuses any request the page might make
    assert "Single-leg dip" in page and "single_leg_dip" not in page.split("<body>")[1]
    # The right leg moved through 70 % of the left's range: flagged, and named as the weaker leg.
    assert re.search(r"Range of motion of the right leg is \d+% below the left", page)
    assert "<th>L vs R</th>" in page
    assert page.count("<tr>") >= a.total_reps + len(a.partials)  # a timeline row per rep


def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    # Every host resolves to nothing: the test stays offline whatever the browser tries.
    return subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update",
                           "--host-resolver-rules=MAP * ~NOTFOUND", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def page_requests(page: Path, tmp: Path) -> list[str]:
    """URLs the page itself asked for while Chromium loaded it (from Chromium's network log).

    Chromium's own background requests (time sync, accounts) are not the page's: they carry no
    origin, while the page's requests are made for the ``file://`` site.
    """
    netlog = tmp / f"{page.stem}.netlog.json"
    _chromium("--dump-dom", f"--log-net-log={netlog}", "--net-log-capture-mode=Everything", page.as_uri())
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for e in log["events"]:
        p = e.get("params") or {}
        if e["type"] == start_job and ("site=file://" in p.get("site_for_cookies", "")
                                        or p.get("initiator") in ("null", "file://")):
            urls.append(p.get("url", ""))
    return [u for u in urls if not u.startswith(("file:", "data:"))]


@pytest.mark.e2e
@needs_chromium
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    """analyze --report on a sample; Chromium renders it at phone width and requests nothing.

    The screenshot is kept as out/test_report/report_phone.png. The network log of the page load
    must hold no http(s) request (Chromium's own background traffic is switched off).
    """
    page, out_json = tmp_path / "report.html", tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "repcount", "analyze", str(SAMPLE), "-e", "single_leg_dip",
                           "--model", "lite", "-q", "--report", str(page), "--json", str(out_json)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out_json.read_text())
    assert doc["per_side"]["right"]["reps"] == 5  # the sample's label
    text = page.read_text()
    assert text.count("<figure>") == 5  # a key frame per rep
    shot = tmp_path / "phone.png"
    r = _chromium("--window-size=412,2000", "--hide-scrollbars", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), r.stderr[-2000:]
    import cv2

    img = cv2.imread(str(shot))
    assert img is not None and img.shape[1] == 412
    # Not a blank page: the plot, tables and key frames make a varied picture.
    assert float(np.std(img)) > 20
    dom = _chromium("--dump-dom", page.as_uri()).stdout
    assert "Single-leg dip" in dom and "right leg · rep 5" in dom
    # The check can fail: a page with one remote image shows that request.
    control = tmp_path / "control.html"
    control.write_text('<!doctype html><img src="http://repcount-control.invalid/x.png"><p>x</p>')
    assert page_requests(control, tmp_path) == ["http://repcount-control.invalid/x.png"]
    assert page_requests(page, tmp_path) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report_phone.png")
    shutil.copy(page, ARTIFACTS / "report.html")


_PLAYER = """<!doctype html><video id=v src="{src}" muted></video><p id=o>pending</p><script>
var v=document.getElementById('v'), o=document.getElementById('o');
v.addEventListener('loadeddata', function(){{o.textContent='played '+v.videoWidth+'x'+v.videoHeight}});
v.addEventListener('error', function(){{o.textContent='error '+(v.error && v.error.code)}});
</script>"""


def _plays_in_chromium(video: Path) -> str:
    page = video.with_suffix(".html")
    page.write_text(_PLAYER.format(src=video.name))
    dom = _chromium("--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom",
                    page.as_uri()).stdout
    m = re.search(r'<p id="o">([^<]*)', dom)
    return m.group(1) if m else dom[-300:]


@pytest.mark.e2e
@needs_chromium
def test_annotated_video_plays_in_a_browser(tmp_path: Path) -> None:
    """The annotated video is H.264 with its index first, and Chromium plays it.

    The control: a video from OpenCV's own MPEG-4 writer, which Chromium refuses.
    """
    import cv2

    from repcount.io.sinks import VideoSink

    ours = tmp_path / "ours.mp4"
    with VideoSink(ours, 30.0, (320, 240)) as sink:
        for i in range(45):
            sink.write(np.full((240, 320, 3), (i * 5) % 255, np.uint8))
    assert sink.codec == "h264"
    data = ours.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # faststart: plays while loading
    old = tmp_path / "old.mp4"
    w = cv2.VideoWriter(str(old), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (320, 240))
    for _ in range(45):
        w.write(np.zeros((240, 320, 3), np.uint8))
    w.release()
    assert _plays_in_chromium(old).startswith("error")
    assert _plays_in_chromium(ours) == "played 320x240"
