"""Compliance verdicts computed from LoadGen logs, the rehearsal set, round seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulekit.checker.findings import Finding
from joulekit.errors import UserError
from joulekit.formats.mllog import format_mllog_line, write_detail
from joulekit.loadgen.runner import audit_logs_responses
from joulekit.loadgen.settings import LoadgenSettings, parse_seeds, round_seeds
from joulekit.run.audit import (
    audit_config,
    parse_compliance,
    verify_accuracy,
    verify_performance,
)
from joulekit.submission_template.rehearsal import tolerated


def _detail(path: Path, scenario: str, value: float, valid: bool = True) -> Path:
    key = {"Offline": "result_samples_per_second",
           "SingleStream": "early_stopping_latency_ss"}[scenario]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_detail(path, [format_mllog_line("effective_scenario", scenario),
                        format_mllog_line("result_validity", "VALID" if valid else "INVALID"),
                        format_mllog_line(key, value)])
    return path


@pytest.mark.parametrize(("test", "scenario", "ref", "got", "passed"), [
    ("TEST01", "Offline", 1000, 1090, True),
    ("TEST01", "Offline", 1000, 880, False),
    ("TEST01", "SingleStream", 1_000_000, 1_150_000, False),
    ("TEST01", "SingleStream", 150_000, 175_000, True),  # relaxed band at <= 0.2 ms
    ("TEST04", "Offline", 1000, 500, True),  # slower is fine
    ("TEST04", "Offline", 1000, 1150, False),  # more than 10 % faster
    ("TEST04", "SingleStream", 1_000_000, 850_000, False),  # lower latency = faster
    ("TEST04", "SingleStream", 1_000_000, 950_000, True),
])
def test_verify_performance_bands(tmp_path: Path, test: str, scenario: str, ref: float,
                                  got: float, passed: bool) -> None:
    verdict = verify_performance(test, _detail(tmp_path / "r.txt", scenario, ref),
                                 _detail(tmp_path / "t.txt", scenario, got))
    assert verdict.passed is passed
    assert verdict.line == ("TEST PASS" if passed else "TEST FAIL")


def test_verify_performance_fails_an_invalid_or_missing_run(tmp_path: Path) -> None:
    ref = _detail(tmp_path / "r.txt", "Offline", 1000)
    bad = _detail(tmp_path / "t.txt", "Offline", 1000, valid=False)
    assert not verify_performance("TEST01", ref, bad).passed
    assert not verify_performance("TEST01", ref, tmp_path / "none.txt").passed
    other = _detail(tmp_path / "s.txt", "SingleStream", 1000)
    assert "scenario" in verify_performance("TEST01", ref, other).text


def test_verify_accuracy_compares_responses_by_sample(tmp_path: Path) -> None:
    def log(name: str, entries: list[tuple[int, str]]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps([{"seq_id": i, "qsl_idx": q, "data": d}
                                    for i, (q, d) in enumerate(entries)]))
        return path

    acc = log("acc.json", [(0, "01"), (1, "02"), (2, "03")])
    assert verify_accuracy(acc, log("same.json", [(2, "03"), (0, "01")])).passed
    assert not verify_accuracy(acc, log("diff.json", [(2, "04")])).passed
    assert not verify_accuracy(acc, log("empty.json", [])).passed
    assert not verify_accuracy(acc, log("bad.json", [(9, "01")])).passed


def test_audit_configs_and_parsing(tmp_path: Path) -> None:
    assert parse_compliance("test01, TEST04,TEST01") == ("TEST01", "TEST04")
    with pytest.raises(UserError, match=r"--compliance 'TEST05': joulekit runs TEST01, TEST04"):
        parse_compliance("TEST05")
    assert "accuracy_log_sampling_target = 4096" in audit_config("TEST01", "resnet50")
    (tmp_path / "audit.config").write_text(audit_config("TEST01"))
    assert audit_logs_responses(tmp_path)
    (tmp_path / "audit.config").write_text(audit_config("TEST04"))
    assert not audit_logs_responses(tmp_path)


def test_round_seeds_reach_loadgen() -> None:
    seeds = round_seeds("v6.0")
    ts = LoadgenSettings(scenario="Offline", rng_seeds=seeds).build()
    assert (ts.qsl_rng_seed, ts.sample_index_rng_seed, ts.schedule_rng_seed) == seeds
    assert parse_seeds("1, 2,3") == (1, 2, 3)
    with pytest.raises(UserError, match="must be three integers"):
        parse_seeds("1,2")
    # LoadGen 6.0's built-in mlperf.conf carries the v6.1 seeds
    built_in = LoadgenSettings(scenario="Offline").build()
    assert (built_in.qsl_rng_seed, built_in.sample_index_rng_seed,
            built_in.schedule_rng_seed) == round_seeds("v6.1")


def test_rehearsal_tolerates_only_its_set() -> None:
    def f(rule: str, message: str = "m") -> Finding:
        return Finding(rule=rule, severity="error", message=message)

    assert tolerated(f("PWR011")) and tolerated(f("SUB-PERF-DURATION"))
    assert tolerated(f("SUB-COMP-FAILED", "TEST01/verify_performance.txt does not say 'x'"))
    assert not tolerated(f("SUB-COMP-FAILED", "TEST01/verify_accuracy.txt does not say 'x'"))
    assert not tolerated(f("SUB-PERF-INVALID"))
    assert not tolerated(f("SUB-COMP-MISSING"))
