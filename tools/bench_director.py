"""Director overhead against the PTDaemon simulator: samples handled per second and
timestamp jitter against the simulator's clock.

    .venv/bin/python tools/bench_director.py [--seconds 5] [--period-ms 10] [--analyzers 2]

One measurement per analyzer runs over real TCP (``sim://`` starts the simulator on a
loopback port); the director's own work after ``Stop`` — reading the samples back,
merging analyzers by timestamp and writing spl.txt — is timed. Jitter is the spread of
the sample intervals (simulator timestamps) around the sampling period.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import tempfile
import time
from pathlib import Path

from joulekit.analyzers import open_analyzer
from joulekit.power_director.director.bank import AnalyzerBank
from joulekit.power_director.director.outputs import write_phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--period-ms", type=int, default=10)
    parser.add_argument("--analyzers", type=int, default=2)
    args = parser.parse_args()
    log = logging.getLogger("bench")
    url = f"sim://49?period_ms={args.period_ms}"
    bank = AnalyzerBank([lambda: open_analyzer(url)] * args.analyzers, log)
    try:
        bank.open()
        bank.set_ranges([("Auto", "Auto")] * args.analyzers)
        bank.start("bench_testing")
        time.sleep(args.seconds)
        began = time.perf_counter()
        samples = bank.stop()
        stopped = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            gaps = write_phase(Path(tmp), "testing", "bench_testing", samples, bank, log)
        written = time.perf_counter()
    finally:
        bank.close()
    total = sum(len(s) for s in samples)
    period = args.period_ms / 1000
    deltas = [
        abs((b.utc - a.utc).total_seconds() - period) * 1000
        for per in samples
        for a, b in itertools.pairwise(per)
    ]
    deltas.sort()
    print(f"analyzers: {args.analyzers}, period: {args.period_ms} ms, run: {args.seconds:g} s")
    print(f"samples: {total} ({', '.join(str(len(s)) for s in samples)} per analyzer)")
    read_s, write_s, all_s = stopped - began, written - stopped, written - began
    print(f"read back (Stop + RL): {read_s:.3f} s -> {total / read_s:,.0f} samples/s")
    print(f"merge + write spl: {write_s:.3f} s -> {total / write_s:,.0f} samples/s")
    print(f"end to end after Stop: {total / all_s:,.0f} samples/s; merge gaps: {len(gaps)}")
    if deltas:
        p99 = deltas[min(len(deltas) - 1, int(len(deltas) * 0.99))]
        print(
            f"timestamp jitter |dt - period|: median {statistics.median(deltas):.3f} ms, "
            f"p99 {p99:.3f} ms, max {deltas[-1]:.3f} ms"
        )


if __name__ == "__main__":
    main()
