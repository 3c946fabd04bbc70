"""The director's TCP server: protocol v3, many connections, one measuring session.

Each connection is served by its own thread, so a port scanner, a stuck client or a
peer that trickles bytes never keeps the real client waiting (the reference serves one
connection at a time: one idle connection locks everyone out). Only one *session* can
exist at a time, as the protocol requires: while one client's session lives, ``new``,
``set_ntp`` and ``stop`` from any other connection are answered
:data:`~joulekit.session.protocol.REPLY_BUSY`; ``time`` and the handshake are
served to all. A session lives only as long as its connection: when the client
disconnects, times out, breaks the protocol or the director stops, the session is
dropped, every sample already taken is written and the analyzers' initial ranges are
restored. Whatever one peer does (reset, half-close, garbage, huge lines) ends that
connection only: no exception from a connection thread reaches the accept loop.
Timeouts and sizes per connection are in :mod:`.limits`.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joulekit import signals
from joulekit.errors import UserError
from joulekit.formats.layout import RANGING_PHASE, TESTING_PHASE
from joulekit.power_director.director.bank import AnalyzerFactory, BankError
from joulekit.power_director.director.limits import ConnectionLimits
from joulekit.power_director.director.session import (
    Session,
    SessionError,
    SessionInfo,
    SessionRefused,
    State,
)
from joulekit.session import protocol as p
from joulekit.session.clock import step_clock
from joulekit.session.config import DirectorConfig
from joulekit.session.logs import SERVER_FORMAT, CaptureHandler

#: commands whose exchanges are not part of ``messages`` (as in the reference; the
#: nonce of our shared-key extension is not recorded by our client either)
UNRECORDED = ("download", "cleanup", "auth_nonce")
#: how much of a hostile line the log quotes
LOG_EXCERPT = 200


@dataclass
class _Connection:
    channel: p.LineChannel
    peer: str
    messages: list[dict[str, Any]]
    capture: CaptureHandler
    log: logging.Logger
    session: Session | None = None
    #: the session ``download``/``cleanup`` may name: the last one started on this
    #: connection (the reference forgets it when the connection ends)
    last_session: Session | None = None
    #: the nonce ``auth_nonce`` issued; forgotten at the next privileged command
    nonce: str | None = None
    asked_stop: bool = False


def _excerpt(line: str) -> str:
    return line if len(line) <= LOG_EXCERPT else f"{line[:LOG_EXCERPT]}… ({len(line)} chars)"


class Director:
    """Accepts clients and runs their sessions; ``serve_forever`` until ``stop``."""

    def __init__(
        self,
        config: DirectorConfig,
        factories: list[AnalyzerFactory],
        log: logging.Logger | None = None,
        on_listen: Callable[[str, int], None] | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.config = config
        self.factories = factories
        self.log = log or logging.getLogger("joulekit.director")
        self.on_listen = on_listen
        self.limits = limits or ConnectionLimits()
        self.shutdown = threading.Event()
        self.stop_reason = "the director is shutting down"
        self.output_dir = config.output_dir or Path(tempfile.mkdtemp(prefix="joulekit-director-"))
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.last_session: Session | None = None
        self.address: tuple[str, int] | None = None
        self._lock = threading.Lock()
        #: the connection whose session is alive (at most one)
        self._owner: _Connection | None = None
        #: connection slot → its thread; a slot also names the connection's logger, so
        #: loggers are reused instead of one new logger per connection ever accepted
        self._threads: dict[int, threading.Thread] = {}

    # ------------------------------------------------------------------ accept loop

    def serve_forever(self) -> None:
        family = socket.AF_INET6 if ":" in self.config.listen_host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                server.bind((self.config.listen_host, self.config.listen_port))
            except OSError as err:
                raise UserError(
                    f"cannot listen on {self.config.listen_host}:{self.config.listen_port}: "
                    f"{err.strerror or err}",
                    hint="pick another port with --listen HOST PORT or stop what uses it",
                ) from err
            server.listen(64)
            server.settimeout(0.5)
            host, port = server.getsockname()[:2]
            self.address = (host, port)
            self.log.info(
                "Listening on %s:%d; sessions are kept in %s", host, port, self.output_dir
            )
            if self.on_listen is not None:
                self.on_listen(host, port)
            try:
                self._accept_loop(server)
            except KeyboardInterrupt:
                self.stop_reason = f"the director was interrupted ({signals.describe()})"
                raise
            finally:
                self.shutdown.set()
                self._join_connections()

    def _accept_loop(self, server: socket.socket) -> None:
        while not self.shutdown.is_set():
            try:
                sock, peer = server.accept()
            except TimeoutError:
                continue
            except OSError as err:  # out of file descriptors, a reset before accept
                self.log.warning("Could not accept a connection: %s", err)
                self.shutdown.wait(0.1)
                continue
            self._start_connection(sock, f"{peer[0]}:{peer[1]}")

    def _start_connection(self, sock: socket.socket, peer: str) -> None:
        with self._lock:
            for slot in [s for s, t in self._threads.items() if not t.is_alive()]:
                self._threads.pop(slot).join()
            free = next(
                (s for s in range(self.limits.max_connections) if s not in self._threads), None
            )
            if free is not None:
                thread = threading.Thread(
                    target=self._serve_connection, args=(sock, peer, free),
                    name=f"director-conn{free}", daemon=True,
                )  # fmt: skip
                self._threads[free] = thread
        if free is None:
            self.log.warning(
                "Refused %s: %d connections are open already", peer, self.limits.max_connections
            )
            with contextlib.suppress(OSError):
                sock.settimeout(1.0)
                sock.sendall(p.REPLY_TOO_MANY.encode() + b"\r\n")
            with contextlib.suppress(OSError):
                sock.close()
            return
        thread.start()

    def _join_connections(self) -> None:
        """Wait until every connection has ended its session (samples written)."""
        while True:
            with self._lock:
                threads = list(self._threads.values())
            alive = [t for t in threads if t.is_alive()]
            if not alive:
                return
            try:
                for thread in alive:
                    thread.join()
            except KeyboardInterrupt:
                self.log.warning("Still ending the open sessions; their samples are being written")

    def stop(self) -> None:
        self.shutdown.set()

    def connection_count(self) -> int:
        """Connections being served now (for tests and the soak benchmark)."""
        with self._lock:
            return sum(1 for t in self._threads.values() if t.is_alive())

    # ------------------------------------------------------------------ one client

    def _serve_connection(self, sock: socket.socket, peer: str, slot: int) -> None:
        """One connection from accept to close; never raises (it runs in its own thread)."""
        log = self.log.getChild(f"conn{slot}")
        capture = CaptureHandler(SERVER_FORMAT)
        log.addHandler(capture)
        conn = _Connection(
            p.LineChannel(sock, max_line=self.limits.max_line), peer, [], capture, log
        )
        reason = f"the connection to {peer} ended"
        failed = False
        lost_client: str | None = peer  # unless the director itself ended the session
        try:
            log.info("Client connected from %s", peer)
            p.set_keepalive(sock)
            self._converse(conn)
        except p.Stopped:
            lost_client = None
            lost = conn.session.lost_message() if conn.session is not None else None
            reason, failed = (lost, True) if lost is not None else (self.stop_reason, False)
        except p.PeerClosed as err:
            reason = f"the client at {peer} disconnected ({err})"
        except p.PeerTimeout as err:
            reason = f"the client at {peer} {err}"
        except p.LineTooLong as err:
            reason = f"the client at {peer} sent a {err}"
            with contextlib.suppress(p.ProtocolError):
                conn.channel.send_line(p.REPLY_LINE_TOO_LONG)
        except p.ProtocolError as err:
            reason = f"protocol error with {peer}: {err}"
        except Exception as err:
            log.exception("Internal error while serving %s", peer)
            reason = f"internal error while serving {peer}: {err!r}"
            lost_client = None
        finally:
            if self.shutdown.is_set() and conn.session is not None:
                reason, lost_client = self.stop_reason, None
            try:
                self._drop(conn, reason, failed=failed, lost_client=lost_client)
            except Exception:
                log.exception("Internal error while ending the session of %s", peer)
            finally:
                self._release(conn)
                conn.channel.close()
                log.info("Connection from %s closed: %s", peer, reason)
                log.removeHandler(capture)
                if conn.asked_stop:
                    self.stop_reason = "the director was stopped by a client's stop command"
                    self.log.info("Stopping after this client, as it asked")
                    self.shutdown.set()

    def _release(self, conn: _Connection) -> None:
        with self._lock:
            if self._owner is conn:
                self._owner = None

    def _busy_for(self, conn: _Connection) -> bool:
        with self._lock:
            return self._owner is not None and self._owner is not conn

    def _drop(
        self, conn: _Connection, reason: str, *, failed: bool = False,
        lost_client: str | None = None,
    ) -> None:
        session = conn.session
        try:
            if session is not None and session.state is not State.DONE:
                session.end(reason, failed=failed, lost_client=lost_client)
                conn.log.info(
                    "Session %s ended; its files are in %s",
                    session.info.session_id,
                    session.info.workdir,
                )
        finally:
            if session is None or session.state is State.DONE:
                self._release(conn)

    def _converse(self, conn: _Connection) -> None:
        first = conn.channel.recv_line(self.limits.handshake_s, should_stop=self.shutdown.is_set)
        cmd_time = time.time()
        if first != p.CLIENT_MAGIC:
            conn.log.error(
                "Bad handshake from %s: %r (expected %r)",
                conn.peer, _excerpt(first), p.CLIENT_MAGIC,
            )  # fmt: skip
            conn.channel.send_line(p.SERVER_MAGIC)
            return
        conn.channel.send_line(p.SERVER_MAGIC)
        conn.messages.append(
            {"cmd": first, "cmd_time": cmd_time, "reply": p.SERVER_MAGIC, "reply_time": time.time()}
        )
        while True:
            state = conn.session.state if conn.session is not None else None
            line = conn.channel.recv_line(
                None,
                should_stop=lambda: self.shutdown.is_set() or _lost(conn),
                idle=self.limits.idle_for(state),
                line_timeout=self.limits.line_s,
            )
            cmd_time = time.time()
            conn.log.info("Got command from the client %r", _excerpt(line))
            command = p.parse_command(line)
            if command.kind == "download":
                self._download(conn, command)
                continue
            reply = self._dispatch(conn, command)
            conn.log.info("Sending reply to client %r", reply)
            conn.channel.send_line(reply)
            if command.kind not in UNRECORDED:
                # Appended after dispatch: ``done`` writes server.json without its own
                # exchange, as the client wrote client.json before sending it.
                conn.messages.append(
                    {"cmd": line, "cmd_time": cmd_time, "reply": reply, "reply_time": time.time()}
                )
            if command.kind == "stop" and reply == p.REPLY_OK:
                conn.asked_stop = True

    # ------------------------------------------------------------------ commands

    def _dispatch(self, conn: _Connection, command: p.Command) -> str:
        try:
            if command.kind == "time":
                return str(time.time())
            if command.kind == "auth_nonce":
                conn.nonce = p.make_nonce()
                return f"OK {conn.nonce}"
            if command.kind in ("set_ntp", "stop"):
                return self._privileged(conn, command)
            if command.kind == "new":
                return self._new(conn, *command.args)
            if command.kind == "session":
                return self._session(conn, command.args)
            if command.kind == "cleanup":
                return self._cleanup(conn, command.args[0])
            return p.REPLY_ERROR
        except SessionRefused as err:
            conn.log.error("Refused %r: %s", command.raw, err)
            return p.REPLY_ERROR
        except SessionError as err:
            conn.log.error("Refused %r: %s", command.raw, err)
            return f"Error: {err}"
        except BankError as err:
            self._drop(conn, str(err), failed=True)
            return f"Error: {err}"
        except Exception:
            conn.log.exception("Exception while handling %r", _excerpt(command.raw))
            self._drop(conn, f"exception while handling {command.raw!r}")
            return p.REPLY_EXCEPTION

    def _privileged(self, conn: _Connection, command: p.Command) -> str:
        key = self.config.shared_key
        if key is not None:
            proof = command.args[0] if command.args else ""
            nonce, conn.nonce = conn.nonce, None  # one nonce, one attempt
            if not p.check_proof(key, nonce, command.kind, proof):
                conn.log.warning(
                    "Refused %s from %s without a valid shared-key proof for this "
                    "connection's nonce", command.kind, conn.peer,
                )  # fmt: skip
                return p.REPLY_AUTH_REQUIRED
        if self._busy_for(conn):
            # stepping the clock or stopping under another client's measurement would
            # break its run
            conn.log.warning(
                "Refused %s from %s: another session is running", command.kind, conn.peer
            )
            return p.REPLY_BUSY
        if command.kind == "stop":
            return p.REPLY_OK
        if not self.config.ntp_server:
            return "Error: the director has no ntpServer configured"
        problem = step_clock(self.config.ntp_server)
        if problem is not None:
            conn.log.error("set_ntp failed: %s", problem)
            return f"Error: {problem}"
        return p.REPLY_OK

    def _new(self, conn: _Connection, label: str, client_uuid: str) -> str:
        if not p.is_valid_label(label):
            return p.REPLY_INVALID_LABEL
        if conn.session is not None and conn.session.state is not State.DONE:
            return "Error: a session is already running on this connection"
        with self._lock:
            if self._owner is not None and self._owner is not conn:
                conn.log.warning("Refused a session for %s: another session is running", conn.peer)
                return p.REPLY_BUSY
            self._owner = conn
        try:
            return self._create_session(conn, label, client_uuid)
        except BaseException:
            self._release(conn)
            raise

    def _create_session(self, conn: _Connection, label: str, client_uuid: str) -> str:
        session_id = p.make_session_id(time.localtime(), label)
        workdir = self.output_dir / session_id
        suffix = 1
        while workdir.exists():
            suffix += 1
            workdir = self.output_dir / f"{session_id}.{suffix}"
        workdir.mkdir(parents=True)
        info = SessionInfo(session_id, label, client_uuid, str(uuid.uuid4()), workdir)
        conn.session = Session(
            info,
            self.config,
            self.factories,
            conn.log,
            conn.messages,
            conn.capture.text,
            self.shutdown,
        )
        conn.session.watch_period_s = self.limits.analyzer_watch_s
        self.last_session = conn.last_session = conn.session
        conn.log.info("Session id is %r", session_id)
        return f"OK {session_id},{info.server_uuid}"

    def _session(self, conn: _Connection, args: tuple[str, ...]) -> str:
        session = conn.session
        if session is None or args[0] not in (session.info.session_id, "*"):
            return p.REPLY_UNKNOWN_SESSION
        action = args[1:]
        if action == ("start", RANGING_PHASE):
            return session.start_ranging()
        if action == ("stop", RANGING_PHASE):
            return session.stop_ranging()
        if action == ("start", TESTING_PHASE):
            return session.start_testing()
        if len(action) == 4 and action[:2] == ("start", TESTING_PHASE):
            try:
                volts, amps = float(action[2]), float(action[3])
            except ValueError:
                raise SessionError("start,testing,V,A needs numbers") from None
            return session.start_testing((volts, amps))
        if action == ("stop", TESTING_PHASE):
            return session.stop_testing()
        if action == ("done",):
            # The reference forgets the session at ``done``: any later session command
            # names an unknown session, while download/cleanup still reach its files.
            conn.session = None
            try:
                problems = session.end(None)
            finally:
                self._release(conn)
            return f"Error: {'; '.join(problems)}" if problems else p.REPLY_OK
        return p.REPLY_UNKNOWN_SESSION_COMMAND

    def _download(self, conn: _Connection, command: p.Command) -> None:
        session_id, relpath = command.args
        last = conn.last_session
        # (why, reply): a wrong session or a path off the list gets the reference's bare
        # "Error"; a listed file the session never wrote names the reason.
        refusal: tuple[str, str] | None = None
        if last is None or session_id != last.info.session_id:
            refusal = ("not the last session of this connection", p.REPLY_ERROR)
        elif relpath not in p.DOWNLOAD_WHITELIST:
            refusal = ("not a file the client may fetch", p.REPLY_ERROR)
        elif not (last.info.workdir / relpath).is_file():
            refusal = ("the session has no such file", "Error: file not found")
        if refusal is not None or last is None:
            why, reply = refusal or ("no session", p.REPLY_ERROR)
            conn.log.warning("Refused download %r: %s", _excerpt(relpath), why)
            conn.channel.send_line(reply)
            return
        data = (last.info.workdir / relpath).read_bytes()
        p.send_file(conn.channel, data)
        conn.log.info("Sent %s (%d bytes)", relpath, len(data))

    def _cleanup(self, conn: _Connection, session_id: str) -> str:
        last = conn.last_session
        if last is None or session_id != last.info.session_id:
            return p.REPLY_ERROR
        if last.state is not State.DONE:
            return "Error: the session is not done"
        if last.record.end_reason is None and not self.config.keep_sessions:
            with contextlib.suppress(OSError):
                shutil.rmtree(last.info.workdir)
        return p.REPLY_OK


def _lost(conn: _Connection) -> bool:
    """The session's watch lost an analyzer: stop waiting for the client's next line."""
    return conn.session is not None and conn.session.lost_event.is_set()
