"""A real ``joulekit director`` process against hostile peers on 127.0.0.1.

Each test attacks the director the way a port scanner, a flaky Wi-Fi link or a
stranger would (resets, half-closes, silence, huge lines, trickled bytes, floods), then
checks that the director is still alive and that a real client still completes a whole
session. Regression tests for issue 12 items 1 (a reset peer killed the director) and 2
(one idle connection blocked it forever).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path
from typing import Any

import psutil

from joulekit.session import protocol as p

from .fault_procs import (
    DirectorProc,
    client_options,
    director,
    run_client_catching,
    server_json,
    spl_lines,
)
from .hostile import Peer

SIM = "sim://49?period_ms=100"


def _real_client_completes(tmp: Path, d: DirectorProc, name: str, seconds: float = 0.5) -> None:
    work = tmp / name
    result, error = run_client_catching(client_options(work, d.port, seconds=seconds))
    assert error is None, error
    assert result is not None
    assert d.proc.poll() is None, d.console_text()[-2000:]


def _initial_restore(server: dict[str, Any]) -> None:
    ptd = [(m["cmd"], m["reply"]) for m in server["ptd_messages"]]
    rr = next(reply for cmd, reply in ptd if cmd == "RR")
    _, _a_auto, amps, _v_auto, volts = rr.split(",")
    assert ptd[-2:] == [(f"SR,V,{volts}", "Range V changed"), (f"SR,A,{amps}", "Range A changed")]


def test_peer_that_resets_after_a_line_does_not_kill_the_director(tmp_path: Path) -> None:
    """Item 1: a reply sent to a peer that reset used to escape as ConnectionResetError."""
    with director(tmp_path, [SIM], settle=0.6) as d:
        for _ in range(10):  # a line, then an RST at once
            peer = Peer(d.port)
            peer.send(p.CLIENT_MAGIC.encode() + b"\r\ntime\r\n")
            peer.reset()
        # the deterministic case: the director is still settling when the peer resets,
        # so its "OK" goes to a dead socket
        peer = Peer(d.port).handshake()
        sid = peer.ask("new,reset,11111111-2222-3333-4444-555555555555")[3:].split(",")[0]
        peer.send(f"session,{sid},start,ranging\r\n".encode())
        time.sleep(0.2)
        peer.reset()
        dropped = d.out / sid
        server = server_json(dropped)
        assert "disconnected" in server["joulekit"]["end_reason"], server["joulekit"]
        _initial_restore(server)  # ranges restored on this path too
        assert d.proc.poll() is None, d.console_text()[-2000:]
        _real_client_completes(tmp_path, d, "after-reset")
    console = d.console_text()
    assert "Traceback" not in console and "internal error" not in console


def test_half_closed_peer_gets_its_replies_then_the_connection_ends(tmp_path: Path) -> None:
    with director(tmp_path, [SIM]) as d:
        peer = Peer(d.port)
        peer.send(p.CLIENT_MAGIC.encode() + b"\r\ntime\r\n")
        peer.sock.shutdown(socket.SHUT_WR)
        assert peer.line() == p.SERVER_MAGIC
        assert float(peer.line()) > 0
        assert peer.eof_within(5)
        peer.close()
        _real_client_completes(tmp_path, d, "after-half-close")


def test_idle_connections_do_not_block_the_real_client(tmp_path: Path) -> None:
    """Item 2: connections were served one at a time with no idle limit after the
    handshake, so one silent connection locked out every client."""
    with director(tmp_path, [SIM]) as d:
        silent = Peer(d.port)  # a port scanner: connects, says nothing
        stuck = Peer(d.port).handshake()  # a stuck client: handshake, then nothing
        _real_client_completes(tmp_path, d, "while-idle")
        # both are still open: their own timeouts have not passed, nobody waited on them
        assert not silent.eof_within(0.2) and not stuck.eof_within(0.2)
        silent.close()
        stuck.close()


def test_idle_limits_follow_the_session_state(tmp_path: Path) -> None:
    """Silence is cut short before the handshake and without a session, never while a
    phase measures: the real client's 3-second workloads outlast the 1-second limit."""
    limits = ("--handshake-timeout", "1", "--idle-timeout", "1")
    with director(tmp_path, [SIM], extra=limits) as d:
        silent = Peer(d.port)
        assert silent.eof_within(4), "no handshake timeout"
        idle = Peer(d.port).handshake()
        assert idle.eof_within(4), "no idle timeout without a session"
        _real_client_completes(tmp_path, d, "long-phases", seconds=3.0)
        session = next(s for s in d.sessions() if s.name.endswith("_fm"))
        server = server_json(session)
        assert server["joulekit"].get("end_reason") is None, server["joulekit"]
        assert len(spl_lines(session / "run_1" / "spl.txt")) >= 20
        silent.close()
        idle.close()


def test_oversized_lines_are_refused_and_end_only_that_connection(tmp_path: Path) -> None:
    with director(tmp_path, [SIM]) as d:
        before = psutil.Process(d.proc.pid).memory_info().rss
        for payload in (b"x" * 5000 + b"\r\n", b"y" * 300_000, b"\n" * 3 + b"z" * 70_000):
            peer = Peer(d.port).handshake()
            with contextlib.suppress(ConnectionError):  # it may close before the end
                peer.send(payload)
            assert peer.eof_within(5)
            assert "Error: line too long" in peer.buffer.decode(errors="replace")
            peer.close()
        huge_handshake = Peer(d.port)
        with contextlib.suppress(ConnectionError):
            huge_handshake.send(b"m" * 1_000_000)
        assert huge_handshake.eof_within(5)
        huge_handshake.close()
        # a few hundred kB sent never become a few hundred kB kept
        assert psutil.Process(d.proc.pid).memory_info().rss - before < 20 * 2**20
        _real_client_completes(tmp_path, d, "after-huge")


def test_slowloris_is_cut_off_while_the_real_client_runs(tmp_path: Path) -> None:
    limits = ("--handshake-timeout", "1.5", "--line-timeout", "1.5")
    with director(tmp_path, [SIM], extra=limits) as d:
        before = Peer(d.port)  # trickles the handshake, one byte at a time
        after = Peer(d.port).handshake()  # trickles a command after the handshake
        started = time.monotonic()
        closed: set[str] = set()
        for index in range(40):
            trickles = (("before", before, b"mlcommons"), ("after", after, b"timetime"))
            for name, peer, data in trickles:
                if name in closed:
                    continue
                try:
                    peer.send(data[index % len(data) : index % len(data) + 1])
                except ConnectionError:
                    closed.add(name)
            if closed == {"before", "after"}:
                break
            time.sleep(0.1)
        assert before.eof_within(1) and after.eof_within(1)
        assert time.monotonic() - started < 8  # cut by the 1.5 s limits, not the 4 s trickle
        _real_client_completes(tmp_path, d, "after-slowloris")
        before.close()
        after.close()


def _fd_count(pid: int) -> int:
    return psutil.Process(pid).num_fds()


def test_flood_of_200_connections_then_a_real_client(tmp_path: Path) -> None:
    with director(tmp_path, [SIM]) as d:
        fds = _fd_count(d.proc.pid)
        threads = psutil.Process(d.proc.pid).num_threads()
        peers: list[Peer] = []
        for index in range(200):
            peer = Peer(d.port)
            kind = index % 4
            if kind == 1:
                peer.send(b"GET / HTTP/1.0\r\n\r\n")
            elif kind == 2:
                peer.send(p.CLIENT_MAGIC.encode() + b"\r\n")
            elif kind == 3:
                peer.send(b"\xff\xfe\x00garbage")
            peers.append(peer)
        # all 200 still open: the real client is served beside them
        _real_client_completes(tmp_path, d, "during-flood")
        for index, peer in enumerate(peers):
            peer.reset() if index % 2 else peer.close()
        deadline = time.monotonic() + 15
        while _fd_count(d.proc.pid) > fds + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _fd_count(d.proc.pid) <= fds + 2
        while psutil.Process(d.proc.pid).num_threads() > threads + 2:
            assert time.monotonic() < deadline, "connection threads were not reaped"
            time.sleep(0.1)
        _real_client_completes(tmp_path, d, "after-flood")


def test_too_many_connections_are_told_the_director_is_busy(tmp_path: Path) -> None:
    with director(tmp_path, [SIM], extra=("--max-connections", "3")) as d:
        held = [Peer(d.port) for _ in range(3)]
        time.sleep(0.3)
        extra = Peer(d.port)
        assert extra.line() == p.REPLY_TOO_MANY
        assert extra.eof_within(5)
        extra.close()
        for peer in held:
            peer.close()
        time.sleep(0.5)
        _real_client_completes(tmp_path, d, "after-cap")


def test_second_client_is_told_the_director_is_busy(tmp_path: Path) -> None:
    with director(tmp_path, [SIM]) as d:
        first = Peer(d.port).handshake()
        reply_cmd = "new,first,11111111-2222-3333-4444-555555555555"
        reply = first.ask(reply_cmd)
        assert reply.startswith("OK "), reply
        sid = reply[3:].split(",")[0]
        second = Peer(d.port).handshake()
        assert float(second.ask("time")) > 0  # harmless commands are served to all
        assert second.ask("new,second,22222222-2222-3333-4444-555555555555") == p.REPLY_BUSY
        assert second.ask("set_ntp") == p.REPLY_BUSY  # no clock step under a measurement
        assert second.ask("stop") == p.REPLY_BUSY
        # the real client is refused with the director's words, in one line
        result, error = run_client_catching(client_options(tmp_path / "refused", d.port))
        assert result is None and error is not None and "\n" not in error
        assert "busy" in error, error
        assert first.ask(f"session,{sid},done") == "OK"
        reply = second.ask("new,second,22222222-2222-3333-4444-555555555555")
        assert reply.startswith("OK "), reply
        second.close()  # its session is dropped, the slot freed
        first.close()
        time.sleep(0.3)
        _real_client_completes(tmp_path, d, "after-busy")
        # the first session's record holds its own connection only, not the second's
        power = d.out / sid / "power"
        messages = json.loads((power / "server.json").read_text())["messages"]
        assert [m["cmd"] for m in messages] == [p.CLIENT_MAGIC, reply_cmd]
        assert "second" not in (power / "server.log").read_text()


def test_unfinished_line_mid_phase_drops_the_session_and_keeps_its_samples(
    tmp_path: Path,
) -> None:
    """Silence is allowed while ranging, a half-sent line is not: the session then ends
    as for a disconnect, with the samples written and the ranges restored."""
    limits = ("--idle-timeout", "1", "--line-timeout", "1")
    with director(tmp_path, [SIM], extra=limits) as d:
        peer = Peer(d.port).handshake()
        sid = peer.ask("new,trickle,11111111-2222-3333-4444-555555555555")[3:].split(",")[0]
        assert peer.ask(f"session,{sid},start,ranging") == "OK"
        assert not peer.eof_within(2.5), "silence while measuring must be allowed"
        peer.send(b"session,")
        assert peer.eof_within(5)
        server = server_json(d.out / sid)
        assert "left a line unfinished" in server["joulekit"]["end_reason"], server["joulekit"]
        _initial_restore(server)
        ranging = spl_lines(d.out / sid / "ranging" / "spl.txt")
        assert len(ranging) >= 10 and all(line.endswith(f"{sid}_ranging") for line in ranging)
        peer.close()
        _real_client_completes(tmp_path, d, "after-trickle")
