"""Benchmark ``joulekit check`` on N copies of the real power results in one call.

Copies the published fixtures N times into a temporary tree (keeping the round in the
path), checks the whole tree once with the process pool, and prints results per second
and milliseconds per result (wall time, amortised over all results and workers).

    .venv/bin/python tools/bench_check.py --copies 40 --jobs 2

Target: < 25 ms per result on 2 cores. Medians of 3 runs, 200 results, 2 workers, 2 cores
with other work running (load 2.0-2.9), old and new code alternating: 25.7 ms per result
before the reader and file-sharing work, 15.4 ms after; under load 1.0-1.2, 15.8 -> 10.9 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from joulekit.checker import CheckOptions, check_path

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"


def build_tree(root: Path, copies: int) -> int:
    """N copies of every published power result below ``root``; returns the count."""
    from joulekit.formats.layout import find_power_results

    sources = find_power_results(REAL)
    count = 0
    for index in range(copies):
        for perf in sources:
            round_dir = next(p for p in perf.parts if p.startswith("inference_results_"))
            target = root / round_dir / f"copy{index:04d}" / perf.parent.name / "performance"
            shutil.copytree(perf, target)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of each fixture")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--compat", choices=["correct", "reference"], default="correct")
    args = parser.parse_args()
    if not REAL.is_dir():
        print(f"fixtures not found: {REAL}", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="joulekit-bench-") as tmp:
        total = build_tree(Path(tmp), args.copies)
        start = time.perf_counter()
        report = check_path(tmp, CheckOptions(compat=args.compat), jobs=args.jobs)
        elapsed = time.perf_counter() - start
    assert len(report.results) == total
    crashed = sum(1 for r in report.results for f in r.findings if f.rule == "PWR900")
    print(f"results checked : {total} ({args.copies} copies x {total // args.copies} fixtures)")
    print(f"workers         : {args.jobs}")
    print(f"wall time       : {elapsed:.3f} s")
    print(f"results/s       : {total / elapsed:.1f}")
    print(f"ms per result   : {elapsed * 1000 / total:.2f} (amortised)")
    print(f"internal errors : {crashed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
