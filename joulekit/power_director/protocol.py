"""Protocol v3 between the client (SUT host) and the director (analyzer host).

This module is the single place where the wire strings live, so that our client can
talk to the reference director and the reference client to ours byte for byte. Every
message is one UTF-8 line ending in CRLF; the receiver splits on LF and strips one
trailing CR. Unlike the reference, a line has a maximum length (a stranger cannot make
the director buffer gigabytes) and every command has a timeout (a hung peer ends the
session instead of the run).

``download`` streams a file after its command: decimal byte-count lines, each followed
by that many raw bytes (chunks of at most 1 MiB), and a ``0`` line at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from joulekit.errors import UserError

PROTO_VERSION = "3"
CLIENT_MAGIC = f"mlcommons/power client v{PROTO_VERSION}"
SERVER_MAGIC = f"mlcommons/power server v{PROTO_VERSION}"
DEFAULT_PORT = 4950

#: The longest line either side accepts (a ``new`` with a long label is about 100 bytes).
MAX_LINE_BYTES = 64 * 1024
#: ``download`` chunk size; the reference never sends more than 1 MiB per count line.
DOWNLOAD_CHUNK = 1 << 20

#: The only files ``download`` serves, relative to the last session's folder.
DOWNLOAD_WHITELIST: tuple[str, ...] = (
    "power/ptd_logs.txt",
    "ranging/spl.txt",
    "power/server.json",
    "power/server.log",
    "run_1/spl.txt",
    "run_1/ptd_out.txt",
)

REPLY_OK = "OK"
REPLY_ERROR = "Error"
REPLY_INVALID_LABEL = "Error: invalid label"
REPLY_UNKNOWN_SESSION = "Error: unknown session"
REPLY_UNKNOWN_SESSION_COMMAND = "Error Unknown session command"
REPLY_EXCEPTION = "Error: exception"
REPLY_AUTH_REQUIRED = "Error: authentication required"

LABEL_RE = re.compile(r"[-_A-Za-z0-9]*")
SESSION_TIME_FORMAT = "%Y-%m-%d_%H-%M-%S"

#: Seconds to wait for a reply. ``start``/``stop`` include the analyzer settle waits
#: (10 s each) plus reading back thousands of samples, hence the long ones.
TIMEOUTS: dict[str, float] = {
    "handshake": 15.0,
    "time": 10.0,
    "set_ntp": 60.0,
    "stop": 10.0,
    "new": 30.0,
    "start": 300.0,
    "session_stop": 600.0,
    "done": 120.0,
    "download": 120.0,
    "cleanup": 30.0,
}


class ProtocolError(Exception):
    """The peer broke the protocol, timed out or closed the connection."""


class PeerClosed(ProtocolError):
    """The peer closed the connection (EOF)."""


# --------------------------------------------------------------------------- framing


class LineChannel:
    """CRLF line framing over a connected TCP socket, with timeouts and a line limit.

    ``poll`` is the granularity at which a blocking read wakes up to notice a stop
    request (Ctrl-C on Windows, a director shutting down).
    """

    def __init__(self, sock: socket.socket, *, max_line: int = MAX_LINE_BYTES) -> None:
        self.sock = sock
        self.max_line = max_line
        self._buffer = bytearray()

    def send_line(self, text: str) -> None:
        if "\n" in text or "\r" in text:
            raise ValueError(f"a protocol line cannot contain a line break: {text!r}")
        self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def recv_line(
        self, timeout: float | None, *, should_stop: Callable[[], bool] | None = None
    ) -> str:
        """The next line without its CRLF; raises :class:`ProtocolError` on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                raw = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                return raw.decode("utf-8", errors="replace")
            if len(self._buffer) > self.max_line:
                raise ProtocolError(f"line longer than {self.max_line} bytes")
            self._fill(deadline, should_stop)

    def recv_exact(self, count: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buffer) < count:
            self._fill(deadline, None)
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _fill(self, deadline: float | None, should_stop: Callable[[], bool] | None) -> None:
        while True:
            if should_stop is not None and should_stop():
                raise ProtocolError("stopped while waiting for the peer")
            wait = 0.5
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProtocolError("timed out waiting for the peer")
                wait = min(wait, left)
            self.sock.settimeout(wait)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as err:
                raise PeerClosed(f"connection lost: {err}") from err
            if not chunk:
                raise PeerClosed("the peer closed the connection")
            self._buffer.extend(chunk)
            return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def set_keepalive(sock: socket.socket) -> None:
    """TCP keepalive as the reference sets it (2 s idle, 2 s interval, 10 probes)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 2), ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 10)):
        option = getattr(socket, name, None)
        if option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


# --------------------------------------------------------------------------- download


def send_file(channel: LineChannel, data: bytes) -> None:
    """Stream ``data`` as count lines and raw chunks, ending with a ``0`` line."""
    for offset in range(0, len(data), DOWNLOAD_CHUNK):
        chunk = data[offset : offset + DOWNLOAD_CHUNK]
        channel.sock.sendall(f"{len(chunk)}\r\n".encode() + chunk)
    channel.send_line("0")


def receive_file(channel: LineChannel, target: Path, timeout: float) -> int:
    """Receive a streamed file into ``target`` via ``target.tmp`` and a rename.

    Returns the byte count. The first line may be an ``Error…`` reply instead of a
    count, which becomes a :class:`ProtocolError` naming the director's reason.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    total = 0
    with open(tmp, "wb") as handle:
        while True:
            line = channel.recv_line(timeout)
            if not line.isdigit():
                handle.close()
                tmp.unlink(missing_ok=True)
                raise ProtocolError(f"download of {target.name} refused: {line}")
            count = int(line)
            if count == 0:
                break
            if count > DOWNLOAD_CHUNK:
                raise ProtocolError(f"download chunk of {count} bytes exceeds 1 MiB")
            handle.write(channel.recv_exact(count, timeout))
            total += count
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return total


# --------------------------------------------------------------------------- commands


def cmd_time() -> str:
    return "time"


def cmd_set_ntp(proof: str | None = None) -> str:
    return "set_ntp" if proof is None else f"set_ntp,{proof}"


def cmd_stop(proof: str | None = None) -> str:
    return "stop" if proof is None else f"stop,{proof}"


def cmd_new(label: str, client_uuid: str) -> str:
    return f"new,{label},{client_uuid}"


def cmd_session(session_id: str, action: str, mode: str | None = None) -> str:
    """``session,<id>,start,ranging`` … ``session,<id>,done``."""
    if action == "done":
        return f"session,{session_id},done"
    return f"session,{session_id},{action},{mode}"


def cmd_start_testing_manual(session_id: str, volts: float, amps: float) -> str:
    return f"session,{session_id},start,testing,{volts},{amps}"


def cmd_download(session_id: str, relpath: str) -> str:
    return f"download,{session_id},{relpath}"


def cmd_cleanup(session_id: str) -> str:
    return f"cleanup,{session_id}"


def is_valid_label(label: str) -> bool:
    return LABEL_RE.fullmatch(label) is not None


def make_session_id(local_time: time.struct_time, label: str) -> str:
    """The director's local time plus ``_<label>`` (no suffix for an empty label)."""
    stamp = time.strftime(SESSION_TIME_FORMAT, local_time)
    return f"{stamp}_{label}" if label else stamp


def parse_new_reply(reply: str) -> tuple[str, str]:
    """``OK <session_id>,<server_uuid>`` → (session_id, server_uuid)."""
    if not reply.startswith("OK "):
        raise ProtocolError(f"the director refused the session: {reply}")
    body = reply[3:]
    session_id, sep, server_uuid = body.partition(",")
    if not sep or not session_id:
        raise ProtocolError(f"malformed reply to new: {reply!r}")
    return session_id, server_uuid


def parse_time_reply(reply: str) -> float:
    try:
        return float(reply)
    except ValueError:
        raise ProtocolError(f"malformed reply to time: {reply!r}") from None


def command_timeout(command: str) -> float:
    """The reply timeout for a command line (as built by the ``cmd_*`` helpers)."""
    if command == CLIENT_MAGIC:
        return TIMEOUTS["handshake"]
    head = command.split(",", 1)[0]
    if head == "session":
        parts = command.split(",")
        if len(parts) >= 3 and parts[2] == "start":
            return TIMEOUTS["start"]
        if len(parts) >= 3 and parts[2] == "stop":
            return TIMEOUTS["session_stop"]
        return TIMEOUTS["done"]
    return TIMEOUTS.get(head, 30.0)


# --------------------------------------------------------------------------- parsing (director)


@dataclass(frozen=True)
class Command:
    """A parsed client command; ``kind`` is one of the names below or ``unknown``."""

    kind: str  # time|set_ntp|stop|new|session|download|cleanup|unknown
    args: tuple[str, ...] = ()
    raw: str = ""


def parse_command(line: str) -> Command:
    parts = line.split(",")
    head = parts[0]
    if head in ("time", "set_ntp", "stop") and len(parts) <= 2:
        return Command(head, tuple(parts[1:]), line)
    if head == "new" and len(parts) == 3:
        return Command("new", (parts[1], parts[2]), line)
    if head == "session" and len(parts) >= 3:
        return Command("session", tuple(parts[1:]), line)
    if head == "download" and len(parts) == 3:
        return Command("download", (parts[1], parts[2]), line)
    if head == "cleanup" and len(parts) == 2:
        return Command("cleanup", (parts[1],), line)
    return Command("unknown", (), line)


# --------------------------------------------------------------------------- shared key


def auth_proof(key: str, command: str, now: float | None = None) -> str:
    """HMAC-SHA256 of the command and the current 30-second window, hex.

    The key never crosses the wire; a captured proof is useless after a minute.
    """
    window = int((time.time() if now is None else now) // 30)
    message = f"{command}:{window}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def check_proof(key: str, command: str, proof: str, now: float | None = None) -> bool:
    moment = time.time() if now is None else now
    return any(
        hmac.compare_digest(auth_proof(key, command, moment + shift), proof)
        for shift in (-30.0, 0.0, 30.0)
    )


def connect(host: str, port: int, timeout: float = 10.0) -> LineChannel:
    """Open a TCP connection to a director, as a :class:`UserError` when refused."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as err:
        raise UserError(
            f"cannot connect to the director at {host}:{port}: {err.strerror or err}",
            hint="start it with 'joulekit director …' and check -a/-p",
        ) from err
    set_keepalive(sock)
    return LineChannel(sock)
