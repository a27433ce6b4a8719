"""The fitted recogniser's numpy core: fitting, prediction, the file round trip, and combining."""

from __future__ import annotations

import numpy as np

from repcount.detectors.recognition import combine
from repcount.detectors.recognition_model import BRIDGE, NOT_CIRCUIT, LogisticModel, fit_logistic, target_of


def _blobs(seed: int, n: int) -> tuple[list[dict[str, float]], list[str]]:
    """Three classes centred apart on two informative facts, plus one fact of pure noise."""
    rng = np.random.default_rng(seed)
    centres = {"clamshell": (0.0, 3.0), "single_leg_dip": (3.0, 0.0), NOT_CIRCUIT: (-3.0, -3.0)}
    vecs, ys = [], []
    for name, (a, b) in centres.items():
        for _ in range(n):
            vecs.append({"a": a + rng.normal(), "b": 10 * (b + rng.normal()), "noise": rng.normal()})
            ys.append(name)
    return vecs, ys


def test_fit_separates_held_out_points() -> None:
    vecs, ys = _blobs(0, 30)
    model = fit_logistic(vecs, ys)
    test_v, test_y = _blobs(1, 50)
    right = sum(model.predict(v)[0] == y for v, y in zip(test_v, test_y))
    assert right / len(test_y) > 0.95
    p = model.probabilities(test_v[0])
    assert abs(sum(p.values()) - 1) < 1e-9


def test_class_weights_keep_a_small_class() -> None:
    vecs, ys = _blobs(2, 40)
    # Keep only 4 of the not-circuit clips: weighting by class size must still find them.
    keep = [i for i, y in enumerate(ys) if y != NOT_CIRCUIT or i % 10 == 0]
    model = fit_logistic([vecs[i] for i in keep], [ys[i] for i in keep])
    test_v, test_y = _blobs(3, 50)
    small = [v for v, y in zip(test_v, test_y) if y == NOT_CIRCUIT]
    assert sum(model.predict(v)[0] == NOT_CIRCUIT for v in small) / len(small) > 0.9


def test_save_load_round_trip(tmp_path) -> None:
    vecs, ys = _blobs(4, 20)
    model = fit_logistic(vecs, ys)
    model.save(tmp_path / "m.json")
    back = LogisticModel.load(tmp_path / "m.json")
    for v in vecs[:10]:
        a, b = model.probabilities(v), back.probabilities(v)
        assert all(abs(a[k] - b[k]) < 1e-4 for k in a)
    # A fact the file does not know is ignored; a missing one counts as 0.
    assert back.predict({"a": 3.0, "b": 0.0, "extra": 99.0})[0] == "single_leg_dip"


def test_targets_and_combining() -> None:
    assert target_of("single_leg_bridge") == target_of("single_leg_bridge_hold") == BRIDGE
    assert target_of("squat") == target_of(None) == NOT_CIRCUIT
    assert target_of("clamshell") == "clamshell"
    # Among the circuit's exercises a sure model answer wins; the bridge class takes the hold
    # detector's call.
    assert combine(("single_leg_dip", 0.9), "", "clamshell") == "single_leg_dip"
    assert combine((BRIDGE, 0.8), "single_leg_bridge_hold", "clamshell") == "single_leg_bridge_hold"
    # A non-circuit exercise the rules name stands; so does their answer when the model is unsure
    # or sees no circuit exercise.
    assert combine(("single_leg_dip", 0.99), "", "squat") == "squat"
    assert combine((NOT_CIRCUIT, 0.9), "", "clamshell") == "clamshell"
    assert combine(("clamshell", 0.3), "", "prone_leg_lift") == "prone_leg_lift"
    assert combine(("clamshell", 0.99), "", None) is None
