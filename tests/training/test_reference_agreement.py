"""Agreement with mlperf-logging (the reference): its result_summarizer's energy and its
package checker's power verdict on the real fixtures, and one test per known divergence,
each built on a tmp copy. The reference runs in-process (it is a library)."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

# the reference is in the dev extra: a missing one fails here, it never skips
import mlperf_logging.package_checker.power_checker as power_checker
import mlperf_logging.result_summarizer.result_summarizer as rs
import pytest

from joulekit.checker.options import CheckOptions
from joulekit.checker.training_power import check_training
from joulekit.formats.training_power import read_result_log

from ._trees import DELL_BENCH, SMC_BENCH, copy_org, smc_run_dirs


def _ours(bench: Path, round_name: str) -> dict[str, float | None]:
    report = check_training(bench.parents[2], CheckOptions(round=round_name))
    found: dict[str, float | None] = {}
    for result in report.results:
        data = result.to_json()
        name = data["training"].get("run", "(benchmark)")
        found[name] = data["power"]["value"] if data["power"] else None
    return found


def _quiet() -> contextlib.AbstractContextManager[object]:
    return contextlib.redirect_stdout(io.StringIO())


def _theirs_figure(bench: Path, ruleset: str) -> float:
    with _quiet():
        _score, energy, _scaling = rs._compute_strong_score_standalone(
            bench.name, bench.parent.name, True, str(bench), "training", ruleset)
    return float(energy)


def _theirs_run(bench: Path, run: str, ruleset: str) -> float:
    result_file = bench / f"{run}.txt"
    ttt = read_result_log(result_file).time_to_train_ms
    with _quiet():
        return float(rs._compute_total_power(str(bench), str(result_file), ttt, ruleset))


def test_smc_figure_equals_the_summarizer() -> None:
    ours = _ours(SMC_BENCH, "v4.1")  # the installed summarizer is v3, as round v4.1
    assert ours["(benchmark)"] == pytest.approx(_theirs_figure(SMC_BENCH, "4.1.0"), abs=1e-6)


def test_every_smc_run_energy_equals_the_summarizer() -> None:
    ours = _ours(SMC_BENCH, "v4.1")
    for run_dir in smc_run_dirs(SMC_BENCH):
        assert ours[run_dir.name] == pytest.approx(
            _theirs_run(SMC_BENCH, run_dir.name, "4.1.0"), rel=1e-12)


def test_dell_run0_equals_the_summarizer_and_its_switch_counts_zero() -> None:
    ours = _ours(DELL_BENCH, "v4.1")
    assert ours["result_0"] == pytest.approx(_theirs_run(DELL_BENCH, "result_0", "4.1.0"),
                                             rel=1e-12)
    with _quiet():
        switch = rs._compute_power_sw(
            rs.parse_file(str(DELL_BENCH / "power/result_0/sw_0.txt"), "4.1.0")[0], 293927.0)
    assert switch == 0


def test_divergence_dell_subset_the_summarizer_crashes_we_say_why() -> None:
    with _quiet(), pytest.raises(AssertionError):
        _theirs_figure(DELL_BENCH, "4.1.0")
    assert _ours(DELL_BENCH, "v4.1")["(benchmark)"] is None


def test_divergence_stop_equals_start_v3_divides_by_zero(tmp_path: Path) -> None:
    bench = copy_org(SMC_BENCH, tmp_path)
    node = smc_run_dirs(bench)[0] / "node_1.txt"
    lines = node.read_bytes().split(b"\r\n")
    start = lines[0]
    stop_at = next(i for i, line in enumerate(lines) if b"power_measurement_stop" in line)
    stamp = start.split(b'"time_ms": ')[1].split(b",")[0]
    head, rest = lines[stop_at].split(b'"time_ms": ')
    lines[stop_at] = head + b'"time_ms": ' + stamp + rest[rest.index(b","):]
    node.write_bytes(b"\r\n".join(lines))
    with _quiet(), pytest.raises(ZeroDivisionError):
        _theirs_figure(bench, "4.1.0")
    report = check_training(tmp_path, CheckOptions(round="v4.1"))
    assert report.results[0].to_json()["power"] is None
    rules = {f.rule for r in report.results for f in r.findings}
    assert {"TRN012", "TRN025", "TRN011"} <= rules
    # v2 (round v4.0) takes the last reading as the stop and still gives a figure
    v2 = check_training(tmp_path, CheckOptions(round="v4.0"))
    assert v2.results[0].to_json()["power"] is not None


def _package(bench: Path) -> tuple[bool, set[str]]:
    results = sorted(str(p) for p in bench.glob("result_*.txt"))
    logging.disable(logging.CRITICAL)
    try:
        valid, errors = power_checker.PowerChecker("4.0.0").check_power(str(bench / "power"),
                                                                         results)
    finally:
        logging.disable(logging.NOTSET)
    return bool(valid), set(errors)


def test_package_check_agrees_on_smc_and_says_it_passes_by_the_png(tmp_path: Path) -> None:
    assert _package(SMC_BENCH)[0] is True
    ours = check_training(SMC_BENCH.parents[2])
    assert ours.results[0].to_json()["training"]["official_package_check"]["passes"]
    bench = copy_org(SMC_BENCH, tmp_path)
    for run_dir in smc_run_dirs(bench):
        (run_dir / "nodes_1_to_8.png").unlink()
    valid, errors = _package(bench)
    assert not valid and len(errors) == 10
    again = check_training(tmp_path)
    check = again.results[0].to_json()["training"]["official_package_check"]
    assert check["passes"] is False and len(check["runs_not_complying"]) == 10
    assert {"TRN002", "TRN006"} <= {f.rule for r in again.results for f in r.findings}


def test_divergence_non_integer_suffix_crashes_the_package_check(tmp_path: Path) -> None:
    bench = copy_org(SMC_BENCH, tmp_path)
    (smc_run_dirs(bench)[0] / "node_x.txt").write_text("", encoding="utf-8")
    with pytest.raises(ValueError):
        _package(bench)
    report = check_training(tmp_path)
    (crash,) = [f for r in report.results for f in r.findings if f.rule == "TRN003"]
    assert "node_x.txt" in crash.message


def test_divergence_duplicate_index_passes_the_package_check(tmp_path: Path) -> None:
    bench = copy_org(DELL_BENCH, tmp_path)
    run0 = bench / "power/result_0"
    (run0 / "node_7.txt").rename(run0 / "node_3.csv")
    assert _package(bench)[1] >= {"result_1"}  # the missing folders still fail
    assert "result_0" not in _package(bench)[1]  # index 3 twice passes there
    report = check_training(tmp_path)
    dup = [f for r in report.results for f in r.findings if f.rule == "TRN002"]
    assert dup and "more than one entry" in dup[0].message
