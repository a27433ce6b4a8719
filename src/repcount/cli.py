"""Command-line interface: ``repcount analyze|live|pose|models|bench|history|synth``.

The one place errors become exit statuses: every user error ends as one line on stderr and a
non-zero exit status, never a traceback (set ``REPCOUNT_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from repcount import __version__
from repcount.errors import RepcountError

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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    p = argparse.ArgumentParser(prog="repcount", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"repcount {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in COMMANDS:
        mod = importlib.import_module(f"repcount.commands.{module}")
        sp = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:])
        mod.configure(sp)
        sp.set_defaults(func=mod.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``repcount`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    handler: Handler = args.func
    try:
        return handler(args)
    except RepcountError as exc:
        print(f"repcount: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("repcount: interrupted", file=sys.stderr)
        return 130
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
