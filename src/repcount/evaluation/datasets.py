"""The labelled sets repcount is measured on, and where each clip's landmark track comes from.

- ``clips``: the real hand-counted clips in ``../shared/clips`` (``REPCOUNT_SHARED_DIR`` moves
  ``../shared``);
- ``synthetic``: clips from an independent renderer in ``../shared/synthetic``;
- ``samples``: the committed ``sample_videos``;
- ``corpus-tune`` / ``corpus-test``: the two halves (by seed) of the randomised corpus rendered by
  ``repcount synth --variety wide``, whose landmark tracks (full model) are committed in
  ``benchmarks/corpus/tracks``: constants are tuned on the first half only.

A video clip's track is the model's (from the track cache, recorded when missing); a corpus
clip's is its committed track, so the corpus needs neither videos nor a model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from repcount.evaluation.labels import Label, load_labels

SET_NAMES = ("clips", "synthetic", "samples", "corpus-tune", "corpus-test")
#: The sets a plain ``repcount bench`` scores: everything not used for tuning.
DEFAULT_SETS = ("clips", "synthetic", "samples", "corpus-test")


def checkout_root() -> Path:
    """The repository checkout (where ``sample_videos`` and ``benchmarks`` are)."""
    here = Path(__file__).resolve().parents[3]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def shared_dir() -> Path:
    """The shared data folder (``REPCOUNT_SHARED_DIR`` or ``../shared`` beside the checkout)."""
    env = os.environ.get("REPCOUNT_SHARED_DIR")
    return Path(env) if env else checkout_root().parent / "shared"


@dataclass(frozen=True)
class DataSet:
    """A named labelled set: its labels file and (for the corpus) the split it keeps."""

    name: str
    labels_path: Path
    split: str = ""

    def available(self) -> bool:
        """Whether its labels file is there."""
        return self.labels_path.is_file()

    def labels(self) -> list[Label]:
        """The set's labels (the split's half for the corpus)."""
        labs = load_labels(self.labels_path)
        return [lab for lab in labs if not self.split or lab.split == self.split]


def dataset(name: str) -> DataSet:
    """A known set by name.

    Raises:
        KeyError: for an unknown name.

    """
    root = checkout_root()
    known = {
        "clips": DataSet("clips", shared_dir() / "clips" / "labels.json"),
        "synthetic": DataSet("synthetic", shared_dir() / "synthetic" / "labels.json"),
        "samples": DataSet("samples", root / "sample_videos" / "labels.json"),
        "corpus-tune": DataSet("corpus-tune", root / "benchmarks" / "corpus" / "labels.json", "tune"),
        "corpus-test": DataSet("corpus-test", root / "benchmarks" / "corpus" / "labels.json", "test"),
    }
    return known[name]


def sample_track(label: Label) -> Path:
    """Where the committed track of a sample video is (``benchmarks/tracks/sample_videos``)."""
    return checkout_root() / "benchmarks" / "tracks" / "sample_videos" / f"{label.stem}.npz"
