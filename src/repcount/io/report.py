"""A one-file HTML report of an analysis: summary, balance, signal plot, rep timeline, key frames.

Self-contained: the CSS is inline, the plot and the key frames are embedded as ``data:`` URIs,
and there is no script, font or image from anywhere else, so the page opens offline and
requests nothing (the privacy promise holds for reports passed around too). The layout is one
column that reflows to a phone's width; wide tables scroll sideways inside their box.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from repcount.errors import OutputError
from repcount.io.atomic import write_text_atomic
from repcount.records import Analysis, FloatArray, Rep

#: Width (pixels) key frames are stored at: sharp on a phone, small in the file.
KEY_FRAME_WIDTH = 480


@dataclass(frozen=True)
class KeyFrame:
    """A picture for the report: a BGR image and its caption."""

    caption: str
    image: npt.NDArray[np.uint8]


@dataclass(frozen=True)
class ReportData:
    """What a report shows beyond the :class:`Analysis` itself.

    Attributes:
        title: the human name of the exercise (or "Circuit").
        names: human names of exercise identifiers, for the balance tables.
        signals: per side, (times, angle) of the signal the detector followed.
        signal_label: the y-axis label of the plot.
        key_frames: pictures at turning points (with the pose drawn).
        blocks: rows of a circuit's per-block table (``Circuit.summary()["per_block"]``).
        created: when the analysis ran (local time, shown as is).

    """

    title: str
    names: Mapping[str, str]
    signals: Mapping[str, tuple[FloatArray, FloatArray]]
    signal_label: str = "angle (°)"
    key_frames: Sequence[KeyFrame] = ()
    blocks: Sequence[Mapping[str, Any]] = ()
    created: str = ""


_CSS = """
*{box-sizing:border-box}body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
margin:0;background:#f4f5f7;color:#1d2330}main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:1.45em;margin:.3em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}
.card{background:#fff;border-radius:10px;padding:12px 14px;margin:10px 0;box-shadow:0 1px 3px #0002}
.muted{color:#667}.big{font-size:2.2em;font-weight:700}.grid{display:flex;flex-wrap:wrap;gap:10px}
.stat{flex:1 1 130px;background:#fff;border-radius:10px;padding:10px 12px;box-shadow:0 1px 3px #0002}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{padding:5px 8px;border-bottom:1px solid #e3e5ea;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#eef0f4}
.flag{background:#fff4e0;border-left:4px solid #f0a020;padding:8px 10px;margin:6px 0;border-radius:4px}
.warn{background:#fdecec;border-left:4px solid #d04040;padding:8px 10px;margin:6px 0;border-radius:4px}
img{max-width:100%;height:auto;border-radius:6px;display:block}
.frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
figure{margin:0}figcaption{font-size:.88em;color:#556;margin-top:3px}
.tl{position:relative;height:54px;background:#eef0f4;border-radius:6px;margin:6px 0 2px}
.tl div{position:absolute;height:20px;border-radius:3px}.tl .l{top:4px;background:#2b7bd6}
.tl .r{top:30px;background:#d9622b}.tl .b{top:17px;background:#3a9a4a}.tl .p{opacity:.35}
.tl .h{background:#f0a020}.legend span{display:inline-block;margin-right:12px;font-size:.85em}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def _num(x: object, nd: int = 1) -> str:
    return "–" if x is None else f"{float(x):.{nd}f}"  # type: ignore[arg-type]


def _jpeg_uri(image: npt.NDArray[np.uint8], width: int = KEY_FRAME_WIDTH) -> str:
    if image.shape[1] > width:
        h = max(1, round(image.shape[0] * width / image.shape[1]))
        image = np.asarray(cv2.resize(image, (width, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not ok:
        raise OutputError("cannot encode a key frame as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _plot_uri(a: Analysis, data: ReportData) -> str | None:
    """Both legs' signals with reps, partial reps and holds marked, as an embedded PNG."""
    series = {s: v for s, v in data.signals.items() if len(v[0]) and np.isfinite(v[1]).any()}
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"left": "#2b7bd6", "right": "#d9622b", "both": "#3a9a4a"}
    # Small in inches, large in type: it stays readable when a phone shrinks it to 360 px.
    plt.rcParams.update({"font.size": 12})
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=120)
    for side, (t, x) in series.items():
        # A "both" series is one signal for the whole body (ball curl, hold, clamshell opening).
        ax.plot(t, x, color=colours.get(side, "#555"), lw=1.1,
                label=f"{side} leg" if side != "both" else "signal")
    for r in a.reps:
        ax.axvspan(r.start_s, r.end_s, color=colours.get(r.side, "#555"), alpha=0.10)
    for r in a.partials:
        ax.axvspan(r.start_s, r.end_s, color="#888", alpha=0.12)
    for h in a.holds:
        ax.axvspan(h.start_s, h.end_s, color="#f0a020", alpha=0.18)
    for r in a.reps:
        t, x = series.get(r.side, next(iter(series.values())))
        if len(t):
            y = float(np.interp(r.peak_s, t, np.nan_to_num(x, nan=float(np.nanmean(x)))))
            ax.plot([r.peak_s], [y], "v", color=colours.get(r.side, "#555"), ms=5)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(data.signal_label)
    ax.set_title(f"{data.title}: {a.total_reps} reps"
                 + (f", {len(a.partials)} partial" if a.partials else "")
                 + (f", held {sum(h.duration_s for h in a.holds):.1f} s" if a.holds else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _stats(a: Analysis) -> str:
    held = sum(h.duration_s for h in a.holds)
    cells = [] if a.holds and not a.reps else [("reps", str(a.total_reps))]
    for side in ("left", "right", "both"):
        n = a.reps_on(side)
        if n:
            cells.append((f"{side} leg" if side != "both" else "both legs", str(n)))
    if a.partials:
        cells.append(("partial", str(len(a.partials))))
    if a.holds:
        cells.append(("held", f"{held:.1f} s"))
    duration = max([r.end_s for r in (*a.reps, *a.partials)] + [h.end_s for h in a.holds] + [0.0])
    cells.append(("frames", f"{a.frames}"))
    if duration:
        cells.append(("last movement", f"{duration:.0f} s"))
    return '<div class="grid">' + "".join(
        f'<div class="stat"><div class="muted">{_e(k)}</div><div class="big">{_e(v)}</div></div>'
        for k, v in cells) + "</div>"


#: Balance table columns: (heading, key in a leg's figures, key in asymmetry_pct, decimals or
#: None for a count).
_REP_COLS = (("reps", "reps", "reps", None), ("partial", "partial_reps", None, None),
             ("range °", "rom_mean_deg", "rom_mean_deg", 1), ("± °", "rom_sd_deg", None, 1),
             ("out s", "out_s", None, 2), ("back s", "back_s", None, 2), ("pause s", "pause_s", None, 2),
             ("rep s", "rep_s", "rep_s", 2), ("tension s", "tut_s", "tut_s", 1))
_HOLD_COLS = (("hold s", "hold_s", "hold_s", 1), ("sag °", "sag_deg", None, 1),
              ("breaks", "hold_breaks", None, None))


def _balance(a: Analysis, names: Mapping[str, str]) -> str:
    out = []
    for b in a.balance:
        if not b["legs"]:
            continue
        name = names.get(b["exercise"], b["exercise"])
        hold = all(leg["reps"] == 0 for leg in b["legs"])
        cols = _HOLD_COLS if hold else _REP_COLS
        asym = b.get("asymmetry_pct") or {}
        rows = ["<tr><th>leg</th>" + "".join(f"<th>{_e(h)}</th>" for h, _, _, _ in cols) + "</tr>"]
        for leg in b["legs"]:
            rows.append(f"<tr><td>{_e(leg['side'])}</td>" + "".join(
                f"<td>{leg[k] if nd is None else _num(leg[k], nd)}</td>" for _, k, _, nd in cols) + "</tr>")
        if asym:
            rows.append("<tr><th>L vs R</th>" + "".join(
                f"<th>{asym[a]:+.0f}%</th>" if a in asym else "<th></th>" for _, _, a, _ in cols) + "</tr>")
        flags = []
        labels = {"reps": "reps", "rom_mean_deg": "range of motion", "hold_s": "hold time"}
        for key, label in labels.items():
            v = asym.get(key)
            if label in b.get("flagged", ()) and v is not None:
                weak, strong = ("right", "left") if v > 0 else ("left", "right")
                flags.append(f'<div class="flag">{_e(label.capitalize())} of the {weak} leg is '
                             f"{abs(v):.0f}% below the {strong} (flagged past {b['flag_pct']:.0f}%)</div>")
        if not asym:
            note = '<p class="muted">Only one leg did this exercise here: nothing to compare.</p>' \
                if not any(leg["side"] == "both" for leg in b["legs"]) else ""
        else:
            wide = any(abs(v) > b["flag_pct"] for k, v in asym.items() if k in labels)
            note = "" if flags else (
                '<p class="muted">The range differs by more than 10%, but by less than the reps\' '
                "own spread shows: not flagged.</p>" if wide
                else '<p class="muted">The legs are within 10% of each other.</p>')
        out.append(
            f'<div class="card"><h2>{_e(name)}: left and right</h2><div class="scroll"><table>'
            + "".join(rows) + "</table></div>" + "".join(flags) + note + "</div>")
    return "".join(out)


def _timeline(a: Analysis) -> str:
    """Bars on a time axis (left leg on top, right below) and a table of every rep."""
    items: list[Rep] = sorted((*a.reps, *a.partials), key=lambda r: r.start_s)
    end = max([r.end_s for r in items] + [h.end_s for h in a.holds] + [1e-6])
    lane = {"left": "l", "right": "r", "both": "b"}

    def bar(start: float, stop: float, cls: str, tip: str) -> str:
        left, width = 100 * start / end, max(0.4, 100 * (stop - start) / end)
        return f'<div class="{cls}" style="left:{left:.2f}%;width:{width:.2f}%" title="{_e(tip)}"></div>'

    bars = [bar(r.start_s, r.end_s, lane.get(r.side, "b") + (" p" if r.partial else ""),
                f"{r.side} {'partial' if r.partial else r.index} at {r.peak_s:.1f} s") for r in items]
    bars += [bar(h.start_s, h.end_s, lane.get(h.side, "b") + " h", f"hold {h.duration_s:.1f} s")
             for h in a.holds]
    rows = "".join(
        "<tr>" + "".join(f"<td>{v}</td>" for v in (
            "partial" if r.partial else r.index, _e(r.side), f"{r.start_s:.1f}", f"{r.peak_s:.1f}",
            f"{r.end_s:.1f}", f"{r.end_s - r.start_s:.2f}", f"{r.rom_deg:.0f}",
            _e(r.reason if r.partial else ", ".join(r.cues)))) + "</tr>" for r in items)
    holds = "".join(f"<tr><td>hold</td><td>{_e(h.side)}</td><td>{h.start_s:.1f}</td><td></td>"
                    f"<td>{h.end_s:.1f}</td><td>{h.duration_s:.2f}</td><td></td>"
                    f"<td>sag {_num(h.sag_deg)}°</td></tr>" for h in a.holds)
    return (
        '<div class="card"><h2>Timeline</h2>'
        f'<div class="tl">{"".join(bars)}</div>'
        f'<div class="muted" style="display:flex;justify-content:space-between"><span>0 s</span>'
        f"<span>{end:.0f} s</span></div>"
        '<div class="legend"><span><i style="background:#2b7bd6"></i>left leg</span>'
        '<span><i style="background:#d9622b"></i>right leg</span>'
        '<span><i style="background:#3a9a4a"></i>both legs</span>'
        '<span><i style="background:#f0a020"></i>hold</span>'
        '<span><i style="background:#999"></i>faint: partial</span></div>'
        '<div class="scroll"><table><tr><th>rep</th><th>leg</th><th>start s</th><th>turn s</th>'
        "<th>end s</th><th>duration s</th><th>range °</th><th>notes</th></tr>"
        + rows + holds + "</table></div></div>") if items or a.holds else ""


def _blocks(data: ReportData) -> str:
    if not data.blocks:
        return ""
    rows = []
    for b in data.blocks:
        mark = "done" if b.get("complete") else ("skipped" if b.get("skipped") else "not done")
        unit = " s" if b.get("unit") == "s" else ""
        side = b.get("side", "")
        leg = "both legs" if side == "both" else f"{side} leg"
        rows.append(f"<tr><td>{_e(data.names.get(b['exercise'], b['exercise']))}</td><td>{_e(leg)}</td>"
                    f"<td>{_e(b.get('done'))}/{_e(b.get('target'))}{unit}</td>"
                    f"<td>{_e(b.get('partial_reps', 0))}</td><td>{mark}</td></tr>")
    return ('<div class="card"><h2>Circuit</h2><div class="scroll"><table><tr><th>exercise</th>'
            "<th>leg</th><th>done</th><th>partial</th><th></th></tr>" + "".join(rows)
            + "</table></div></div>")


def render_report(a: Analysis, data: ReportData) -> str:
    """The report as one HTML string."""
    plot = _plot_uri(a, data)
    frames = "".join(
        f'<figure><img alt="{_e(k.caption)}" src="{_jpeg_uri(k.image)}"><figcaption>{_e(k.caption)}'
        "</figcaption></figure>" for k in data.key_frames)
    warnings = "".join(f'<div class="warn">{_e(w)}</div>' for w in a.warnings)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        # No request may leave the page: a CSP that allows only inline styles and data: images.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(data.title)} · {_e(a.video)} · repcount</title><style>{_CSS}</style></head>",
        f"<body><main><h1>{_e(data.title)}</h1>",
        f"<p class='muted'>{_e(a.video)} · model {_e(a.model)}"
        + (f" · {_e(data.created)}" if data.created else "") + "</p>",
        _stats(a), warnings, _blocks(data), _balance(a, data.names),
        f'<div class="card"><h2>Signal</h2><img alt="signal plot" src="{plot}"></div>' if plot else "",
        _timeline(a),
        f'<div class="card"><h2>Key frames</h2><div class="frames">{frames}</div></div>' if frames else "",
        "<p class='muted'>Made by repcount on this machine; the page loads nothing from the "
        "network.</p></main></body></html>",
    ]
    return "".join(parts)


def write_report(a: Analysis, data: ReportData, path: str | os.PathLike[str]) -> None:
    """Write the HTML report (atomically)."""
    write_text_atomic(path, render_report(a, data))


__all__ = ["KeyFrame", "ReportData", "render_report", "write_report"]
