"""``--exercise auto`` on every labelled set: the rules against a small fitted model.

For every clip of every set this measures the recognition facts
(:func:`repcount.detectors.recognition.clip_facts`) on its full-model track (cached, as
``repcount bench`` uses), and prints, per set, the accuracy and confusion matrix of

* ``rules``: the hand-written rules (:func:`~repcount.detectors.recognition.recognise_by_rules`);
* ``model``: a multinomial logistic regression over :func:`fact_vector` (plain numpy), fitted on
  the corpus's tune half plus the real clips, overruling the rules whenever it names a circuit
  exercise. A real clip is scored by a model fitted without it (leave one out); the other sets
  were never fitted on. Its penalty is chosen by cross-validation on the training clips.
* ``combined``: the same model combined with the rules as ``recognise`` does
  (:func:`~repcount.detectors.recognition.combine`: the rules decide whether it is a circuit
  exercise at all, the model which one).
* ``shipped``: ``combined`` with the model file in ``src/repcount/data`` (fitted on every
  training clip, so on the real clips it is not a held-out figure).

``--fit`` writes the model fitted on all of its training clips to ``src/repcount/data``.

Usage: ``python benchmarks/recognition.py [--fit] [--json OUT]``
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from repcount.commands.bench import track_of
from repcount.detectors import recognition as R
from repcount.detectors.recognition_model import (
    BRIDGE,
    MODEL_PATH,
    NOT_CIRCUIT,
    LogisticModel,
    fit_logistic,
    shipped_model,
    target_of,
)
from repcount.evaluation.datasets import SET_NAMES, dataset
from repcount.pose.models import resolve

TRAIN_SETS = ("corpus-tune", "clips")
#: Answers compared: the rules, the model overruling them, the two combined as ``recognise``
#: does, and the shipped model file combined (fitted on every training clip, the real ones too).
COLUMNS = ("rules", "model", "combined", "shipped")
#: Penalties tried; the one that cross-validates best on the training clips is kept.
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)


def code_key() -> str:
    """A digest of the code the cached answers come from (signals and detectors).

    The cache holds the rules' and the hold detector's answers, not only the facts: a change to
    either must measure again, or the figures printed are the old code's.
    """
    import hashlib

    import repcount

    root = Path(repcount.__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*root.glob("signals/**/*.py"), *root.glob("detectors/**/*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def measure(cache: Path | None) -> list[dict[str, object]]:
    """Facts, rule answer and label of every clip of every set (cached in ``cache``).

    The cache is used only when it was written by the same code (:func:`code_key`).
    """
    key = code_key()
    if cache is not None and cache.is_file():
        stored = pickle.loads(cache.read_bytes())  # our own file, written below
        if isinstance(stored, dict) and stored.get("key") == key:
            return list(stored["rows"])
    model = resolve("full")
    rows: list[dict[str, object]] = []
    for name in SET_NAMES:
        ds = dataset(name)
        if not ds.available():
            print(f"{name}: not here, skipped", file=sys.stderr)
            continue
        for lab in ds.labels():
            track, _ = track_of(lab, model, True, name, 1)
            samples = list(track.samples())
            facts = R.clip_facts(samples)
            rule, _why = R.recognise_by_rules(samples, facts)
            rows.append({"set": name, "file": lab.file, "truth": lab.exercise if lab.ours else None,
                         "rules": rule, "vector": R.fact_vector(facts) if facts else None,
                         "bridge_or_hold": R.bridge_or_hold(samples)[0]})
            print(f"{name:12s} {lab.file:44s} {lab.exercise:24s} rules={rule}", file=sys.stderr)
    if cache is not None:
        cache.write_bytes(pickle.dumps({"key": key, "rows": rows}))
    return rows


def predict(model: LogisticModel, row: dict[str, object]) -> str | None:
    """The combined answer for one measured clip, as ``recognise`` gives it."""
    vec = row["vector"]
    if not isinstance(vec, dict):
        return row["rules"]  # type: ignore[return-value]
    return R.combine(model.predict(vec), str(row["bridge_or_hold"]), row["rules"])  # type: ignore[arg-type]


def model_alone(model: LogisticModel, row: dict[str, object]) -> str | None:
    """The model's own answer (its not-circuit class deferring to the rules), overruling them."""
    vec = row["vector"]
    if not isinstance(vec, dict):
        return row["rules"]  # type: ignore[return-value]
    name, p = model.predict(vec)
    if name == NOT_CIRCUIT or p < R.MIN_MODEL_P:
        return row["rules"]  # type: ignore[return-value]
    return str(row["bridge_or_hold"]) if name == BRIDGE else name


def confusion(pairs: list[tuple[str | None, str | None]]) -> str:
    """A small confusion matrix (rows: truth, columns: answer)."""
    names = sorted({str(t) for t, _ in pairs} | {str(a) for _, a in pairs})
    short = {n: n.replace("single_leg_", "sl_")[:12] for n in names}
    out = [" " * 24 + " ".join(f"{short[n]:>12s}" for n in names)]
    counts = Counter((str(t), str(a)) for t, a in pairs)
    for t in names:
        if any(tt == t for tt, _ in counts):
            out.append(f"{t:24s}" + " ".join(f"{counts.get((t, a), 0) or '.':>12}" for a in names))
    return "\n".join(out)


def fitter(l2: float) -> Callable[[list[dict[str, object]]], LogisticModel]:
    """Fit a model on measured rows with penalty ``l2``."""
    def fit(rs: list[dict[str, object]]) -> LogisticModel:
        return fit_logistic([r["vector"] for r in rs], [target_of(r["truth"]) for r in rs], l2=l2)  # type: ignore[misc]
    return fit


def cross_validate(train: list[dict[str, object]], l2: float) -> float:
    """Accuracy on the training clips, each scored by a model fitted without it.

    The corpus's tune half in 4 folds, the real clips one at a time.
    """
    fit = fitter(l2)
    tune = [r for r in train if r["set"] == "corpus-tune"]
    held_out = [tune[k::4] for k in range(4)] + [[r] for r in train if r["set"] != "corpus-tune"]
    right = 0
    for held in held_out:
        m = fit([q for q in train if all(q is not h for h in held)])
        right += sum(predict(m, h) == h["truth"] for h in held)
    return right / len(train)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fit", action="store_true", help="write the fitted model to src/repcount/data")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/repcount_recognition_facts.pkl"),
                    help="where the measured facts are kept between runs (measured again when the "
                         "signals or detectors change)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--matrices", action="store_true", help="print the confusion matrices and every miss")
    args = ap.parse_args()
    rows = measure(args.cache)
    train = [r for r in rows if r["set"] in TRAIN_SETS and r["vector"] is not None]
    # The penalty is chosen on the training clips alone (cross-validated), never on a scored set.
    cv = {l2: cross_validate(train, l2) for l2 in L2_GRID}
    best = max(cv, key=lambda k: (cv[k], k))
    print("penalty (cross-validated on " + " + ".join(TRAIN_SETS) + "): "
          + ", ".join(f"l2={k:g} {v:.1%}" for k, v in cv.items()) + f"; chosen l2={best:g}")
    fit = fitter(best)
    full = fit(train)
    shipped = shipped_model()
    answers: dict[str, list[tuple[str | None, str | None]]] = {}
    figures: dict[str, dict[str, object]] = {}
    for r in rows:
        m = fit([q for q in train if q is not r]) if r["set"] == "clips" else full  # clips: left out
        r["model"] = model_alone(m, r)
        r["combined"] = predict(m, r)
        r["shipped"] = predict(shipped, r) if shipped else r["rules"]
    print(f"{'set':12s} {'clips':>5s} {'rules':>7s} {'model':>7s} {'combined':>9s} {'shipped':>8s}"
          f"   (fitted on {', '.join(TRAIN_SETS)}; real clips left out one at a time, except shipped)")
    for name in SET_NAMES:
        rs = [r for r in rows if r["set"] == name]
        if not rs:
            continue
        fig = {k: sum(r[k] == r["truth"] for r in rs) / len(rs) for k in COLUMNS}
        figures[name] = {"clips": len(rs), **fig}
        print(f"{name:12s} {len(rs):5d} {fig['rules']:7.0%} {fig['model']:7.0%} {fig['combined']:9.0%} "
              f"{fig['shipped']:8.0%}")
        for k in COLUMNS:
            answers[f"{name}/{k}"] = [(r["truth"], r[k]) for r in rs]  # type: ignore[misc]
    if args.matrices:
        for key, pairs in answers.items():
            print(f"\n{key}\n{confusion(pairs)}")
        print("\nmisses:")
        for r in rows:
            if any(r[k] != r["truth"] for k in COLUMNS):
                print(f"  {r['set']:12s} {r['file'][:40]:40s} truth={r['truth']} rules={r['rules']} "
                      f"model={r['model']} combined={r['combined']}")
    if args.fit:
        full.save(MODEL_PATH)
        print(f"wrote {MODEL_PATH} ({len(train)} clips, l2={best:g})")
    if args.json:
        args.json.write_text(json.dumps({"cv": cv, "l2": best, "figures": figures, "rows": [
            {k: v for k, v in r.items() if k != "vector"} for r in rows]}, indent=1))


if __name__ == "__main__":
    main()
