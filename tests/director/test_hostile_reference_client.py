"""The reference client (power-dev, run as an external program) against our director,
with hostile peers beside it: protocol v3 behaviour is the reference's for a client
that knows nothing of our extensions.

The reference client queries NTP on port 123 of ``-n``; a local responder stands in on
port 123 of a loopback address (the test is skipped where none can be bound).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from joulekit.session import protocol as p
from tests.doctor.ntp_responder import NtpResponder

from .fault_procs import director
from .hostile import Peer

REFERENCE = Path(__file__).resolve().parents[3] / "shared/reference/power-dev/ptd_client_server"
FAKE_WORKLOAD = Path(__file__).resolve().parents[1] / "client" / "fake_workload.py"
SIM = "sim://49?period_ms=100"


@pytest.fixture()
def ntp_on_123() -> Iterator[NtpResponder]:
    responder = NtpResponder()
    responder.sock.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"):  # all loopback
        try:
            sock.bind((host, 123))
            break
        except OSError:
            continue
    else:
        sock.close()
        pytest.skip("cannot bind port 123 on loopback for the reference client's NTP check")
    sock.settimeout(0.2)
    responder.sock = sock
    with responder:
        yield responder


def _reference_client(
    tmp: Path, port: int, ntp: NtpResponder, *extra: str
) -> subprocess.CompletedProcess[str]:
    logs, out = tmp / "loadgen", tmp / "out"
    workload = f"{sys.executable} {FAKE_WORKLOAD} {logs} 1"
    argv = [sys.executable, str(REFERENCE / "client.py"), "-a", "127.0.0.1", "-p", str(port),
            "-n", ntp.sock.getsockname()[0], "-w", workload, "-L", str(logs), "-o", str(out), "-T",
            "-l", "ref", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path[1:]])}
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the reference tools are not present")
def test_reference_client_completes_beside_hostile_peers(
    tmp_path: Path, ntp_on_123: NtpResponder
) -> None:
    with director(tmp_path, [SIM], settle=0.2) as d:
        idle = Peer(d.port)  # a scanner that never speaks
        stuck = Peer(d.port).handshake()  # a stuck client
        for _ in range(5):
            reset = Peer(d.port)
            reset.send(p.CLIENT_MAGIC.encode() + b"\r\ntime\r\n")
            reset.reset()
        done = _reference_client(tmp_path, d.port, ntp_on_123)
        assert done.returncode == 0, done.stderr[-3000:]
        assert ntp_on_123.queries > 0
        session = next(s for s in d.sessions() if s.name.endswith("_ref"))
        idle.close()
        stuck.close()
    power = tmp_path / "out" / "power"
    client = json.loads((power / "client.json").read_text())
    server = json.loads((power / "server.json").read_text())
    assert client["session_name"] == server["session_name"] == session.name
    assert [m["cmd"] for m in client["messages"]] == [m["cmd"] for m in server["messages"]]
    replies = zip(client["messages"], server["messages"], strict=True)
    assert all(c["reply"] == s["reply"] for c, s in replies if c["cmd"] != "time")
    assert p.NONCE_COMMAND not in {m["cmd"] for m in server["messages"]}
    for rel in ("ranging/spl.txt", "run_1/spl.txt", "run_1/ptd_out.txt", "power/server.log"):
        assert (tmp_path / "out" / rel).stat().st_size > 0, rel


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the reference tools are not present")
def test_reference_client_stop_without_key_stops_our_director(
    tmp_path: Path, ntp_on_123: NtpResponder
) -> None:
    with director(tmp_path, [SIM], settle=0.2) as d:
        done = _reference_client(tmp_path, d.port, ntp_on_123, "-S")
        assert done.returncode == 0, done.stderr[-3000:]
        assert d.proc.wait(timeout=20) == 0
