"""Live Prometheus metrics: the module on its own, and a real director scraped mid-run.

The director runs as its own process with a simulated PTDaemon (``sim://``) and
``--metrics-port``; a real client measures ranging and testing while a thread scrapes
``/metrics`` with urllib. The values must move and the phase series must follow the
session (idle -> ranging -> testing -> idle).
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from director.fault_procs import client_options, director, run_client_catching
from prometheus_client.parser import text_string_to_metric_families

from joulekit.analyzers.metrics import DIRECTOR_PHASES, PowerMetrics

Scrape = dict[str, dict[tuple[tuple[str, str], ...], float]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _parse(text: str) -> Scrape:
    out: Scrape = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            out.setdefault(sample.name, {})[key] = sample.value
    return out


def _scrape(url: str) -> Scrape:
    with urllib.request.urlopen(url, timeout=5) as reply:
        assert reply.status == 200
        return _parse(reply.read().decode("utf-8"))


def _value(scrape: Scrape, name: str, **labels: str) -> float:
    return scrape[name][tuple(sorted(labels.items()))]


def _phase(scrape: Scrape, source: str) -> str:
    on = [p for p in DIRECTOR_PHASES
          if _value(scrape, "joulekit_phase", source=source, phase=p) == 1.0]
    assert len(on) == 1, on
    return on[0]


def test_energy_integrates_the_sample_times_and_resets_with_the_session() -> None:
    metrics = PowerMetrics()
    node = metrics.source("node1", url="sim://49", kind="simulator")
    node.set_phase("ranging")
    node.observe(100.0, 1000.0, 0.005)  # first sample of a phase: one nominal interval
    node.observe(200.0, 1001.0, 0.004)
    node.observe(math.nan, 1002.0)      # invalid: counted, no energy, watts kept
    node.observe(50.0, 1003.0)
    node.set_phase("testing")
    node.observe(10.0, 5000.0)          # a new phase: no gap energy from the idle time
    node.observe(10.0, 9000.0)          # a stall: at most 10 intervals
    snap = node.snapshot()
    assert snap.energy_j == pytest.approx(100 + 200 + 50 * 1 + 10 + 10 * 10)
    assert (snap.samples, snap.invalid, snap.phase, snap.watts) == (6, 1, "testing", 10.0)
    scrape = _parse(metrics.render())
    assert _value(scrape, "joulekit_energy_joules", source="node1") == snap.energy_j
    assert _value(scrape, "joulekit_samples", source="node1") == 6
    assert math.isnan(_value(scrape, "joulekit_uncertainty_ratio", source="node1"))
    assert _value(scrape, "joulekit_source_info", source="node1", url="sim://49",
                  kind="simulator") == 1
    assert _phase(scrape, "node1") == "testing"
    node.reset()
    scrape = _parse(metrics.render())
    assert _value(scrape, "joulekit_energy_joules", source="node1") == 0
    assert _phase(scrape, "node1") == "idle"
    with pytest.raises(ValueError, match="unknown phase"):
        node.set_phase("warmup")


def test_served_endpoint_answers_a_real_http_client() -> None:
    metrics = PowerMetrics(phases=("idle", "training"))
    metrics.source("node7").observe(321.0, 10.0, 0.01)
    server = metrics.serve("127.0.0.1", 0)
    try:
        scrape = _scrape(server.url)
    finally:
        server.close()
    assert _value(scrape, "joulekit_power_watts", source="node7") == 321.0
    assert _value(scrape, "joulekit_uncertainty_ratio", source="node7") == 0.01
    assert _value(scrape, "joulekit_phase", source="node7", phase="training") == 0.0


def test_director_metrics_move_during_a_run_and_follow_the_phases(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    scrapes: list[Scrape] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def scraper() -> None:
        try:
            while not stop.wait(0.2):
                scrapes.append(_scrape(url))
        except BaseException as err:  # reported by the test below
            errors.append(err)

    with director(tmp_path, ["sim://49?period_ms=100&load=constant:150"],
                  extra=("--metrics-port", str(port))) as d:
        before = _scrape(url)
        thread = threading.Thread(target=scraper, daemon=True)
        thread.start()
        try:
            result, error = run_client_catching(client_options(tmp_path, d.port, seconds=2.5))
            # the feed reads the session every 0.5 s: the last scrape sees it ended
            time.sleep(1.2)
        finally:
            stop.set()
            thread.join(timeout=10)
        after = _scrape(url)
    assert error is None and result is not None, error
    assert not errors, errors
    assert _phase(before, "analyzer1") == "idle"
    assert _value(before, "joulekit_samples", source="analyzer1") == 0
    assert _value(before, "joulekit_source_info", source="analyzer1",
                  url="sim://49?period_ms=100&load=constant:150", kind="simulator") == 1
    phases = [_phase(s, "analyzer1") for s in scrapes]
    # the order of what was seen: idle, ranging, (idle,) testing, idle
    seen = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    assert "ranging" in seen and "testing" in seen, seen
    assert seen.index("ranging") < seen.index("testing"), seen
    assert seen[-1] == "idle" and _phase(after, "analyzer1") == "idle"
    # mid-testing the values moved: more samples and energy in later scrapes
    testing = [s for s, p in zip(scrapes, phases, strict=True) if p == "testing"]
    assert len(testing) >= 3, phases
    counts = [_value(s, "joulekit_samples", source="analyzer1") for s in testing]
    energies = [_value(s, "joulekit_energy_joules", source="analyzer1") for s in testing]
    assert counts[-1] > counts[0] and energies[-1] > energies[0], (counts, energies)
    assert _value(testing[-1], "joulekit_power_watts", source="analyzer1") == pytest.approx(
        150, rel=0.05)
    # after the session every sample written to spl.txt was counted
    session = d.session()
    spl = sum(len((session / phase / "spl.txt").read_text().splitlines())
              for phase in ("ranging", "run_1"))
    assert _value(after, "joulekit_samples", source="analyzer1") == spl
    assert _value(after, "joulekit_energy_joules", source="analyzer1") > 150 * 2.5


def test_a_taken_metrics_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "joulekit", "director", "--analyzer", "sim://49",
             "--listen", "127.0.0.1", "0", "--output", str(tmp_path), "--metrics-port",
             str(port)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 3, done
    lines = [ln for ln in done.stderr.splitlines() if "metrics" in ln]
    assert any(f"cannot serve metrics on 127.0.0.1:{port}" in ln for ln in lines), done.stderr
    assert "Traceback" not in done.stderr
