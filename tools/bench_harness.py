"""How much the harness costs: harness + no-op SUT against LoadGen's bare binding.

Both sides run the same LoadGen settings with a SUT that does no work, so every
difference is the harness's own (dispatch, batching, response building):

* Offline: LoadGen's samples per second (target: harness >= 80 % of bare);
* Server: LoadGen's p99 latency at a fixed QPS (target: harness adds < 50 us).

Each measurement runs in a fresh process (LoadGen keeps process-wide state), the two
sides alternate, and the median of the repetitions is reported.

    .venv/bin/python tools/bench_harness.py [--repeat 3] [--offline-samples 300000]
        [--server-qps 2000] [--server-seconds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

QSL_SIZE = 1024


def _settings(scenario: str, args: argparse.Namespace) -> Any:
    import mlperf_loadgen as lg

    ts = lg.TestSettings()
    ts.mode = lg.TestMode.PerformanceOnly
    if scenario == "Offline":
        ts.scenario = lg.TestScenario.Offline
        # LoadGen sizes the single Offline query as 1.1 x qps x min_duration
        ts.offline_expected_qps = args.offline_samples / 1.1
        ts.min_duration_ms = 1000
        ts.min_query_count = 1
    else:
        ts.scenario = lg.TestScenario.Server
        ts.server_target_qps = args.server_qps
        ts.server_target_latency_ns = 100_000_000
        ts.min_duration_ms = int(args.server_seconds * 1000)
        ts.min_query_count = 1
    return ts


def _bare(scenario: str, args: argparse.Namespace, log_dir: Path) -> None:
    """LoadGen's Python binding driving a no-op SUT, as its own demos do."""
    import mlperf_loadgen as lg

    def issue(samples: list[Any]) -> None:
        lg.QuerySamplesComplete([lg.QuerySampleResponse(s.id, 0, 0) for s in samples])

    def flush() -> None:
        pass

    def nothing(indices: list[int]) -> None:
        pass

    log = lg.LogSettings()
    log.log_output.outdir = str(log_dir)
    log.enable_trace = False
    sut = lg.ConstructSUT(issue, flush)
    qsl = lg.ConstructQSL(QSL_SIZE, QSL_SIZE, nothing, nothing)
    lg.StartTestWithLogSettings(sut, qsl, _settings(scenario, args), log)
    lg.DestroyQSL(qsl)
    lg.DestroySUT(sut)


def _harness(scenario: str, args: argparse.Namespace, log_dir: Path) -> None:
    """The same test through joulekit's dispatcher and the no-op adapter."""
    import mlperf_loadgen as lg

    from joulekit.loadgen.dispatch import Dispatcher
    from joulekit.loadgen.sut.noop import NoopSut

    sut_obj = NoopSut()
    dispatcher = Dispatcher(sut_obj, accuracy=False, token_latencies=False)
    log = lg.LogSettings()
    log.log_output.outdir = str(log_dir)
    log.enable_trace = False
    sut = lg.ConstructSUT(dispatcher.issue, dispatcher.flush)
    qsl = lg.ConstructQSL(QSL_SIZE, QSL_SIZE, sut_obj.load_samples, sut_obj.unload_samples)
    lg.StartTestWithLogSettings(sut, qsl, _settings(scenario, args), log)
    dispatcher.close()
    lg.DestroyQSL(qsl)
    lg.DestroySUT(sut)


def _one(side: str, scenario: str, args: argparse.Namespace) -> dict[str, float]:
    from joulekit.loadgen.outcome import DETAIL, read_detail_keys

    with tempfile.TemporaryDirectory() as tmp:
        (_bare if side == "bare" else _harness)(scenario, args, Path(tmp))
        keys = read_detail_keys(Path(tmp) / DETAIL)
    return {
        "samples_per_second": float(keys.get("result_samples_per_second")
                                    or keys.get("result_completed_samples_per_sec") or 0),
        "p99_ns": float(keys.get("result_99.00_percentile_latency_ns") or 0),
        "p50_ns": float(keys.get("result_50.00_percentile_latency_ns") or 0),
    }


def _spawn(side: str, scenario: str, args: argparse.Namespace) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--one", side, scenario,
           "--offline-samples", str(args.offline_samples), "--server-qps", str(args.server_qps),
           "--server-seconds", str(args.server_seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--offline-samples", type=int, default=300_000)
    parser.add_argument("--server-qps", type=float, default=2000.0)
    parser.add_argument("--server-seconds", type=float, default=3.0)
    parser.add_argument("--one", nargs=2, metavar=("SIDE", "SCENARIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one[0], args.one[1], args)))
        return 0

    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for scenario in ("Offline", "Server"):
            for side in ("bare", "harness"):
                runs.setdefault((side, scenario), []).append(_spawn(side, scenario, args))

    def median(side: str, scenario: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[(side, scenario)])

    bare_sps = median("bare", "Offline", "samples_per_second")
    ours_sps = median("harness", "Offline", "samples_per_second")
    bare_p99 = median("bare", "Server", "p99_ns")
    ours_p99 = median("harness", "Server", "p99_ns")
    share = ours_sps / bare_sps if bare_sps else 0.0
    added_us = (ours_p99 - bare_p99) / 1000
    print(f"median of {args.repeat} runs each, no-op SUT, LoadGen "
          f"{_loadgen_version()}, Python {sys.version.split()[0]}")
    print(f"Offline ({args.offline_samples:,} samples): bare {bare_sps:,.0f} samples/s, "
          f"harness {ours_sps:,.0f} samples/s = {100 * share:.1f} % "
          f"(target >= 80 %): {'PASS' if share >= 0.8 else 'FAIL'}")
    print(f"Server ({args.server_qps:g} QPS, {args.server_seconds:g} s): bare p99 "
          f"{bare_p99 / 1000:.1f} us (p50 {median('bare', 'Server', 'p50_ns') / 1000:.1f}), "
          f"harness p99 {ours_p99 / 1000:.1f} us "
          f"(p50 {median('harness', 'Server', 'p50_ns') / 1000:.1f}), added {added_us:+.1f} us "
          f"(target < 50 us): {'PASS' if added_us < 50 else 'FAIL'}")
    return 0 if share >= 0.8 and added_us < 50 else 1


def _loadgen_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mlcommons-loadgen")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
