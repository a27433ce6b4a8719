"""`repcount bench`: metrics on known numbers, labels validation, report shape, jobs, Ctrl-C."""

import json
from pathlib import Path

import pytest
from rich.console import Console

from conftest import CLIPS, needs_clips
from repcount.cli import main
from repcount.commands.bench import (
    BenchReport,
    BenchRun,
    ClipRow,
    Label,
    load_labels,
    model_agreement,
    regressions,
)
from repcount.errors import InputError
from repcount.evaluation.labels import LabelledSet
from repcount.evaluation.metrics import (
    norm_abs_error,
    off_by_one,
    score,
    side_correct,
    summarise,
    total_hold_s,
)
from repcount.evaluation.plain_peaks import plain_peaks_count
from repcount.pose.models import ModelInfo
from repcount.records import Hold, Rep
from repcount.ui.bench_report import print_report

TIMING = {"wall_s", "pose_fps", "detect_fps", "cached"}


def lab(exercise="squat", reps=5, holds=(), index=0, file="c.mp4", side="both", sets=()):
    return Label(index, file, Path(file), exercise, reps, tuple(holds), side=side, sets=tuple(sets))


def reps(*sides, t0=1.0):
    return [Rep(i + 1, s, t0 + 2 * i, t0 + 2 * i + 0.5, t0 + 2 * i + 1.0, 30.0) for i, s in enumerate(sides)]


# ----------------------------------------------------------------------------- metrics
def test_norm_abs_error_and_obo():
    assert norm_abs_error(4, 5) == pytest.approx(0.2)
    assert norm_abs_error(7, 5) == pytest.approx(0.4)
    assert norm_abs_error(5, 5) == 0.0
    assert norm_abs_error(0, 3) == 1.0
    assert norm_abs_error(3, None) is None  # hold-only label
    assert norm_abs_error(2, 0) is None  # undefined, not infinite
    assert off_by_one(4, 5) and off_by_one(6, 5) and off_by_one(5, 5)
    assert not off_by_one(3, 5) and not off_by_one(7, 5)
    assert off_by_one(3, None) is None
    assert total_hold_s([(1.0, 4.5), (10.0, 12.0)]) == pytest.approx(5.5)


def test_score_rep_clip_and_baseline():
    r = score(lab(reps=5), reps("both", "both", "both", "both"), [], has_hold_detector=False,
              auto="squat", auto_checked=True, baseline=7)
    assert (r.counted_reps, r.norm_error, r.obo, r.auto_ok) == (4, pytest.approx(0.2), True, True)
    assert r.baseline_error == pytest.approx(0.4) and not r.worse_than_baseline
    assert r.true_hold_s is None and r.hold_error_s is None and r.side_ok is None  # two-leg exercise
    worse = score(lab(reps=5), reps("both"), [], has_hold_detector=False, baseline=5)
    assert worse.worse_than_baseline


def test_score_hold_only_label():
    r = score(lab("single_leg_bridge_hold", None, [(2.0, 22.0)], side="left"), [],
              [Hold("left", 2.5, 21.0)], has_hold_detector=True)
    assert r.counted_reps is None and r.norm_error is None and r.obo is None
    assert r.true_hold_s == 20.0 and r.counted_hold_s == 18.5 and r.hold_error_s == pytest.approx(1.5)
    assert r.side_ok is True and r.auto_ok is None  # recognition did not run
    assert score(lab("single_leg_bridge_hold", None, [(2.0, 22.0)], side="left"), [],
                 [Hold("right", 2.5, 21.0)], has_hold_detector=True).side_ok is False


def test_side_accuracy_single_side_and_switch():
    one = lab("single_leg_dip", 4, side="right")
    assert side_correct(one, reps("right", "right", "right", "right"), []) is True
    assert side_correct(one, reps("right", "right", "left", "right"), []) is False  # 75 % < 90 %
    assert side_correct(one, [], []) is False  # nothing counted on a per-leg clip
    switch = lab("single_leg_dip", 4, side="switch",
                 sets=[LabelledSet("left", 0.0, 4.6, 2), LabelledSet("right", 4.8, 9.0, 2)])
    assert side_correct(switch, reps("left", "left", "right", "right"), []) is True
    assert side_correct(switch, reps("left", "left", "left", "left"), []) is False
    assert side_correct(lab("prone_leg_lift", 4, side="both"), reps("both"), []) is None


def test_score_other_is_right_when_not_recognised():
    ok = score(lab("other", 6), [], [], has_hold_detector=False, auto=None, auto_checked=True)
    assert ok.auto_ok is True and ok.norm_error is None and ok.obo is None
    bad = score(lab("other", 6), reps("both"), [], has_hold_detector=False, auto="squat", auto_checked=True)
    assert bad.auto_ok is False and bad.norm_error is None
    # An exercise we have no detector for is "other" too.
    assert score(lab("plank", None), [], [], has_hold_detector=False, auto_checked=True).auto_ok is True


def rows():
    return [
        ClipRow(0, "a.mp4", "squat", "side", 5, counted_reps=4, norm_error=0.2, obo=True, baseline_error=0.4,
                baseline_reps=7, rejected={"foot_moved": 2}),
        ClipRow(1, "b.mp4", "squat", "front", 4, counted_reps=6, norm_error=0.5, obo=False,
                baseline_error=0.0, baseline_reps=4),
        ClipRow(2, "c.mp4", "single_leg_bridge_hold", "side", None, true_hold_s=20.0,
                counted_hold_s=17.0, hold_error_s=3.0, side_ok=True),
        ClipRow(3, "d.mp4", "other", "side", 6, counted_reps=0, auto=None, auto_ok=True),
        ClipRow(4, "e.mp4", "squat", "side", 3, error="no such file"),
    ]


def test_summarise_known_numbers():
    per, overall = summarise(rows())
    assert [d["exercise"] for d in per] == ["squat", "single_leg_bridge_hold", "other"]
    sq = per[0]
    assert sq["n"] == 3 and sq["n_counted"] == 2 and sq["errors"] == 1
    assert sq["mae"] == pytest.approx(0.35) and sq["obo"] == pytest.approx(0.5)
    assert sq["baseline_mae"] == pytest.approx(0.2) and sq["worse_than_baseline"] == 1
    assert sq["rejected"] == {"foot_moved": 2}
    hold = per[1]
    assert hold["n_counted"] == 0 and hold["mae"] is None and hold["mean_hold_error_s"] == 3.0
    assert hold["side_acc"] == 1.0 and hold["n_sided"] == 1
    assert per[2]["auto_ok"] == 1 and per[2]["auto_n"] == 1 and per[2]["mae"] is None
    assert overall["n"] == 5 and overall["n_counted"] == 2 and overall["errors"] == 1
    assert overall["mae"] == pytest.approx(0.35) and overall["obo"] == pytest.approx(0.5)


def test_report_json_tables_and_model_agreement():
    full = BenchRun("clips", "full", rows())
    lite_rows = rows()
    lite_rows[0] = ClipRow(0, "a.mp4", "squat", "side", 5, counted_reps=5, norm_error=0.0, obo=True)
    rep = BenchReport([full, BenchRun("clips", "lite", lite_rows)], 1, True, wall_s=1.5)
    doc = rep.to_json()
    assert set(doc) >= {"jobs", "use_cache", "interrupted", "runs", "agreement"}
    assert doc["runs"][0]["clips"][0]["norm_error"] == 0.2 and doc["runs"][0]["overall"]["mae"] == 0.35
    json.dumps(doc, allow_nan=False)  # strict JSON: no NaN
    (dis,) = model_agreement(rep.runs)
    assert dis["file"] == "a.mp4" and dis["counts"] == {"full": 4, "lite": 5}
    con = Console(record=True, width=100)
    print_report(rep, con)
    text = con.export_text()
    for word in ("clips · model full", "MAE", "OBO", "plain", "timing s", "0.350", "no such file",
                 "further from the truth than plain peaks", "withheld movements: foot_moved 2",
                 "models disagree on 1 clip"):
        assert word in text, word
    assert max(len(line) for line in text.splitlines()) <= 100


def test_rep_timing_error_against_labelled_rep_times():
    from repcount.evaluation.metrics import rep_timing_error_s
    from repcount.records import Rep

    truth = [(1.0, 3.0), (4.0, 6.0), (7.0, 9.0)]
    # Counted 0.2 s late at the start and 0.4 s early at the end; the third rep was missed and an
    # extra movement far away is not matched to anything.
    reps = [Rep(1, "left", s + 0.2, s + 1.0, e - 0.4, 40.0) for s, e in truth[:2]]
    reps.append(Rep(3, "left", 20.0, 21.0, 22.0, 40.0))
    assert rep_timing_error_s(truth, reps) == pytest.approx(0.3)
    assert rep_timing_error_s([], reps) is None and rep_timing_error_s(truth, []) is None


def test_regressions_against_baseline():
    base = {"exercises": {"squat": {"mae": 0.35, "obo": 0.5, "auto_ok": 0},
                          "single_leg_bridge_hold": {"mae": None, "mean_hold_error_s": 2.0}}}
    ok = [r for r in rows() if r.error is None]
    assert regressions(ok, base) == ["single_leg_bridge_hold: mean hold error 3.0 s > baseline 2.0 s"]
    base["exercises"]["single_leg_bridge_hold"]["mean_hold_error_s"] = 3.0
    assert regressions(ok, base) == []
    base["exercises"]["squat"]["mae"] = 0.3
    assert regressions(ok, base) == ["squat: MAE 0.35 > baseline 0.3"]


def test_plain_peaks_counts_a_clean_knee_cycle():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from simulate import SimSpec, simulate

    track, truth = simulate(SimSpec(exercise="squat", reps=6, lead_in_s=0.0, seed=3))
    assert plain_peaks_count("squat", list(track.samples())) == len(truth.reps) == 6
    assert plain_peaks_count("burpee", list(track.samples())) is None


# ----------------------------------------------------------------------------- labels
@pytest.mark.parametrize("text, msg", [
    (None, "no such labels file"),
    ("{", "not valid JSON"),
    ('{"file": "a.mp4"}', "must be a JSON list"),
    ("[]", "lists no clips"),
    ('[{"exercise": "squat", "reps": 3}]', "has no 'file'"),
    ('[{"file": "a.mp4", "reps": 3}]', "has no 'exercise'"),
    ('[{"file": "a.mp4", "exercise": "squat", "reps": "3"}]', "'reps' must be"),
    ('[{"file": "a.mp4", "exercise": "squat", "reps": true}]', "'reps' must be"),
    ('[{"file": "a.mp4", "exercise": "squat", "reps": 3, "holds": [1, 2]}]', "'holds' must be"),
    ('[{"file": "a.mp4", "exercise": "squat", "reps": 3, "rep_sides": [1]}]', "'rep_sides' must be"),
    ('[{"file": "a.mp4", "exercise": "squat", "reps": 3, "sets": [{"side": "left"}]}]', "each set needs"),
])
def test_bad_labels_file(tmp_path, text, msg):
    p = tmp_path / "labels.json"
    if text is not None:
        p.write_text(text)
    with pytest.raises(InputError, match=msg):
        load_labels(p)


def test_bad_labels_file_cli(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such labels file" in err


def test_labels_paths_relative_to_labels_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    p = tmp_path / "sub" / "labels.json"
    p.write_text('[{"file": "x/clip.mp4", "exercise": "squat", "reps": 3, "holds": [[1, 2.5]]},'
                 ' {"file": "/abs/c.mp4", "exercise": "other", "reps": null, "track": "t/c.npz"}]')
    a, b = load_labels(p)
    assert a.path == (tmp_path / "sub" / "x" / "clip.mp4").resolve() and a.holds == ((1.0, 2.5),)
    assert b.path == Path("/abs/c.mp4") and b.reps is None and not b.ours and a.ours
    assert b.track == (tmp_path / "sub" / "t" / "c.npz").resolve()


# ----------------------------------------------------------------------------- run()
FAKE_MODEL = ModelInfo("fake", Path("fake.task"), "path", "0" * 64, None)


def test_ctrl_c_writes_partial_json(tmp_path, monkeypatch, capsys):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"file": f"c{i}.mp4", "exercise": "squat", "reps": 3} for i in range(3)]))
    calls = []

    def fake_measure(job, use_cache=True):
        calls.append(job.label.file)
        if job.label.index == 1:
            raise KeyboardInterrupt
        return score(job.label, reps("both", "both", "both"), [], has_hold_detector=False)

    monkeypatch.setattr("repcount.commands.bench.measure_clip", fake_measure)
    monkeypatch.setattr("repcount.pose.models.resolve", lambda name, **kw: FAKE_MODEL)
    out = tmp_path / "out.json"
    assert main(["bench", str(labels), "--json", str(out)]) == 130
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and [c["file"] for c in doc["runs"][0]["clips"]] == ["c0.mp4"]
    assert calls == ["c0.mp4", "c1.mp4"]
    assert "interrupted after 1 of 3 clips" in capsys.readouterr().err


def test_missing_clip_is_a_row_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"file": "nope.mp4", "exercise": "squat", "reps": 3}]))
    monkeypatch.setattr("repcount.pose.models.resolve", lambda name, **kw: FAKE_MODEL)
    out = tmp_path / "out.json"
    assert main(["bench", str(labels), "--json", str(out), "-q"]) == 2
    doc = json.loads(out.read_text())
    assert "no such file" in doc["runs"][0]["clips"][0]["error"] and doc["runs"][0]["overall"]["errors"] == 1
    assert "1 of 1 clips could not be analysed" in capsys.readouterr().err


def test_jobs_must_be_positive_and_sets_known(tmp_path, capsys):
    labels = tmp_path / "labels.json"
    labels.write_text('[{"file": "a.mp4", "exercise": "squat", "reps": 3}]')
    assert main(["bench", str(labels), "--jobs", "0"]) == 2
    assert main(["bench", "--set", "nonsense"]) == 2
    assert "unknown set 'nonsense'" in capsys.readouterr().err


def test_samples_set_scores_the_committed_tracks(tmp_path):
    """The default sets work from a clean checkout: sample videos through committed tracks."""
    out = tmp_path / "b.json"
    assert main(["bench", "--set", "samples", "--json", str(out), "-q"]) == 0
    (run,) = json.loads(out.read_text())["runs"]
    assert run["set"] == "samples"
    assert len(run["clips"]) == len(load_labels(Path("sample_videos/labels.json")))
    assert all(c["cached"] and c["error"] is None for c in run["clips"])


# ----------------------------------------------------------------------------- real clips
@needs_clips
@pytest.mark.e2e
def test_jobs_2_equals_jobs_1_and_second_run_is_cached(tmp_path):
    # Two short clips (about 7 s of model time together), one of them not ours.
    entries = [e for e in json.loads((CLIPS / "labels.json").read_text())
               if e["file"] in ("clamshell_sidelying_loop5_a.mp4", "other_donkey_kick_a.mp4")]
    assert len(entries) == 2
    for e in entries:
        e["file"] = str(CLIPS / e["file"])  # absolute paths from a labels file elsewhere
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(entries))
    out2, out1 = tmp_path / "j2.json", tmp_path / "j1.json"
    assert main(["bench", str(labels), "--jobs", "2", "--json", str(out2), "-q"]) == 0  # cold: the model
    assert main(["bench", str(labels), "--jobs", "1", "--json", str(out1), "-q"]) == 0  # from the cache
    (r2,), (r1,) = json.loads(out2.read_text())["runs"], json.loads(out1.read_text())["runs"]
    assert [c["file"] for c in r2["clips"]] == [e["file"] for e in entries]  # label order
    strip = [{k: v for k, v in c.items() if k not in TIMING} for c in r2["clips"]]
    assert strip == [{k: v for k, v in c.items() if k not in TIMING} for c in r1["clips"]]
    assert r2["exercises"] == r1["exercises"]
    assert not any(c["cached"] for c in r2["clips"]) and all(c["cached"] for c in r1["clips"])
    assert all(c["pose_fps"] > 0 for c in r2["clips"])
    clam, other = r1["clips"]
    assert clam["true_reps"] == 5 and clam["counted_reps"] is not None and clam["auto_ok"] is not None
    assert other["norm_error"] is None and other["auto_ok"] is not None
