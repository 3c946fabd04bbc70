"""Benchmark: joulekit check on a synthetic MLPerf Training tree of N nodes x 10 runs.

Writes the tree in a temporary folder with the training format's own writer (1 Hz
readings for 2-5 minutes per run, one estimated switch), checks it in a fresh process
per size, and prints wall time, peak RSS and the figure:

    .venv/bin/python tools/bench_training_check.py            # 8 and 64 nodes
    .venv/bin/python tools/bench_training_check.py --nodes 64 --runs 10
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from joulekit.formats.layout import (
    node_log_name,
    switch_log_name,
    system_json,
    training_power_dir,
    training_result_file,
)
from joulekit.formats.training_power import PowerLogWriter, format_power_record, write_power_log

T0 = 1_728_509_260_000


def build(root: Path, nodes: int, runs: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    org = root / "Synth"
    bench = org / "results" / f"{nodes}xSynth" / "llama2_70b_lora"
    bench.mkdir(parents=True)
    path = system_json(org, f"{nodes}xSynth")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"number_of_nodes": str(nodes)}), encoding="utf-8")
    for run in range(runs):
        start = T0 + run * 1_000_000
        ttt = rng.randint(120, 300) * 1000
        write_power_log(training_result_file(bench, run), [
            " 0: " + format_power_record("run_start", None, start, event_type="INTERVAL_START"),
            " 0: " + format_power_record("run_stop", 0.92, start + ttt, event_type="INTERVAL_END",
                                         metadata={"status": "success"})])
        folder = training_power_dir(bench, f"result_{run}")
        for node in range(nodes):
            with PowerLogWriter(folder / node_log_name(node), host=str(node)) as log:
                log.start(start - 2000)
                log.conversion_eff(0.96, start - 2000, "AC")
                for s in range(ttt // 1000 + 4):
                    log.reading(round(rng.uniform(3000, 9000), 1), start - 1000 + 1000 * s)
                log.stop(start + ttt + 3000)
        with PowerLogWriter(folder / switch_log_name(0)) as log:
            log.estimate(16100, start, "sw_0")
    return org


_CHILD = """
import resource, sys, time
t = time.perf_counter()
from joulekit.checker.training_power import check_training
report = check_training(sys.argv[1])
wall = time.perf_counter() - t
value = report.results[0].to_json()["power"]["value"]
print(wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, value, len(report.results))
"""


def measure(org: Path) -> tuple[float, float, float, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(org)], capture_output=True,
                         text=True, check=True, timeout=600).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2]), int(out[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="*", default=[8, 64])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"{'nodes':>5} {'files':>6} {'MB':>7} {'build s':>8} {'check s':>8} "
          f"{'peak RSS MB':>11} {'energy J':>14}")
    for nodes in args.nodes:
        with tempfile.TemporaryDirectory(prefix="jk-train-bench-") as tmp:
            began = time.perf_counter()
            org = build(Path(tmp), nodes, args.runs)
            built = time.perf_counter() - began
            files = list(org.rglob("node_*.txt"))
            size = sum(f.stat().st_size for f in files) / 1e6
            wall, rss, value, _reports = measure(org)
            print(f"{nodes:>5} {len(files):>6} {size:>7.1f} {built:>8.2f} {wall:>8.2f} "
                  f"{rss:>11.1f} {value:>14,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
