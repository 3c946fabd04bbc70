"""The sample arithmetic of the power checks on a file's columns (``SplFile.columns``).

Each function gives exactly what its line-by-line counterpart gives on ``SplFile.lines``
(``metrics.select_samples`` + ``metrics.window_stats``, ``metrics.mean_of_all_in_window``,
the gap scan of PWR101, the ranging maxima of PWR104), bit for bit, so a verdict or a
figure never depends on which way a file was read. That holds because numpy is used only
where IEEE arithmetic is the same element by element (masks, differences, the half-way
edges, the products), while every reduction whose result depends on the order (each
``sum``, ``min``, ``max``) runs in Python over the same floats in the same order.
Times are integer microseconds, so the window comparisons and the offsets are exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from joulekit.checker.metrics import WindowStats, stats_from_parts
from joulekit.formats.spl import SplColumns, to_us

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def _inside(columns: SplColumns, begin: datetime, end: datetime) -> npt.NDArray[np.bool_]:
    time_us = columns.time_us
    result: npt.NDArray[np.bool_] = (time_us > to_us(begin)) & (time_us < to_us(end))
    return result


def selected(columns: SplColumns, begin: datetime, end: datetime) -> npt.NDArray[np.bool_]:
    """Rows with ``begin < t < end`` and W > 0 (``metrics.select_samples``)."""
    result: npt.NDArray[np.bool_] = _inside(columns, begin, end) & (columns.watts > 0)
    return result


def window_stats(
    columns: SplColumns, begin: datetime, end: datetime, interval_s: float
) -> WindowStats | None:
    """``metrics.window_stats`` of the selected samples; None when there is none."""
    import numpy as np  # here: numpy's start-up is paid only where samples are counted

    rows = np.flatnonzero(selected(columns, begin, end))
    if not len(rows):
        return None
    time_us = columns.time_us[rows]
    if len(rows) > 1 and (np.diff(time_us) < 0).any():
        order = np.argsort(time_us, kind="stable")  # sorted() is stable too
        rows, time_us = rows[order], time_us[order]
    window_s = (end - begin).total_seconds()
    watts_array = columns.watts[rows]
    watts = watts_array.tolist()
    times = (time_us - to_us(begin)).astype(np.float64) / 1e6
    gaps = (times[1:] - times[:-1]).tolist()
    edges = np.concatenate(([0.0], (times[:-1] + times[1:]) / 2, [window_s]))
    time_weighted = sum((watts_array * (edges[1:] - edges[:-1])).tolist())
    pfs = _power_factors(columns, rows)
    return stats_from_parts(window_s, interval_s, watts, float(times[0]), float(times[-1]),
                            gaps, pfs, time_weighted)


def _power_factors(columns: SplColumns, rows: npt.NDArray[np.intp]) -> list[float]:
    """Per sample in order: its PF when valid (>= 0), else its channels' valid PFs."""
    import numpy as np  # see window_stats

    pf = columns.pf[rows]
    if not columns.ch_pf.shape[1]:
        valid: list[float] = pf[pf >= 0].tolist()
        return valid
    table = np.column_stack((pf, columns.ch_pf[rows]))
    keep = np.zeros(table.shape, dtype=bool)
    keep[:, 0] = pf >= 0
    keep[:, 1:] = (pf < 0)[:, None] & (table[:, 1:] >= 0)
    result: list[float] = table[keep].tolist()  # row-major: sample by sample
    return result


def mean_watts(
    columns: SplColumns, begin: datetime, end: datetime, *, positive: bool
) -> float | None:
    """Mean W of the samples inside the window (only W > 0 with ``positive``, as
    ``select_samples``; every one as ``metrics.mean_of_all_in_window``)."""
    mask = selected(columns, begin, end) if positive else _inside(columns, begin, end)
    watts = columns.watts[mask].tolist()
    return sum(watts) / len(watts) if watts else None


def largest_gap(
    columns: SplColumns, begin: datetime, end: datetime, limit_s: float
) -> tuple[float, int] | None:
    """(gap s, line of the sample after it) of the first largest gap above ``limit_s``
    between consecutive selected samples in file order, or None."""
    import numpy as np  # see window_stats

    rows = np.flatnonzero(selected(columns, begin, end))
    if len(rows) < 2:
        return None
    gaps = np.diff(columns.time_us[rows]).astype(np.float64) / 1e6
    worst = int(np.argmax(gaps))  # the first of equal maxima, as the strict > keeps
    gap = float(gaps[worst])
    if not gap > limit_s:
        return None
    return gap, int(columns.line[rows[worst + 1]])


def maxima(columns: SplColumns) -> tuple[float | None, float | None]:
    """The largest valid (>= 0) Volts and Amps: the first group's Amps only where its
    Volts is valid too, and each channel's (``sampling._maxima``)."""
    import numpy as np  # see window_stats

    volts_ok = columns.volts >= 0
    volts_table = np.column_stack((columns.volts, columns.ch_volts))
    amps_table = np.column_stack((columns.amps, columns.ch_amps))
    volts_keep = np.column_stack((volts_ok, columns.ch_volts >= 0))
    amps_keep = np.column_stack((volts_ok & (columns.amps >= 0), columns.ch_amps >= 0))
    volts = volts_table[volts_keep].tolist()
    amps = amps_table[amps_keep].tolist()
    return (max(volts) if volts else None, max(amps) if amps else None)
