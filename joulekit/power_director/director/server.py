"""The director's TCP server: protocol v3, one client and one session at a time.

Like the reference, the director serves one connection at a time and a session lives
only as long as its connection: when the client disconnects (or keepalive says it is
gone) the session is dropped, every sample already taken is written, and the analyzers'
initial ranges are restored. Unlike the reference, it listens on 127.0.0.1 unless told
otherwise, bounds line length, and can require a shared key for ``set_ntp``/``stop``.
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

from joulekit.power_director import protocol as p
from joulekit.power_director.config import DirectorConfig
from joulekit.power_director.director.bank import AnalyzerFactory, BankError
from joulekit.power_director.director.clock import step_clock
from joulekit.power_director.director.logs import SERVER_FORMAT, CaptureHandler
from joulekit.power_director.director.session import (
    Session,
    SessionError,
    SessionInfo,
    SessionRefused,
    State,
)

#: commands whose exchanges are not part of ``messages`` (as in the reference)
UNRECORDED = ("download", "cleanup")


@dataclass
class _Connection:
    channel: p.LineChannel
    peer: str
    messages: list[dict[str, Any]]
    capture: CaptureHandler
    session: Session | None = None
    #: the session ``download``/``cleanup`` may name: the last one started on this
    #: connection (the reference forgets it when the connection ends)
    last_session: Session | None = None


class Director:
    """Accepts clients and runs their sessions; ``serve_forever`` until ``stop``."""

    def __init__(
        self,
        config: DirectorConfig,
        factories: list[AnalyzerFactory],
        log: logging.Logger | None = None,
        on_listen: Callable[[str, int], None] | None = None,
    ) -> None:
        self.config = config
        self.factories = factories
        self.log = log or logging.getLogger("joulekit.director")
        self.on_listen = on_listen
        self.shutdown = threading.Event()
        self.stop_after_client = False
        self.output_dir = config.output_dir or Path(tempfile.mkdtemp(prefix="joulekit-director-"))
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.last_session: Session | None = None
        self.address: tuple[str, int] | None = None

    # ------------------------------------------------------------------ accept loop

    def serve_forever(self) -> None:
        family = socket.AF_INET6 if ":" in self.config.listen_host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                server.bind((self.config.listen_host, self.config.listen_port))
            except OSError as err:
                from joulekit.errors import UserError

                raise UserError(
                    f"cannot listen on {self.config.listen_host}:{self.config.listen_port}: "
                    f"{err.strerror or err}",
                    hint="pick another port with --listen HOST PORT or stop what uses it",
                ) from err
            server.listen(1)
            server.settimeout(0.5)
            host, port = server.getsockname()[:2]
            self.address = (host, port)
            self.log.info(
                "Listening on %s:%d; sessions are kept in %s", host, port, self.output_dir
            )
            if self.on_listen is not None:
                self.on_listen(host, port)
            while not self.shutdown.is_set():
                try:
                    sock, peer = server.accept()
                except TimeoutError:
                    continue
                p.set_keepalive(sock)
                self.handle(sock, f"{peer[0]}:{peer[1]}")
                if self.stop_after_client:
                    self.log.info("Stopping after this client, as it asked")
                    break

    def stop(self) -> None:
        self.shutdown.set()

    # ------------------------------------------------------------------ one client

    def handle(self, sock: socket.socket, peer: str) -> None:
        capture = CaptureHandler(SERVER_FORMAT)
        self.log.addHandler(capture)
        conn = _Connection(p.LineChannel(sock), peer, [], capture)
        self.log.info("Client connected from %s", peer)
        try:
            self._converse(conn)
        except p.PeerClosed as err:
            self._drop(conn, f"the client at {peer} disconnected ({err})")
        except p.ProtocolError as err:
            self._drop(conn, f"protocol error with {peer}: {err}")
        except KeyboardInterrupt:
            self._drop(conn, "the director was interrupted (Ctrl-C)")
            raise
        except BaseException as err:
            self._drop(conn, f"internal error: {err!r}")
            raise
        finally:
            self._drop(conn, f"the connection to {peer} ended")
            conn.channel.close()
            self.log.removeHandler(capture)

    def _drop(self, conn: _Connection, reason: str, *, failed: bool = False) -> None:
        session = conn.session
        if session is not None and session.state is not State.DONE:
            session.end(reason, failed=failed)
            self.log.info(
                "Session %s ended; its files are in %s",
                session.info.session_id,
                session.info.workdir,
            )

    def _converse(self, conn: _Connection) -> None:
        first = conn.channel.recv_line(p.TIMEOUTS["handshake"])
        cmd_time = time.time()
        if first != p.CLIENT_MAGIC:
            self.log.error(
                "Bad handshake from %s: %r (expected %r)", conn.peer, first, p.CLIENT_MAGIC
            )
            conn.channel.send_line(p.SERVER_MAGIC)
            return
        conn.channel.send_line(p.SERVER_MAGIC)
        conn.messages.append(
            {"cmd": first, "cmd_time": cmd_time, "reply": p.SERVER_MAGIC, "reply_time": time.time()}
        )
        while True:
            line = conn.channel.recv_line(None, should_stop=self.shutdown.is_set)
            cmd_time = time.time()
            self.log.info("Got command from the client %r", line)
            command = p.parse_command(line)
            if command.kind == "download":
                self._download(conn, command)
                continue
            reply = self._dispatch(conn, command)
            self.log.info("Sending reply to client %r", reply)
            conn.channel.send_line(reply)
            if command.kind not in UNRECORDED:
                # Appended after dispatch: ``done`` writes server.json without its own
                # exchange, as the client wrote client.json before sending it.
                conn.messages.append(
                    {"cmd": line, "cmd_time": cmd_time, "reply": reply, "reply_time": time.time()}
                )
            if command.kind == "stop" and reply == p.REPLY_OK:
                self.stop_after_client = True

    # ------------------------------------------------------------------ commands

    def _dispatch(self, conn: _Connection, command: p.Command) -> str:
        try:
            if command.kind == "time":
                return str(time.time())
            if command.kind in ("set_ntp", "stop"):
                return self._privileged(command)
            if command.kind == "new":
                return self._new(conn, *command.args)
            if command.kind == "session":
                return self._session(conn, command.args)
            if command.kind == "cleanup":
                return self._cleanup(conn, command.args[0])
            return p.REPLY_ERROR
        except SessionRefused as err:
            self.log.error("Refused %r: %s", command.raw, err)
            return p.REPLY_ERROR
        except SessionError as err:
            self.log.error("Refused %r: %s", command.raw, err)
            return f"Error: {err}"
        except BankError as err:
            self._drop(conn, str(err), failed=True)
            return f"Error: {err}"
        except Exception:
            self.log.exception("Exception while handling %r", command.raw)
            self._drop(conn, f"exception while handling {command.raw!r}")
            return p.REPLY_EXCEPTION

    def _privileged(self, command: p.Command) -> str:
        key = self.config.shared_key
        if key is not None:
            proof = command.args[0] if command.args else ""
            if not p.check_proof(key, command.kind, proof):
                self.log.warning("Refused %s without a valid shared-key proof", command.kind)
                return p.REPLY_AUTH_REQUIRED
        if command.kind == "stop":
            return p.REPLY_OK
        if not self.config.ntp_server:
            return "Error: the director has no ntpServer configured"
        problem = step_clock(self.config.ntp_server)
        if problem is not None:
            self.log.error("set_ntp failed: %s", problem)
            return f"Error: {problem}"
        return p.REPLY_OK

    def _new(self, conn: _Connection, label: str, client_uuid: str) -> str:
        if not p.is_valid_label(label):
            return p.REPLY_INVALID_LABEL
        if conn.session is not None and conn.session.state is not State.DONE:
            return "Error: a session is already running on this connection"
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
            self.log,
            conn.messages,
            conn.capture.text,
            self.shutdown,
        )
        self.last_session = conn.last_session = conn.session
        self.log.info("Session id is %r", session_id)
        return f"OK {session_id},{info.server_uuid}"

    def _session(self, conn: _Connection, args: tuple[str, ...]) -> str:
        session = conn.session
        if session is None or args[0] not in (session.info.session_id, "*"):
            return p.REPLY_UNKNOWN_SESSION
        action = args[1:]
        if action == ("start", "ranging"):
            return session.start_ranging()
        if action == ("stop", "ranging"):
            return session.stop_ranging()
        if action == ("start", "testing"):
            return session.start_testing()
        if len(action) == 4 and action[:2] == ("start", "testing"):
            try:
                volts, amps = float(action[2]), float(action[3])
            except ValueError:
                raise SessionError("start,testing,V,A needs numbers") from None
            return session.start_testing((volts, amps))
        if action == ("stop", "testing"):
            return session.stop_testing()
        if action == ("done",):
            # The reference forgets the session at ``done``: any later session command
            # names an unknown session, while download/cleanup still reach its files.
            conn.session = None
            problems = session.end(None)
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
            self.log.warning("Refused download %r: %s", relpath, why)
            conn.channel.send_line(reply)
            return
        data = (last.info.workdir / relpath).read_bytes()
        p.send_file(conn.channel, data)
        self.log.info("Sent %s (%d bytes)", relpath, len(data))

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
