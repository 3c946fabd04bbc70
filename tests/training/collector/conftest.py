"""Emulated BMCs and PDUs on 127.0.0.1 free ports, each a real process with known watts.

- Redfish: ``emulators/redfish_server.py`` serving the DMTF-style mockup in
  ``tests/data/redfish/rackmount`` over HTTP;
- IPMI: ``emulators/ipmi_bmc.py``, pyghmi's BMC server answering DCMI power reading;
- SNMP: ``snmpsim-command-responder`` with the PDU walks in ``tests/data/snmp``
  (the community is the file name: ``apc-rpdu2`` answers 180 + 240 W on outlets 1 and 2).

Every process is stopped in the fixture's teardown.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
DATA = HERE.parents[1] / "data"
EMULATORS = HERE / "emulators"
REDFISH_WATTS = 350.0
IPMI_WATTS = 275.0
SNMP_WATTS = 420.0  # apc-rpdu2 outlets 1 + 2


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Emulator:
    proc: subprocess.Popen[bytes]
    port: int
    url: str

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def _wait_for(proc: subprocess.Popen[bytes], text: bytes, timeout: float) -> None:
    """Read the child's output until ``text`` appears (fail if it dies or is late)."""
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = proc.stdout.read() or b""
        seen += chunk
        if text in seen:
            return
        if proc.poll() is not None:
            raise AssertionError(f"emulator exited: {seen.decode(errors='replace')[-800:]}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"emulator not ready in {timeout} s: {seen.decode()[-800:]}")


def _start(argv: list[str], ready: bytes, env: dict[str, str] | None = None,
           timeout: float = 30.0) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env)
    try:
        _wait_for(proc, ready, timeout)
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise
    return proc


def start_redfish(watts: float = REDFISH_WATTS, offset: float = 0.0,
                  extra: tuple[str, ...] = ()) -> Emulator:
    port = free_port()
    proc = _start([sys.executable, str(EMULATORS / "redfish_server.py"), "--port", str(port),
                   "--mockup", str(DATA / "redfish" / "rackmount"), "--watts", str(watts),
                   "--clock-offset", str(offset), *extra], b"READY")
    return Emulator(proc, port, f"redfish://127.0.0.1:{port}")


def start_ipmi(watts: float = IPMI_WATTS, offset: float = 0.0) -> Emulator:
    port = free_port(socket.SOCK_DGRAM)
    proc = _start([sys.executable, str(EMULATORS / "ipmi_bmc.py"), "--port", str(port),
                   "--watts", str(watts), "--clock-offset", str(offset)], b"READY")
    return Emulator(proc, port, f"ipmi://admin:secret@127.0.0.1:{port}")


def start_snmp(cache: Path) -> Emulator:
    port = free_port(socket.SOCK_DGRAM)
    responder = shutil.which("snmpsim-command-responder",
                             path=str(Path(sys.executable).parent)) or "snmpsim-command-responder"
    env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")  # CI runs as root; the agent stays put
    proc = _start([responder, f"--data-dir={DATA / 'snmp'}",
                   f"--agent-udpv4-endpoint=127.0.0.1:{port}", f"--cache-dir={cache}",
                   "--logging-method=stdout"], b"Listening at UDP/IPv4", env, timeout=60)
    return Emulator(proc, port, f"snmp://apc-rpdu2@127.0.0.1:{port}/apc/outlet/1+2")


@pytest.fixture
def redfish() -> Iterator[Emulator]:
    emu = start_redfish(offset=-7200.0)
    yield emu
    emu.kill()


@pytest.fixture
def ipmi() -> Iterator[Emulator]:
    emu = start_ipmi(offset=3600.0)
    yield emu
    emu.kill()


@pytest.fixture
def snmp() -> Iterator[Emulator]:
    cache = Path(tempfile.mkdtemp(prefix="jk-snmpsim-"))
    emu = start_snmp(cache)
    yield emu
    emu.kill()
    shutil.rmtree(cache, ignore_errors=True)
