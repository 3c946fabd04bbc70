"""Rehearse the real workflow with the simulator standing in for every analyzer.

A submitter's most expensive surprise is a 2 × 10-minute run rejected for something
that had nothing to do with the meter: a stale config layout, a port taken, an NTP
server the SUT cannot reach, LoadGen logs written somewhere the client does not look,
a result tree the checker refuses. :func:`rehearse` runs everything the real run runs —
the user's own ``server.conf`` (same layout, ports, NTP server, ranging mode), our
director started from it as a process, the client with the user's workload and folders,
the downloads, and ``joulekit check`` at the end — with two differences only: the
``ptd`` binary is replaced by the PTDaemon-compatible simulator (started by the
director exactly as it starts PTDaemon, with the reference argv), and the settle waits
are short. The workload is the caller's: ``joulekit run --rehearse`` hands in its SUT
with shortened LoadGen durations.

The result names, apart, the checker findings that fail *by design* for a simulated and
shortened run (``joulekit.checker.BY_DESIGN_FOR_SIMULATION``) and every other finding,
which is a problem the real run would have too.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from joulekit.doctor.options import DoctorOptions
from joulekit.doctor.plan import run_doctor
from joulekit.doctor.result import CheckResult, Status
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import read_ini
from joulekit.run.client.options import ClientOptions, Workload
from joulekit.run.client.runner import run_client
from joulekit.run.local_director import director_argv
from joulekit.run.verdict import check_run
from joulekit.session.config import load_config

#: settle wait after a range change in a rehearsal (the real run waits 10 s)
REHEARSAL_SETTLE_S = 1.0
#: how long the director may take to start listening
DIRECTOR_START_S = 30.0
#: how long the director may take to exit after the client's ``stop``
DIRECTOR_EXIT_S = 30.0


@dataclass
class RehearsalResult:
    """What a rehearsal found. ``ready`` is True when only by-design findings remain."""

    work_dir: Path  # the rehearsal's server.conf, simulator wrapper and director log
    preflight: list[CheckResult]
    result_dir: Path | None = None
    client_error: str | None = None
    #: findings (rule id, severity, message) that fail because of the simulator/short run
    by_design: list[tuple[str, str, str]] = field(default_factory=list)
    #: every other warning or error: what the real run would meet as well
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def preflight_errors(self) -> list[CheckResult]:
        return [r for r in self.preflight if r.status is Status.ERROR]

    @property
    def ready(self) -> bool:
        return (
            self.client_error is None
            and self.result_dir is not None
            and not self.preflight_errors
            and not any(severity == "error" for _, severity, _ in self.problems)
        )


def simulator_wrapper(folder: Path, load: str | None = None) -> Path:
    """An executable that takes PTDaemon's command line and runs the simulator.

    The director starts ``[ptd] ptd`` as one path, so the simulator needs a file of its
    own: a two-line script running this interpreter's ``joulekit ptd-sim``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    extra = ["--load", load] if load else []
    if os.name == "nt":
        script = folder / "ptd-sim.cmd"
        args = " ".join(f'"{a}"' for a in extra)
        script.write_text(f'@"{sys.executable}" -m joulekit ptd-sim {args} %*\r\n')
        return script
    script = folder / "ptd-sim"
    command = shlex.join([sys.executable, "-m", "joulekit", "ptd-sim", *extra])
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def _is_local(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    if address.is_unspecified or address.is_loopback:
        return True
    return any(
        a.address.split("%")[0] == host
        for addresses in psutil.net_if_addrs().values()
        for a in addresses
    )


def rehearsal_config(
    source: Path, work_dir: Path, simulator: Path, settle_s: float, notes: list[str]
) -> tuple[Path, str, int]:
    """Copy ``source`` with the simulator as ``ptd``; returns (path, connect host, port).

    Every other key stays as the user wrote it, in the layout they wrote it in, so the
    director reads the same file it will read in the real run.
    """
    parser = read_ini(source)  # an unreadable or broken file stops here, naming its line
    config = load_config(source)  # the director's own reading of it
    if "ptd" not in parser:
        parser["ptd"] = {}
    parser["ptd"]["ptd"] = str(simulator)
    parser["server"]["settleSeconds"] = f"{settle_s:g}"
    parser["server"]["outDir"] = str(work_dir / "director")
    host, port = config.listen_host, config.listen_port
    if not _is_local(host):
        notes.append(
            f"listen {host} is not an address of this host; the rehearsal director "
            f"listens on 127.0.0.1 {port} instead"
        )
        host = "127.0.0.1"
        parser["server"]["listen"] = f"{host} {port}"
    target = work_dir / "server.conf"
    text = io.StringIO()
    parser.write(text)
    atomic_write_text(target, text.getvalue())
    connect = host
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_unspecified:
            connect = "::1" if ":" in host else "127.0.0.1"
    return target, connect, port


def _wait_listening(proc: subprocess.Popen[bytes], host: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + DIRECTOR_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise UserError(
                f"the director stopped at start with the rehearsal copy of your config: "
                f"{tail[-1] if tail else f'exit code {proc.returncode}'}",
                hint=f"its log is {log}",
            )
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise UserError(
        f"the director did not listen on {host}:{port} within {DIRECTOR_START_S:g} s",
        hint=f"its log is {log}",
    )


def _stop_director(proc: subprocess.Popen[bytes]) -> None:
    """Let it exit after the client's ``stop``; else terminate it and what it started."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    try:
        proc.wait(DIRECTOR_EXIT_S)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.terminate()
            child.wait(10)


def _check(result: RehearsalResult, round_name: str | None) -> None:
    assert result.result_dir is not None
    verdict = check_run(result.result_dir, round_name)
    result.by_design.extend((r.rule, r.severity, r.message) for r in verdict.by_design)
    result.problems.extend((r.rule, r.severity, r.message) for r in verdict.others)


def rehearse(
    config: Path,
    workload: Workload,
    *,
    output: Path,
    loadgen_logs: Path,
    round: str | None = None,
    ntp_server: str | None = None,
    label: str = "rehearsal",
    settle_s: float = REHEARSAL_SETTLE_S,
    simulator_load: str | None = None,
    work_dir: Path | None = None,
    on_phase: Callable[[str, str], None] | None = None,
    echo: bool = True,
) -> RehearsalResult:
    """Run the whole workflow with the simulator in place of each analyzer, then check.

    ``config`` is the director's real ``server.conf``; ``workload`` what the client's
    ``-w`` runs (a shell command) or a callable taking a ``WorkloadContext`` — already
    shortened by the caller; ``output``/``loadgen_logs`` the client's ``-o``/``-L``;
    ``ntp_server`` the client's ``-n`` (default: the config's ``ntpServer``);
    ``simulator_load`` the simulator's ``--load`` model (default: its own).
    Raises :class:`UserError` only when the config cannot be read or the director does
    not start; every other problem is in the returned result.
    """
    read_ini(config)  # one clear line for a missing, unreadable or broken config
    work = work_dir or Path(tempfile.mkdtemp(prefix="joulekit-rehearsal-"))
    work.mkdir(parents=True, exist_ok=True)
    preflight = run_doctor(
        DoctorOptions(
            config=config,
            ntp_server=ntp_server,
            output_dir=output,
            loadgen_logs=loadgen_logs,
            round=round,
            analyzers=False,
        )
    )
    result = RehearsalResult(work_dir=work, preflight=preflight)
    director_config = load_config(config)
    simulator = simulator_wrapper(work, simulator_load)
    conf, host, port = rehearsal_config(config, work, simulator, settle_s, result.notes)
    log = work / "director.log"
    with open(log, "wb") as log_handle:
        # its own session, like the local director: Ctrl-C reaches the client, which
        # ends the session; the director ends by itself if this process dies
        proc = subprocess.Popen(
            director_argv(["-c", str(conf)]),
            stdin=subprocess.DEVNULL,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_listening(proc, host, port, log)
        try:
            client = run_client(
                ClientOptions(
                    address=host,
                    port=port,
                    workload=workload,
                    loadgen_logs=loadgen_logs,
                    output=output,
                    ntp_server=ntp_server or director_config.ntp_server,
                    label=label,
                    stop_server=True,
                    round=round,
                    on_phase=on_phase,
                    echo=echo,
                )
            )
        except UserError as err:
            result.client_error = str(err)
            return result
        result.result_dir = client.result_dir
        result.notes.extend(client.not_valid_for_submission)
    finally:
        _stop_director(proc)
    _check(result, round)
    return result
