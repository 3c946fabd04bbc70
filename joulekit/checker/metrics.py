"""The power figure of a result, exactly as MLPerf publishes it, plus diagnostics.

The published figure is a plain arithmetic mean of the Watts field of the testing
``spl.txt`` over samples strictly inside LoadGen's ``power_begin``..``power_end`` with
W > 0 (every sample, failed readings included, up to v3.0: the pack's
``figure.samples``), no time-zone shift. SingleStream and MultiStream publish energy per query:
mean W x window s x 1000 / ``result_query_count`` in mJ (x 8 for a MultiStream result
inferred from a SingleStream run). Everything else computed here (sample count against
the window at 1 Hz, gaps, min/mean/max, power factor, a time-weighted energy) exists to
say whether that mean can be trusted; it never changes the published number.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from joulekit.formats.layout import SINGLE_STREAM
from joulekit.formats.spl import SplLine
from joulekit.rules.power import MetricRule
from joulekit.rules.thresholds import threshold


@dataclass(frozen=True)
class WindowStats:
    """What the samples inside the LoadGen window look like."""

    window_s: float
    samples: int
    expected_samples: float
    largest_gap_s: float
    first_offset_s: float | None
    last_offset_s: float | None
    min_w: float
    mean_w: float
    max_w: float
    min_pf: float | None
    mean_pf: float | None
    max_pf: float | None
    time_weighted_energy_j: float
    mean_energy_j: float


@dataclass(frozen=True)
class PowerFigure:
    """The published metric of one result and its efficiency."""

    scenario: str
    metric: str  # average_power | energy_per_query
    value: float
    unit: str  # W | mJ
    efficiency: float | None
    efficiency_unit: str
    inferred_from: str | None
    stats: WindowStats


def select_samples(lines: Sequence[SplLine], begin: datetime, end: datetime) -> list[SplLine]:
    """Samples with ``begin < t < end`` and W > 0, as the published figure uses them."""
    return [s for s in lines if begin < s.time < end and s.watts > 0]


def mean_of_all_in_window(
    lines: Sequence[SplLine], begin: datetime, end: datetime
) -> float | None:
    """Mean Watts of every sample with ``begin < t < end``, failed readings (-1, -2)
    included: the submission checkers before inference 192f81b3 (2023-06-13, #1381)
    formed the published figure so, which moves it for the few runs with such a reading."""
    watts = [s.watts for s in lines if begin < s.time < end]
    return sum(watts) / len(watts) if watts else None


def _power_factors(sample: SplLine) -> list[float]:
    if sample.pf >= 0:
        return [sample.pf]
    found = [c.pf for c in sample.channels if c.pf >= 0]
    for analyzer in sample.analyzers:
        found.extend(_power_factors(analyzer))
    return found


def window_stats(
    samples: Sequence[SplLine], begin: datetime, end: datetime, interval_s: float = 1.0
) -> WindowStats:
    """Diagnostics of the selected samples (``samples`` must be non-empty)."""
    samples = sorted(samples, key=lambda s: s.time)  # linear on the usual sorted input
    window_s = (end - begin).total_seconds()
    watts = [s.watts for s in samples]
    times = [(s.time - begin).total_seconds() for s in samples]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Each reading stands for the time nearest to it (edges half-way between samples);
    # the first reaches back to power_begin and the last forward to power_end, so the
    # whole window is covered once and lost samples show up as a different energy.
    edges = [0.0] + [(a + b) / 2 for a, b in itertools.pairwise(times)] + [window_s]
    time_weighted = sum(w * (edges[i + 1] - edges[i]) for i, w in enumerate(watts))
    pfs = [pf for s in samples for pf in _power_factors(s)]
    return stats_from_parts(window_s, interval_s, watts, times[0], times[-1], gaps, pfs,
                            time_weighted)


def stats_from_parts(window_s: float, interval_s: float, watts: Sequence[float],
                     first_s: float, last_s: float, gaps: Sequence[float],
                     pfs: Sequence[float], time_weighted: float) -> WindowStats:
    """The :class:`WindowStats` of a window's sample watts (in time order), the offsets
    of its first and last sample, the gaps between them, the valid power factors and the
    time-weighted energy: one place for the line-by-line and the columnar readers."""
    mean_w = sum(watts) / len(watts)
    return WindowStats(
        window_s=window_s,
        samples=len(watts),
        expected_samples=window_s / interval_s,
        largest_gap_s=max(gaps) if gaps else 0.0,
        first_offset_s=first_s,
        last_offset_s=window_s - last_s,
        min_w=min(watts),
        mean_w=mean_w,
        max_w=max(watts),
        min_pf=min(pfs) if pfs else None,
        mean_pf=sum(pfs) / len(pfs) if pfs else None,
        max_pf=max(pfs) if pfs else None,
        time_weighted_energy_j=time_weighted,
        mean_energy_j=mean_w * window_s,
    )


def power_figure(
    rule: MetricRule,
    stats: WindowStats,
    *,
    query_count: float | None,
    performance: float | None,
    inferred_from: str | None = None,
    mean_w: float | None = None,
) -> PowerFigure:
    """Form the published figure from the window statistics.

    ``mean_w`` replaces the mean of the W > 0 samples where the round averaged every
    sample in the window (see :func:`mean_of_all_in_window`). Raises ``ValueError`` when
    the scenario needs a value the log lacks (for example ``result_query_count`` for
    SingleStream), so the caller can report why.
    """
    mean = stats.mean_w if mean_w is None else mean_w
    if rule.metric == "average_power":
        value = mean
        efficiency = performance / value if performance is not None and value > 0 else None
    else:
        if not query_count:
            raise ValueError(f"the query count ({rule.query_count}) is missing or zero")
        value = mean * stats.window_s * 1000.0 / float(query_count)
        samples_per_query = rule.samples_per_query
        if inferred_from == SINGLE_STREAM:
            value *= threshold("inferred_multistream_factor")
        efficiency = samples_per_query * 1000.0 / value if value > 0 else None
    return PowerFigure(
        scenario=rule.scenario,
        metric=rule.metric,
        value=value,
        unit=rule.unit,
        efficiency=efficiency,
        efficiency_unit=rule.efficiency_unit,
        inferred_from=inferred_from,
        stats=stats,
    )
