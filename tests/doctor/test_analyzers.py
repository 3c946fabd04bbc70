"""Analyzer checks on the director host, through the director's own PTDaemon start-up."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from procutil import child_commands

from joulekit.analyzers.base import Range, Ranges
from joulekit.doctor.ranges import Load, judge_ranges
from joulekit.meters.registry import MODELS

from .inifiles import free_port, joulekit_ptd, silent_ptd, write_server_conf
from .ntp_responder import NtpResponder


def doctor_json(*args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "doctor", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    document = json.loads(done.stdout)
    return done.returncode, {r["check"]: r for r in document["results"]}


def no_simulator_left() -> bool:
    return not any("ptd" in line for line in child_commands())


def test_simulated_analyzers_answer_and_probe(tmp_path: Path) -> None:
    ports = (free_port(), free_port())
    with NtpResponder(0.0) as ntp:
        conf = write_server_conf(
            tmp_path / "server.conf",
            joulekit_ptd(tmp_path),
            ntp=ntp.address,
            listen_port=free_port(),
            ptd_ports=ports,
        )
        code, results = doctor_json(
            "-c", str(conf), "--probe", "--expected-watts", "120", "--round", "v6.1"
        )
    assert code in (1, 2)
    for index in (1, 2):
        assert results[f"analyzer{index}.reachable"]["status"] == "ok"
        assert "JoulekitSimulator" in results[f"analyzer{index}.reachable"]["message"]
        version = results[f"analyzer{index}.ptd_version"]
        assert version["status"] == "warning"  # the simulator is never a PTDaemon
        assert "licensed PTDaemon" in version["advice"]
        assert results[f"analyzer{index}.probe"]["status"] == "ok"
        ranges = results[f"analyzer{index}.ranges"]
        assert ranges["status"] == "ok"
        assert ranges["details"]["uncertainty_testing"] < 0.01
    assert "2 channels" in results["analyzer2.ranges"]["message"]
    assert no_simulator_left()


def test_silent_analyzer_is_an_error_with_advice(tmp_path: Path) -> None:
    conf = write_server_conf(
        tmp_path / "server.conf",
        silent_ptd(tmp_path),
        ntp="127.0.0.1:9",
        listen_port=free_port(),
        ptd_ports=(free_port(), free_port()),
    )
    code, results = doctor_json("-c", str(conf), "--timeout", "1")
    assert code == 1
    silent = results["analyzer1.reachable"]
    assert silent["status"] == "error"
    assert "no answer from the analyzer" in silent["message"]
    assert "devicePort '/dev/ttyUSB0'" in silent["advice"]
    assert "\n" not in silent["advice"]
    assert no_simulator_left()


def test_taken_ptd_port_fails_and_skips_that_analyzer(tmp_path: Path) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        taken = holder.getsockname()[1]
        conf = write_server_conf(
            tmp_path / "server.conf",
            joulekit_ptd(tmp_path),
            ntp="127.0.0.1:9",
            listen_port=free_port(),
            ptd_ports=(taken, free_port()),
        )
        code, results = doctor_json("-c", str(conf), "--timeout", "0.5")
    finally:
        holder.close()
    assert code == 1
    port = results[f"port.{taken}"]
    assert port["status"] == "error" and "already taken" in port["message"]
    assert "networkPort in [analyzer1]" in port["advice"]
    assert results["analyzer1.reachable"]["status"] == "skipped"
    assert results["analyzer2.reachable"]["status"] == "ok"


def test_stale_template_layout_is_warned_with_the_fix(tmp_path: Path) -> None:
    conf = tmp_path / "server.conf"
    conf.write_text(
        "[server]\nntpServer: 127.0.0.1:9\n"
        f"listen: 127.0.0.1 {free_port()}\n"
        f"[ptd]\nptd: {tmp_path / 'missing-ptd'}\ndeviceType: 49\ninterfaceFlag:\n"
        f"devicePort: COM1\nnetworkPort: {free_port()}\n"
    )
    code, results = doctor_json("-c", str(conf), "--timeout", "0.5")
    assert code == 1  # the binary is missing
    layout = results["config.layout"]
    assert layout["status"] == "warning"
    assert "stale template layout" in layout["message"]
    assert layout["advice"].startswith("move deviceType")
    binary = results["ptd.binary"]
    assert binary["status"] == "error" and "does not exist" in binary["message"]
    assert results["analyzer1.reachable"]["status"] == "skipped"


def test_worked_example_of_the_uncertainty_note() -> None:
    # analyzers.md §3: a WT310E at 230 V, 120 W, PF 0.95 on 600 V / 20 A is about 5 %;
    # on the testing ranges 300 V / 1 A about 0.25 %
    wide = Ranges(Range(False, 600.0), Range(False, 20.0))
    verdict = judge_ranges(MODELS["WT310E"], Load(120.0, 230.0, 0.95), wide)
    assert verdict.now is not None and 0.045 < verdict.now < 0.055
    assert (verdict.testing_volts, verdict.testing_amps) == (300.0, 1.0)
    assert verdict.testing is not None and 0.0024 < verdict.testing < 0.0027


def test_a_load_too_small_for_the_meter_is_over_the_limit() -> None:
    verdict = judge_ranges(MODELS["WT310E"], Load(0.5, 230.0, 0.1), None)
    assert verdict.over_limit()
