"""Accuracy of repcount on labelled clips, as Markdown tables for the README.

Runs `repcount bench` on ../shared/clips/labels.json and on sample_videos/labels.json (when present)
and prints, per dataset, a per clip and a per exercise table plus the overall line.
With --timing it also measures the bench's wall time on the shared clips with an empty landmark
cache (cold: REPCOUNT_CACHE_DIR is a fresh temporary folder) and then cached, with 1 and 2 jobs.

Usage: python benchmarks/accuracy.py [--model full] [--jobs 2] [--timing] [--out FILE.md]

Each bench runs as a subprocess exactly as a user would type it, so the process wall time
includes interpreter start and imports; "bench s" is the bench's own wall time from its JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = {
    "shared clips": ROOT.parent / "shared" / "clips" / "labels.json",
    "sample_videos": ROOT / "sample_videos" / "labels.json",
}
BENCH = "import sys; from repcount.bench import main; sys.exit(main(sys.argv[1:]))"


def run_bench(labels: Path, *, model: str, jobs: int,
              env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run the bench in a subprocess; return its JSON and the process wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", BENCH, str(labels), "--json", str(out), "--model", model,
                               "--jobs", str(jobs), "-q"], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 2) or not out.exists():  # 2: some clip failed, still measured
            raise SystemExit(f"bench failed ({proc.returncode}): {proc.stderr.strip()}")
        return json.loads(out.read_text()), wall


def fmt(x: Any, spec: str = "{:.2f}") -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    return spec.format(x) if isinstance(x, float) else str(x)


def markdown(name: str, doc: dict[str, Any]) -> str:
    lines = [f"### {name} (model {doc['model']})", "",
             "| clip | exercise | view | true reps | counted | norm. error | OBO | true hold s | hold s "
             "| hold error s | auto ok |",
             "|---|---|---|--:|--:|--:|:-:|--:|--:|--:|:-:|"]
    for c in doc["clips"]:
        if c["error"]:
            lines.append(f"| {c['file']} | {c['exercise']} | {c['view']} | {fmt(c['true_reps'])} "
                         f"| error: {c['error']} | | | | | | |")
            continue
        auto = fmt(c["auto_ok"]) + (f" ({c['auto'] or 'none'})" if c["auto_ok"] is False else "")
        lines.append(f"| {c['file']} | {c['exercise']} | {c['view']} | {fmt(c['true_reps'])} "
                     f"| {fmt(c['counted_reps'])} | {fmt(c['norm_error'])} | {fmt(c['obo'])} "
                     f"| {fmt(c['true_hold_s'], '{:.1f}')} | {fmt(c['counted_hold_s'], '{:.1f}')} "
                     f"| {fmt(c['hold_error_s'], '{:.1f}')} | {auto} |")
    lines += ["", "| exercise | clips | counted | MAE | OBO | mean hold error s | auto ok |",
              "|---|--:|--:|--:|--:|--:|--:|"]
    for d in doc["exercises"]:
        lines.append(f"| {d['exercise']} | {d['n']} | {d['n_counted']} | {fmt(d['mae'], '{:.3f}')} "
                     f"| {fmt(d['obo'])} | {fmt(d['mean_hold_error_s'], '{:.1f}')} "
                     f"| {str(d['auto_ok']) + '/' + str(d['auto_n']) if d['auto_n'] else ''} |")
    o = doc["overall"]
    lines += ["", f"Overall: {o['n_counted']} counted clips, MAE {fmt(o['mae'], '{:.3f}')}, "
              f"OBO {fmt(o['obo'])}"
              + (f", mean hold error {fmt(o['mean_hold_error_s'], '{:.1f}')} s" if o["n_holds"] else "")
              + f", auto recognition {o['auto_ok']}/{o['auto_n']}"
              + (f", {o['errors']} clip(s) failed" if o["errors"] else "") + ".", ""]
    return "\n".join(lines)


def timing(labels: Path, model: str) -> str:
    lines = ["### bench wall time, shared clips", "",
             f"{os.cpu_count()} CPUs, model {model}. Cold = empty landmark cache "
             "(the model runs on every frame).",
             "", "| jobs | cache | bench s | process s | frames | pose fps (median clip) |",
             "|--:|---|--:|--:|--:|--:|"]
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "REPCOUNT_CACHE_DIR": cache}
            for state in ("cold", "cached"):
                doc, wall = run_bench(labels, model=model, jobs=jobs, env=env)
                frames = sum(c["frames"] for c in doc["clips"])
                fps = sorted(c["pose_fps"] for c in doc["clips"] if c["pose_fps"])
                med = f"{fps[len(fps) // 2]:.1f}" if fps and state == "cold" else ""
                bench_s = doc["overall"]["wall_s"]
                lines.append(f"| {jobs} | {state} | {bench_s:.1f} | {wall:.1f} | {frames} | {med} |")
                print(f"timing: jobs {jobs} {state}: bench {bench_s:.1f} s, process {wall:.1f} s",
                      file=sys.stderr)
    return "\n".join([*lines, ""])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="full")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timing", action="store_true", help="also time cold and cached runs (shared clips)")
    ap.add_argument("--out", type=Path, help="also write the Markdown here")
    args = ap.parse_args()
    parts: list[str] = []
    for name, labels in DATASETS.items():
        if not labels.is_file():
            print(f"{name}: {labels} not found, skipped", file=sys.stderr)
            continue
        doc, _ = run_bench(labels, model=args.model, jobs=args.jobs)
        parts.append(markdown(name, doc))
    if args.timing and DATASETS["shared clips"].is_file():
        parts.append(timing(DATASETS["shared clips"], args.model))
    text = "\n".join(parts)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
