"""Command-line interface: ``repcount analyze|live|pose|models|bench|history|synth``.

The one place errors become exit statuses: every user error ends as one line on stderr and a
non-zero exit status, never a traceback (set ``REPCOUNT_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence

from repcount import __version__
from repcount.errors import RepcountError, Stopped, interrupt_status

Handler = Callable[[argparse.Namespace], int]

#: (command, module under repcount.commands, one-line help), in the order ``--help`` lists them.
COMMANDS = (
    ("analyze", "analyze", "count reps and holds in a video (or many)"),
    ("live", "live", "count live from a webcam (or a video played as one), one exercise or the "
                     "guided circuit"),
    ("history", "history", "list past circuit sessions"),
    ("pose", "pose", "record a video's landmark track (.npz)"),
    ("models", "models", "list pose models, verify their checksums, download one (--download)"),
    ("bench", "bench", "measure counting accuracy and speed on labelled clips"),
    ("synth", "synth", "render synthetic exercise clips with exact ground truth (needs the synth "
                       "extra)"),
)


DESCRIPTION = """Count the reps and timed holds of a runner's hamstring circuit (single-leg dips and
bridges, bridge holds, prone leg lifts, ball leg curls, clamshells) per leg, live from a webcam
or from recorded videos, and compare the legs. Pose estimation (MediaPipe) runs on this machine;
nothing is sent anywhere."""

EPILOG = """examples:
  repcount live --circuit                          the guided circuit in front of webcam 0
  repcount live --exercise clamshell --reps 20     one exercise, 20 reps a leg
  repcount analyze video.mp4 -e single-leg-dip --report out.html
  repcount analyze videos/ -e auto --jobs 2 --csv reps.csv
  repcount history --plot trends.png
  repcount bench --set all

'repcount COMMAND --help' shows each command's options and examples."""

#: Examples shown under each command's --help (the option list is argparse's own).
EXAMPLES = {
    "analyze": """examples:
  repcount analyze dips.mp4 -e single-leg-dip                  count, print the per-leg table
  repcount analyze dips.mp4 -e auto --json dips.json --csv reps.csv
  repcount analyze bridge.mp4 -e single_leg_bridge --annotate out.mp4 --report out.html
  repcount analyze track.npz -e clamshell                      a track from 'repcount pose'
  repcount analyze session/ -e auto --jobs 2 --csv all.csv     a batch: every video in a folder""",
    "live": """examples:
  repcount live --circuit                                      the default circuit, webcam 0
  repcount live --circuit my_plan.toml --record session.mp4 --report session.html
  repcount live --exercise single-leg-dip --reps 15 --mirror
  repcount live --source clip.mp4 --realtime -e clamshell --no-window --json out.json
keys in the window: n skip, r redo, space pause, q quit""",
    "history": """examples:
  repcount history                      the last 20 sessions
  repcount history --details            every block and the flagged left/right differences
  repcount history --plot trends.png    work per exercise and leg over the sessions
  repcount history --remove -1          forget the newest session""",
    "pose": """examples:
  repcount pose dips.mp4 -o dips.npz            record the landmark track once...
  repcount analyze dips.npz -e single-leg-dip   ...and count it without the model""",
    "models": """examples:
  repcount models                    which models are here, and do their checksums verify
  repcount models --download full    fetch one (the only network access repcount makes)""",
    "bench": """examples:
  repcount bench --set all --jobs 2                  every labelled set
  repcount bench --set clips --model lite,full       compare the models
  repcount bench --set corpus-test --compare before.json""",
    "synth": """examples:
  repcount synth --exercise clamshell --seed 7 --out clips/      one rendered clip with ground truth
  repcount synth --exercise all --view oblique --out clips/""",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="repcount", description=DESCRIPTION, epilog=EPILOG, formatter_class=raw)
    p.add_argument("--version", action="version", version=f"repcount {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        mod = importlib.import_module(f"repcount.commands.{module}")
        sp = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:],
                            epilog=EXAMPLES.get(name), formatter_class=raw)
        mod.configure(sp)
        sp.set_defaults(func=mod.run)
    return p


def _stop_on_signals() -> None:
    """Make SIGTERM and SIGHUP stop a run the way Ctrl-C does, so nothing recorded is lost.

    Without a handler Python dies at once on SIGTERM: no JSON, an unfinished video. The first
    signal raises :class:`Stopped` in the main thread; later ones are ignored while the run
    writes what it has (a second Ctrl-C still interrupts as usual).
    """
    def handler(signum: int, _frame: object) -> None:
        for s in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum, signal.Signals(signum).name)

    for s in (signal.SIGTERM, signal.SIGHUP):
        # A signal the parent told us to ignore (nohup) stays ignored.
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``repcount`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    handler: Handler = args.func
    _stop_on_signals()
    try:
        return handler(args)
    except RepcountError as exc:
        print(f"repcount: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        why = f" ({exc.name})" if isinstance(exc, Stopped) else ""
        print(f"repcount: interrupted{why}", file=sys.stderr)
        return interrupt_status(exc)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("REPCOUNT_DEBUG"):
            raise
        print(f"repcount: internal error: {type(exc).__name__}: {exc} "
              "(set REPCOUNT_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
