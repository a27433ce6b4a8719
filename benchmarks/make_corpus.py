"""Render the randomised corpus with ``repcount synth --variety wide`` and record its landmark tracks.

For every circuit exercise, ``--per-exercise`` clips with seeds ``BASE + 100 * exercise + k``:
even seeds are the tuning half, odd seeds the test half (``split`` in the labels). Each clip is
rendered to ``--videos`` (not committed: about 1 MB a clip), posed with the full model (the
track is cached like any analysed video) and its landmark track saved in the compact format to
``benchmarks/corpus/tracks/<stem>.npz``; ``benchmarks/corpus/labels.json`` collects the labels
(the shared clips' format plus ``rep_times``, ``rep_sides``, ``partial_times``, ``sets``).

Clips are made round-robin over the exercises, so a run stopped early still covers all of them;
a clip whose track exists is skipped, so the script resumes where it stopped.

Usage: python benchmarks/make_corpus.py [--per-exercise 24] [--jobs 1] [--videos out/corpus]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "corpus"
BASE_SEED = 20000


def clip_specs(per_exercise: int) -> list[tuple[str, int]]:
    """(exercise, seed) pairs, round-robin over the exercises."""
    from repcount.synth import EXERCISES

    return [(ex, BASE_SEED + 100 * i + k) for k in range(per_exercise) for i, ex in enumerate(EXERCISES)]


def split_of(seed: int) -> str:
    """The corpus half a seed belongs to."""
    return "tune" if seed % 2 == 0 else "test"


def corpus_label(label: dict[str, Any], seed: int, stem: str) -> dict[str, Any]:
    """A rendered clip's label with the corpus fields (split, track)."""
    label = dict(label)
    label["split"] = split_of(seed)
    label["track"] = f"tracks/{stem}.npz"
    return label


def label_only(spec: tuple[str, int]) -> dict[str, Any]:
    """The label of a clip whose track exists, rebuilt from its plan (rendering is deterministic)."""
    from repcount.synth.body import build_body
    from repcount.synth.clip import body_colors, make_label, plan_clip

    exercise, seed = spec
    plan = plan_clip(exercise, seed, variety="wide")
    stem = f"{exercise}_{seed}"
    _, look = body_colors(build_body(plan.shape), np.random.default_rng(plan.colors_seed))
    return corpus_label(make_label(plan, f"{stem}.mp4", f"{stem}.npz", look), seed, stem)


def make_one(spec: tuple[str, int], videos: str, model_name: str) -> dict[str, Any]:
    """Render, pose and store one clip; returns its label."""
    from repcount.commands.bench import Label, cached_track
    from repcount.pose.models import resolve
    from repcount.synth.clip import plan_clip, render_clip

    exercise, seed = spec
    plan = plan_clip(exercise, seed, variety="wide")
    stem = f"{exercise}_{seed}"
    out = Path(videos)
    t0 = time.perf_counter()
    res = render_clip(plan, out, stem, labels_dir=out)
    render_s = time.perf_counter() - t0
    model = resolve(model_name)
    lab = Label(0, res.label["file"], res.video, exercise, res.label["reps"])
    track = cached_track(lab, model)
    if track is None:
        raise RuntimeError(f"{stem}: no track recorded")
    track.meta["label"] = stem
    track.save(CORPUS / "tracks" / f"{stem}.npz", compact=True)
    label = corpus_label(res.label, seed, stem)
    label["source"]["render_s"] = round(render_s, 1)
    json.dumps(label)  # fail here, in the worker, rather than in the parent's bookkeeping
    return label


def main(argv: list[str] | None = None) -> int:
    """Render what is missing and merge the labels."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-exercise", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--videos", default=str(ROOT / "out" / "corpus"))
    ap.add_argument("--model", default="full")
    args = ap.parse_args(argv)
    (CORPUS / "tracks").mkdir(parents=True, exist_ok=True)
    labels_path = CORPUS / "labels.json"
    labels: dict[str, dict[str, Any]] = {}
    if labels_path.exists():
        labels = {e["track"]: e for e in json.loads(labels_path.read_text())}
    specs = clip_specs(args.per_exercise)
    todo = [s for s in specs if not (CORPUS / "tracks" / f"{s[0]}_{s[1]}.npz").exists()]
    print(f"{len(todo)} clips to make", flush=True)

    def save(label: dict[str, Any]) -> None:
        labels[label["track"]] = label
        order = sorted(labels.values(), key=lambda e: e["track"])
        tmp = labels_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(order, indent=1) + "\n")
        os.replace(tmp, labels_path)
        print(f"{label['track']}: {label['exercise']} reps {label['reps']} side {label['side']} "
              f"{label['duration_s']:.0f} s ({len(labels)} in corpus)", flush=True)

    for spec in specs:  # tracks made by a run stopped before it wrote their labels
        if spec not in todo and f"tracks/{spec[0]}_{spec[1]}.npz" not in labels:
            save(label_only(spec))
    if args.jobs <= 1:
        for spec in todo:
            save(make_one(spec, args.videos, args.model))
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from multiprocessing import get_context

        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(make_one, spec, args.videos, args.model) for spec in todo]
            for fut in as_completed(futures):
                save(fut.result())
    return 0


if __name__ == "__main__":
    sys.exit(main())
