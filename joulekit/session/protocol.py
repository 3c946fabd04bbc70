"""Protocol v3 between the client (SUT host) and the director (analyzer host).

This module is the single place where the wire strings live, so that our client can
talk to the reference director and the reference client to ours byte for byte. Every
message is one UTF-8 line ending in CRLF; the receiver splits on LF and strips one
trailing CR. Unlike the reference, a line has a maximum length (a stranger cannot make
the director buffer gigabytes) and every command has a timeout (a hung peer ends the
session instead of the run).

``download`` streams a file after its command: decimal byte-count lines, each followed
by that many raw bytes (chunks of at most 1 MiB), and a ``0`` line at the end.

Shared-key extension (ours, off unless the director has a key): the client asks
``auth_nonce`` and gets ``OK <nonce>``, a fresh random value for this connection that the
director forgets after one use; it then sends ``set_ntp,<proof>`` or ``stop,<proof>``
where the proof is an HMAC-SHA256 over the nonce and the command. A proof captured on
one connection is worthless on any other, and on its own after its first use. The
reference client never sends ``auth_nonce`` and the reference director answers it with a
bare ``Error``, so v3 bytes are unchanged whenever one side is the reference.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from joulekit.errors import UserError
from joulekit.formats import layout

PROTO_VERSION = "3"
CLIENT_MAGIC = f"mlcommons/power client v{PROTO_VERSION}"
SERVER_MAGIC = f"mlcommons/power server v{PROTO_VERSION}"
DEFAULT_PORT = 4950

#: The longest line either side accepts (a ``new`` with a long label is about 100 bytes).
MAX_LINE_BYTES = 64 * 1024
#: ``download`` chunk size; the reference never sends more than 1 MiB per count line.
DOWNLOAD_CHUNK = 1 << 20

#: The only files ``download`` serves, relative to the last session's folder.
DOWNLOAD_WHITELIST: tuple[str, ...] = layout.DOWNLOADS

REPLY_OK = "OK"
REPLY_ERROR = "Error"
REPLY_INVALID_LABEL = "Error: invalid label"
REPLY_UNKNOWN_SESSION = "Error: unknown session"
REPLY_UNKNOWN_SESSION_COMMAND = "Error Unknown session command"
REPLY_EXCEPTION = "Error: exception"
REPLY_AUTH_REQUIRED = "Error: authentication required"
#: A second client while another client's session is measuring (the reference has no
#: wording: it would leave the second client waiting, unanswered, until the first ends).
REPLY_BUSY = "Error: the director is busy with another client's session; try again later"
#: Sent instead of the handshake reply when the director has no connection slot left.
REPLY_TOO_MANY = "Error: the director is busy: too many connections"
REPLY_LINE_TOO_LONG = "Error: line too long"

#: The shared-key extension's command (see the module docstring).
NONCE_COMMAND = "auth_nonce"

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
    """The peer closed the connection (EOF), reset it, or the socket failed."""


class PeerTimeout(ProtocolError):
    """The peer sent nothing, or left a line unfinished, for longer than allowed."""


class LineTooLong(ProtocolError):
    """The peer sent a line longer than the limit (the stream cannot be resynchronised)."""


class MalformedStream(ProtocolError):
    """A download's count line is neither a count nor a refusal (or too big a chunk)."""


class Stopped(ProtocolError):
    """The local side asked the wait to stop (Ctrl-C, a director shutting down)."""


# --------------------------------------------------------------------------- framing


class LineChannel:
    """CRLF line framing over a connected TCP socket, with timeouts and a line limit.

    Every failure of the peer or of the socket surfaces as a :class:`ProtocolError`
    subclass, never as a bare ``OSError``: one peer's reset or broken pipe must not
    escape into whatever serves the other peers. The buffer never holds more than one
    line limit plus one read, so a peer cannot make us keep more than that in memory.
    A blocking read wakes every ``POLL_S`` to notice a stop request.
    """

    POLL_S = 0.5

    def __init__(self, sock: socket.socket, *, max_line: int = MAX_LINE_BYTES) -> None:
        self.sock = sock
        self.max_line = max_line
        self._buffer = bytearray()

    def send_line(self, text: str) -> None:
        if "\n" in text or "\r" in text:
            raise ValueError(f"a protocol line cannot contain a line break: {text!r}")
        self.send_bytes(text.encode("utf-8") + b"\r\n")

    def send_bytes(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as err:
            raise PeerClosed(f"connection lost while sending: {err}") from err

    def recv_line(
        self,
        timeout: float | None,
        *,
        should_stop: Callable[[], bool] | None = None,
        idle: float | None = None,
        line_timeout: float | None = None,
    ) -> str:
        """The next line without its CRLF (undecodable bytes become U+FFFD).

        ``timeout`` bounds the whole wait; ``idle`` bounds the wait for a line's first
        byte; ``line_timeout`` bounds the time from a line's first byte to its end (a
        peer that trickles bytes cannot hold the connection). Raises
        :class:`PeerTimeout`, :class:`LineTooLong`, :class:`PeerClosed` or
        :class:`Stopped`.
        """
        now = time.monotonic()
        deadline = None if timeout is None else now + timeout
        partial_since = now if self._buffer else None
        while True:
            newline = self._buffer.find(b"\n", 0, self.max_line + 2)
            if newline < 0 and len(self._buffer) > self.max_line + 1:
                raise LineTooLong(f"line longer than {self.max_line} bytes")
            if newline >= 0:
                raw = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                if len(raw) > self.max_line:
                    raise LineTooLong(f"line longer than {self.max_line} bytes")
                return raw.decode("utf-8", errors="replace")
            limit, why = deadline, "timed out waiting for the peer"
            if partial_since is None and idle is not None:
                limit, why = _sooner(
                    limit, why, time.monotonic() + idle, f"sent nothing for {idle:g} s"
                )
            if partial_since is not None and line_timeout is not None:
                limit, why = _sooner(
                    limit, why, partial_since + line_timeout,
                    f"left a line unfinished for {line_timeout:g} s",
                )  # fmt: skip
            room = self.max_line + 2 - len(self._buffer)
            self._fill(limit, why, should_stop, room)
            if partial_since is None:
                partial_since = time.monotonic()

    def recv_exact(self, count: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buffer) < count:
            self._fill(deadline, "timed out waiting for the peer", None, count - len(self._buffer))
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _fill(
        self,
        deadline: float | None,
        why: str,
        should_stop: Callable[[], bool] | None,
        want: int,
    ) -> None:
        while True:
            if should_stop is not None and should_stop():
                raise Stopped("stopped while waiting for the peer")
            wait = self.POLL_S
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PeerTimeout(why)
                wait = min(wait, left)
            try:
                self.sock.settimeout(wait)
                chunk = self.sock.recv(max(1, min(65536, want)))
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
        with contextlib.suppress(OSError):
            self.sock.close()


def _sooner(
    current: float | None, current_why: str, other: float, other_why: str
) -> tuple[float, str]:
    if current is None or other < current:
        return other, other_why
    return current, current_why


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
        channel.send_bytes(f"{len(chunk)}\r\n".encode() + chunk)
    channel.send_line("0")


def receive_file(
    channel: LineChannel, target: Path, timeout: float, limit: int | None = None
) -> int:
    """Receive a streamed file into ``target`` via ``target.tmp`` and a rename.

    Returns the byte count. The first line may be an ``Error…`` reply instead of a
    count, which becomes a :class:`ProtocolError` naming the director's reason; any
    other line (``²`` passes ``str.isdigit`` but is no count), or a chunk over 1 MiB, is
    a :class:`MalformedStream`, and so is a file that grows past ``limit`` bytes (a
    director streaming without end must not fill the disk). On any failure the
    ``.tmp`` file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    total = 0
    try:
        with open(tmp, "wb") as handle:
            while True:
                count = _chunk_count(channel.recv_line(timeout), target.name, total)
                if count == 0:
                    break
                if limit is not None and total + count > limit:
                    raise MalformedStream(
                        f"{target.name} grew past {limit} bytes, more than any such file of "
                        "a run holds"
                    )
                handle.write(channel.recv_exact(count, timeout))
                total += count
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return total


def _chunk_count(line: str, name: str, received: int) -> int:
    """The byte count of a ``download`` count line (ASCII digits only)."""
    if line.isascii() and line.isdigit() and len(line) <= 8:
        count = int(line)
        if count <= DOWNLOAD_CHUNK:
            return count
        raise MalformedStream(f"a chunk of {count} bytes for {name} exceeds 1 MiB")
    if received == 0 and line.startswith(REPLY_ERROR):
        raise ProtocolError(f"download of {name} refused: {line}")
    raise MalformedStream(f"{line[:40]!r} for {name} is not a byte count")


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

    kind: str  # time|set_ntp|stop|auth_nonce|new|session|download|cleanup|unknown
    args: tuple[str, ...] = ()
    raw: str = ""


def parse_command(line: str) -> Command:
    parts = line.split(",")
    head = parts[0]
    if head in ("time", "set_ntp", "stop") and len(parts) <= 2:
        return Command(head, tuple(parts[1:]), line)
    if line == NONCE_COMMAND:
        return Command("auth_nonce", (), line)
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


def make_nonce() -> str:
    """A fresh nonce for ``auth_nonce`` (128 random bits, hex)."""
    return secrets.token_hex(16)


def cmd_auth_nonce() -> str:
    return NONCE_COMMAND


def parse_nonce_reply(reply: str) -> str | None:
    """``OK <nonce>`` → the nonce; None when the director has no such command.

    The reference director answers ``Error``: it has no shared key either, so the
    client then sends the bare command, exactly as the reference client would.
    """
    if not reply.startswith("OK "):
        return None
    nonce = reply[3:]
    return nonce if re.fullmatch(r"[0-9a-f]{16,128}", nonce) else None


def auth_proof(key: str, nonce: str, command: str) -> str:
    """HMAC-SHA256 of the nonce and the command, hex; the key never crosses the wire.

    Bound to the nonce, the proof is good on one connection, once; bound to the command,
    a ``stop`` proof cannot be turned into a ``set_ntp``. No clock enters it: ``set_ntp``
    is needed precisely when the two clocks disagree.
    """
    message = f"joulekit-auth-v1\n{nonce}\n{command}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def check_proof(key: str, nonce: str | None, command: str, proof: str) -> bool:
    if nonce is None or not proof:
        return False
    return hmac.compare_digest(auth_proof(key, nonce, command), proof)


def prove(exchange: Callable[[str], str], key: str, command: str) -> str | None:
    """Ask the director for a nonce and return the proof for ``command``.

    ``exchange`` sends one line and returns the reply (not recorded in ``messages``:
    the director does not record it either). None when the director does not know
    ``auth_nonce`` (the reference): the caller sends the bare command.
    """
    nonce = parse_nonce_reply(exchange(cmd_auth_nonce()))
    return None if nonce is None else auth_proof(key, nonce, command)


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
