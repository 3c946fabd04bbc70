"""``joulekit check`` and ``joulekit rules`` from the command line: formats, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from joulekit.cli import main

from ._fixtures import DELL_V21_OFFLINE, REAL, SOURCES_LIST, UNTETHER_V41, UNTETHER_V41_SS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_clean_result_exits_0_and_prints_the_figure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", str(UNTETHER_V41_SS), "--no-progress")
    assert code == 0
    assert "29.23898692 mJ" in out and "valid" in out


def test_warnings_only_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", str(DELL_V21_OFFLINE), "--no-progress")
    assert code == 2 and "PWR061" in out and "11.58 samples/J" in out


def test_errors_exit_1(
    capsys: pytest.CaptureFixture[str], copy_result: Callable[[Path], Path]
) -> None:
    perf = copy_result(UNTETHER_V41_SS)
    (perf / "power/client.log").unlink()
    code, out = run(capsys, "check", str(perf), "--no-progress")
    assert code == 1
    assert "PWR001 power/client.log: power/client.log is missing" in out
    assert "1 result(s): 1 error(s), 0 warning(s)" in out


def test_json_format_for_a_tree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", str(UNTETHER_V41), "--format", "json",
                    "--sources-checksums", str(SOURCES_LIST["v4.1"]))  # fmt: skip
    data = json.loads(out)
    assert code == 0
    assert data["summary"] == {"results": 2, "valid": 2, "errors": 0, "warnings": 0}
    assert {r["scenario"] for r in data["results"]} == {"Offline", "SingleStream"}


def test_junit_and_csv_formats(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(capsys, "check", str(DELL_V21_OFFLINE), "--format", "junit")
    suites = ET.fromstring(out.split("?>", 1)[1])
    assert len(suites.findall("testsuite")) == 1
    assert any("PWR061" in (c.get("name") or "") for c in suites.iter("testcase"))
    _, out = run(capsys, "check", str(DELL_V21_OFFLINE), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["metric"] == "average_power" for r in rows)
    assert any(r["rule"] == "PWR061" and r["severity"] == "warning" for r in rows)


def test_round_override_and_compat_reference(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", str(UNTETHER_V41_SS), "--compat", "reference",
                    "--format", "json")  # fmt: skip
    result = json.loads(out)["results"][0]
    assert code == 1  # today's reference rejects PTD 1.10.0 and the v4.1 ptd_config object
    assert {"PWR021", "PWR070"} <= set(result["compat"]["rules_differing"])
    code, out = run(capsys, "check", str(UNTETHER_V41_SS), "--round", "v5.1", "--format", "json")
    assert json.loads(out)["round"] == "v5.1" and code == 1


def test_explain_prints_rule_threshold_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "check", "--explain", "PWR040", "--round", "v2.1")
    assert code == 0
    assert "client/server clocks agree" in out
    assert "max_skew_ms = 500" in out and "Source:" in out


def test_unknown_rule_and_missing_path_are_user_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--explain", "PWR999"]) == 3
    assert main(["check", str(REAL / "no-such-folder")]) == 3
    assert "does not exist" in capsys.readouterr().err


def test_rules_show_prints_a_pack(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "rules", "show", "v5.1", "--section", "power")
    assert code == 0 and "max_skew_ms: 800" in out and "1.11.1" in out


def test_check_runs_as_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", str(UNTETHER_V41_SS), "--format", "json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["valid"] is True
