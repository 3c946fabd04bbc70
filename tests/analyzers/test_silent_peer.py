"""A port that accepts but never speaks PTD must give one clear AnalyzerError."""

from __future__ import annotations

import socket
import threading

import pytest

from joulekit.analyzers import AnalyzerError, open_analyzer


def _mute_server() -> tuple[socket.socket, list[socket.socket]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []

    def accept() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        accepted.append(conn)  # held open, never answered

    threading.Thread(target=accept, daemon=True).start()
    return server, accepted


@pytest.mark.timeout(20)
def test_silent_peer_is_an_analyzer_error_naming_the_port() -> None:
    server, accepted = _mute_server()
    port = server.getsockname()[1]
    analyzer = open_analyzer(f"ptd://127.0.0.1:{port}?reply_timeout=0.5&connect_timeout=2")
    try:
        with pytest.raises(AnalyzerError, match=rf"did not answer Hello.*port {port}"):
            analyzer.open()
    finally:
        analyzer.close()
        server.close()
        for conn in accepted:
            conn.close()
