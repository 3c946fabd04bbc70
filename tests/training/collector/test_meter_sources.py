"""``joulekit train-power`` with the director's own analyzers as sources: a wall-plug
meter (here the PTDaemon simulator, ``sim://``) beside a BMC, and a refused URL."""

from __future__ import annotations

import json
import subprocess
import sys
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
