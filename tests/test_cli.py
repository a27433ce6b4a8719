"""CLI through main(argv): exit codes and one-line errors."""

import json
from pathlib import Path

import pytest

from repcount.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unknown_exercise_is_one_line_error(capsys, tmp_path):
    code, _, err = run(capsys, "analyze", str(tmp_path / "x.mp4"), "--exercise", "burpee")
    assert code == 2
    assert err.count("\n") == 1 and "unknown exercise 'burpee'" in err and "Traceback" not in err


def test_missing_video(capsys, tmp_path):
    code, _, err = run(capsys, "analyze", str(tmp_path / "nope.mp4"), "-e", "glute_bridge")
    assert code == 2 and "no such file" in err and err.count("\n") == 1


def test_unwritable_output(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    try:
        code, _, err = run(capsys, "analyze", str(video), "-e", "glute_bridge",
                           "--json", str(ro / "sub" / "o.json"))
    finally:
        ro.chmod(0o700)
    import os

    if os.geteuid() == 0:  # root can write anywhere; a directory path still fails
        code, _, err = run(capsys, "analyze", str(video), "-e", "glute_bridge", "--json", str(tmp_path))
    assert code == 4 and "cannot write" in err


def test_models_lists_each_model(capsys):
    code, out, _ = run(capsys, "models")
    for name in ("lite", "full", "heavy"):
        assert name in out
    assert code in (0, 1)


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "analyze" in out


def test_pose_then_replay_track(capsys, tmp_path):
    # A committed sample (5 reps on the right leg, labels in sample_videos/labels.json).
    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "synth_single_leg_dip_right_side_s1.mp4"
    code, out, _ = run(capsys, "pose", str(clip), "-o", str(tmp_path / "t.npz"), "--model", "lite", "-q")
    assert code == 0
    from repcount.pose.track import Track

    tr = Track.load(tmp_path / "t.npz")
    assert len(tr) == 501 and tr.found.mean() > 0.95 and tr.meta["model"] == "lite"
    # The track counts like its video, without the model.
    code, out, _ = run(capsys, "analyze", str(tmp_path / "t.npz"), "-e", "single-leg-dip",
                       "--json", str(tmp_path / "t.json"), "-q")
    assert code == 0
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["per_side"]["right"]["reps"] == 5 and doc["per_side"]["left"]["reps"] == 0
    assert doc["video"] == clip.name and doc["model"] == "lite"


@pytest.mark.parametrize("command", ["analyze", "live", "history", "pose", "models", "bench", "synth"])
def test_every_command_has_help_with_examples(capsys, command):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"repcount {command}" in out.split("examples:")[1]


def test_top_level_help_says_what_repcount_is(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "hamstring circuit" in out and "examples:" in out and "nothing is sent" in out


def test_misspelt_exercise_gets_did_you_mean(capsys):
    assert main(["analyze", "x.mp4", "-e", "single-leg-dipp"]) == 2
    err = capsys.readouterr().err
    assert "did you mean single_leg_dip" in err and err.count("\n") == 1
