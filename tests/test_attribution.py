"""The judge's side and gates on hand-made frame records: one fact at a time, with its negative."""

import numpy as np
import pytest

from repcount.detectors import get_exercise
from repcount.detectors.attribution import FrameRecord, History, Judge
from repcount.detectors.peaks import Candidate
from repcount.records import Rep

FPS = 30.0
LEG = 200.0  # pixels of one leg length


def _dip_records(lift_left: bool) -> History:
    """Right leg standing on the box, then at 10-11.2 s the left knee bends 50 degrees.

    With ``lift_left`` the left foot rises with it (the left leg lifted onto the box: a step);
    without, the left foot stays where it hangs (the far leg drawn bending on the spot).
    """
    h = History()
    for t in np.arange(0.0, 13.0, 1 / FPS):
        u = float(np.clip((t - 10.0) / 1.2, 0.0, 1.0))
        bump = float(np.sin(np.pi * u))
        h.record(FrameRecord(
            t=float(t), sig_left=165.0 - 50.0 * bump, sig_right=175.0 - 3.0 * bump,
            ankle_left_x=300.0 + (0.25 * LEG * bump if lift_left else 0.0),
            ankle_left_y=420.0 - (0.25 * LEG * bump if lift_left else 0.0),
            ankle_right_x=320.0, ankle_right_y=400.0, ankle_vis_left=0.9, ankle_vis_right=0.9,
            leg_px=LEG, tilt=2.0, hip_left_y=250.0, hip_right_y=250.0, shoulder_left_x=310.0,
            shoulder_right_x=310.0, shoulder_left_y=100.0, shoulder_right_y=100.0))
    return h


@pytest.mark.parametrize("lift_left", [True, False])
def test_a_knee_bending_over_its_own_moving_foot_is_that_leg_lifted(lift_left):
    """During a set of right-leg dips, the left knee bends while the left foot moves: a step onto
    the box, which is the left leg's movement (withheld by the foot gate), not a right-leg dip.
    Negative control: the same knee bend over a still left foot is a left-leg movement that no
    foot gate withholds. (Before the rule, the moving foot's evidence cancelled the knee's and the
    ambiguous movement went to the set's leg: an extra right-leg dip.)"""
    exdef = get_exercise("single_leg_dip")
    h = _dip_records(lift_left)
    judge = Judge(exdef, None, h)
    judge.add(Rep(1, "right", 6.0, 7.0, 8.0, 60.0), "right")  # the set so far
    c = Candidate(peak_s=10.6, start_s=10.0, end_s=11.2, prominence=50.0, depth=50.0)
    side = judge.side_of(c, "left", 11.3)
    assert side == "left"
    assert judge.gate(c, "left", 11.3)[0] == ("foot_moved" if lift_left else "")


def _rep(side, t):
    return Rep(0, side, t, t + 1.0, t + 2.0, 40.0)


@pytest.mark.parametrize("gap_before, gap_after, expected", [(5.0, 1.0, "left"), (1.0, 5.0, "right")])
def test_a_side_less_rep_goes_to_the_set_it_is_closer_to(gap_before, gap_after, expected):
    """A rep with no evidence of its leg took the set's so far; in hindsight it joins the nearer set.

    Four right-leg reps with evidence, one rep that inherited "right", four left-leg reps: a
    change of legs is a pause between sets, so after a long pause it is the left set's first
    (rendered circuit seed 1: the first left dip was the fifth right one), and right after the
    right set it stays right. Negative control: a rep whose side had its own evidence is kept.
    """
    judge = Judge(get_exercise("single_leg_dip"), None, History())
    t = 0.0
    for _ in range(4):
        judge.add(_rep("right", t), "right")
        t += 2.5
    t += gap_before - 0.5
    judge.add(_rep("right", t), "right", inherited=True)
    t += 2.0 + gap_after
    for _ in range(4):
        judge.add(_rep("left", t), "left")
        t += 2.5
    reps = judge.settled()
    assert reps[4].side == expected
    assert [r.index for r in reps if r.side == expected][-1] == 5
    assert sum(r.side == "right" for r in reps[:4]) == 4
    # The same rep with evidence of its own: never moved.
    judge._inherited[4] = False
    assert judge.settled()[4].side == "right"
