"""Pictures of a training result: every node's power on one timeline, and energy per run.

Drawn with matplotlib's object API on the Agg canvas (as :mod:`joulekit.insight.plots`,
whose ``save`` writes the PNG and SVG atomically). Times are seconds since the run's
``run_start``, so ``0 .. time to train`` is the span the energy-to-train covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from joulekit.insight.plots import GAP, NOT_COUNTED, OVER, PALETTE, WALL, WINDOW
from joulekit.insight.trace import Series

#: above this many nodes the legend names no node (a colour ramp instead)
LEGEND_NODES = 16


@dataclass(frozen=True)
class PowerSeries:
    """One node's or switch's readings (W) at seconds since ``run_start``."""

    series: Series
    #: intervals between readings longer than the round's gap threshold
    gaps: list[tuple[float, float]] = field(default_factory=list)
    #: a switch's ``interconnect_power_est`` (W), drawn as a level line
    estimate_w: float | None = None
    #: seconds this file's clock sits away from the run's (the series is already shifted
    #: back by it, so it is drawn on the run's timeline)
    own_clock_offset_s: float | None = None


@dataclass(frozen=True)
class RunTrace:
    run: str
    run_start: datetime
    time_to_train_s: float | None
    gap_s: float
    nodes: list[PowerSeries]
    switches: list[PowerSeries]


def find_gaps(t: np.ndarray, gap_s: float) -> list[tuple[float, float]]:
    """Intervals between consecutive readings (time order) longer than ``gap_s``."""
    if t.size < 2:
        return []
    steps = np.diff(t)
    idx = np.nonzero(steps > gap_s)[0]
    return [(float(t[i]), float(t[i + 1])) for i in idx]


def _node_colours(count: int) -> list[str | tuple[float, float, float, float]]:
    if count <= len(PALETTE) + 4:
        base: list[str | tuple[float, float, float, float]] = [
            *PALETTE, "#1f4e9a", "#2b8a3e", "#f08c00", "#862e9c"]
        return base[:count]
    ramp = colormaps["viridis"]
    return [ramp(i / max(count - 1, 1)) for i in range(count)]


def node_trace_figure(trace: RunTrace, title: str) -> Figure:
    """Every node on one timeline with run_start/run_stop and gaps marked; switches
    (measured readings or the estimate level) below on the same axis, a switch whose
    clock is far off shifted onto it and labelled so."""
    has_switch = bool(trace.switches)
    ratios = [3.0, 1.2] if has_switch else [3.0]
    figure = Figure(figsize=(11.0, 1.8 + 1.6 * sum(ratios)), layout="constrained")
    grid = figure.add_gridspec(len(ratios), 1, height_ratios=ratios)
    top = figure.add_subplot(grid[0, 0])
    ttt = trace.time_to_train_s
    if ttt is not None:
        top.axvspan(0.0, ttt, color=WINDOW, alpha=0.06, lw=0)
    for x, label in ((0.0, "run_start"), (ttt, "run_stop")):
        if x is None:
            continue
        top.axvline(x, color=WINDOW, lw=1.2, ls="--")
        top.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                     va="top", ha="right", fontsize=7, color=WINDOW)
    colours = _node_colours(len(trace.nodes))
    gap_count = 0
    for colour, node in zip(colours, trace.nodes, strict=True):
        s = node.series
        values = np.where(np.isfinite(s.values) & (s.values > 0), s.values, np.nan)
        legend: str | None = s.name if len(trace.nodes) <= LEGEND_NODES else None
        top.plot(s.t, values, lw=0.8, color=colour, label=legend, zorder=2)
        for start, stop in node.gaps:
            gap_count += 1
            top.axvspan(start, stop, color=GAP, alpha=0.18, lw=0, hatch="//", zorder=1)
        bad = ~(np.isfinite(s.values) & (s.values > 0))
        if bad.any():
            top.plot(s.t[bad], np.full(int(bad.sum()), 0.02), ls="none", marker="v", ms=5,
                     color=OVER, transform=top.get_xaxis_transform(), zorder=4)
    if gap_count:
        top.plot([], [], color=GAP, alpha=0.4, lw=6,
                 label=f"gap > {trace.gap_s:g} s ({gap_count})")
    if len(trace.nodes) > LEGEND_NODES:
        top.plot([], [], color=WALL, lw=1.5, label=f"{len(trace.nodes)} nodes")
    top.set_ylabel("node power (W)")
    top.set_title(f"{trace.run} — run_start {trace.run_start:%Y-%m-%d %H:%M:%S} UTC",
                  fontsize=10)
    top.grid(True, alpha=0.25)
    if trace.nodes:
        top.legend(loc="lower center", fontsize=7, ncol=min(len(trace.nodes) + 1, 6),
                   framealpha=0.85)
    else:
        top.text(0.5, 0.5, "no node readings", ha="center", transform=top.transAxes)
    if has_switch:
        ax = figure.add_subplot(grid[1, 0], sharex=top)
        for i, sw in enumerate(trace.switches):
            colour = PALETTE[i % len(PALETTE)]
            s = sw.series
            name = s.name
            if sw.own_clock_offset_s is not None:
                name += (f" (clock {sw.own_clock_offset_s:+,.0f} s off the run's; "
                         "drawn shifted by that)")
            if s.t.size:
                ax.plot(s.t, s.values, lw=0.9, color=colour, label=f"{name}: measured")
            if sw.estimate_w is not None:
                ax.axhline(sw.estimate_w, color=colour, lw=1.2, ls="--",
                           label=f"{s.name}: interconnect_power_est {sw.estimate_w:,.0f} W")
            for start, stop in sw.gaps:
                ax.axvspan(start, stop, color=GAP, alpha=0.18, lw=0, hatch="//")
        if ttt is not None:
            ax.axvline(0.0, color=WINDOW, lw=1.0, ls="--")
            ax.axvline(ttt, color=WINDOW, lw=1.0, ls="--")
        ax.set_ylabel("switch W")
        ax.grid(True, alpha=0.25)
        ax.legend(loc="best", fontsize=7, framealpha=0.85)
        ax.set_xlabel("seconds since run_start")
    else:
        top.set_xlabel("seconds since run_start")
    figure.suptitle(title, fontsize=11)
    return figure


@dataclass(frozen=True)
class RunBar:
    run: str
    time_to_train_s: float | None
    energy_j: float | None
    policy_energy_j: float | None
    counted: bool


def energy_per_run_figure(bars: Sequence[RunBar], title: str) -> Figure:
    """Each run's energy in MJ, in time-to-train order; the runs olympic scoring drops
    in grey, the measured-switch part of the policy figure stacked on top."""
    shown = [b for b in bars if b.energy_j is not None]
    figure = Figure(figsize=(max(8.0, 0.55 * len(shown) + 3.0), 4.2), layout="constrained")
    ax = figure.add_subplot()
    if not shown:
        ax.text(0.5, 0.5, "no run has an energy", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        figure.suptitle(title, fontsize=11)
        return figure
    shown.sort(key=lambda b: (b.time_to_train_s is None, b.time_to_train_s or 0.0))
    x = np.arange(len(shown))
    energy = np.asarray([(b.energy_j or 0.0) / 1e6 for b in shown])
    extra = np.asarray([max((b.policy_energy_j or b.energy_j or 0.0) - (b.energy_j or 0.0),
                            0.0) / 1e6 for b in shown])
    colours = [WALL if b.counted else NOT_COUNTED for b in shown]
    ax.bar(x, energy, color=colours, zorder=2)
    handles = [Patch(color=WALL, label="counted in the figure")] if any(
        b.counted for b in shown) else []
    if not all(b.counted for b in shown):
        handles.append(Patch(color=NOT_COUNTED, label="not counted (olympic drop or "
                             "no figure)"))
    if extra.any():
        ax.bar(x, extra, bottom=energy, color=OVER, alpha=0.6, zorder=2)
        handles.append(Patch(color=OVER, alpha=0.6,
                             label="measured switch (policy figure only)"))
    ax.set_xticks(x, [f"{b.run}\n{b.time_to_train_s:.1f} s" if b.time_to_train_s is not None
                      else b.run for b in shown], rotation=30, ha="right", fontsize=6.5)
    ax.set_xlim(-0.75, max(len(shown), 4) - 0.25)  # one or two runs: bars of the usual width
    ax.set_ylabel("run energy (MJ)")
    low = float(energy.min())
    ax.set_ylim(bottom=max(0.0, low * 0.9), top=float((energy + extra).max()) * 1.03)
    ax.grid(True, axis="y", alpha=0.25)
    ax.legend(handles=handles, fontsize=7, loc="lower right", framealpha=0.85)
    ax.set_title(title, fontsize=10)
    return figure
