"""Turning the picture for a person lying across it (pure: numpy only).

MediaPipe's models are made for upright people. Across the picture a lying person is sometimes
fitted head to feet, and MediaPipe's tracker keeps that fit for whole sets (the rendered
circuit's first clamshell set: 233 of its 316 frames reversed or lost; turned by a quarter turn,
the same frames are fitted within 2% of the body's size). :class:`TurnFollower` decides when the
backend turns the picture; :func:`unturn` puts landmarks found in a turned picture back.
"""

from __future__ import annotations

import numpy as np


def unturn(image: np.ndarray, world: np.ndarray, turn: int, width: int, height: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks found in a picture given ``turn`` counter-clockwise quarter turns, put back.

    Args:
        image: (33, 5) normalised x, y, z, visibility, presence in the turned picture.
        world: (33, 3) metric landmarks as MediaPipe gives them (x right, y down the picture).
        turn: 0-3.
        width: the unturned picture's width (pixels).
        height: its height.

    Returns:
        The same landmarks in the unturned picture's axes (z stays in units of its width).

    """
    turn %= 4
    if turn == 0:
        return image, world
    img, w = image.copy(), world.copy()
    u, v = image[:, 0], image[:, 1]
    wx, wy = world[:, 0], world[:, 1]
    if turn == 1:  # a pixel (x, y) went to (y, W - x)
        img[:, 0], img[:, 1] = 1.0 - v, u
        w[:, 0], w[:, 1] = -wy, wx
    elif turn == 3:  # (x, y) went to (H - y, x)
        img[:, 0], img[:, 1] = v, 1.0 - u
        w[:, 0], w[:, 1] = wy, -wx
    else:
        img[:, 0], img[:, 1] = 1.0 - u, 1.0 - v
        w[:, 0], w[:, 1] = -wx, -wy
    if turn % 2:
        img[:, 2] = image[:, 2] * height / width
    return img, w


def turn_for(turn: int, head_deg: float, at_deg: float) -> int:
    """The quarter turns to give the picture next, for a body whose head points ``head_deg``.

    Args:
        turn: the counter-clockwise quarter turns given now (0-3).
        head_deg: direction of the axis from hips to shoulders in the unturned picture: 0 up,
            90 to the right (a counter-clockwise quarter turn puts it up), -90 to the left.
        at_deg: how far the axis must be from the picture's up to turn it again.

    Returns:
        ``turn`` or a quarter turn either way from it; never half a turn (see
        :class:`TurnFollower`).

    """
    off = (head_deg - 90.0 * turn + 180.0) % 360.0 - 180.0
    if abs(off) <= at_deg:
        return turn
    want = round(head_deg / 90.0) % 4
    if want == 2 or (want - turn) % 4 == 2:
        return turn
    return want


class TurnFollower:
    """When to turn the picture, from the followed body's axis (hips to shoulders) pose by pose.

    Upright pictures stay upright unless the fit of a person lying across the picture flips:
    the axis turning half round within a moment, which no body does (lying down the other way
    round passes through sitting or standing). Then the picture gets the quarter turn that puts
    the head, where it was before the flip, up. Turning every lying person upright was tried
    and not kept: on rendered circuits whose lying sets MediaPipe fitted well in the upright
    picture, some fits got worse (seed 20: the prone, ball-curl and clamshell sets). A turned
    picture follows the body a quarter turn at a time (:func:`turn_for`), so it is upright
    again once the person sits or stands up.
    """

    #: Degrees the axis must be from the picture's up before a turned picture turns again: half
    #: of a quarter turn is 45, and the margin keeps a diagonal body from turning it to and fro.
    AT_DEG = 60.0
    #: Seconds of poses whose mean axis is the body's; a turned picture turns again at most
    #: once in this time.
    WINDOW_S = 1.0
    #: Fewest poses in that window that say where the body is (a stride of 4 at 30 fps gives 7).
    MIN_POSES = 5
    #: A pose whose axis is this far from the window's mean (cosine; -0.5 = 120 degrees) is
    #: flipped; this many flipped poses in a row are a fit head to feet.
    FLIP_COS = -0.5
    FLIP_POSES = 3

    def __init__(self) -> None:
        self.turn = 0
        self._axes: list[tuple[float, np.ndarray]] = []
        self._flipped = 0
        self._turned_t = -float("inf")

    def turned(self, turn: int, t: float) -> None:
        """The picture was given ``turn`` quarter turns at ``t`` (by this follower or otherwise)."""
        self.turn = turn
        self._axes, self._flipped = [], 0
        self._turned_t = t

    def update(self, t: float, axis: np.ndarray) -> int | None:
        """One pose's axis (hips to shoulders, in the unturned picture's pixels, y down).

        Returns:
            The quarter turns to give the next pictures when they change, else None. The caller
            turns the picture and calls :meth:`turned`.

        """
        norm = float(np.linalg.norm(axis))
        if not np.isfinite(norm) or norm <= 0:
            return None
        unit = np.asarray(axis, dtype=float) / norm
        self._axes = [(tt, a) for tt, a in self._axes if tt >= t - self.WINDOW_S]
        enough = len(self._axes) >= self.MIN_POSES
        mean = np.mean([a for _, a in self._axes], axis=0) if enough else unit
        head = float(np.degrees(np.arctan2(mean[0], -mean[1])))
        if self.turn == 0:
            lying = enough and abs(abs(head) - 90.0) < 90.0 - self.AT_DEG
            if lying and float(np.dot(unit, mean)) < self.FLIP_COS:
                self._flipped += 1
                # A flipped pose is not the body's axis: it stays out of the window.
                return (1 if head > 0 else 3) if self._flipped >= self.FLIP_POSES else None
            self._flipped = 0
            self._axes.append((t, unit))
            return None
        self._axes.append((t, unit))
        if not enough or t - self._turned_t < self.WINDOW_S:
            return None
        want = turn_for(self.turn, head, self.AT_DEG)
        return want if want != self.turn else None
