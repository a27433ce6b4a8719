"""Accuracy on every labelled set, against each set's ground truth: the goals and a ratchet.

Sets (see ``repcount.evaluation.datasets``): the sample videos and both halves of the randomised
corpus (committed tracks), and, when ``../shared`` is present and its tracks are recorded
(``pytest --record-shared``, about 5 minutes once per checkout), the real clips and the
independent renderer's clips.

- Goals (marker ``goals``, not in the default run until they are met: ``pytest -m goals``), on
  each set separately: MAE <= 0.05, OBO >= 0.95, reps on the right leg on >= 95 % of per-leg
  clips, every hold within 0.5 s, and MAE no worse than the plain-peaks baseline.
- Ratchet (default run): per set and exercise, no figure worse than ``benchmarks/baseline.json``
  (written by ``python benchmarks/make_baseline.py`` after a deliberate change).

The numbers come from the labels (hand counts, or the renderers' exact timelines), never from
the detectors themselves.
"""

import json

import pytest

from conftest import ROOT, SHARED
from repcount.evaluation.baseline import regressions
from repcount.evaluation.metrics import summarise

BASELINE = ROOT / "benchmarks" / "baseline.json"
MAE_GOAL, OBO_GOAL, SIDE_GOAL, HOLD_GOAL_S = 0.05, 0.95, 0.95, 0.5
SETS = ["samples", "corpus-tune", "corpus-test", "clips", "synthetic"]

pytestmark = pytest.mark.slow


def rows_of(accuracy_rows, name):
    if name in accuracy_rows["unrecorded"]:
        pytest.skip(f"set {name}: its clips' tracks are not recorded yet (pytest --record-shared, "
                    "about 5 minutes once per checkout)")
    if name not in accuracy_rows:
        where = SHARED if name in ("clips", "synthetic") else ROOT / "benchmarks" / "corpus"
        pytest.skip(f"set {name} not found (looked in {where})")
    return accuracy_rows[name]


def describe(rows):
    return "; ".join(f"{r.file}: {r.counted_reps}/{r.true_reps} {r.per_side} side_ok={r.side_ok} "
                     f"hold={r.counted_hold_s}/{r.true_hold_s}" for r in rows
                     if (r.norm_error or 0) > 0 or r.side_ok is False or (r.hold_error_s or 0) > HOLD_GOAL_S)


@pytest.mark.goals
@pytest.mark.parametrize("name", SETS)
def test_set_reaches_the_accuracy_goals(accuracy_rows, name):
    rows = rows_of(accuracy_rows, name)
    assert all(r.error is None for r in rows), [r.error for r in rows if r.error]
    _, o = summarise(rows)
    misses = []
    if o["mae"] is not None and o["mae"] > MAE_GOAL:
        misses.append(f"MAE {o['mae']:.3f} > {MAE_GOAL}")
    if o["obo"] is not None and o["obo"] < OBO_GOAL:
        misses.append(f"OBO {o['obo']:.2f} < {OBO_GOAL}")
    if o["side_acc"] is not None and o["side_acc"] < SIDE_GOAL:
        misses.append(f"side {o['side_acc']:.2f} < {SIDE_GOAL}")
    if o["max_hold_error_s"] is not None and o["max_hold_error_s"] > HOLD_GOAL_S:
        misses.append(f"hold error up to {o['max_hold_error_s']:.2f} s > {HOLD_GOAL_S} s")
    if o["mae"] is not None and o["baseline_mae"] is not None and o["mae"] > o["baseline_mae"] + 1e-9:
        misses.append(f"MAE {o['mae']:.3f} worse than plain peaks {o['baseline_mae']:.3f}")
    assert not misses, f"{name}: {misses} ({describe(rows)})"


@pytest.mark.parametrize("name", SETS)
def test_set_not_worse_than_baseline(accuracy_rows, name):
    rows = rows_of(accuracy_rows, name)
    if not BASELINE.is_file():
        pytest.fail("no baseline: run python benchmarks/make_baseline.py")
    baseline = json.loads(BASELINE.read_text()).get(name)
    if baseline is None:
        pytest.fail(f"set {name} is not in {BASELINE.name}: run python benchmarks/make_baseline.py")
    bad = regressions(rows, baseline)
    assert not bad, f"{name}: accuracy regressed: {bad} ({describe(rows)})"


def test_corpus_halves_are_the_seed_split():
    """Tuning and test halves are disjoint and split by seed parity, every clip has its
    committed track, and the corpus has at least 20 clips per circuit exercise."""
    labels = json.loads((ROOT / "benchmarks" / "corpus" / "labels.json").read_text())
    seeds = {half: {e["source"]["seed"] for e in labels if e["split"] == half} for half in ("tune", "test")}
    assert {e["split"] for e in labels} == {"tune", "test"}
    assert all(s % 2 == 0 for s in seeds["tune"]) and all(s % 2 == 1 for s in seeds["test"])
    per = {}
    for e in labels:
        per[e["exercise"]] = per.get(e["exercise"], 0) + 1
    assert all((ROOT / "benchmarks" / "corpus" / e["track"]).is_file() for e in labels)
    assert min(per.values()) >= 20, per


def test_regression_check_catches_a_worse_detector():
    """The comparison itself: a baseline better than reality fails, an equal one passes."""
    from repcount.evaluation.metrics import ClipRow

    rows = [ClipRow(0, "a.mp4", "squat", "side", 5, counted_reps=4, norm_error=0.2, obo=True)]
    assert regressions(rows, {"exercises": {"squat": {"mae": 0.2, "obo": 1.0}}}) == []
    assert regressions(rows, {"exercises": {"squat": {"mae": 0.0, "obo": 1.0}}})
    sided = [ClipRow(0, "a.mp4", "clamshell", "side", 5, counted_reps=5, norm_error=0.0, obo=True,
                     side_ok=False)]
    assert regressions(sided, {"exercises": {"clamshell": {"side_acc": 1.0}}})


@pytest.mark.goals
def test_corpus_reaches_its_planned_size():
    """Issue 9 asks for at least 140 corpus clips (the plan has 144; rendering is ~12 clips an
    hour on 2 cores, resumable: ``python benchmarks/make_corpus.py``)."""
    labels = json.loads((ROOT / "benchmarks" / "corpus" / "labels.json").read_text())
    assert len(labels) >= 140, len(labels)
