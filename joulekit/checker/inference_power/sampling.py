"""PWR100-PWR105: the power figure and whether its samples can carry it.

The reference computes the figure and stops there. These rules look at the samples
behind it: enough of them for the window at 1 Hz, no lost stretches, the whole LoadGen
window covered, the testing ranges taken from the ranging maxima, and a time-weighted
energy that agrees with the plain mean.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power import samples as sample_arrays
from joulekit.checker.inference_power.context import PowerContext
from joulekit.checker.metrics import select_samples
from joulekit.formats.layout import POWER_SERVER_JSON, RUN_1_SPL
from joulekit.formats.spl import SplLine

_SPL = RUN_1_SPL


def check_metric(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.figure is None:
        yield R.METRIC.finding(
            f"no power figure: {ctx.figure_problem}",
            file=_SPL,
            expected="samples with W > 0 inside power_begin..power_end",
            found="none",
        )


def check_sample_count(ctx: PowerContext) -> Iterator[Finding]:
    stats = ctx.stats
    if ctx.reference or stats is None:
        return
    needed = ctx.rules.min_sample_ratio * stats.expected_samples - 1
    if stats.samples < needed:
        yield R.SAMPLE_COUNT.finding(
            f"{stats.samples} samples in a {stats.window_s:.1f} s window",
            file=_SPL,
            expected=f">= {needed:.0f} at 1 Hz",
            found=str(stats.samples),
        )


def check_gaps(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.reference or ctx.window is None:
        return
    columns = ctx.spl.columns
    worst: tuple[float, int] | None = None
    if columns is not None:
        worst = sample_arrays.largest_gap(columns, *ctx.window, ctx.rules.max_gap_s)
    else:
        samples = select_samples(ctx.spl.lines, *ctx.window)
        for previous, current in itertools.pairwise(samples):
            gap = (current.time - previous.time).total_seconds()
            if gap > ctx.rules.max_gap_s and (worst is None or gap > worst[0]):
                worst = (gap, current.line)
    if worst is not None:
        yield R.SAMPLE_GAP.finding(
            f"largest gap between samples is {worst[0]:.3f} s (before this line)",
            file=_SPL,
            line=worst[1],
            expected=f"<= {ctx.rules.max_gap_s:g} s",
            found=f"{worst[0]:.3f} s",
        )


def check_coverage(ctx: PowerContext) -> Iterator[Finding]:
    stats = ctx.stats
    if ctx.reference or stats is None:
        return
    edge = ctx.rules.max_edge_gap_s
    edges = (("power_begin", stats.first_offset_s), ("power_end", stats.last_offset_s))
    for label, offset in edges:
        if offset is not None and offset > edge:
            yield R.COVERAGE.finding(
                f"no sample within {edge:g} s of {label}: {offset:.3f} s unmeasured",
                file=_SPL,
                expected=f"<= {edge:g} s",
                found=f"{offset:.3f} s",
            )


def _maxima(lines: list[SplLine]) -> tuple[float | None, float | None]:
    """The largest valid (>= 0) Volts and Amps of the ranging samples: of the first group
    when its Volts is valid (a multichannel sum group has -1 there), and of each channel.
    One plain loop: this runs over every ranging sample of every result."""
    volts: list[float] = []
    amps: list[float] = []
    for line in lines:
        if line.volts >= 0:
            volts.append(line.volts)
            if line.amps >= 0:
                amps.append(line.amps)
        for channel in line.channels:
            if channel.volts >= 0:
                volts.append(channel.volts)
            if channel.amps >= 0:
                amps.append(channel.amps)
    return (max(volts) if volts else None, max(amps) if amps else None)


def _testing_ranges(ctx: PowerContext) -> tuple[str | None, str | None]:
    """The SR,V and SR,A values sent after the ranging Stop (before the testing Go)."""
    volts = amps = None
    after_ranging = False
    for message in ctx.ptd_messages:
        if message.cmd.startswith("Go,") and message.cmd.endswith("_ranging"):
            after_ranging = True
        elif message.cmd.startswith("Go,") and after_ranging:
            break
        elif after_ranging and message.cmd.startswith("SR,V,"):
            volts = message.cmd.split(",", 2)[2]
        elif after_ranging and message.cmd.startswith("SR,A,"):
            amps = message.cmd.split(",", 2)[2]
    return volts, amps


def check_testing_ranges(ctx: PowerContext) -> Iterator[Finding]:
    if ctx.reference or ctx.server is None:
        return
    columns = ctx.ranging_spl.columns
    if columns is not None:
        max_v, max_a = sample_arrays.maxima(columns)
    elif ctx.ranging_spl.lines:
        max_v, max_a = _maxima(ctx.ranging_spl.lines)
    else:
        return
    set_v, set_a = _testing_ranges(ctx)
    tolerance = ctx.rules.range_tolerance
    checks = (
        ("V", set_v, max_v, ctx.rules.voltage_factor),
        ("A", set_a, max_a, ctx.rules.current_factor),
    )
    for unit, sent, maximum, factor in checks:
        if sent is None or maximum is None:
            continue
        expected = maximum * factor
        try:
            value = float(sent)
        except ValueError:
            value = float("nan")
        if not abs(value - expected) <= tolerance * max(expected, 1e-9):
            yield R.TESTING_RANGES.finding(
                f"testing SR,{unit},{sent} is not {factor:g} x the ranging maximum "
                f"{maximum:g} {unit}",
                file=POWER_SERVER_JSON,
                expected=f"SR,{unit},{expected:g}",
                found=f"SR,{unit},{sent}",
            )


def check_time_weighted(ctx: PowerContext) -> Iterator[Finding]:
    stats = ctx.stats
    if ctx.reference or stats is None or stats.mean_energy_j <= 0:
        return
    diff = (stats.time_weighted_energy_j - stats.mean_energy_j) / stats.mean_energy_j * 100.0
    if abs(diff) > ctx.rules.time_weighted_max_diff_percent:
        yield R.TIME_WEIGHTED.finding(
            f"time-weighted energy {stats.time_weighted_energy_j:.1f} J differs from mean x "
            f"window {stats.mean_energy_j:.1f} J by {diff:+.2f} %",
            file=_SPL,
            expected=f"within {ctx.rules.time_weighted_max_diff_percent:g} %",
            found=f"{diff:+.2f} %",
        )
