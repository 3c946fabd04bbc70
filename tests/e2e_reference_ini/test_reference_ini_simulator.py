"""The issue's end-to-end rehearsal of the official workflow, with no PTDaemon and no meter.

Our director is configured through the reference ``server.conf`` layout with its ``ptd``
path pointing at ``joulekit-ptd``; it starts the simulator as a subprocess for each
analyzer (a single-channel WT310E, type 49, and a two-channel WT330, type 77) exactly as
it would start PTDaemon. A client runs a real LoadGen workload through ranging and
testing, and the result must check with no errors other than the rules that reject a
simulated, shortened run by design.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from doctor.inifiles import free_port, joulekit_ptd, write_server_conf
from doctor.ntp_responder import NtpResponder
from procutil import child_commands, stop_tree, wait_listening

from joulekit.checker import BY_DESIGN_FOR_SIMULATION
from joulekit.checker.catalog import PROVENANCE

pytestmark = pytest.mark.timeout(300)

ROUND = "v6.1"


def test_director_from_reference_ini_runs_simulators_and_client_result_checks(
    tmp_path: Path,
) -> None:
    listen, ptd_ports = free_port(), (free_port(), free_port())
    logs, out = tmp_path / "loadgen", tmp_path / "result"
    director_log = tmp_path / "director.log"
    ptd = joulekit_ptd(tmp_path)
    with NtpResponder(0.0) as ntp:
        conf = write_server_conf(
            tmp_path / "server.conf",
            ptd,
            ntp=ntp.address,
            listen_port=listen,
            ptd_ports=ptd_ports,
            out_dir=tmp_path / "director-sessions",
            settle=1.0,
        )
        with open(director_log, "wb") as handle:
            director = subprocess.Popen(
                [sys.executable, "-m", "joulekit", "director", "-c", str(conf)],
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        seen_ptd: list[str] = []
        client: subprocess.Popen[bytes] | None = None
        try:
            wait_listening(director, listen, director_log, 30)
            workload = (
                f"{sys.executable} -m joulekit loadgen --sut demo --scenario SingleStream "
                f"--log-dir {logs} --min-duration-ms 4000 --min-query-count 1"
            )
            client = subprocess.Popen(
                [
                    sys.executable, "-m", "joulekit", "client",
                    "-a", "127.0.0.1", "-p", str(listen), "-w", workload,
                    "-L", str(logs), "-o", str(out), "-T", "-n", ntp.address,
                    "-l", "e2e", "-S", "--round", ROUND, "--no-clock-step",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            # while the client runs, the director must have started one simulator per
            # analyzer, through the configured ptd path, with the reference argv
            deadline = time.monotonic() + 120
            while client.poll() is None and time.monotonic() < deadline:
                for line in child_commands(director.pid):
                    if line not in seen_ptd and ("ptd" in line):
                        seen_ptd.append(line)
                time.sleep(0.5)
            client_out, _ = client.communicate(timeout=180)
            assert client.returncode == 0, client_out.decode(errors="replace")
            director.wait(30)  # -S: the director exits after this client
        finally:
            if client is not None:
                stop_tree(client)  # a client left running by a failed wait, and its workload
            stop_tree(director)
    assert any(
        f"-p {ptd_ports[0]}" in line and line.endswith("49 /dev/ttyUSB0") for line in seen_ptd
    ), seen_ptd
    assert any(
        f"-p {ptd_ports[1]}" in line and "-c 1,2" in line and line.endswith("-y 77 C2PH13047V")
        for line in seen_ptd
    ), seen_ptd
    for folder in ("power", "ranging", "run_1"):
        assert (out / folder).is_dir(), list(out.iterdir())

    checked = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", str(out), "--round", ROUND,
         "--format", "json", "--no-progress"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in checked.stderr, checked.stderr
    report: dict[str, Any] = json.loads(checked.stdout)
    findings = [f for r in report["results"] for f in r["findings"]]
    errors = {f["rule"] for f in findings if f["severity"] == "error"}
    assert PROVENANCE.id in errors  # the simulator rule names the simulated measurement
    unexpected = sorted(errors - BY_DESIGN_FOR_SIMULATION)
    assert not unexpected, [f for f in findings if f["rule"] in unexpected]
