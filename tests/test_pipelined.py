"""The live pose stage: the model on its own thread, one frame ahead of the consumer."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from repcount.pose.pipelined import PoseStage
from repcount.records import Frame, Pose


class FakeModel:
    """Returns a pose whose x encodes the frame index; records the thread it runs on."""

    def __init__(self, fail_at: int | None = None, delay_s: float = 0.0) -> None:
        self.fail_at = fail_at
        self.delay_s = delay_s
        self.threads: set[str] = set()
        self.calls = 0

    def estimate(self, frame: Frame) -> Pose | None:
        self.threads.add(threading.current_thread().name)
        self.calls += 1
        if frame.index == self.fail_at:
            raise RuntimeError("model failed")
        time.sleep(self.delay_s)
        if frame.index % 5 == 4:
            return None
        image = np.zeros((33, 5))
        image[:, 0] = frame.index
        return Pose(frame.t, image, np.zeros((33, 3)), 64, 48)


def frames(n: int):
    for i in range(n):
        yield Frame(i, i / 30, np.zeros((48, 64, 3), np.uint8)), 100.0 + i


def test_every_frame_comes_out_in_order_with_its_own_pose():
    model = FakeModel()
    with PoseStage(frames(50), model) as stage:
        out = list(stage)
    assert [p.frame.index for p in out] == list(range(50))
    assert [p.captured for p in out] == [100.0 + i for i in range(50)]
    for p in out:
        assert (p.pose is None) == (p.frame.index % 5 == 4)
        if p.pose is not None:
            assert p.pose.image[0, 0] == p.frame.index
    assert model.threads == {"repcount-pose"}  # not the consumer's thread


def test_a_model_error_reaches_the_consumer():
    with PoseStage(frames(20), FakeModel(fail_at=7)) as stage:
        seen = []
        with pytest.raises(RuntimeError, match="model failed"):
            for p in stage:
                seen.append(p.frame.index)
    assert seen == list(range(7))


def test_stopping_early_stops_the_model_and_waits_for_it():
    model = FakeModel(delay_s=0.01)
    stage = PoseStage(frames(10_000), model)
    for p in stage:
        if p.frame.index == 3:
            break
    stage.close()
    calls = model.calls
    time.sleep(0.1)
    assert model.calls == calls  # nothing runs the model once closed (it may then be released)
    assert calls <= 3 + 1 + 2  # at most the frames taken, the one queued and the one in progress


def test_the_model_works_ahead_while_the_consumer_is_busy():
    model = FakeModel(delay_s=0.02)
    with PoseStage(frames(3), model) as stage:
        it = iter(stage)
        next(it)
        time.sleep(0.2)  # drawing frame 0 meanwhile
        # Frame 1 was posed meanwhile (and waits in the queue); frame 2 is posed too, waiting to queue.
        assert model.calls >= 2
        rest = [p.frame.index for p in it]
    assert rest == [1, 2]
