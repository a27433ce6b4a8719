"""``repcount synth``: render labelled synthetic exercise clips."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from repcount.errors import InputError, OutputError
from repcount.synth import CIRCUIT_HOLD_S, CIRCUIT_REPS, EXERCISES


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``repcount synth`` to ``parser``."""
    parser.add_argument(
        "--exercise",
        "-e",
        default="all",
        metavar="NAME",
        help=f"exercise to render, or 'all' (default): {', '.join(EXERCISES)}",
    )
    parser.add_argument(
        "--circuit",
        action="store_true",
        help="render one recording of the whole circuit instead (dips on a box, bridges, holds, "
        "prone lifts, ball curls, clamshells, each leg, with the transitions between them; "
        f"--reps per set, default {CIRCUIT_REPS}; --hold per bridge hold, default {CIRCUIT_HOLD_S:g} s; "
        "--preview saves the middle frame of every set and transition)",
    )
    parser.add_argument("--seed", type=int, default=0, help="base random seed (default 0)")
    parser.add_argument("--count", "-n", type=int, default=1, help="clips per exercise (default 1)")
    parser.add_argument("--out", "-o", type=Path, default=Path("out/synth"), help="output folder")
    parser.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="labels.json to create or merge into (default OUT/labels.json)",
    )
    parser.add_argument("--reps", type=int, default=None, help="reps per clip (default 5-8)")
    parser.add_argument(
        "--side",
        choices=("left", "right", "random"),
        default="random",
        help="working side (see the side conventions in the labels README)",
    )
    parser.add_argument(
        "--view",
        choices=("side", "oblique", "random"),
        default="random",
        help="camera view; 'side' is the clamshell's straight front view",
    )
    _look_options(parser)


def _look_options(parser: argparse.ArgumentParser) -> None:
    """Clip length, frame format, variety, noise and previews."""
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="clip length in seconds (reps are fitted; for the hold, the hold length follows)",
    )
    parser.add_argument(
        "--hold", type=float, default=None,
        help="hold length for the bridge hold (default 20 s; wide: random 8-22 s)"
    )
    parser.add_argument("--width", type=int, default=None, help="frame width (default 640; wide: random)")
    parser.add_argument("--height", type=int, default=None, help="frame height (default 480; wide: random)")
    parser.add_argument("--fps", type=float, default=None, help="frame rate (default 30; wide: random)")
    parser.add_argument(
        "--variety",
        choices=("classic", "wide"),
        default="classic",
        help="classic: one steady set from a near-straight camera; wide: the randomised corpus "
        "(any camera within 60 degrees of the straight view, elevation 0-30, framing, tempo "
        "0.6-1.6x, range 50-120%%, up to 20 reps, leg switches, partial reps, pauses, fidgeting, "
        "walking in and out)",
    )
    parser.add_argument(
        "--noise",
        type=float,
        default=None,
        metavar="SIGMA",
        help="pixel noise std in grey levels (default random 0-5; noise makes files bigger)",
    )
    parser.add_argument(
        "--preview",
        type=int,
        nargs="?",
        const=4,
        default=0,
        metavar="N",
        help="also save N evenly spaced frames per clip as PNG (default 4 when given)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print only errors")


def merge_labels(path: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge ``entries`` into the labels list at ``path`` (same ``file`` replaces) and save it.

    Raises:
        InputError: when the existing file is not a JSON list.
        OutputError: when it cannot be written.

    """
    existing: list[dict[str, Any]] = []
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read labels file {path}: {exc}") from exc
        if not isinstance(data, list):
            raise InputError(f"labels file {path} is not a JSON list")
        existing = data
    new_files = {e["file"] for e in entries}
    merged = [e for e in existing if e.get("file") not in new_files] + entries
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write labels file {path}: {exc}") from exc
    return merged


def run(args: argparse.Namespace) -> int:
    """Render the requested clips (or circuits); returns the process exit status.

    Raises:
        RepcountError: (subclasses) with a one-line message on bad input or environment.

    """
    return run_circuit(args) if args.circuit else run_clips(args)


def run_clips(args: argparse.Namespace) -> int:
    """Render ``--count`` one-exercise clips of each exercise asked for."""
    from repcount.synth.body import data_dir
    from repcount.synth.clip import plan_clip, render_clip

    names = list(EXERCISES) if args.exercise == "all" else [args.exercise]
    for name in names:
        if name not in EXERCISES:
            raise InputError(f"unknown exercise {name!r}; choose from all, {', '.join(EXERCISES)}")
    if args.count < 1:
        raise InputError("--count must be at least 1")
    data_dir()  # fail early, with the install hint, when the body data is missing
    out: Path = args.out
    labels_path: Path = args.labels if args.labels is not None else out / "labels.json"
    preview_dir = out / "preview" if args.preview else None
    entries = []
    for e_idx, name in enumerate(names):
        for k in range(args.count):
            seed = args.seed + 1000 * e_idx + k
            # --reps with "all" applies to the rep exercises only, not to the hold.
            reps = None if name.endswith("_hold") and args.exercise == "all" else args.reps
            plan = plan_clip(
                name,
                seed,
                reps=reps,
                side=args.side,
                view=args.view,
                duration_s=args.duration,
                hold_s=args.hold if name.endswith("_hold") else None,
                width=args.width,
                height=args.height,
                fps=args.fps,
                noise_sigma=args.noise,
                variety=args.variety,
            )
            stem = f"synth_{name}_{plan.side_label}_{plan.view}_s{seed}"
            res = render_clip(
                plan,
                out,
                stem,
                labels_dir=labels_path.parent,
                preview_dir=preview_dir,
                n_previews=args.preview,
            )
            entries.append(res.label)
            if not args.quiet:
                reps = res.label["reps"]
                what = f"{reps} reps" if reps is not None else f"hold {res.label['holds']}"
                print(
                    f"{res.video}: {name} {what}, side {res.label['side']}, view "
                    f"{res.label['view']}, {res.label['duration_s']:.1f}s, rendered at "
                    f"{res.render_fps:.1f} frames/s",
                    flush=True,
                )
    merge_labels(labels_path, entries)
    if not args.quiet:
        print(f"labels: {labels_path} ({len(entries)} new entries)")
    return 0


#: Options of one-exercise clips, with their defaults: given with --circuit, they make no sense.
NOT_WITH_CIRCUIT = (("exercise", "--exercise", "all"), ("side", "--side", "random"),
                    ("view", "--view", "random"), ("duration", "--duration", None),
                    ("variety", "--variety", "classic"))


def check_circuit_args(args: argparse.Namespace) -> None:
    """Reject the options that do not apply to a whole-circuit recording.

    Raises:
        InputError: naming the first such option, or a bad count.

    """
    for attr, flag, default in NOT_WITH_CIRCUIT:
        if getattr(args, attr) != default:
            raise InputError(f"{flag} does not apply to --circuit (it renders every exercise, "
                             "both legs, from one side-on camera)")
    if args.count < 1:
        raise InputError("--count must be at least 1")


def run_circuit(args: argparse.Namespace) -> int:
    """Render ``--count`` whole-circuit recordings (seeds ``--seed``, ``--seed``+1, ...)."""
    from repcount.synth.body import data_dir
    from repcount.synth.circuit import plan_circuit, render_circuit

    check_circuit_args(args)
    data_dir()
    out: Path = args.out
    labels_path: Path = args.labels if args.labels is not None else out / "labels.json"
    entries = []
    for k in range(args.count):
        seed = args.seed + k
        plan = plan_circuit(seed, reps=args.reps, hold_s=args.hold, width=args.width, height=args.height,
                            fps=args.fps, noise_sigma=args.noise)
        res = render_circuit(plan, out, f"synth_circuit_s{seed}", labels_dir=labels_path.parent,
                             preview_dir=out / "preview" if args.preview else None)
        entries.append(res.label)
        if not args.quiet:
            blocks = res.label["blocks"]
            print(f"{res.video}: circuit of {len(blocks)} sets, {res.label['reps']} reps and "
                  f"{len(res.label['holds'])} holds, {res.label['duration_s']:.1f}s, rendered at "
                  f"{res.render_fps:.1f} frames/s", flush=True)
            for b in blocks:
                what = f"{b['reps']} reps" if b["reps"] is not None else f"hold {b['hold_s']:g}s"
                print(f"  {b['start_s']:7.1f}-{b['end_s']:7.1f}s  {b['exercise']:<24} {b['side']:<6} {what}")
    merge_labels(labels_path, entries)
    if not args.quiet:
        print(f"labels: {labels_path} ({len(entries)} new entries)")
    return 0
