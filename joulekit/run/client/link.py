"""The client's end of protocol v3: one exchange at a time, each one recorded.

``messages`` becomes ``client.json`` ``messages``; the director keeps the same list, and
the checker compares them entry by entry (downloads and ``cleanup`` are not recorded,
as in the reference).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.safe_files import size_limit
from joulekit.session import protocol as p


class Link:
    def __init__(
        self, channel: p.LineChannel, log: logging.Logger, clock: Callable[[], float], peer: str
    ) -> None:
        self.channel = channel
        self.log = log
        self.clock = clock
        self.peer = peer
        self.messages: list[dict[str, Any]] = []
        self.alive = True

    def exchange(self, command: str, *, record: bool = True) -> str:
        cmd_time = self.clock()
        self.log.info("Sending command to the server: %r", command)
        try:
            self.channel.send_line(command)
            reply = self.channel.recv_line(p.command_timeout(command))
        except (p.ProtocolError, OSError) as err:
            self.alive = False
            raise UserError(
                f"the director at {self.peer} stopped answering {command!r}: {err}",
                hint="see the director's log for why; the session was dropped there",
            ) from err
        reply_time = self.clock()
        self.log.info("Got response: %r", reply)
        if record:
            self.messages.append(
                {"cmd": command, "cmd_time": cmd_time, "reply": reply, "reply_time": reply_time}
            )
        return reply

    def expect_ok(self, command: str) -> None:
        reply = self.exchange(command)
        if reply != p.REPLY_OK:
            raise UserError(f"the director at {self.peer} refused {command!r}: {reply}")

    def prove(self, key: str, command: str) -> str | None:
        """The shared-key proof for ``command``, bound to a nonce asked for now.

        The nonce exchange is not recorded (the director does not record it either);
        None when the director has no nonce command (the reference): send it bare.
        """
        return p.prove(lambda line: self.exchange(line, record=False), key, command)

    def handshake(self) -> None:
        reply = self.exchange(p.CLIENT_MAGIC)
        if reply != p.SERVER_MAGIC:
            self.alive = False
            raise UserError(
                f"{self.peer} is not a protocol v{p.PROTO_VERSION} director "
                f"(it answered {reply!r} to the handshake)"
            )

    def download(self, session_id: str, relpath: str, target: Path) -> bool:
        """Fetch one file into ``target`` (``.tmp`` then rename); False when refused."""
        command = p.cmd_download(session_id, relpath)
        self.log.info("Sending command to the server: %r", command)
        try:
            self.channel.send_line(command)
            size = p.receive_file(self.channel, target, p.TIMEOUTS["download"],
                                  limit=size_limit(target))
        except p.PeerClosed as err:
            self.alive = False
            raise UserError(f"the director at {self.peer} closed while sending {relpath}") from err
        except p.MalformedStream as err:
            self.alive = False  # the stream cannot be resynchronised: nothing more is asked
            raise UserError(
                f"the director at {self.peer} broke the download of {relpath}: {err}; "
                "what was measured is kept, the other files were not fetched",
                hint="is that peer a protocol v3 director? fetch its files by hand",
            ) from None
        except p.ProtocolError as err:
            self.log.warning("%s", err)
            return False
        self.log.info("Downloaded %s (%d bytes)", relpath, size)
        return True

    def close(self) -> None:
        self.alive = False
        self.channel.close()
