"""Signals from poses: angles, per-pose measures and posture evidence, causal filters."""

from __future__ import annotations

from repcount.signals.angles import (
    Joint,
    angle_between,
    cross_2d,
    joint_angle,
    pelvis_axis,
    sagittal_opening,
    signed_angle_2d,
    signed_angle_about,
    straightness,
)
from repcount.signals.filters import SignalFilter, filter_signal, robust_range, running_median

__all__ = [
    "Joint",
    "SignalFilter",
    "angle_between",
    "cross_2d",
    "filter_signal",
    "joint_angle",
    "pelvis_axis",
    "robust_range",
    "running_median",
    "sagittal_opening",
    "signed_angle_2d",
    "signed_angle_about",
    "straightness",
]
