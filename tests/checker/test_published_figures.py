"""The checker reports the published power figures of the real fixtures (OFFICIAL.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulekit.checker import CheckOptions, check_path, check_power_result, load_sources_checksums
from joulekit.rules import load_pack

from ._fixtures import (
    ALL_RESULTS,
    DELL_V21_OFFLINE,
    QUALCOMM_V11_SERVER,
    SOURCES_LIST,
    UNTETHER_V41_OFFLINE,
    UNTETHER_V41_SS,
    round_of,
)


def _check(result: Path, **options: object) -> object:
    return check_power_result(
        result / "performance",
        load_pack(round_of(result)),
        CheckOptions(**options),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("result", "metric", "unit", "published"),
    [
        (QUALCOMM_V11_SERVER, "average_power", "W", 1790.9826666666677),
        (UNTETHER_V41_SS, "energy_per_query", "mJ", 29.2389869184),
        (UNTETHER_V41_OFFLINE, "average_power", "W", 398.3299847793),
    ],
)
def test_reports_the_published_figure_to_ten_digits(
    result: Path, metric: str, unit: str, published: float
) -> None:
    report = _check(result)
    figure = report.figure  # type: ignore[attr-defined]
    assert figure.metric == metric and figure.unit == unit
    assert abs(figure.value - published) / published < 1e-9


def test_dell_offline_efficiency_is_the_published_11_58_samples_per_joule() -> None:
    report = _check(DELL_V21_OFFLINE)
    figure = report.figure  # type: ignore[attr-defined]
    assert figure.efficiency_unit == "samples/J"
    assert round(figure.efficiency, 2) == 11.58
    assert figure.efficiency == pytest.approx(3091.84 / figure.value, rel=1e-12)


def test_singlestream_efficiency_is_queries_per_joule() -> None:
    figure = _check(UNTETHER_V41_SS).figure  # type: ignore[attr-defined]
    assert figure.efficiency == pytest.approx(1000.0 / 29.2389869184, rel=1e-9)
    assert figure.stats.samples == pytest.approx(figure.stats.window_s, abs=2)


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda p: f"{round_of(p)}-{p.name}")
def test_real_results_have_no_errors_with_their_rounds_sources_list(result: Path) -> None:
    sources = load_sources_checksums(SOURCES_LIST[round_of(result)])
    report = _check(result, sources_sets=sources)
    assert [f for f in report.findings if f.severity == "error"] == []  # type: ignore[attr-defined]
    assert not [f for f in report.findings if f.rule == "PWR010"]  # type: ignore[attr-defined]


def test_sources_not_checked_without_a_list_is_a_notice_never_a_pass() -> None:
    report = _check(UNTETHER_V41_SS)
    sources = [f for f in report.findings if f.rule == "PWR010"]  # type: ignore[attr-defined]
    assert len(sources) == 1
    assert sources[0].severity == "notice" and "not checked" in sources[0].message


def test_a_newer_rounds_list_does_not_match_an_older_run() -> None:
    newer = load_sources_checksums(SOURCES_LIST["v4.1"])
    report = _check(QUALCOMM_V11_SERVER, sources_sets=newer)
    assert {(f.rule, f.severity) for f in report.findings} >= {("PWR010", "error")}  # type: ignore[attr-defined]


def test_whole_tree_checked_in_parallel_matches_serial() -> None:
    real = QUALCOMM_V11_SERVER.parents[6]
    parallel = check_path(real, jobs=2)
    serial = check_path(real, jobs=1)
    assert len(parallel.results) == len(ALL_RESULTS)
    assert [r.to_json() for r in parallel.results] == [r.to_json() for r in serial.results]
    assert parallel.round == "mixed"
