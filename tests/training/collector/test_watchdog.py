"""The collector's watchdog against a real BMC emulator that stops answering.

The emulator is frozen with SIGSTOP (its socket still takes the requests, nothing
answers: pyghmi's call stays inside its retries), so the reader thread is stuck in a
call as it would be with a BMC that died mid-session. The watchdog must say so while
the run goes on, the end of the run must not wait for the stuck call, and every tick
must be counted once: read, or in the gap.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from joulekit.analyzers.polled import open_polled_source
from joulekit.formats.training_power import PowerLogWriter, read_power_log
from joulekit.training.collector import (
    CLOSE_WAIT_S,
    NODE,
    Collector,
    Track,
    close_sources,
    log_path,
)

from .conftest import IPMI_WATTS, Emulator, start_ipmi

INTERVAL = 0.3
DROP_AFTER = 2  # a source silent for more than 0.6 s is dropped


class Said:
    """The collector's one-line notices, with when each came."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self.changed = threading.Condition()

    def __call__(self, line: str) -> None:
        with self.changed:
            self.lines.append((time.monotonic(), line))
            self.changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> float | None:
        """When the first line holding ``text`` came (None: not within ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                hit = next((t for t, line in self.lines if text in line), None)
                left = deadline - time.monotonic()
                if hit is not None or left <= 0:
                    return hit
                self.changed.wait(left)


@pytest.fixture
def bmc() -> Iterator[Emulator]:
    emu = start_ipmi()
    yield emu
    emu.proc.send_signal(signal.SIGCONT)
    emu.kill()


def _collector(tmp_path: Path, bmc: Emulator, said: Said) -> tuple[Collector, Track]:
    source = open_polled_source(f"{bmc.url}?timeout=0.5")
    source.open()
    track = Track(NODE, 0, source, PowerLogWriter(log_path(tmp_path, NODE, 0), host="node_0"))
    return Collector([track], interval=INTERVAL, conversion_eff=None, measurement_type="AC",
                     say=said, drop_after=DROP_AFTER), track


def _wait_readings(track: Track, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while track.readings < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert track.readings >= count, f"{track.readings} reading(s) in {timeout} s"


def test_a_source_stuck_in_a_call_is_dropped_during_the_run_and_never_holds_the_end(
        tmp_path: Path, bmc: Emulator) -> None:
    said = Said()
    collector, track = _collector(tmp_path, bmc, said)
    try:
        collector.start()
        _wait_readings(track, 2, 10)
        bmc.proc.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        when = said.wait_for("dropped", 10)
        assert when is not None, said.lines
        # silent for more than DROP_AFTER intervals since the last reading, seen within
        # the watchdog's look every interval / 4 (plus room for a loaded machine)
        assert when - frozen < (DROP_AFTER + 1) * INTERVAL + 1.0
        line = next(line for _, line in said.lines if "dropped" in line)
        assert line.startswith("node_0 (ipmi://admin:***@") and "no reading for" in line
        assert "still unanswered" in line and "secret" not in line
        time.sleep(2 * INTERVAL)  # the run goes on a little with the source still stuck
        begun = time.monotonic()
        collector.stop()
        stopped = time.monotonic() - begun
    finally:
        if collector.stop_ms is None:
            collector.abandon()
        hung = close_sources([track.source])
    # the stuck call is not waited for: stop returns by the last tick (one interval)
    assert stopped < INTERVAL + 1.0, f"stop took {stopped:.2f} s"
    assert len(hung) <= 1
    assert [line for _, line in said.lines if "dropped" in line] == [line]
    assert track.gaps == [] and track.open_gap is not None
    gap = track.open_gap
    # every tick up to the last is read or missed, once
    final = round((collector.stop_ms - collector.start_ms) / (INTERVAL * 1000))  # type: ignore[operator]
    assert track.readings + gap.missed == final
    assert gap.missed == round((gap.last_ms - gap.first_ms) / (INTERVAL * 1000)) + 1
    log = read_power_log(log_path(tmp_path, NODE, 0))
    keys = [r.key for r in log.records]
    assert keys[0] == "power_measurement_start" and keys[-1] == "power_measurement_stop"
    assert {r.value for r in log.records if r.key == "power_reading"} == {IPMI_WATTS}
    assert keys.count("power_reading") == track.readings


def test_a_source_that_thaws_answers_again_and_its_late_reply_is_not_written(
        tmp_path: Path, bmc: Emulator) -> None:
    said = Said()
    collector, track = _collector(tmp_path, bmc, said)
    try:
        collector.start()
        _wait_readings(track, 2, 10)
        bmc.proc.send_signal(signal.SIGSTOP)
        assert said.wait_for("dropped", 10) is not None, said.lines
        bmc.proc.send_signal(signal.SIGCONT)
        assert said.wait_for("answers again", 20) is not None, said.lines
        back = track.readings
        _wait_readings(track, back + 2, 10)
        collector.stop()
    finally:
        if collector.stop_ms is None:
            collector.abandon()
        close_sources([track.source])
    assert track.open_gap is None and len(track.gaps) == 1
    final = round((collector.stop_ms - collector.start_ms) / (INTERVAL * 1000))  # type: ignore[operator]
    assert track.readings + track.gaps[0].missed == final
    log = read_power_log(log_path(tmp_path, NODE, 0))
    stamps = [r.time_ms for r in log.records if r.key == "power_reading"]
    assert stamps == sorted(stamps)
    # no reading inside the gap: the stuck call's late reply was dropped, not written
    gap = track.gaps[0]
    assert not [t for t in stamps if gap.first_ms - 1 <= t <= gap.last_ms + 1]


def test_closing_a_source_whose_call_is_stuck_takes_a_bounded_time(
        tmp_path: Path, bmc: Emulator) -> None:
    source = open_polled_source(f"{bmc.url}?timeout=0.5")
    source.open()
    bmc.proc.send_signal(signal.SIGSTOP)
    def read() -> None:
        with contextlib.suppress(Exception):  # it fails after pyghmi's retries, or hangs
            source.read()

    threading.Thread(target=read, daemon=True).start()
    time.sleep(0.2)  # the read is inside pyghmi, holding the session's command
    begun = time.monotonic()
    close_sources([source])
    assert time.monotonic() - begun < CLOSE_WAIT_S + 1.0
