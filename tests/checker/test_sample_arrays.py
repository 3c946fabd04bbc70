"""The checks' sample arithmetic on a file's arrays equals the line-by-line arithmetic.

``checker/inference_power/samples.py`` computes the window figure's statistics, the
mean powers, the largest gap and the ranging maxima from ``SplFile.columns``; each must
equal what ``checker/metrics.py`` and the loops it replaced give on ``SplFile.lines``,
to the last bit (compared by ``repr``), on the published files and on files made to
trip every ordering rule: samples out of order, equal times, failed readings, -0.0.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from joulekit.checker.inference_power import samples
from joulekit.checker.inference_power.sampling import _maxima
from joulekit.checker.metrics import mean_of_all_in_window, select_samples, window_stats
from joulekit.formats.layout import ResultPaths
from joulekit.formats.mllog import read_detail
from joulekit.formats.spl import SplFile, format_spl_line, read_spl

from ._fixtures import ALL_RESULTS


def _gap(spl: SplFile, begin: datetime, end: datetime, limit: float) -> tuple[float, int] | None:
    worst: tuple[float, int] | None = None
    for previous, current in itertools.pairwise(select_samples(spl.lines, begin, end)):
        gap = (current.time - previous.time).total_seconds()
        if gap > limit and (worst is None or gap > worst[0]):
            worst = (gap, current.line)
    return worst


def _agree(spl: SplFile, begin: datetime, end: datetime) -> None:
    columns = spl.columns
    assert columns is not None
    chosen = select_samples(spl.lines, begin, end)
    expected = window_stats(chosen, begin, end, 1.0) if chosen else None
    assert repr(samples.window_stats(columns, begin, end, 1.0)) == repr(expected)
    assert repr(samples.mean_watts(columns, begin, end, positive=False)) == repr(
        mean_of_all_in_window(spl.lines, begin, end))
    mean = sum(s.watts for s in chosen) / len(chosen) if chosen else None
    assert repr(samples.mean_watts(columns, begin, end, positive=True)) == repr(mean)
    for limit in (0.0, 1.0, 1.5, 5.0):
        assert samples.largest_gap(columns, begin, end, limit) == _gap(spl, begin, end, limit)
    assert repr(samples.maxima(columns)) == repr(_maxima(spl.lines))


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda p: p.parent.name + "/" + p.name)
def test_published_windows_give_the_same_statistics(result: Path) -> None:
    paths = ResultPaths.from_performance_dir(result / "performance")
    for spl_path, detail_path in ((paths.run_1_spl, paths.run_1_detail),
                                  (paths.ranging_spl, paths.ranging_detail)):
        spl = read_spl(spl_path)
        detail = read_detail(detail_path)
        if spl.columns is None or detail.power_begin is None or detail.power_end is None:
            continue
        _agree(spl, detail.power_begin, detail.power_end)
        shifted = detail.power_begin + timedelta(seconds=7.5)  # a window edge mid-file
        _agree(spl, shifted, detail.power_end - timedelta(seconds=3.25))


def test_out_of_order_equal_and_failed_samples(tmp_path: Path) -> None:
    rng = random.Random(5)
    start = datetime(2024, 7, 23, 15, 47, 16, 858000, tzinfo=UTC)
    lines = []
    for i in range(400):
        moment = start + timedelta(milliseconds=1000 * i + rng.choice([0, 0, 3, -700, 2500]))
        watts = rng.choice([172.9, 173.15, -1.0, 0.0, 180.0 + i / 7])
        volts = rng.choice([118.0, -0.0, 0.0, -1.0])
        pf = rng.choice([0.876, -1.0, 0.0, 0.9])
        lines.append(format_spl_line(moment, watts, volts, 1.673, pf, "run_testing"))
    path = tmp_path / "spl.txt"
    path.write_text("\n".join(lines) + "\n")
    spl = read_spl(path)
    _agree(spl, start + timedelta(seconds=3), start + timedelta(seconds=390))
    _agree(spl, start - timedelta(seconds=10), start + timedelta(seconds=1000))
    _agree(spl, start + timedelta(seconds=500), start + timedelta(seconds=600))  # empty


def test_multichannel_power_factors_come_from_the_channels(tmp_path: Path) -> None:
    source = ResultPaths.from_performance_dir(ALL_RESULTS[0] / "performance")
    spl = read_spl(source.run_1_spl)
    assert spl.columns is not None and spl.columns.ch_pf.shape[1] == 3
    detail = read_detail(source.run_1_detail)
    assert detail.power_begin is not None and detail.power_end is not None
    stats = samples.window_stats(spl.columns, detail.power_begin, detail.power_end, 1.0)
    assert stats is not None and stats.mean_pf is not None and stats.mean_pf > 0
