"""``ipmi://`` against the pyghmi BMC emulator: a fast reply is taken at once, and a BMC
that stops answering never freezes another IPMI source of the same process.

pyghmi's caller sends its request and only then waits for a packet from the BMC; a reply
its I/O thread reads in between used to sit in the session's queue until the request's
retry timer ended the wait (every such read took exactly ``timeout``). The race is made
certain here, not left to chance: the test process's pyghmi pauses 20 ms after each
send (as a caller thread descheduled on a busy host would), so every reply is queued
before its caller waits for it. The same pause (inside pyghmi's send lock) makes its
lock-order deadlock between a re-sending and a sending thread all but certain.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from joulekit.analyzers.ipmi import source_from_url
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.training.collector import close_sources

from .conftest import IPMI_WATTS, Emulator, start_ipmi

TIMEOUT_S = 3.0
READS = 5


@pytest.fixture
def bmc() -> Iterator[Emulator]:
    emu = start_ipmi()
    yield emu
    emu.kill()


@pytest.fixture
def slow_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pyghmi send in this process returns 20 ms late: its reply is already read
    by pyghmi's I/O thread when the caller starts waiting."""
    from pyghmi.ipmi.private import session

    send = session._io_sendto

    def late_send(*args: Any) -> None:
        send(*args)
        time.sleep(0.02)

    monkeypatch.setattr(session, "_io_sendto", late_send)


def test_a_reply_queued_before_the_caller_waits_is_taken_at_once(
        bmc: Emulator, slow_caller: None) -> None:
    source = source_from_url(AnalyzerUrl(f"{bmc.url}?timeout={TIMEOUT_S}"))
    try:
        source.open()
        begun = time.monotonic()
        watts = [source.read()[0] for _ in range(READS)]
        took = time.monotonic() - begun
    finally:
        source.close()
    assert watts == [IPMI_WATTS] * READS
    # waiting out the retry timer would take READS x TIMEOUT_S = 15 s; a read is ~25 ms
    assert took < TIMEOUT_S, f"{READS} reads took {took:.2f} s"


def test_a_bmc_that_stops_answering_never_freezes_another_ipmi_source(
        bmc: Emulator, slow_caller: None) -> None:
    frozen = start_ipmi()
    healthy = source_from_url(AnalyzerUrl(f"{bmc.url}?timeout={TIMEOUT_S}"))
    dead = source_from_url(AnalyzerUrl(f"{frozen.url}?timeout=0.2"))
    halt = threading.Event()
    got: list[float] = []

    def keep_asking_the_dead_one() -> None:  # its requests time out and are re-sent
        while not halt.is_set():
            with contextlib.suppress(Exception):
                dead.read()

    def read_the_healthy_one() -> None:
        until = time.monotonic() + 4.0
        while time.monotonic() < until:
            got.append(healthy.read()[0])

    try:
        healthy.open()
        dead.open()
        frozen.proc.send_signal(signal.SIGSTOP)
        threading.Thread(target=keep_asking_the_dead_one, daemon=True).start()
        reader = threading.Thread(target=read_the_healthy_one, daemon=True)
        reader.start()
        reader.join(30)
        assert not reader.is_alive(), f"the healthy BMC's reads froze after {len(got)}"
    finally:
        halt.set()
        frozen.proc.send_signal(signal.SIGCONT)
        frozen.kill()
        close_sources([healthy, dead])
    assert len(got) >= 20 and set(got) == {IPMI_WATTS}
