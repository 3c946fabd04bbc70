"""A stand-in LoadGen run: writes detail/summary logs in LoadGen's format.

Run as ``python fake_workload.py LOGDIR SECONDS [--die]``: it marks ``power_begin``,
burns CPU for SECONDS, marks ``power_end`` and writes ``mlperf_log_detail.txt`` and
``mlperf_log_summary.txt`` into LOGDIR (``--die`` exits 3 halfway instead).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.mllog import format_mllog_line, write_detail
from joulekit.formats.timefmt import format_mlperf_time

SUMMARY = """================================================
MLPerf Results Summary
================================================
SUT name : joulekit-test
Scenario : Offline
Mode     : PerformanceOnly
Samples per second: {qps:.2f}
Result is : VALID
  Min duration satisfied : Yes
  Min queries satisfied : Yes
  Early stopping satisfied: Yes

================================================
Additional Stats
================================================
Min latency (ns)                : 1000
Max latency (ns)                : 2000
Mean latency (ns)               : 1500

================================================
Test Parameters Used
================================================
samples_per_query : 1000
target_qps : 1000
min_duration (ms): 1000
min_query_count : 1

No warnings encountered during test.

No errors encountered during test.
"""


def fake_loadgen(log_dir: Path, seconds: float, die: bool = False) -> None:
    time.sleep(0.3)
    begin = datetime.now(UTC)
    end_at = time.monotonic() + seconds
    work = 0
    while time.monotonic() < end_at:
        work += sum(i * i for i in range(2000))
        if die and time.monotonic() > end_at - seconds / 2:
            raise SystemExit(3)
    end = datetime.now(UTC)
    time.sleep(0.3)
    write_loadgen_logs(log_dir, begin, end)


def write_loadgen_logs(log_dir: Path, begin: datetime, end: datetime) -> None:
    """LoadGen's detail and summary logs of an Offline run whose power window is
    ``begin``..``end`` (what the client searches for and copies)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    seconds = (end - begin).total_seconds()
    lines = [
        format_mllog_line("loadgen_version", "5.0 @ joulekit-test"),
        format_mllog_line("effective_scenario", "Offline"),
        format_mllog_line("effective_test_mode", "PerformanceOnly"),
        format_mllog_line("power_begin", format_mlperf_time(begin), time_ms=1.0),
        format_mllog_line("power_end", format_mlperf_time(end), time_ms=seconds * 1000),
        format_mllog_line("result_validity", "VALID"),
        format_mllog_line("result_samples_per_second", 1000.0),
    ]
    write_detail(log_dir / "mlperf_log_detail.txt", lines)
    atomic_write_text(log_dir / "mlperf_log_summary.txt", SUMMARY.format(qps=1000.0))


if __name__ == "__main__":
    try:
        fake_loadgen(Path(sys.argv[1]), float(sys.argv[2]), die="--die" in sys.argv)
    except KeyboardInterrupt:  # stopped by the client (SIGINT first): quietly, as LoadGen
        sys.exit(130)
