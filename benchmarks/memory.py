"""Memory over a long stream: does resident memory stay flat?

Three modes, all over a clip looped for ``--minutes`` of stream time (timestamps keep increasing
across loops, as from a camera):

* ``analyze``: ``repcount analyze LONG.mp4 -e auto --no-cache`` as a process of its own, on a
  video made by remuxing the clip end to end (no re-encoding, seconds to build); the RSS of the
  process and its pose workers is sampled every ``--every`` wall seconds. Extra arguments after
  ``--`` go to ``repcount analyze`` (e.g. ``-- --jobs 1 --stride 1``).

* ``live``: the real ``repcount live`` loop (MediaPipe model, detectors, overlay drawing,
  ``--no-window``, ``--json``) fed by the looped video; about 40 minutes of CPU for a 1-hour
  stream with the lite model on 2 cores.
* ``replay``: the same live ``Session`` (detectors, circuit state) fed a looped recorded landmark
  track, no model: a 1-hour stream in a few minutes.

RSS (``VmRSS``) is sampled every ``--every`` seconds of stream time; the table shows it, and the
summary gives the growth from the end of warm-up (10 % of the stream) to the end, per hour.

    python benchmarks/memory.py live ../shared/clips/glute_bridge_darebee_a.mp4 \
        --exercise glute_bridge --minutes 60 --model lite
    python benchmarks/memory.py replay sample_videos/synth_single_leg_bridge_right_side_s1001.mp4 \
        --exercise single_leg_bridge --minutes 60
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from repcount.io.sources import FrameSource, VideoFileSource
from repcount.records import Frame, PoseSample, Rep


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Probe:
    """RSS samples keyed by stream time."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.rows: list[tuple[float, int, float]] = []
        self._next = 0.0

    def see(self, t: float, frames: int) -> None:
        if t >= self._next:
            self.rows.append((t, frames, rss_mb()))
            self._next = t + self.every_s

    def report(self, wall_s: float) -> None:
        print(f"{'stream min':>10} {'frames':>8} {'RSS MB':>8}")
        step = max(1, len(self.rows) // 20)
        for t, n, mb in self.rows[::step] + self.rows[-1:]:
            print(f"{t / 60:10.1f} {n:8d} {mb:8.1f}")
        t_end = self.rows[-1][0]
        warm = [r for r in self.rows if r[0] >= 0.1 * t_end]
        (t0, _, m0), (t1, _, m1) = warm[0], warm[-1]
        peak = max(r[2] for r in warm)
        per_h = (m1 - m0) / max((t1 - t0) / 3600, 1e-9)
        print(f"stream {t_end / 60:.1f} min ({self.rows[-1][1]} frames) in {wall_s / 60:.1f} min wall; "
              f"RSS after warm-up {m0:.1f} MB, at the end {m1:.1f} MB, peak {peak:.1f} MB; "
              f"growth {m1 - m0:+.1f} MB ({per_h:+.1f} MB per stream hour)")


class LoopSource(FrameSource):
    """A video file played again and again for ``seconds`` of stream time."""

    def __init__(self, path: str, seconds: float, probe: Probe) -> None:
        super().__init__(max_side=1280)
        first = VideoFileSource(path, max_side=1280)
        self.path, self.seconds, self.probe = path, seconds, probe
        self.name, self.fps = f"{Path(path).name} (looped)", first.fps
        self.width, self.height = first.width, first.height
        self.frame_count = None
        first.close()

    def __iter__(self) -> Iterator[Frame]:
        offset = 0.0
        n = 0
        while True:
            last = 0.0
            with VideoFileSource(self.path, max_side=1280) as src:
                for f in src:
                    t = offset + f.t
                    if t >= self.seconds:
                        return
                    self.probe.see(t, n)
                    n += 1
                    last = f.t
                    yield self._emit(f.image, t)
            offset += last + 1.0 / self.fps


def run_live(args: argparse.Namespace) -> None:
    from repcount.cli import build_parser
    from repcount.commands import live

    probe = Probe(args.every)
    source = LoopSource(args.video, args.minutes * 60, probe)
    live._open = lambda _args: (source, False)  # type: ignore[assignment]  # the looped clip
    with tempfile.TemporaryDirectory() as tmp:
        ns = build_parser().parse_args(
            ["live", "--source", args.video, "--exercise", args.exercise, "--model", args.model,
             "--no-window", "--quiet", "--json", str(Path(tmp) / "live.json")])
        t0 = time.monotonic()
        ns.func(ns)
        probe.report(time.monotonic() - t0)


def run_replay(args: argparse.Namespace) -> None:
    from repcount.commands.live import Session
    from repcount.commands.pipeline import analyze_video
    from repcount.detectors import get_exercise
    from repcount.pose import cache
    from repcount.pose.models import resolve

    exdef = get_exercise(args.exercise)
    model = resolve(args.model)
    analyze_video(args.video, exdef, model)  # records (or re-uses) the cached track
    track = cache.load_cached(args.video, model.sha256)
    assert track is not None
    base = list(track.samples())
    period = base[-1].t + 1.0 / track.fps
    session = Session(track.fps, exdef, None, None)
    probe = Probe(args.every)
    t0 = time.monotonic()
    n, loop = 0, 0
    while True:
        for s in base:
            t = loop * period + s.t
            if t >= args.minutes * 60:
                probe.report(time.monotonic() - t0)
                reps = sum(1 for e in session.all_events() if isinstance(e, Rep) and not e.partial)
                print(f"{reps} reps counted over {loop} loops of {len(base)} frames")
                return
            pose = None if s.pose is None else type(s.pose)(t, s.pose.image, s.pose.world,
                                                            s.pose.width, s.pose.height)
            session.feed(PoseSample(n, t, pose))
            probe.see(t, n)
            n += 1
        loop += 1


def long_video(clip: str, minutes: float, out: Path) -> Path:
    """``clip`` remuxed end to end (timestamps shifted) into one video of ``minutes``."""
    import av

    with av.open(clip) as inp:
        ins = inp.streams.video[0]
        packets = [p for p in inp.demux(ins) if p.dts is not None and p.pts is not None]
        tb = ins.time_base
    step = max(p.pts for p in packets) + (packets[1].pts - packets[0].pts if len(packets) > 1 else 1)
    with av.open(clip) as inp, av.open(str(out), "w") as dst:
        outs = dst.add_stream_from_template(inp.streams.video[0])
        offset = 0
        while offset * tb < minutes * 60:
            for p in packets:
                p.pts += offset
                p.dts += offset
                p.stream = outs
                dst.mux(p)
                p.pts -= offset
                p.dts -= offset
            offset += step
    return out


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB (Linux)."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def run_analyze(args: argparse.Namespace) -> None:
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        video = long_video(args.video, args.minutes, Path(tmp) / "long.mp4")
        out = Path(tmp) / "a.json"
        cmd = [sys.executable, "-m", "repcount", "analyze", str(video), "-e", "auto", "--no-cache",
               "--quiet", "--model", args.model, "--json", str(out), *args.rest]
        print(f"{args.minutes:.0f} min video ({video.stat().st_size / 1e6:.0f} MB); {' '.join(cmd[2:])}")
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd)
        rows: list[tuple[float, float]] = []
        while proc.poll() is None:
            rows.append((time.monotonic() - t0, tree_rss_mb(proc.pid)))
            time.sleep(args.every)
        wall = time.monotonic() - t0
        print(f"{'wall min':>8} {'RSS MB':>8}")
        step = max(1, len(rows) // 20)
        for t, mb in rows[::step] + rows[-1:]:
            print(f"{t / 60:8.1f} {mb:8.1f}")
        doc = json.loads(out.read_text()) if out.exists() else {}
        peak = max(mb for _, mb in rows) if rows else float("nan")

        def at(share: float) -> float:
            return min(rows, key=lambda r: abs(r[0] - share * wall))[1] if rows else float("nan")

        print(f"exit {proc.returncode}; {doc.get('frames')} frames, {doc.get('total_reps')} reps in "
              f"{wall / 60:.1f} min ({args.minutes * 60 / wall:.1f}x real time); RSS (all processes) peak "
              f"{peak:.0f} MB; at 10/50/90 % of the run {at(0.1):.0f} / {at(0.5):.0f} / {at(0.9):.0f} MB")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=("live", "replay", "analyze"))
    p.add_argument("video")
    p.add_argument("--exercise", default="auto")
    p.add_argument("--minutes", type=float, default=60.0, help="stream time (default 60)")
    p.add_argument("--model", default="lite")
    p.add_argument("--every", type=float, default=30.0, help="RSS sample period, stream seconds")
    p.add_argument("rest", nargs="*", help="analyze: extra arguments for repcount analyze (after --)")
    args = p.parse_args(argv)
    if args.mode == "analyze":
        run_analyze(args)
    else:
        (run_live if args.mode == "live" else run_replay)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
