"""joulekit check on the real published training power results: the published figure
to the joule, the Dell run-0 energies, and the data problems OFFICIAL.md counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from joulekit.checker.options import CheckOptions
from joulekit.checker.report import CheckReport
from joulekit.checker.training_power import check_training

from ._trees import DELL_ROOT, SMC_ROOT


@pytest.fixture(scope="module")
def smc() -> CheckReport:
    return check_training(SMC_ROOT)


@pytest.fixture(scope="module")
def dell() -> CheckReport:
    return check_training(DELL_ROOT)


def _rules(report: CheckReport) -> Counter[str]:
    return Counter(f.rule for r in report.results for f in r.findings)


def _details(report: CheckReport) -> list[dict[str, Any]]:
    return [r.to_json()["training"] for r in report.results]


def test_smc_v40_figure_is_the_published_one_to_the_joule(smc: CheckReport) -> None:
    bench = smc.results[0].to_json()
    assert bench["training"]["kind"] == "benchmark"
    assert bench["round"] == "v4.0" and bench["power"]["formula"] == "v2"
    assert round(bench["power"]["value"]) == 20_381_549
    assert bench["power"]["kwh"] == pytest.approx(5.66, abs=0.005)
    assert len(smc.results) == 11  # the benchmark and its 10 runs


def test_smc_v2_and_v3_agree_there(smc: CheckReport) -> None:
    v3 = check_training(SMC_ROOT, CheckOptions(round="v4.1"))
    assert v3.results[0].to_json()["power"]["formula"] == "v3"
    assert round(v3.results[0].to_json()["power"]["value"]) == 20_381_549


def test_smc_sampling_counts_match_official_md(smc: CheckReport) -> None:
    nodes = [n for d in _details(smc)[1:] for n in d["nodes"]]
    assert len(nodes) == 80
    assert sum(n["intervals_over_limit"] for n in nodes) == 12_384
    assert sum(n["readings"] - 1 for n in nodes) == 12_416
    assert max(n["longest_gap_s"] for n in nodes) == pytest.approx(18.985)
    assert sum(n["duplicate_times"] for n in nodes) == 4
    late = [n["start_vs_run_start_s"] for n in nodes]
    early = [-n["stop_vs_run_stop_s"] for n in nodes]
    coverage = [n["coverage_percent"] for n in nodes]
    assert min(late) > 0.13 and max(late) < 2.0 and min(early) > 0.04 and max(early) < 9.9
    assert min(coverage) > 96.3 and max(coverage) < 99.9


def test_smc_data_problems_are_findings_with_counts(smc: CheckReport) -> None:
    rules = _rules(smc)
    assert rules["TRN028"] == 80  # 80 of 80 node logs byte-identical to another
    assert rules["TRN020"] == 80 and rules["TRN026"] == 80 and rules["TRN027"] == 80
    assert rules["TRN032"] == 4
    assert rules["TRN033"] == 10 and rules["TRN007"] == 10  # node_1.. passes by the PNG
    assert rules["TRN004"] == 10
    assert "TRN023" not in rules and "TRN002" not in rules
    gaps = [f for r in smc.results for f in r.findings if f.rule == "TRN021"]
    assert any("18.985 s" in f.message for f in gaps)
    assert smc.exit_code() == 1
    assert smc.results[0].to_json()["training"]["official_package_check"]["passes"] is True


def test_smc_switch_estimate_is_about_a_quarter_of_each_run(smc: CheckReport) -> None:
    for run in _details(smc)[1:]:
        (switch,) = run["switches"]
        share = switch["energy_j"] / run["energy_j"]
        assert 0.258 < share < 0.262


def test_dell_run0_energy_and_the_measured_switch(dell: CheckReport) -> None:
    run0 = next(r for r in dell.results if r.to_json()["training"].get("run") == "result_0")
    power = run0.to_json()["power"]
    assert power["formula"] == "v3"
    assert round(power["value"]) == 16_143_282
    assert round(power["policy_value"]) == 16_338_359
    (switch,) = run0.to_json()["training"]["switches"]
    assert switch["energy_j"] == 0
    ignored = [f for f in run0.findings if f.rule == "TRN030"]
    assert len(ignored) == 1 and "678-725 W" in ignored[0].message


def test_dell_figure_is_not_invented_from_the_subset(dell: CheckReport) -> None:
    bench = dell.results[0]
    assert bench.to_json()["power"] is None
    (no_figure,) = [f for f in bench.findings if f.rule == "TRN011"]
    assert "cannot be computed" in no_figure.message and "9 of 10 runs" in no_figure.message
    assert "result_0 alone: 16,143,282 J" in no_figure.message
    rules = _rules(dell)
    assert rules["TRN001"] == 9 and rules["TRN006"] == 1


def test_dell_switch_clock_is_five_hours_behind(dell: CheckReport) -> None:
    (offset,) = [f for r in dell.results for f in r.findings if f.rule == "TRN031"]
    assert offset.file is not None and offset.file.endswith("sw_0.txt")
    assert "18,000 s (5.00 h) behind" in offset.message
    dups = [f for r in dell.results for f in r.findings if f.rule == "TRN032"]
    assert len(dups) == 8  # whole-second timestamps: every node log
