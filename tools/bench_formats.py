"""Throughput of the format readers on the published power results.

Prints, per result, the milliseconds to read every file a power check reads (both detail
logs, both spl files, ptd_logs.txt, client.json and server.json), the best of N rounds,
and the lines per second of each reader over all results. The budget is < 25 ms per
result for a whole power check, so reading must stay well inside it.

    .venv/bin/python tools/bench_formats.py [ROOT] [--rounds N]

ROOT defaults to ../shared/fixtures/real beside the checkout.

Medians of 3 runs on 2 busy cores: 13.1 ms per result (was 18.0), ``spl.read_spl`` about
195,000 lines/s (was 156,000), ``ptd_log.read_ptd_log`` about 944,000 lines/s (was 486,000).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from joulekit.formats.layout import ResultPaths, find_power_results
from joulekit.formats.mllog import read_detail
from joulekit.formats.power_json import read_power_json
from joulekit.formats.ptd_log import read_ptd_log
from joulekit.formats.spl import read_spl


def read_all(session: ResultPaths) -> None:
    read_detail(session.run_1_detail)
    read_detail(session.ranging_detail)
    read_spl(session.run_1_spl)
    read_spl(session.ranging_spl)
    read_ptd_log(session.ptd_logs)
    read_power_json(session.client_json)
    read_power_json(session.server_json)


def best_of(rounds: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def main() -> int:
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "real"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=default)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    sessions = [ResultPaths(p) for p in find_power_results(args.root)]
    if not sessions:
        print(f"no power results below {args.root}")
        return 1
    print(f"{'result':60} {'ms/result':>10}")
    total = 0.0
    for session in sessions:
        seconds = best_of(args.rounds, lambda s=session: read_all(s))  # type: ignore[misc]
        total += seconds
        label = "/".join(session.result_dir.parts[-4:])
        print(f"{label:60} {seconds * 1000:10.2f}")
    print(f"{'mean':60} {total / len(sessions) * 1000:10.2f}")
    print()
    readers: list[tuple[str, Callable[[Path], object], Callable[[ResultPaths], list[Path]]]] = [
        ("mllog.read_detail", read_detail, lambda s: [s.run_1_detail, s.ranging_detail]),
        ("spl.read_spl", read_spl, lambda s: [s.run_1_spl, s.ranging_spl]),
        ("ptd_log.read_ptd_log", read_ptd_log, lambda s: [s.ptd_logs]),
        ("power_json.read_power_json", read_power_json, lambda s: [s.client_json, s.server_json]),
    ]
    print(f"{'reader':30} {'lines':>8} {'ms':>8} {'lines/s':>12}")
    for name, reader, files in readers:
        all_files = [path for session in sessions for path in files(session)]
        lines = sum(line_count(path) for path in all_files)
        seconds = best_of(
            args.rounds,
            lambda r=reader, fs=all_files: [r(path) for path in fs],  # type: ignore[misc]
        )
        print(f"{name:30} {lines:8d} {seconds * 1000:8.2f} {lines / seconds:12,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
