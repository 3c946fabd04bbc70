"""Every scripted simulator fault, driven through the real TCP PTD backend.

Each test checks what the brief demands of a fault: one clear error (or a clear
warning/flag where the measurement survives), the initial ranges restored, and every
sample already taken kept.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from joulekit.analyzers import AnalyzerError, PtdAnalyzer, open_analyzer

INTERVAL_MS = 100


@pytest.fixture
def session() -> Iterator[list[PtdAnalyzer]]:
    opened: list[PtdAnalyzer] = []
    yield opened
    for a in opened:
        a.close()


def _open(session: list[PtdAnalyzer], url: str) -> PtdAnalyzer:
    analyzer = open_analyzer(url)
    assert isinstance(analyzer, PtdAnalyzer)
    session.append(analyzer)
    analyzer.open()
    analyzer.set_ranges(300, 2)
    return analyzer


def _measure(a: PtdAnalyzer, seconds: float = 0.75) -> list[object]:
    a.start(INTERVAL_MS, "t_testing")
    time.sleep(seconds)
    return list(a.stop())


def _assert_restored(a: PtdAnalyzer) -> None:
    a.close()
    assert a.restored
    assert a.transcript[-2:] == [
        ("SR,V,300.000000", "Range V changed"),
        ("SR,A,20.000000", "Range A changed"),
    ]


def test_nan_reading_is_kept_as_invalid_sample(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=nan:at=2")
    samples = _measure(a)
    bad = [s for s in a.samples if not s.valid]
    assert len(bad) == 1 and a.samples[2].watts == -1.0 and "nan" in a.samples[2].flags
    assert len(samples) >= 5 and all(s.valid for i, s in enumerate(a.samples) if i != 2)
    assert "ERROR: Bad watts reading nan from WT310E" in (a.console_log() or "")
    stats = a.statistics()
    assert stats is not None and stats.errors == 1
    _assert_restored(a)


def test_overrange_reading_is_invalid(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=overrange:at=1,count=2")
    _measure(a)
    assert [i for i, s in enumerate(a.samples) if "nan" in s.flags] == [1, 2]
    assert "reading inf" in (a.console_log() or "")
    _assert_restored(a)


def test_uncertainty_above_one_percent_is_flagged(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=uncertainty-high:at=2")
    _measure(a)
    assert len(a.samples) >= 5  # the check below covers samples 2.. only if they exist
    assert "uncertainty_high" not in a.samples[0].flags
    assert a.samples[0].uncertainty is not None and a.samples[0].uncertainty < 0.01
    assert all("uncertainty_high" in s.flags for s in a.samples[2:])
    stats = a.statistics()
    assert stats is not None and stats.uncertainty_max is not None and stats.uncertainty_max > 0.01
    assert stats.uncertain_samples == len(a.samples) - 2
    assert "which is above 1.00% limit for the last sample!" in (a.console_log() or "")
    _assert_restored(a)


def test_missed_samples_are_reported(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=miss:at=2,count=2")
    _measure(a, 0.9)
    assert any("missed 2 sample(s)" in w for w in a.warnings), a.warnings
    assert "WARNING: Missed 1 samples" in (a.console_log() or "")
    _assert_restored(a)


def test_duplicated_samples_are_dropped_once(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=duplicate:at=1")
    _measure(a)
    stamps = [s.utc for s in a.samples]
    assert len(stamps) == len(set(stamps))
    assert any("1 duplicated sample(s)" in w for w in a.warnings), a.warnings
    _assert_restored(a)


def test_clock_offset_is_reported(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=clock-offset:seconds=5")
    _measure(a)
    assert any("clock is about +5." in w for w in a.warnings), a.warnings
    _assert_restored(a)


def test_clock_drift_is_reported(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=drift:ppm=80000")
    _measure(a, 1.0)
    assert any("samples every 10" in w and "instead of 100 ms" in w for w in a.warnings), a.warnings
    _assert_restored(a)


def test_drop_mid_rl_recovers_every_sample(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=drop-rl:times=1,after=2")
    _measure(a)
    stats = a.statistics()
    assert stats is not None and len(a.samples) == stats.samples >= 5
    assert any("reconnected" in w for w in a.warnings)
    assert [c for c, _ in a.transcript].count("RL") >= 2
    _assert_restored(a)


def test_permanent_drop_mid_rl_is_one_error_with_samples_kept(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=drop-rl:times=99,after=1")
    a.start(INTERVAL_MS, "t_testing")
    time.sleep(0.6)
    pattern = (
        r"lost the link to the joulekit simulator .* during 'RL' 4 times; \d+ sample\(s\) kept"
    )
    with pytest.raises(AnalyzerError, match=pattern) as err:
        a.stop()
    assert len(err.value.samples) >= 3 and len(a.samples) == len(err.value.samples)
    _assert_restored(a)


def test_error_reply_to_go(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49?fault=error:cmd=Go")
    with pytest.raises(AnalyzerError, match=r"answered 'Go,100,0,t_testing' with 'Error'"):
        a.start(INTERVAL_MS, "t_testing")
    _assert_restored(a)


def test_meter_busy_reply_to_sr(session: list[PtdAnalyzer]) -> None:
    a = open_analyzer("sim://49?fault=busy:cmd=SR")
    assert isinstance(a, PtdAnalyzer)
    session.append(a)
    a.open()
    with pytest.raises(AnalyzerError, match=r"Meter busy.*retry later"):
        a.set_ranges(300, 2)
    _assert_restored(a)


def test_client_drop_mid_measurement_reconnects_and_stops(session: list[PtdAnalyzer]) -> None:
    a = _open(session, "sim://49")
    a.start(INTERVAL_MS, "t_testing")
    time.sleep(0.3)
    assert a._link is not None
    a._link.close()  # the link dies mid-measurement; PTD keeps sampling
    time.sleep(0.3)
    a.stop()
    assert len(a.samples) >= 5
    assert any("reconnected" in w for w in a.warnings)
    assert ("Stop", "Stopping untimed measurement") in a.transcript
    _assert_restored(a)
