"""Causal gap filling and de-spiking of a signal, and robust statistics for the gates.

The streaming path feeds :class:`SignalFilter` one sample at a time and the offline path runs
the same filter over a whole array (:func:`filter_signal`), so both see identical values.
"""

from __future__ import annotations

from collections import deque
from typing import cast

import numpy as np

from repcount.records import FloatArray


class SignalFilter:
    """Gap filling and de-spiking, one sample in, one sample out (causal).

    Short gaps (up to ``max_gap_s``) hold the last valid value; longer gaps stay NaN so a
    detector restarts instead of bridging a missing stretch. A running median of ``median_k``
    samples removes single-frame landmark flips that MediaPipe's own temporal filter lets
    through; it is deliberately not a second low-pass filter.
    """

    def __init__(self, max_gap_s: float, median_k: int) -> None:
        self.max_gap_s = max_gap_s
        self.median_k = median_k
        self._last_v = np.nan
        self._last_t = -np.inf
        self._window: deque[float] = deque(maxlen=max(1, median_k))

    def update(self, t: float, x: float) -> float:
        """Filter one sample; returns NaN while the signal is missing beyond the gap limit."""
        if np.isnan(x):
            if t - self._last_t <= self.max_gap_s:
                x = self._last_v
            else:
                self._window.clear()
                return float("nan")
        else:
            self._last_v = x
            self._last_t = t
        if np.isnan(x):
            return float("nan")
        self._window.append(x)
        return float(np.median(np.fromiter(self._window, dtype=np.float64)))


def filter_signal(t: FloatArray, x: FloatArray, max_gap_s: float, median_k: int) -> FloatArray:
    """Offline application of :class:`SignalFilter` (identical output, sample for sample)."""
    f = SignalFilter(max_gap_s, median_k)
    return np.array([f.update(float(ti), float(xi)) for ti, xi in zip(t, x)], dtype=np.float64)


def running_median(x: FloatArray, k: int) -> FloatArray:
    """Centred running median of ``k`` samples over the finite values (edges use what is there)."""
    x = np.asarray(x, dtype=np.float64)
    if k <= 1 or len(x) < 2:
        return cast(FloatArray, x.copy())
    h = k // 2
    padded = np.concatenate([np.full(h, np.nan), x, np.full(h, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * h + 1)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.asarray(np.nanmedian(windows, axis=1))


def robust_range(x: FloatArray, k: int = 7, q: float = 15.0) -> float:
    """Spread of a gate's input with landmark spikes removed: percentile ``100-q`` minus ``q``.

    A running median of ``k`` samples first removes spikes shorter than about ``k/2`` frames
    (MediaPipe's label flicker, a far limb briefly jumping onto the near one); the percentiles
    then ignore what is left of longer glitches. NaN-only or empty input gives 0.
    """
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 3:
        return 0.0
    m = running_median(v, k)
    m = m[np.isfinite(m)]
    return float(np.percentile(m, 100.0 - q) - np.percentile(m, q)) if len(m) else 0.0
