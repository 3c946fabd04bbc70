"""Hostile training trees give findings or one-line errors, never a traceback; the CLI
(launched as a process) renders training reports in every format with the usual exit
codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from joulekit.checker.training_power import check_training

from ._trees import DELL_BENCH, DELL_ROOT, SMC_ROOT, copy_org

RUN0 = "power/result_0"


def _jk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "joulekit", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def _rules(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for result in check_training(root).results:
        for f in result.findings:
            found.setdefault(f.rule, []).append(f"{f.where()}: {f.message}")
    return found


@pytest.fixture
def dell_copy(tmp_path: Path) -> Path:
    return copy_org(DELL_BENCH, tmp_path) / RUN0


def test_broken_json_line_is_reported_with_its_line(dell_copy: Path) -> None:
    node = dell_copy / "node_2.txt"
    lines = node.read_text(encoding="latin-1").splitlines()
    lines[9] = ':::MLLOG {"namespace": "", "time_ms": 17285'
    node.write_text("\n".join(lines) + "\n", encoding="latin-1")
    found = _rules(dell_copy.parents[5])
    assert any("node_2.txt:10:" in m and "skips" in m for m in found["TRN015"])


def test_record_lacking_keys_is_a_summarizer_crash(dell_copy: Path) -> None:
    node = dell_copy / "node_1.txt"
    with node.open("a", encoding="latin-1") as handle:
        handle.write(':::MLLOG {"namespace": "", "key": "power_reading", "value": 5}\n')
    found = _rules(dell_copy.parents[5])
    assert any("lacks time_ms, metadata" in m and "KeyError" in m for m in found["TRN012"])


def test_empty_node_file_and_non_numeric_reading(dell_copy: Path) -> None:
    (dell_copy / "node_3.txt").write_bytes(b"")
    node = dell_copy / "node_4.txt"
    text = re.sub(r'("key": "power_reading", "value": )([0-9.]+)', r'\1"\2"',
                  node.read_text(encoding="latin-1"), count=1)
    node.write_text(text, encoding="latin-1")
    found = _rules(dell_copy.parents[5])
    assert any("node_3.txt" in m and "no :::MLLOG records" in m for m in found["TRN015"])
    assert any("node_4.txt" in m and "TypeError" in m for m in found["TRN012"])


def test_fifo_symlink_and_huge_file_are_findings_not_hangs(dell_copy: Path,
                                                            tmp_path: Path) -> None:
    os.unlink(dell_copy / "node_5.txt")
    os.mkfifo(dell_copy / "node_5.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0\n", encoding="utf-8")
    os.unlink(dell_copy / "node_6.txt")
    os.symlink(outside, dell_copy / "node_6.txt")
    with (dell_copy / "node_7.txt").open("r+b") as handle:
        handle.truncate(65 << 20)  # sparse: past the 64 MiB power-log limit
    proc = _jk("check", str(dell_copy.parents[5]), "--format", "json", timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    text = json.dumps(json.loads(proc.stdout))
    assert "root:x" not in text
    unreadable = [f["file"] for r in json.loads(proc.stdout)["results"] for f in r["findings"]
                  if f["rule"] == "TRN015"]
    assert {Path(p).name for p in unreadable} >= {"node_5.txt", "node_6.txt", "node_7.txt"}


def test_missing_marks_and_no_figure_on_empty_window(dell_copy: Path) -> None:
    node = dell_copy / "node_0.txt"
    kept = [line for line in node.read_text(encoding="latin-1").splitlines()
            if "power_measurement_start" not in line and "power_measurement_stop" not in line]
    node.write_text("\n".join(kept) + "\n", encoding="latin-1")
    found = _rules(dell_copy.parents[5])
    assert "TRN023" in found and "TRN024" in found
    assert any("Power start timestamp not found" in m for m in found["TRN012"])


def test_cli_json_table_csv_junit_on_the_smc_tree(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = _jk("check", str(SMC_ROOT), "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert round(data["results"][0]["power"]["value"]) == 20_381_549
    table = _jk("check", str(SMC_ROOT))
    assert table.returncode == 1 and "20381549.45 J" in table.stdout and "TRN028" in table.stdout
    csv_text = _jk("check", str(SMC_ROOT), "--format", "csv").stdout
    assert "energy_to_train,20381549.45" in csv_text
    junit = _jk("check", str(SMC_ROOT), "--format", "junit").stdout
    assert "TRN036" in junit and "PWR001" not in junit  # the training rules are the suite


def test_cli_benchmark_kind_training_forces_and_refuses_one_line(tmp_path: Path) -> None:
    forced = _jk("check", str(DELL_ROOT), "--benchmark-kind", "training", "--format", "json",
                 "--round", "v4.1")
    assert forced.returncode == 1 and json.loads(forced.stdout)["round"] == "v4.1"
    empty = _jk("check", str(tmp_path), "--benchmark-kind", "training")
    assert empty.returncode == 3
    assert empty.stderr.count("\n") == 1 and "no MLPerf Training benchmark" in empty.stderr
    bad_round = _jk("check", str(DELL_ROOT), "--round", "v9.9")
    assert bad_round.returncode == 3 and "known training rounds" in bad_round.stderr
    assert "Traceback" not in bad_round.stderr


def test_rules_show_a_training_rule_with_its_round_value() -> None:
    proc = _jk("rules", "show", "TRN020", "--round", "v4.0")
    assert proc.returncode == 0
    assert "Training round v4.0: training.sampling.max_interval_s = 1.0" in proc.stdout
    explained = _jk("check", "--explain", "TRN031")
    assert explained.returncode == 0 and "clock.max_offset_s" in explained.stdout
