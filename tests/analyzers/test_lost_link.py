"""A PTDaemon link that could not be reconnected stays lost: stop and the range restore
fail at once instead of going through every reconnect attempt again."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from joulekit.analyzers import AnalyzerError, PtdAnalyzer
from joulekit.simulator import start_simulator


def test_after_the_reconnects_fail_no_new_connection_is_tried() -> None:
    sim = start_simulator(49, port=0, period_ms=100)
    analyzer = PtdAnalyzer(f"ptd://127.0.0.1:{sim.port}", "127.0.0.1", sim.port,
                           reply_timeout=2.0, reconnect_timeout=0.6)
    port = sim.port
    listener: socket.socket | None = None
    try:
        analyzer.open()
        analyzer.start(100, "lost")
        sim.close()  # PTDaemon gone: its port refuses connections
        with pytest.raises(AnalyzerError, match="could not reconnect after 3 attempts"):
            for _ in range(50):  # the first poll after the close finds the link dead
                analyzer.poll()
        # something answers on the port again: a lost analyzer must not go back to it
        listener = socket.create_server(("127.0.0.1", port))
        listener.settimeout(0.1)
        accepted: list[socket.socket] = []
        done = threading.Event()

        def accept() -> None:
            assert listener is not None
            while not done.is_set():
                with contextlib.suppress(OSError):
                    accepted.append(listener.accept()[0])

        watcher = threading.Thread(target=accept)
        watcher.start()
        with pytest.raises(AnalyzerError, match="not reconnecting: 3 attempts failed"):
            analyzer.stop()
        analyzer.close()
        done.set()
        watcher.join(5.0)
        for peer in accepted:
            peer.close()
        assert accepted == []
        assert analyzer.restored is False
        assert any("could not restore the initial ranges" in w and "not reconnecting" in w
                   for w in analyzer.warnings), analyzer.warnings
    finally:
        analyzer.close()
        sim.close()
        if listener is not None:
            listener.close()
