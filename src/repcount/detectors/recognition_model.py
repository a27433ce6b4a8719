"""A small fitted recogniser: multinomial logistic regression over the recognition facts.

Plain numpy, fitted by ``benchmarks/recognition.py --fit`` on the randomised corpus's tune half
and the real clips, and shipped as a JSON file of weights (nothing is downloaded). It tells the
circuit's exercises apart, with the single-leg bridge and its hold as one class (which of the two
is decided by the hold detector), and ``not_circuit`` for everything else; what a
``not_circuit`` recording is (a squat, a push-up, nothing) is left to the rules.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "recognition_model.json"
#: The class the single-leg bridge and its hold share (they look alike in posture and motion).
BRIDGE = "single_leg_bridge_any"
#: The class of every recording that is not one of the circuit's exercises.
NOT_CIRCUIT = "not_circuit"
_CIRCUIT = ("single_leg_dip", "single_leg_bridge", "single_leg_bridge_hold", "prone_leg_lift",
            "ball_leg_curl", "clamshell")


def target_of(exercise: str | None) -> str:
    """The class a labelled exercise is fitted as."""
    if exercise in ("single_leg_bridge", "single_leg_bridge_hold"):
        return BRIDGE
    return exercise if exercise in _CIRCUIT else NOT_CIRCUIT


@dataclass(frozen=True)
class LogisticModel:
    """Weights of a fitted model: standardised features in a fixed order, one row per class."""

    features: tuple[str, ...]
    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)

    def probabilities(self, vector: dict[str, float]) -> dict[str, float]:
        """Each class's probability for one recording's facts (missing facts count as 0)."""
        x = (np.array([vector.get(k, 0.0) for k in self.features]) - self.mean) / self.scale
        z = self.weights @ x + self.bias
        p = np.exp(z - z.max())
        p /= p.sum()
        return dict(zip(self.classes, (float(q) for q in p)))

    def predict(self, vector: dict[str, float]) -> tuple[str, float]:
        """The likeliest class and its probability."""
        probs = self.probabilities(vector)
        best = max(probs, key=probs.__getitem__)
        return best, probs[best]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights as JSON."""
        doc = {"kind": "multinomial logistic regression over repcount recognition facts",
               "features": list(self.features), "classes": list(self.classes),
               "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
               "weights": self.weights.round(6).tolist(), "bias": self.bias.round(6).tolist()}
        Path(path).write_text(json.dumps(doc, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LogisticModel:
        """Read weights written by :meth:`save`."""
        doc = json.loads(Path(path).read_text())
        return cls(tuple(doc["features"]), tuple(doc["classes"]), np.array(doc["mean"]),
                   np.array(doc["scale"]), np.array(doc["weights"]), np.array(doc["bias"]))


@functools.cache
def shipped_model() -> LogisticModel | None:
    """The model file shipped in the package (read once), or None when it is not there."""
    return LogisticModel.load(MODEL_PATH) if MODEL_PATH.is_file() else None


def fit_logistic(vectors: Sequence[dict[str, float]], targets: Sequence[str], *, l2: float = 1.0,
                 steps: int = 3000, rate: float = 0.5) -> LogisticModel:
    """Fit by gradient descent on the mean cross-entropy plus ``l2`` × the squared weights / n.

    Classes are weighted by the inverse of their size, so a class with few clips (the real
    clips' other exercises) is not drowned by the corpus's. The strong L2 penalty keeps the
    weights small: with ~100 clips and ~40 facts, anything looser fits the clips, not the facts.
    """
    features = tuple(sorted(vectors[0]))
    classes = tuple(sorted(set(targets)))
    x = np.array([[v.get(k, 0.0) for k in features] for v in vectors], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = (x - mean) / scale
    y = np.array([classes.index(t) for t in targets])
    onehot = np.eye(len(classes))[y]
    size = onehot.sum(axis=0)
    sample_w = (len(y) / (len(classes) * size))[y]
    w = np.zeros((len(classes), len(features)))
    b = np.zeros(len(classes))
    n = len(y)
    for _ in range(steps):
        z = x @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None] / n
        w -= rate * (g.T @ x + l2 * w / n)
        b -= rate * g.sum(axis=0)
    return LogisticModel(features, classes, mean, scale, w, b)
