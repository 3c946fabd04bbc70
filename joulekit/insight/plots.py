"""Pictures of a run and of a sweep, drawn with matplotlib's object API on the Agg canvas.

We never import ``pyplot``: its global figure registry is not needed to write files,
would pick an interactive backend on a desktop, and leaks figures in a long sweep.
Every picture is written twice, PNG for the HTML page and SVG for print and zooming,
both atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from joulekit.formats.atomic import atomic_write_bytes
from joulekit.insight.table import ENERGY, knob_label
from joulekit.insight.trace import PhaseTrace, Series

WALL = "#1f4e9a"
COUNTED = "#1f4e9a"
NOT_COUNTED = "#9aa3ad"
WINDOW = "#2e9d5b"
GAP = "#d9480f"
OVER = "#c92a2a"
INVALID = "#e67700"
PALETTE = ("#7048e8", "#0c8599", "#e8590c", "#5c940d", "#c2255c", "#495057")


@dataclass(frozen=True)
class Picture:
    """The two files of one plot, relative to the report folder."""

    png: Path
    svg: Path


def save(figure: Figure, out_dir: Path, stem: str) -> Picture:
    """Write ``stem.png`` and ``stem.svg`` into ``out_dir`` atomically."""
    FigureCanvasAgg(figure)
    files = {}
    for ext in ("png", "svg"):
        buffer = io.BytesIO()
        metadata = {"Date": None} if ext == "svg" else {"Software": None}
        figure.savefig(buffer, format=ext, dpi=110, metadata=metadata)
        atomic_write_bytes(out_dir / f"{stem}.{ext}", buffer.getvalue())
        files[ext] = Path(f"{stem}.{ext}")
    return Picture(png=files["png"], svg=files["svg"])


def _draw_wall(ax: Axes, trace: PhaseTrace) -> None:
    t, w = trace.t, trace.watts
    valid = ~trace.invalid
    if trace.window is not None:
        begin, end = trace.window
        ax.axvspan(begin, end, color=WINDOW, alpha=0.08, lw=0)
        for x, label in ((begin, "power_begin"), (end, "power_end")):
            ax.axvline(x, color=WINDOW, lw=1.2, ls="--")
            ax.annotate(
                label,
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=7,
                color=WINDOW,
            )
    for start, stop in trace.gaps:
        ax.axvspan(start, stop, color=GAP, alpha=0.25, lw=0, hatch="//")
    ax.plot(t[valid], w[valid], color=WALL, lw=0.8, alpha=0.7, zorder=2)
    counted = trace.counted & valid
    other = valid & ~counted
    # only testing samples make the published figure; ranging's window feeds the
    # ranging-vs-testing power comparison, so it is labelled differently
    word = "counted" if trace.phase == "testing" else "in window"
    ax.plot(
        t[counted],
        w[counted],
        ls="none",
        marker="o",
        ms=2.2,
        color=COUNTED,
        label=f"{word} ({int(counted.sum())})",
        zorder=3,
    )
    if other.any():
        ax.plot(
            t[other],
            w[other],
            ls="none",
            marker="o",
            ms=2.2,
            color=NOT_COUNTED,
            label=f"outside window ({int(other.sum())})",
            zorder=3,
        )
    over = trace.over_limit & valid
    if over.any():
        ax.plot(
            t[over],
            w[over],
            ls="none",
            marker="x",
            ms=6,
            mew=1.5,
            color=OVER,
            label=f"uncertainty over limit ({int(over.sum())})",
            zorder=4,
        )
    if trace.invalid.any():
        bad_t = t[trace.invalid]
        ax.plot(
            bad_t,
            np.full(bad_t.shape, 0.02),
            ls="none",
            marker="v",
            ms=5,
            color=INVALID,
            transform=ax.get_xaxis_transform(),
            label=f"no reading ({int(trace.invalid.sum())})",
            zorder=4,
        )
    if trace.gaps:
        ax.plot([], [], color=GAP, alpha=0.4, lw=6, label=f"gap > 1.5 s ({len(trace.gaps)})")
    if counted.any():
        mean = float(w[counted].mean())
        ax.axhline(mean, color=COUNTED, lw=0.8, ls=":", label=f"mean {word} {mean:.1f} W")
    ax.set_ylabel("wall power (W)")
    ax.grid(True, alpha=0.25)
    ax.legend(loc="best", fontsize=7, framealpha=0.85)


def _draw_series(ax: Axes, series: Sequence[Series], ylabel: str) -> None:
    for i, s in enumerate(series):
        # PTD writes -1 for a channel without a reading: a hole, not a dip to -1 W
        values = np.where(np.isfinite(s.values) & (s.values >= 0), s.values, np.nan)
        ax.plot(s.t, values, lw=0.9, color=PALETTE[i % len(PALETTE)], label=s.name)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper right", fontsize=7, ncol=min(len(series), 4), framealpha=0.85)


def power_trace_figure(phases: Sequence[PhaseTrace], title: str) -> Figure:
    """Ranging and testing side by side; channels and software sources stacked below."""
    if not phases:
        raise ValueError("no phase to plot")
    has_channels = any(p.channels for p in phases)
    has_secondary = any(p.secondary for p in phases)
    ratios = [3.0] + [1.4] * (int(has_channels) + int(has_secondary))
    figure = Figure(figsize=(6.2 * len(phases), 1.6 + 1.6 * sum(ratios)), layout="constrained")
    grid = figure.add_gridspec(len(ratios), len(phases), height_ratios=ratios)
    wall_axes: list[Axes] = []
    for col, phase in enumerate(phases):
        top = figure.add_subplot(grid[0, col], sharey=wall_axes[0] if wall_axes else None)
        wall_axes.append(top)
        _draw_wall(top, phase)
        top.set_title(f"{phase.phase} — from {phase.origin:%Y-%m-%d %H:%M:%S} UTC", fontsize=10)
        row = 1
        if has_channels:
            ax = figure.add_subplot(grid[row, col], sharex=top)
            if phase.channels:
                _draw_series(ax, phase.channels, "channel W")
            else:
                ax.text(0.5, 0.5, "single channel", ha="center", transform=ax.transAxes)
            row += 1
        if has_secondary:
            ax = figure.add_subplot(grid[row, col], sharex=top)
            if phase.secondary:
                _draw_series(ax, phase.secondary, "software W")
            else:
                ax.text(0.5, 0.5, "no software source", ha="center", transform=ax.transAxes)
        figure.axes[-1].set_xlabel("seconds since first sample")
    figure.suptitle(title, fontsize=11)
    return figure


def frontier_figure(
    frame: pd.DataFrame,
    frontier: pd.DataFrame,
    time_col: str,
    *,
    bounds_ms: Sequence[float] = (),
    chosen: pd.Series | None = None,
    baseline: pd.Series | None = None,
    title: str = "time–energy tradeoff",
) -> Figure:
    """All configurations, the Pareto frontier, the latency bound, choice and baseline.

    ``frame`` should hold the successfully measured rows only: a failed run has no
    energy worth placing on the chart.
    """
    figure = Figure(figsize=(7.5, 5.0), layout="constrained")
    ax = figure.add_subplot()
    energy_mj = pd.to_numeric(frame[ENERGY], errors="coerce") * 1000
    times = pd.to_numeric(frame[time_col], errors="coerce")
    ax.scatter(times, energy_mj, s=22, color=NOT_COUNTED, label="measured", zorder=2)
    for (_, row), x, y in zip(frame.iterrows(), times, energy_mj, strict=True):
        if pd.notna(x) and pd.notna(y):
            ax.annotate(
                knob_label(row, short=True),
                (x, y),
                fontsize=6.5,
                color="#495057",
                xytext=(4, 3),
                textcoords="offset points",
            )
    fx = pd.to_numeric(frontier[time_col], errors="coerce")
    fy = pd.to_numeric(frontier[ENERGY], errors="coerce") * 1000
    ax.plot(
        fx,
        fy,
        color=WALL,
        marker="o",
        ms=5,
        lw=1.5,
        drawstyle="steps-post",
        label="Pareto frontier",
        zorder=3,
    )
    for bound in bounds_ms:
        ax.axvline(bound, color=OVER, ls="--", lw=1.2)
        ax.axvspan(
            bound, max(float(times.max()), bound) * 1.05 + 1e-9, color=OVER, alpha=0.06, lw=0
        )
        ax.annotate(
            f"bound {bound:g} ms",
            (bound, 0.98),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            color=OVER,
        )
    if baseline is not None:
        ax.plot(
            [float(baseline[time_col])],
            [float(baseline[ENERGY]) * 1000],
            ls="none",
            marker="s",
            ms=10,
            mfc="none",
            mew=2,
            color=INVALID,
            label="baseline",
            zorder=4,
        )
    if chosen is not None:
        ax.plot(
            [float(chosen[time_col])],
            [float(chosen[ENERGY]) * 1000],
            ls="none",
            marker="*",
            ms=16,
            color=WINDOW,
            label="recommended",
            zorder=5,
        )
    finite = energy_mj[np.isfinite(energy_mj) & (energy_mj > 0)]
    if len(finite) and float(finite.max()) / float(finite.min()) > 20:
        ax.set_yscale("log")
    ax.set_xlabel(f"{time_col.replace('_ms', '')} (ms)")
    ax.set_ylabel("energy per sample (mJ)")
    ax.grid(True, alpha=0.25)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=11)
    return figure
