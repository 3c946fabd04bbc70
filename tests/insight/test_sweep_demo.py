"""A real sweep of the demo model on the simulator, then recommend, then interrupt/resume."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: phases of 2 s, as the harness end-to-end tests use since Offline phases run on the
#: calibrated-rate path (rerun when LoadGen ends them early), so a 1 Hz meter always has
#: samples strictly inside LoadGen's window
FAST = ["--duration-s", "2", "--settle", "0.3"]


def _joulekit(*args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joulekit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _hand_pick(rows: list[dict[str, str]], bound_ms: float) -> str:
    """Least energy among rows with p99 <= bound: written out, no pandas."""
    best_point, best_energy = "", math.inf
    for row in rows:
        if row["status"] != "ok" or float(row["latency_p99_ms"]) > bound_ms:
            continue
        energy = float(row["energy_per_sample_j"])
        if energy < best_energy:
            best_point, best_energy = row["point"], energy
    return best_point


@pytest.fixture(scope="module")
def demo_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    proc = _joulekit("sweep", "-o", str(out), "--batch-size", "1,4,16,64", *FAST)
    # 1: a point whose run LoadGen ended early is recorded as failed, not lost
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert proc.stdout.count("measured ") + proc.stdout.count("failed ") == 4
    assert proc.stdout.count("measured ") >= 3, proc.stdout
    return out


def test_sweep_of_four_batch_sizes_fills_the_table(demo_sweep: Path) -> None:
    with open(demo_sweep / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["batch_size"]) for r in rows] == [1, 4, 16, 64]
    for row in rows:
        if row["status"] != "ok":
            assert row["error"], row
            continue
        assert float(row["avg_power_w"]) > 0
        # J/sample is the inverse of the checker's samples/J, never recomputed otherwise
        assert float(row["energy_per_sample_j"]) == pytest.approx(
            1 / float(row["samples_per_joule"])
        )
        assert float(row["latency_p99_ms"]) > 0
        assert Path(row["result_dir"], "run_1", "spl.txt").is_file()


@pytest.mark.parametrize("which", ["loosest", "second_fastest"])
def test_recommend_picks_what_a_hand_calculation_picks(demo_sweep: Path, which: str) -> None:
    with open(demo_sweep / "sweep.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["status"] == "ok"]
    p99 = sorted(float(r["latency_p99_ms"]) for r in rows)
    bound = p99[-1] if which == "loosest" else p99[1]
    out = demo_sweep / f"rec-{which}"
    proc = _joulekit("recommend", str(demo_sweep), "--p99-ms", repr(bound), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "recommendation.json").read_text())
    chosen = next(
        r["point"]
        for r in rows
        if float(r["batch_size"]) == data["recommended"]["knobs"]["batch_size"]
    )
    assert chosen == _hand_pick(rows, bound)
    assert data["feasible"] == sum(1 for v in p99 if v <= bound)
    assert (out / "frontier.png").is_file() and (out / "frontier.svg").is_file()


def test_interrupted_sweep_measures_only_missing_points_when_restarted(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = [
        sys.executable,
        "-m",
        "joulekit",
        "sweep",
        "-o",
        str(out),
        "--batch-size",
        "2,32",
        *FAST,
    ]
    first_point = out / "points" / "batch_size-2" / "point.json"
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not first_point.is_file() and proc.poll() is None:
            assert time.monotonic() < deadline, "first point never finished"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130, stdout + stderr
    assert "what was measured is kept" in stderr
    stamp = first_point.stat().st_mtime_ns
    finished_before = {p.parent.name for p in (out / "points").glob("*/point.json")}
    assert "batch_size-32" not in finished_before

    again = _joulekit("sweep", "-o", str(out), "--batch-size", "2,32", *FAST)
    assert again.returncode in (0, 1), again.stdout + again.stderr
    lines = again.stdout.splitlines()
    for point in ("batch_size-2", "batch_size-32"):
        (line,) = [ln for ln in lines if ln.split()[1:2] == [point]]
        expected = ("skipped",) if point in finished_before else ("measured", "retried")
        assert line.split()[0] in expected, again.stdout
    assert first_point.stat().st_mtime_ns == stamp
    with open(out / "sweep.csv", newline="") as fh:
        assert [r["point"] for r in csv.DictReader(fh)] == ["batch_size-2", "batch_size-32"]
