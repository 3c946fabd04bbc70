"""``joulekit train-power`` with the director's own analyzers as sources: a wall-plug
meter (here the PTDaemon simulator, ``sim://``) beside a BMC, and a refused URL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from joulekit.formats.training_power import read_power_log, read_result_log

from .conftest import REDFISH_WATTS, Emulator
from .test_train_power_e2e import EFF, TRAIN, _argv, _bench, _v3_energy

METER_WATTS = 1234.0


def test_a_meter_url_is_a_node_source_beside_a_bmc(tmp_path: Path, redfish: Emulator) -> None:
    bench = _bench(tmp_path)
    meter = f"sim://49?load=constant:{METER_WATTS:g}&period_ms=250"
    done = subprocess.run(
        _argv(bench, [meter, redfish.url], [],
              [sys.executable, "-c", TRAIN.replace("{sleep}", "4")]),
        capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    power = bench / "power" / "result_0"
    ttt = read_result_log(bench / "result_0.txt").time_to_train_ms
    assert ttt is not None
    log = read_power_log(power / "node_0.txt")
    assert not log.issues, log.issues
    readings = [r.value for r in log.records if r.key == "power_reading"]
    # the mean of the samples since the last read: 4 simulator samples per 0.9 s tick
    assert len(readings) >= 4 and readings == pytest.approx([METER_WATTS] * len(readings),
                                                            rel=0.01)
    assert _v3_energy(power / "node_0.txt", ttt) == pytest.approx(
        EFF * METER_WATTS * ttt / 1000, rel=0.02)
    node_1 = [r.value for r in read_power_log(power / "node_1.txt").records
              if r.key == "power_reading"]
    assert set(node_1) == {REDFISH_WATTS}
    record = json.loads((bench / "joulekit-train-power" / "result_0.json").read_text())
    kinds = {s["file"]: s["kind"] for s in record["sources"]}
    assert kinds["node_0.txt"] == "meter"
    described = {s["file"]: s["answered_by"] for s in record["sources"]}
    assert "simulator" in described["node_0.txt"].lower(), described
    # the simulator the source started is stopped with it
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://10.0.0.1", "is no power source; use ipmi://"),
    ("sim://banana", "sim://"),
])
def test_a_bad_source_url_is_one_line_before_the_command_runs(
        tmp_path: Path, url: str, message: str) -> None:
    bench = _bench(tmp_path)
    marker = tmp_path / "ran"
    done = subprocess.run(
        _argv(bench, [url], [], [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]),
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not marker.exists()


def test_live_metrics_of_each_source_are_scraped_during_the_run(
        tmp_path: Path, redfish: Emulator) -> None:
    """``--metrics-port``: a real HTTP client scrapes every log's source while the command
    runs: watts as measured, samples and energy growing, phase measuring."""
    from prometheus_client.parser import text_string_to_metric_families

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bench = _bench(tmp_path)
    meter = f"sim://49?load=constant:{METER_WATTS:g}&period_ms=250"
    argv = [*_argv(bench, [redfish.url, meter], [], [sys.executable, "-c",
                                                    TRAIN.replace("{sleep}", "5")])]
    argv.insert(argv.index("--"), "--metrics-port")
    argv.insert(argv.index("--"), str(port))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    scrapes: list[dict[tuple[str, tuple[tuple[str, str], ...]], float]] = []
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                            timeout=5) as reply:
                    text = reply.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)  # not serving yet, or the run just ended
                continue
            scrapes.append({(s.name, tuple(sorted(s.labels.items()))): s.value
                            for f in text_string_to_metric_families(text) for s in f.samples})
            time.sleep(0.5)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, stderr
    assert f"metrics on http://127.0.0.1:{port}" in stderr + stdout

    def value(scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
              **labels: str) -> float | None:
        return scrape.get((name, tuple(sorted(labels.items()))))

    measuring = [s for s in scrapes
                 if value(s, "joulekit_phase", source="node_0", phase="measuring") == 1.0
                 and (value(s, "joulekit_samples", source="node_0") or 0) > 0]
    assert len(measuring) >= 3, len(scrapes)
    last = measuring[-1]
    assert value(last, "joulekit_power_watts", source="node_0") == REDFISH_WATTS
    assert value(last, "joulekit_power_watts", source="node_1") == pytest.approx(METER_WATTS,
                                                                                rel=0.01)
    samples = [value(s, "joulekit_samples", source="node_0") or 0 for s in measuring]
    energy = [value(s, "joulekit_energy_joules", source="node_1") or 0 for s in measuring]
    assert samples[-1] > samples[0] and energy[-1] > energy[0]
    assert value(last, "joulekit_source_info", source="node_1", url=meter, kind="meter") == 1
