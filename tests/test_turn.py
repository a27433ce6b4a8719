"""A person lying across the picture whose fit flips head to feet is posed in a turned picture.

MediaPipe's models are made for upright people; across the picture a lying person is sometimes
fitted head to feet, and its tracker keeps that fit. :class:`TurnFollower` turns the picture
when the fit flips; :func:`unturn` puts the landmarks back. End to end, the rendered circuit
(``tests/test_stitched.py``) has a clamshell set MediaPipe fits head to feet in the upright
picture: every one of its 11 sets is found only with the turn.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from repcount.pose.turn import TurnFollower, turn_for, unturn

ROTATIONS = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


@pytest.mark.parametrize("turn", [0, 1, 2, 3])
def test_landmarks_found_in_a_turned_picture_are_put_back_where_they_are(turn: int) -> None:
    """Dots drawn on a picture, turned by OpenCV and found there, come back to where they were."""
    w, h = 64, 48
    spots = [(5, 7), (50, 10), (30, 40)]
    found = []
    for x, y in spots:
        img = np.zeros((h, w), np.uint8)
        img[y, x] = 255
        turned = img if turn == 0 else cv2.rotate(img, ROTATIONS[turn])
        ty, tx = np.unravel_index(int(np.argmax(turned)), turned.shape)
        th, tw = turned.shape
        # Pixel centres, normalised the way MediaPipe gives them.
        found.append(((tx + 0.5) / tw, (ty + 0.5) / th))
    image = np.zeros((33, 5))
    image[:3, :2] = found
    image[:3, 2] = 0.1
    # A body axis pointing up the unturned picture (y down), as seen in the turned one.
    up = {0: (0.0, -1.0), 1: (-1.0, 0.0), 2: (0.0, 1.0), 3: (1.0, 0.0)}[turn]
    world = np.zeros((33, 3))
    world[0, :2] = up
    img, wld = unturn(image, world, turn, w, h)
    want = np.array([((x + 0.5) / w, (y + 0.5) / h) for x, y in spots])
    assert np.allclose(img[:3, :2], want, atol=1e-9)
    assert np.allclose(wld[0, :2], (0.0, -1.0), atol=1e-9)
    assert np.allclose(img[:3, 2], 0.1 * (h / w if turn % 2 else 1.0))


@pytest.mark.parametrize(("turn", "head", "want"), [
    (1, 40.0, 1), (1, 120.0, 1), (1, 25.0, 0),  # kept within the margin; sitting up
    (3, -40.0, 3), (3, -25.0, 0),
    (1, -90.0, 1), (3, 90.0, 3),                # half a turn: a fit head to feet
    (0, 180.0, 0),                              # head down: a bad fit
])
def test_a_turned_picture_follows_the_body_a_quarter_at_a_time(turn: int, head: float,
                                                              want: int) -> None:
    assert turn_for(turn, head, 60.0) == want


def _axis(deg: float) -> np.ndarray:
    """Hips-to-shoulders axis pointing ``deg`` from up (90 = head to the right), y down."""
    return np.array([np.sin(np.radians(deg)), -np.cos(np.radians(deg))]) * 100.0


def _feed(f: TurnFollower, heads: list[float], t0: float, fps: float = 30.0) -> list[int]:
    out = []
    for i, h in enumerate(heads):
        want = f.update(t0 + i / fps, _axis(h))
        if want is not None:
            f.turned(want, t0 + i / fps)
            out.append(want)
    return out


@pytest.mark.parametrize(("head", "want"), [(90.0, 1), (-90.0, 3), (75.0, 1)])
def test_a_fit_that_flips_head_to_feet_turns_the_head_up(head: float, want: int) -> None:
    """Lying for 2 s, then the fit flips for good: the turn puts the earlier head up."""
    f = TurnFollower()
    assert _feed(f, [head] * 60 + [head + 180.0] * 10, 0.0) == [want]


def test_what_is_no_flip_turns_nothing() -> None:
    f = TurnFollower()
    # Standing, then lying down through every angle: an upright picture stays upright.
    assert _feed(f, [0.0] * 30 + list(np.linspace(0, 90, 60)) + [90.0] * 60, 0.0) == []
    # Two flipped poses are jitter, not a fit head to feet.
    assert _feed(f, [90.0] * 30 + [270.0] * 2 + [90.0] * 30, 10.0) == []
    # A standing person's fit flipping upside down is no lying body (nothing says which way).
    g = TurnFollower()
    assert _feed(g, [0.0] * 60 + [180.0] * 10, 0.0) == []


def test_a_turned_picture_is_upright_again_when_the_person_sits_up() -> None:
    f = TurnFollower()
    f.turned(1, 0.0)
    # Lying on, a moment's flipped fit, then sitting up through every angle.
    got = _feed(f, [90.0] * 60 + [270.0] * 5 + [90.0] * 30 + list(np.linspace(90, 0, 45))
                + [0.0] * 45, 0.0)
    assert got == [0]
