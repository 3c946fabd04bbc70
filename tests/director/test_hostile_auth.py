"""The shared-key check of a real ``joulekit director`` against captured and forged proofs.

Regression test for issue 12 item 11: a ``set_ntp`` proof captured from a real client and
replayed on another connection was accepted (the proof only covered the command and a
30-second window), and the director's clock stepped again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

from joulekit.run.client.link import Link
from joulekit.session import protocol as p

from .fault_procs import client_options, director, run_client_catching
from .hostile import Peer

SIM = "sim://49?period_ms=100"
KEY = "lab-s3cret"
#: past the key check, a director without an NTP server says so: the proof was accepted
ACCEPTED = "Error: the director has no ntpServer configured"


def _client_link(port: int) -> Link:
    """The client's own link (the code ``joulekit client`` runs), after the handshake."""
    import logging

    link = Link(p.connect("127.0.0.1", port), logging.getLogger("test.auth"), time.time, "d")
    link.handshake()
    return link


def test_replayed_set_ntp_proof_is_refused(tmp_path: Path) -> None:
    with director(tmp_path, [SIM], extra=("--shared-key", KEY)) as d:
        link = _client_link(d.port)
        captured = p.cmd_set_ntp(link.prove(KEY, "set_ntp"))
        assert captured.startswith("set_ntp,")
        assert link.exchange(captured) == ACCEPTED
        # the same line again on the same connection: its nonce is spent
        assert link.exchange(captured) == p.REPLY_AUTH_REQUIRED
        # replayed by a stranger on another connection, with or without a nonce of its own
        stranger = Peer(d.port).handshake()
        assert stranger.ask(captured) == p.REPLY_AUTH_REQUIRED
        assert stranger.ask(p.NONCE_COMMAND).startswith("OK ")
        assert stranger.ask(captured) == p.REPLY_AUTH_REQUIRED
        # a proof for stop is no proof for set_ntp, and the reverse
        stop_proof = link.prove(KEY, "stop")
        assert stop_proof is not None
        assert link.exchange(p.cmd_set_ntp(stop_proof)) == p.REPLY_AUTH_REQUIRED
        # the old scheme (command and a 30 s window, no nonce) is refused too
        window = int(time.time() // 30)
        old = hmac.new(KEY.encode(), f"set_ntp:{window}".encode(), hashlib.sha256).hexdigest()
        assert stranger.ask(p.cmd_set_ntp(old)) == p.REPLY_AUTH_REQUIRED
        assert stranger.ask("set_ntp") == p.REPLY_AUTH_REQUIRED
        # nothing a stranger sent stepped the clock or stopped the director
        assert d.proc.poll() is None
        stranger.close()
        link.close()
    assert d.console_text().count("without a valid shared-key proof") >= 5


def test_real_client_with_the_key_stops_the_director(tmp_path: Path) -> None:
    """The client asks for a nonce before ``stop``; the director exits after it."""
    with director(tmp_path, [SIM], extra=("--shared-key", KEY)) as d:
        refused, error = run_client_catching(
            client_options(tmp_path / "nokey", d.port, stop_server=True)
        )
        assert refused is None and error is not None
        assert p.REPLY_AUTH_REQUIRED in error, error
        result, error = run_client_catching(
            client_options(tmp_path / "key", d.port, stop_server=True, shared_key=KEY)
        )
        assert error is None, error
        assert result is not None
        assert d.proc.wait(timeout=20) == 0
        session = next(s for s in d.sessions() if s.name == result.session_id)
    # both sides recorded the same exchanges (the checker compares them), no nonce among them
    client = json.loads((result.result_dir / "power" / "client.json").read_text())
    server = json.loads((session / "power" / "server.json").read_text())
    commands = [m["cmd"] for m in client["messages"]]
    assert commands == [m["cmd"] for m in server["messages"]]
    assert commands[1].startswith("stop,") and p.NONCE_COMMAND not in commands


def test_without_a_key_the_reference_exchange_is_unchanged(tmp_path: Path) -> None:
    """A director without a key answers bare ``set_ntp``/``stop`` as the reference does."""
    with director(tmp_path, [SIM]) as d:
        peer = Peer(d.port).handshake()
        assert peer.ask("set_ntp") == ACCEPTED
        assert peer.ask("stop") == p.REPLY_OK
        peer.close()
        assert d.proc.wait(timeout=20) == 0
