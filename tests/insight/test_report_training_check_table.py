"""joulekit check's table reads as training for training results (benchmarks and runs,
joules and kWh) and keeps the inference table's words for power results."""

from __future__ import annotations

import os
import subprocess
import sys

from realdata import DELL_V21_OFFLINE, SHARED

DELL_TRAINING = SHARED / "fixtures" / "real-training" / "training_results_v4.1"


def _table(path: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", path, "--no-progress"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode in (0, 1, 2), done.stderr
    return done.stdout


def test_training_table_names_benchmarks_runs_and_joules() -> None:
    text = _table(str(DELL_TRAINING))
    assert "joulekit check (1 training benchmark(s), 10 run(s))" in text
    header = next(line for line in text.splitlines() if "result" in line and "round" in line)
    assert "benchmark" in header and "energy (J / kWh)" in header
    assert "scenario" not in header and "power / efficiency" not in header
    assert "power result(s)" not in text
    assert "16143281.64 J" in text and "4.484 kWh" in text


def test_inference_table_keeps_its_words() -> None:
    text = _table(str(DELL_V21_OFFLINE))
    assert "joulekit check (1 power result(s))" in text
    header = next(line for line in text.splitlines() if "result" in line and "round" in line)
    assert "scenario" in header and "power / efficiency" in header
    assert "training" not in text and "energy (J / kWh)" not in text
