"""Time and peak memory of ``joulekit check`` on hostile result files.

Each case copies a real published result, plants one hostile file and runs
``joulekit check`` as a child process, printing wall time, peak RSS (from ``wait4``)
and the exit status: a 1 GiB sparse ``spl.txt`` (before the size limits: 83 s and
14.7 GB), a FIFO as ``ptd_logs.txt`` (before: a hang), and a dense ``spl.txt`` just
below its limit, grown from the file's own lines (``--dense-mib``, default 64), to show
what an accepted large file costs.

    python tools/bench_hostile_inputs.py [--dense-mib 64]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"
RESULT = REAL / "inference_results_v2.1/closed/Dell/results/XR12_A2x1_TRT_MaxQ/resnet50/Offline"


def _sparse(perf: Path, _: int) -> None:
    with open(perf / "run_1" / "spl.txt", "r+b") as handle:
        handle.truncate(1 << 30)


def _fifo(perf: Path, _: int) -> None:
    log = perf / "power" / "ptd_logs.txt"
    log.unlink()
    os.mkfifo(log)


def _dense(perf: Path, mib: int) -> None:
    spl = perf / "run_1" / "spl.txt"
    body = spl.read_bytes()
    with open(spl, "ab") as handle:
        while handle.tell() < mib << 20:
            handle.write(body)


def _run(name: str, plant: Callable[[Path, int], None], mib: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        perf = Path(tmp) / "inference_results_v2.1" / "Offline" / "performance"
        shutil.copytree(RESULT / "performance", perf)
        plant(perf, mib)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "joulekit", "check", str(perf), "--no-progress",
             "--format", "json", "--jobs", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        print(f"{name:34} {elapsed:7.2f} s  peak RSS {usage.ru_maxrss / 1024:7.1f} MiB  "
              f"exit {proc.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dense-mib", type=int, default=64)
    args = parser.parse_args()
    _run("unmodified result", lambda perf, _: None, 0)
    _run("1 GiB sparse spl.txt", _sparse, 0)
    _run("FIFO as ptd_logs.txt", _fifo, 0)
    _run(f"dense spl.txt of {args.dense_mib} MiB", _dense, args.dense_mib)


if __name__ == "__main__":
    main()
