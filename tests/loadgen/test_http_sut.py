"""The HTTP adapter against a local streaming server: first tokens, token counts, limits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from streaming_server import TOKENS, StreamingServer

Jk = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize("path", ["/v1/completions", "/v1/chat/completions"])
def test_streaming_server_gives_ttft_tpot_and_respects_concurrency(
    tmp_path: Path, jk: Jk, detail_of: Callable[[Path], dict[str, Any]], path: str
) -> None:
    with StreamingServer() as server:
        url = server.url.replace("/v1/completions", path)
        done = jk("loadgen", "--sut", url, "--scenario", "Offline", "--concurrency", "3",
                  "--http-model", "tiny", "--max-tokens", "5", "--target-qps", "100",
                  "--min-duration-ms", "200", "--min-query-count", "40", "--mode", "accuracy",
                  "--log-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert server.max_in_flight <= 3
    assert len(server.requests) == 16  # accuracy mode: every prompt once
    body = server.requests[0]
    assert body["stream"] is True and body["model"] == "tiny" and body["max_tokens"] == 5
    assert ("messages" in body) == path.endswith("chat/completions")
    keys = detail_of(tmp_path)
    assert keys["requested_use_token_latencies"] is True
    entries = json.loads((tmp_path / "mlperf_log_accuracy.json").read_text())
    assert len(entries) == 16
    text = bytes.fromhex(entries[0]["data"]).decode()
    assert text == "".join(f"t{i} " for i in range(TOKENS))
    assert entries[0].get("token_count", TOKENS) == TOKENS


def test_server_scenario_reports_first_token_latency(
    tmp_path: Path, jk: Jk, detail_of: Callable[[Path], dict[str, Any]]
) -> None:
    with StreamingServer() as server:
        done = jk("loadgen", "--sut", server.url, "--scenario", "Server", "--target-qps", "40",
                  "--target-latency-ms", "1000", "--min-duration-ms", "800",
                  "--min-query-count", "20", "--concurrency", "4", "--log-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    keys = detail_of(tmp_path)
    ttft = keys["result_first_token_50.00_percentile_latency_ns"]
    tpot = keys["result_time_per_output_token_50.00_percentile_ns"]
    # five pieces at least 2 ms apart: the first arrives before the whole answer, and
    # LoadGen's time per output token sees the gap
    assert 0 < ttft < keys["result_50.00_percentile_latency_ns"]
    assert tpot >= 1_500_000


def test_refused_request_fails_the_run_with_the_servers_words(tmp_path: Path, jk: Jk) -> None:
    done = jk("loadgen", "--sut", "http://127.0.0.1:9/v1/completions", "--scenario",
              "SingleStream", "--min-duration-ms", "50", "--min-query-count", "3",
              "--target-latency-ms", "5", "--log-dir", str(tmp_path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "the SUT failed on" in done.stderr
    assert "(first: ConnectionRefusedError: [Errno 111] Connection refused)" in done.stderr
    assert f"logs kept in {tmp_path}" in done.stderr
