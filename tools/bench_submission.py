"""Check a synthetic round of 500 results and print results per second.

    python tools/bench_submission.py [--results 500] [--workers 2]

Target: a 500-result round in under 60 s on 2 cores. Medians of 3 runs, 2 workers, 2
cores with other work running (load 2.0-2.9), old and new code alternating: 22.5 s before
the power-check reader work, 14.3 s after (the power check is most of each result's time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gen_synthetic_round import fixture_sources, generate

from joulekit.checker.submission import check_submission


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "round"
        t0 = time.perf_counter()
        made = generate(root, args.results, fixture_sources())
        t1 = time.perf_counter()
        report = check_submission(root, "v4.1", workers=args.workers)
        t2 = time.perf_counter()
    valid = sum(r.valid for r in report.results)
    elapsed = t2 - t1
    print(f"generated {made} results in {t1 - t0:.1f} s")
    print(f"checked {len(report.results)} results ({valid} valid, {report.error_count} errors) "
          f"in {elapsed:.1f} s with {args.workers} workers: "
          f"{len(report.results) / elapsed:.1f} results/s")
    return 0 if valid == made else 1


if __name__ == "__main__":
    raise SystemExit(main())
