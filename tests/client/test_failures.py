"""Failure paths with real processes: clock offset, dying workload, vanishing client,
and a director that starts its (simulated) PTDaemon from a reference config."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from joulekit.checker import BY_DESIGN_FOR_SIMULATION
from joulekit.errors import UserError
from joulekit.run.client import ClientOptions, run_client

from .fake_workload import fake_loadgen
from .procs import NtpResponder, director, free_port, simulator, workload_command


def initial_ranges(server: dict[str, Any]) -> list[str]:
    """The restore the director owes: the first RR reply's V and A text, as sent."""
    rr = next(m["reply"] for m in server["ptd_messages"] if m["cmd"] == "RR").split(",")
    assert rr[0] == "Ranges" and len(rr) == 5, rr
    return [f"SR,V,{rr[4]}", f"SR,A,{rr[2]}"]


def ptd_restore(server: dict[str, Any]) -> list[str]:
    return [m["cmd"] for m in server["ptd_messages"]][-2:]


def _options(tmp: Path, port: int, **kw: object) -> ClientOptions:
    base: dict[str, object] = {
        "address": "127.0.0.1", "port": port, "loadgen_logs": tmp / "logs",
        "output": tmp / "out", "no_timestamp_dir": True, "echo": False,
        "allow_clock_step": False,
        "workload": lambda ctx: fake_loadgen(ctx.loadgen_logs, 1.5),
    }  # fmt: skip
    base.update(kw)
    return ClientOptions(**base)  # type: ignore[arg-type]


def test_ntp_offset_beyond_limit_fails_before_the_run(tmp_path: Path) -> None:
    ntp = NtpResponder(offset=2.0)
    ran: list[str] = []
    try:
        with (
            simulator(tmp_path) as sim_port,
            director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, out, _),
        ):
            with pytest.raises(UserError) as caught:
                run_client(_options(tmp_path, port, ntp_server=ntp.address,
                                    workload=lambda ctx: ran.append(ctx.mode)))  # fmt: skip
            sessions = [p for p in out.iterdir() if p.is_dir()]
    finally:
        ntp.close()
    message = str(caught.value)
    assert "clock check before the session failed" in message
    assert f"off the NTP server {ntp.address}" in message and "limit 400 ms" in message
    assert ran == [] and sessions == []  # nothing ran, no session was opened


def test_director_offset_beyond_limit_fails_before_the_run(tmp_path: Path) -> None:
    with (
        simulator(tmp_path) as sim_port,
        director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, _out, _),
        pytest.raises(UserError, match=r"differs from the director's by \d+ ms"),
    ):
        run_client(_options(tmp_path, port, clock=lambda: time.time() + 1.5, max_offset_ms=400.0))


def test_workload_dying_ends_session_restores_ranges_keeps_logs(tmp_path: Path) -> None:
    dying = workload_command(tmp_path / "logs", 2.0, die=True)
    with (
        simulator(tmp_path) as sim_port,
        director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, _out, _),
        pytest.raises(UserError) as caught,
    ):
        run_client(_options(tmp_path, port, workload=dying))
    assert "exited with code 3 during ranging" in str(caught.value)
    assert "restored its ranges" in str(caught.value)
    out = tmp_path / "out"
    server = json.loads((out / "power" / "server.json").read_text())
    assert ptd_restore(server) == initial_ranges(server)
    assert (out / "ranging" / "spl.txt").read_text().count("_ranging") >= 1
    assert (out / "power" / "client.log").is_file() and (out / "power" / "client.json").is_file()
    assert "testing" not in server["phases"]


def test_client_vanishing_mid_ranging_restores_and_keeps_samples(tmp_path: Path) -> None:
    with (
        simulator(tmp_path) as sim_port,
        director(tmp_path, [f"ptd://127.0.0.1:{sim_port}"]) as (port, out, _),
    ):
        client = subprocess.Popen(
            [sys.executable, "-m", "joulekit", "client", "-a", "127.0.0.1", "-p", str(port),
             "-w", workload_command(tmp_path / "logs", 30), "-L", str(tmp_path / "logs"),
             "-o", str(tmp_path / "out")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not list(out.glob("*/")) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(3.0)  # well inside ranging: a few samples taken
        finally:
            # the client and the workload it started vanish together: a killed client
            # alone would leave its 30 s workload burning CPU after the test
            os.killpg(client.pid, signal.SIGKILL)
            client.wait(timeout=10)
        deadline = time.monotonic() + 20
        server_json: list[Path] = []
        while not server_json and time.monotonic() < deadline:
            server_json = list(out.glob("*/power/server.json"))
            time.sleep(0.1)
    assert server_json, "the director did not end the dropped session"
    server = json.loads(server_json[0].read_text())
    assert "disconnected" in server["joulekit"]["end_reason"]
    assert "Stop" in [m["cmd"] for m in server["ptd_messages"]]
    assert ptd_restore(server) == initial_ranges(server)
    spl = (server_json[0].parent.parent / "ranging" / "spl.txt").read_text().splitlines()
    assert len(spl) >= 2


def test_director_from_reference_config_starts_ptd_and_checker_passes_by_design(
    tmp_path: Path,
) -> None:
    ptd_binary = Path(sys.executable).with_name("joulekit-ptd")
    if not ptd_binary.exists():
        pytest.fail(f"{ptd_binary} missing: install joulekit into the venv (pip install -e .)")
    port, ptd_port = free_port(), free_port()
    conf = tmp_path / "director.conf"
    conf.write_text(
        f"[server]\nntpServer: 127.0.0.1\nlisten: 127.0.0.1 {port}\n\n[ptd]\n"
        f"ptd: {ptd_binary}\nanalyzerCount: 1\n\n[analyzer1]\ndeviceType: 49\n"
        f"interfaceFlag: -y\ndevicePort: SIM0001\nnetworkPort: {ptd_port}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "joulekit", "director", "-c", str(conf), "--settle", "0.3",
         "--output", str(tmp_path / "director")],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "director.err", "w"),  # noqa: SIM115
    )  # fmt: skip
    try:
        result = None
        for _ in range(100):
            try:
                result = run_client(_options(tmp_path, port))
                break
            except UserError as err:
                if "cannot connect" not in str(err):
                    raise
                time.sleep(0.1)
        assert result is not None
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    out = tmp_path / "out"
    server = json.loads((out / "power" / "server.json").read_text())
    command = server["ptd_config"][0]["command"]
    assert command[0] == str(ptd_binary) and command[3:5] == ["-p", str(ptd_port)]
    assert command[-3:] == ["-y", "49", "SIM0001"]
    assert "Uncertainty checking for" in (out / "power" / "ptd_logs.txt").read_text()
    report = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", str(out), "--format", "json",
         "--no-progress", "-j", "1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    document = json.loads(report.stdout)
    failed = {
        f["rule"] for r in document["results"] for f in r["findings"]
        if f["severity"] == "error"
    }  # fmt: skip
    assert failed and failed <= BY_DESIGN_FOR_SIMULATION, failed
