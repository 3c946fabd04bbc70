"""Property tests of the protocol v3 line parser and framing (hypothesis).

Three layers, each on real objects: ``parse_command`` (never raises, classifies every
line, and inverts the command builders), ``LineChannel`` over a real socket pair (the
same lines as a plain split on LF, a trailing CR stripped, nothing longer than the
limit ever delivered or buffered), and a director on a real loopback socket (any
sequence of lines gets exactly one reply line each and leaves it serving).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from joulekit.power_director.director.server import Director
from joulekit.session import protocol as p
from tests.director.fakes import FakeAnalyzer, running_director
from tests.director.hostile import Peer

KINDS = {"time", "set_ntp", "stop", "auth_nonce", "new", "session", "download", "cleanup"}
LABEL = st.text(alphabet="-_abcXYZ019", max_size=20)
FIELD = st.text(alphabet=st.characters(blacklist_characters=",\r\n"), max_size=30)
LINE_TEXT = st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=200)


@given(LINE_TEXT)
def test_parse_command_never_raises_and_keeps_the_line(line: str) -> None:
    command = p.parse_command(line)
    assert command.raw == line
    assert command.kind in KINDS | {"unknown"}
    if command.kind == "unknown":
        assert command.args == ()
    elif command.kind != "auth_nonce":
        assert ",".join((command.kind, *command.args)) == line


@given(LABEL, FIELD, FIELD, st.sampled_from(sorted(p.DOWNLOAD_WHITELIST)))
def test_builders_and_parser_agree(label: str, uuid: str, sid: str, relpath: str) -> None:
    assert p.parse_command(p.cmd_new(label, uuid)).args == (label, uuid)
    assert p.parse_command(p.cmd_download(sid, relpath)).args == (sid, relpath)
    assert p.parse_command(p.cmd_cleanup(sid)).args == (sid,)
    done = p.parse_command(p.cmd_session(sid, "done"))
    assert (done.kind, done.args) == ("session", (sid, "done"))
    start = p.parse_command(p.cmd_session(sid, "start", "ranging"))
    assert start.args == (sid, "start", "ranging")
    assert p.parse_command(p.cmd_time()).kind == "time"
    assert p.parse_command(p.cmd_auth_nonce()).kind == "auth_nonce"
    for proof in (None, uuid):
        assert p.parse_command(p.cmd_set_ntp(proof)).kind == "set_ntp"
        assert p.parse_command(p.cmd_stop(proof)).kind == "stop"


def _expected(stream: bytes, limit: int) -> tuple[list[str], bool]:
    """Lines a correct receiver delivers, and whether it must then refuse a long one."""
    lines: list[str] = []
    *complete, _rest = stream.split(b"\n")
    for raw in complete:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if len(raw) > limit:
            return lines, True
        lines.append(raw.decode("utf-8", errors="replace"))
    return lines, len(_rest) > limit + 1


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.binary(max_size=90).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\r\r\n"]), min_size=12, max_size=12),
    st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=8),
)
def test_framing_matches_a_plain_split(
    bodies: list[bytes], ends: list[bytes], cuts: list[int]
) -> None:
    limit = 64
    stream = b"".join(body + end for body, end in zip(bodies, ends, strict=False))
    expected, too_long = _expected(stream, limit)
    left, right = socket.socketpair()
    try:
        chunks, offset, index = [], 0, 0
        while offset < len(stream):  # the stream cut at arbitrary places
            size = cuts[index % len(cuts)]
            chunks.append(stream[offset : offset + size])
            offset, index = offset + size, index + 1

        def write() -> None:
            for chunk in chunks:
                left.sendall(chunk)
            left.shutdown(socket.SHUT_WR)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        channel = p.LineChannel(right, max_line=limit)
        got: list[str] = []
        outcome: type[Exception] | None = None
        try:
            while True:
                got.append(channel.recv_line(5.0))
                assert len(channel._buffer) <= limit + 2 + 65536
        except p.LineTooLong:
            outcome = p.LineTooLong
        except p.PeerClosed:
            outcome = p.PeerClosed
        writer.join(timeout=5)
        assert got == expected
        assert all(len(line.encode("utf-8", errors="replace")) <= 3 * limit for line in got)
        if too_long:
            assert outcome is p.LineTooLong
        else:
            assert outcome is p.PeerClosed
    finally:
        left.close()
        right.close()


# --------------------------------------------------------------------------- director

COMMANDS = [
    "time", "auth_nonce", "set_ntp", "set_ntp,00", "stop", "stop,ff", "new,fz,u1",
    "new,bad label,u1", "session,*,start,ranging", "session,*,stop,ranging",
    "session,*,start,testing", "session,*,start,testing,230,1", "session,*,stop,testing",
    "session,*,done", "session,x,fly", "download,x,power/server.json", "cleanup,x",
    "download,x,../../etc/passwd", "", ",,,", "session", "new,,", "\x00",
]  # fmt: skip


@pytest.fixture(scope="module")
def live_director(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Director]:
    tmp: Path = tmp_path_factory.mktemp("property-director")
    with running_director(tmp, [FakeAnalyzer()], shared_key="k") as director:
        yield director


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([c.encode() for c in COMMANDS]),
            st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
        ),
        max_size=15,
    )
)
def test_director_answers_every_line_once_and_keeps_serving(
    live_director: Director, lines: list[bytes]
) -> None:
    """Any bytes, valid UTF-8 or not: one reply line each, and the director goes on."""
    assert live_director.address is not None
    peer = Peer(live_director.address[1]).handshake()
    try:
        for line in lines:
            peer.send(line + b"\r\n")
            reply = peer.line()
            assert reply, line
            assert reply.startswith(("OK", "Error")) or float(reply) > 0, (line, reply)
    finally:
        peer.close()
    # the director is still serving, whatever the sequence did
    probe = Peer(live_director.address[1]).handshake()
    assert float(probe.ask("time")) > 0
    probe.close()
