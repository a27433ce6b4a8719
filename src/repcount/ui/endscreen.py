"""The end screen: what the run did, per leg, over the last frame (live window, recordings)."""

from __future__ import annotations

import numpy as np

from repcount.detectors import title_of
from repcount.records import Analysis
from repcount.ui.annotators import GREEN, ORANGE, WHITE, Image, fit_size, frame_scale, put_text

#: Seconds the end screen stays in a recording or an annotated video.
END_SCREEN_S = 3.0


def end_lines(a: Analysis) -> list[tuple[str, tuple[int, int, int]]]:
    """The lines of the end screen with their colours: totals, then per exercise and leg."""
    lines: list[tuple[str, tuple[int, int, int]]] = []
    for b in a.balance:
        if not b["legs"]:
            continue
        lines.append((title_of(b["exercise"]), GREEN))
        for leg in b["legs"]:
            name = "both legs" if leg["side"] == "both" else f"{leg['side']} leg"
            if leg["reps"] or not leg["hold_s"]:
                text = f"  {name}: {leg['reps']} reps"
                if leg["rom_mean_deg"] is not None:
                    text += f", range {leg['rom_mean_deg']:.0f} deg"
                if leg["rep_s"] is not None:
                    text += f", {leg['rep_s']:.1f} s a rep"
                if leg["partial_reps"]:
                    text += f", {leg['partial_reps']} partial"
            else:
                text = f"  {name}: held {leg['hold_s']:.1f} s"
                if leg["sag_deg"] is not None:
                    text += f", sag {leg['sag_deg']:.0f} deg"
            lines.append((text, WHITE))
        asym = b.get("asymmetry_pct") or {}
        for key, label in (("rom_mean_deg", "range"), ("reps", "reps"), ("hold_s", "hold")):
            v = asym.get(key)
            if v is not None:
                flagged = any(label in f for f in b.get("flagged", ()))
                lines.append((f"  left vs right {label}: {v:+.0f}%" + ("  (imbalance)" if flagged else ""),
                              ORANGE if flagged else WHITE))
    if not lines:
        lines.append(("no reps or holds counted", WHITE))
    return lines


def end_screen(last: Image, a: Analysis, title: str = "DONE") -> Image:
    """The end screen drawn over a darkened copy of the last frame."""
    image = (last.astype(np.float32) * 0.3).astype(np.uint8)
    s = frame_scale(image)
    h, w = image.shape[:2]
    big = max(2, int(4 * s))
    put_text(image, title, (int(20 * s), int(60 * s)), fit_size(title, w - int(40 * s), 1.5 * s, big),
             GREEN, big)
    total = f"{a.total_reps} reps" + (f", held {sum(x.duration_s for x in a.holds):.1f} s" if a.holds else "")
    put_text(image, total, (int(20 * s), int(100 * s)), fit_size(total, w - int(40 * s), 0.8 * s), WHITE)
    lines = end_lines(a)
    if lines and lines[0][0] == title:  # one exercise: its name is the title already
        lines = lines[1:]
    step = int(min(28 * s, (h - 140 * s) / max(len(lines), 1)))
    y = int(140 * s)
    for text, colour in lines:
        size = fit_size(text, w - int(40 * s), min(0.65 * s, step / 40))
        put_text(image, text, (int(20 * s), y), size, colour, 1 if size < 0.5 else 2)
        y += step
    return image


__all__ = ["END_SCREEN_S", "end_lines", "end_screen"]
