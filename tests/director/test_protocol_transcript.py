"""Exact bytes on the wire for every protocol v3 command, against our director."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from joulekit.session import protocol as p

from .fakes import FakeAnalyzer, running_director


class Wire:
    """A raw socket that sends exact bytes and reads exact reply lines."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "director closed the connection"
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\n")
        return raw + b"\n"

    def exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self.buffer += self.sock.recv(65536)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def ask(self, command: str) -> bytes:
        self.send(command.encode() + b"\r\n")
        return self.line()

    def close(self) -> None:
        self.sock.close()


def _handshake(port: int) -> Wire:
    wire = Wire(port)
    assert wire.ask("mlcommons/power client v3") == b"mlcommons/power server v3\r\n"
    return wire


def test_full_session_transcript(tmp_path: Path) -> None:
    fake = FakeAnalyzer()
    with running_director(tmp_path, [fake]) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        try:
            assert re.fullmatch(rb"\d+\.\d+\r\n", wire.ask("time"))
            assert wire.ask("new,bad label!,u1") == b"Error: invalid label\r\n"
            reply = wire.ask("new,demo,11111111-2222-3333-4444-555555555555").decode()
            match = re.fullmatch(
                r"OK (\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_demo),([0-9a-f-]{36})\r\n", reply
            )
            assert match, reply
            sid = match.group(1)
            assert wire.ask(f"session,{sid},start,testing") == (
                b"Error: testing needs a finished ranging phase "
                b"(or explicit ranges: start,testing,V,A)\r\n"
            )
            assert wire.ask("session,nope,start,ranging") == b"Error: unknown session\r\n"
            assert wire.ask(f"session,{sid},fly") == b"Error Unknown session command\r\n"
            assert wire.ask(f"session,{sid},start,ranging") == b"OK\r\n"
            assert wire.ask(f"session,{sid},start,ranging") == b"OK\r\n"  # idempotent
            assert wire.ask(f"session,{sid},stop,ranging") == b"OK\r\n"
            assert wire.ask(f"session,{sid},stop,ranging") == b"OK\r\n"
            assert wire.ask("session,*,start,testing") == b"OK\r\n"
            assert wire.ask(f"session,{sid},stop,testing") == b"OK\r\n"
            assert wire.ask(f"session,{sid},done") == b"OK\r\n"
            assert wire.ask("bogus") == b"Error\r\n"
            # download: count line, raw bytes, "0" line
            wire.send(f"download,{sid},run_1/spl.txt\r\n".encode())
            size = int(wire.line())
            body = wire.exact(size)
            assert wire.line() == b"0\r\n"
            on_disk = (director.output_dir / sid / "run_1" / "spl.txt").read_bytes()
            assert body == on_disk and body.startswith(b"Time,01-02-2025 03:04:05.000,")
            # refusals: the reference director's bare "Error"
            assert wire.ask(f"download,{sid},../secrets") == b"Error\r\n"
            assert wire.ask("download,other,run_1/spl.txt") == b"Error\r\n"
            assert wire.ask("cleanup,other") == b"Error\r\n"
            # the session is forgotten at done, its files are not
            assert wire.ask(f"session,{sid},done") == b"Error: unknown session\r\n"
            assert wire.ask(f"session,{sid},stop,testing") == b"Error: unknown session\r\n"
            assert wire.ask(f"cleanup,{sid}") == b"OK\r\n"
            assert not (director.output_dir / sid).exists()
        finally:
            wire.close()
    # ranging AUTO, testing V = max V, A = 1.1 × max A, then restore via close()
    assert fake.calls[:6] == [
        "open",
        "Identify",
        "RR",
        "SR,V,Auto",
        "SR,A,Auto",
        f"Go,1000,0,{sid}_ranging",
    ]
    assert "SR,V,232.0" in fake.calls
    assert any(c.startswith("SR,A,2.42") for c in fake.calls), fake.calls
    assert fake.closed == 1


def test_server_json_messages_and_files(tmp_path: Path) -> None:
    fake = FakeAnalyzer()
    with running_director(tmp_path, [fake], keep_sessions=True) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        sid = wire.ask("new,,u-1").decode().split()[1].split(",")[0]
        for command in ("start,ranging", "stop,ranging", "start,testing", "stop,testing"):
            assert wire.ask(f"session,{sid},{command}") == b"OK\r\n"
        assert wire.ask(f"session,{sid},done") == b"OK\r\n"
        wire.close()
    folder = director.output_dir / sid
    server = json.loads((folder / "power" / "server.json").read_text())
    assert [m["cmd"] for m in server["messages"]] == [
        "mlcommons/power client v3", "new,,u-1",
        f"session,{sid},start,ranging", f"session,{sid},stop,ranging",
        f"session,{sid},start,testing", f"session,{sid},stop,testing",
    ]  # fmt: skip
    assert list(server)[:11] == [
        "version", "timezone", "modules", "sources", "messages", "uuid", "session_name",
        "results", "phases", "ptd_messages", "ptd_config",
    ]  # fmt: skip
    assert server["joulekit"]["settle_seconds"] == 0.0
    assert any("settle" in r for r in server["joulekit"]["not_valid_for_submission"])
    assert all(len(points) == 4 for points in server["phases"].values())
    assert set(server["results"]) == {
        "power/ptd_logs.txt", "power/server.log", "ranging/spl.txt", "run_1/ptd_out.txt",
        "run_1/spl.txt",
    }  # fmt: skip
    assert not any(k.startswith("ptd_client_server") for k in server["sources"])
    assert (folder / "run_1" / "ptd_out.txt").read_text().startswith("Analyzer 1:\nPower: ")
    log = (folder / "power" / "server.log").read_text()
    assert re.match(r"ptd-server \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[INFO\] ", log)


def test_shared_key_guards_set_ntp_and_stop(tmp_path: Path) -> None:
    with running_director(tmp_path, [FakeAnalyzer()], shared_key="s3cret") as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        assert wire.ask("stop") == b"Error: authentication required\r\n"
        assert wire.ask("set_ntp,deadbeef") == b"Error: authentication required\r\n"
        nonce = p.parse_nonce_reply(wire.ask("auth_nonce").decode().rstrip("\r\n"))
        assert nonce is not None
        proof = p.auth_proof("s3cret", nonce, "set_ntp")
        assert (
            wire.ask(f"set_ntp,{proof}") == b"Error: the director has no ntpServer configured\r\n"
        )
        nonce = p.parse_nonce_reply(wire.ask("auth_nonce").decode().rstrip("\r\n"))
        assert nonce is not None
        assert wire.ask(f"stop,{p.auth_proof('s3cret', nonce, 'stop')}") == b"OK\r\n"
        wire.close()


def test_overlong_line_ends_the_connection(tmp_path: Path) -> None:
    with running_director(tmp_path, [FakeAnalyzer()]) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        wire.send(b"x" * (p.MAX_LINE_BYTES + 10))
        wire.sock.settimeout(5)
        with pytest.raises((AssertionError, ConnectionError)):
            while True:
                wire.line()
        wire.close()


def test_command_builders_match_the_wire_strings() -> None:
    assert p.cmd_new("", "u") == "new,,u"
    assert p.cmd_session("s", "start", "ranging") == "session,s,start,ranging"
    assert p.cmd_session("s", "done") == "session,s,done"
    assert p.cmd_start_testing_manual("s", 230.0, 2.5) == "session,s,start,testing,230.0,2.5"
    assert p.cmd_download("s", "power/server.json") == "download,s,power/server.json"
    assert p.cmd_cleanup("s") == "cleanup,s"
    assert p.parse_new_reply("OK 2024-07-23_11-35-08,bb71") == ("2024-07-23_11-35-08", "bb71")
    with pytest.raises(p.ProtocolError):
        p.parse_new_reply("Error: invalid label")
    assert p.command_timeout("session,s,stop,testing") == p.TIMEOUTS["session_stop"]
    assert p.command_timeout("time") == p.TIMEOUTS["time"]
    assert p.make_session_id((2024, 7, 23, 11, 35, 8, 1, 205, 0), "") == "2024-07-23_11-35-08"  # type: ignore[arg-type]


def test_refusal_replies_are_the_reference_bytes(tmp_path: Path) -> None:
    """Out-of-order start/stop answer a bare ``Error`` (the reason is in server.log);
    a ranging phase without samples answers the reference's sentence word for word."""
    with running_director(tmp_path, [FakeAnalyzer(samples=0)]) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        try:
            assert wire.ask("time,extra").endswith(b"\r\n")  # the reference ignores extra fields
            assert wire.ask("new,x") == b"Error\r\n"
            assert wire.ask("hello") == b"Error\r\n"
            assert wire.ask("") == b"Error\r\n"
            assert wire.ask("session,*,done") == b"Error: unknown session\r\n"
            sid = wire.ask("new,edge,u-2").decode().split()[1].split(",")[0]
            assert wire.ask(f"session,{sid},stop,ranging") == b"Error\r\n"
            assert wire.ask(f"session,{sid},stop,testing") == b"Error\r\n"
            assert wire.ask(f"session,{sid},start,testing,xx") == (
                b"Error Unknown session command\r\n"
            )
            assert wire.ask(f"session,{sid},start,ranging") == b"OK\r\n"
            assert wire.ask(f"session,{sid},stop,ranging") == (
                "Error: the ranging measurement ended too fast (less than 1 second), "
                f"no PTDaemon logs generated for '{sid}'\r\n"
            ).encode()
            assert wire.ask(f"session,{sid},start,ranging") == b"Error\r\n"
            assert wire.ask(f"session,{sid},done") == b"OK\r\n"
            # a whitelisted file the session never wrote names the reason
            assert wire.ask(f"download,{sid},run_1/spl.txt") == b"Error: file not found\r\n"
        finally:
            wire.close()
        # downloads and cleanup belong to the connection that ran the session
        other = _handshake(director.address[1])
        try:
            assert other.ask(f"download,{sid},ranging/spl.txt") == b"Error\r\n"
            assert other.ask(f"cleanup,{sid}") == b"Error\r\n"
        finally:
            other.close()
