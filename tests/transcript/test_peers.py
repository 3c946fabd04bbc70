"""The scripted peers themselves: a transcript test fails when the wire differs from the script."""

from __future__ import annotations

import os
import socket

import pytest

from .peers import Drop, ScriptedPty, ScriptedTcpPeer


def _client(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def _ask(sock: socket.socket, line: bytes) -> bytes:
    sock.sendall(line)
    return sock.recv(4096)


def test_tcp_peer_answers_its_script_and_records_the_bytes() -> None:
    with ScriptedTcpPeer([("Hello", "Hi"), ("RL", ["Last 1 samples", "Time,x"])]) as peer:
        with _client(peer.port) as sock:
            assert _ask(sock, b"Hello\r\n") == b"Hi\r\n"
            reply = _ask(sock, b"RL\n")
            while reply.count(b"\r\n") < 2:
                reply += sock.recv(4096)
            assert reply == b"Last 1 samples\r\nTime,x\r\n"
        peer.check()
    assert peer.received == [b"Hello\r\nRL\n"]


def test_tcp_peer_fails_on_a_wrong_command() -> None:
    with ScriptedTcpPeer([("Hello", "Hi"), ("RR", "Ranges")]) as peer:
        with _client(peer.port) as sock:
            assert _ask(sock, b"Hello\r\n") == b"Hi\r\n"
            assert _ask(sock, b"RR,1\r\n") == b""  # the peer hangs up
        with pytest.raises(AssertionError, match=r"step 1: expected 'RR', got 'RR,1'"):
            peer.check()


def test_tcp_peer_fails_when_the_script_is_not_finished_or_overrun() -> None:
    with ScriptedTcpPeer([("Hello", "Hi"), ("RR", "Ranges")], timeout=1) as peer:
        with _client(peer.port) as sock:
            _ask(sock, b"Hello\r\n")
        with pytest.raises(AssertionError, match=r"stopped after 1 of 2 steps; next expected 'RR'"):
            peer.check()
    with ScriptedTcpPeer([("Hello", "Hi")], timeout=1) as peer:
        with _client(peer.port) as sock:
            _ask(sock, b"Hello\r\n")
            sock.sendall(b"Stop\r\n")
        with pytest.raises(AssertionError, match=r"bytes after the end of the script: b'Stop"):
            peer.check()


def test_tcp_peer_drop_cuts_the_connection_and_the_script_goes_on() -> None:
    with ScriptedTcpPeer([("RL", Drop(["Last 2 samples"])), ("Hello", "Hi")]) as peer:
        with _client(peer.port) as sock:
            sock.sendall(b"RL\r\n")
            assert sock.recv(4096) == b"Last 2 samples\r\n"
            assert sock.recv(4096) == b""
        with _client(peer.port) as sock:
            assert _ask(sock, b"Hello\r\n") == b"Hi\r\n"
        peer.check()
    assert peer.received == [b"RL\r\n", b"Hello\r\n"]


def test_pty_peer_answers_lf_lines_and_idle_polls() -> None:
    steps = [("*IDN?", "YOKOGAWA,WT310E,X,F1"), ("*CLS", None), (":STAT:EESR?", "1")]
    with ScriptedPty(steps, idle={":STAT:EESR?": "0"}) as peer:
        fd = os.open(peer.path, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, b"*IDN?\n")
            assert _read_line(fd) == b"YOKOGAWA,WT310E,X,F1\n"
            os.write(fd, b":STAT:EESR?\n")  # not the next step (*CLS): an idle poll
            assert _read_line(fd) == b"0\n"
            os.write(fd, b"*CLS\n:STAT:EESR?\n")
            assert _read_line(fd) == b"1\n"
            peer.check()
            os.write(fd, b":NUM:NORM:VAL?\n")
            peer._thread.join(5)
        finally:
            os.close(fd)
        with pytest.raises(AssertionError, match=r"command ':NUM:NORM:VAL\?' after the end"):
            peer.check()
    assert peer.received == b"*IDN?\n:STAT:EESR?\n*CLS\n:STAT:EESR?\n:NUM:NORM:VAL?\n"
    assert peer.scripted() == ["*IDN?", "*CLS", ":STAT:EESR?"]
    assert peer.idled() == [":STAT:EESR?"]


def _read_line(fd: int) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        data += os.read(fd, 1024)
    return data
