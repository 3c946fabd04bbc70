"""Direct SCPI backend: transcripts through pyvisa-sim, and the WT210 over a real pty."""

from __future__ import annotations

import os
import threading
import time
import tty
from pathlib import Path

import pytest

from joulekit.analyzers import open_analyzer
from joulekit.analyzers.scpi import ScpiAnalyzer
from joulekit.meters.dialects import parse_number, parse_values
from joulekit.meters.yokogawa import WT210, WT300E

YAML = Path(__file__).with_name("wt310e_sim.yaml")
SIM_URL = f"visa://TCPIP::192.0.2.10::INSTR?dialect=wt300e&backend={YAML}@sim"


def test_wt300e_transcript_through_pyvisa_sim() -> None:
    a = open_analyzer(SIM_URL)
    assert isinstance(a, ScpiAnalyzer) and a.kind == "direct-scpi" and not a.compliant
    a.open()
    try:
        ident = a.identify()
        assert ident.model == "Yokogawa WT310E (direct SCPI, not PTDaemon)" and not ident.compliant
        assert a.initial_ranges is not None and a.initial_ranges.volts.value == 600.0
        got = a.set_ranges(230, 0.6)
        assert got.volts.value == 300.0 and got.amps.value == 1.0 and got.amps.auto is False
        a.start(100, "m")
        time.sleep(0.45)
        samples = a.stop()
    finally:
        a.close()
    assert a.restored
    cmds = [c for c, _ in a.transcript]
    assert cmds[:11] == ["*IDN?", *WT300E.init]
    setting = a.transcript[a.transcript.index((":INP:VOLT:AUTO 0", "")) :][:13]
    assert setting == [
        (":INP:VOLT:AUTO 0", ""),
        (":STAT:ERR?", '0,"No error"'),
        (":INP:VOLT:RANG 300.0", ""),
        (":STAT:ERR?", '0,"No error"'),
        (":INP:CURR:AUTO 0", ""),
        (":STAT:ERR?", '0,"No error"'),
        (":INP:CURR:RANG 1.0", ""),
        (":STAT:ERR?", '0,"No error"'),
        (":INP:VOLT:AUTO?", "0"),
        (":INP:VOLT:RANG?", "3.0E+02"),
        (":INP:CURR:AUTO?", "0"),
        (":INP:CURR:RANG?", "1.0000E+00"),
        (":RATE 100MS", ""),
    ]
    assert (":NUM:NORM:VAL?", "120.00E+00,230.00E+00,0.5490E+00,0.9500E+00") in a.transcript
    assert samples and samples[0].watts == 120.0 and samples[0].pf == 0.95
    # worked example of analyzers.md §3 (300 V / 1 A, 120 W at PF 0.95): 0.25 %
    assert samples[0].uncertainty == pytest.approx(0.00252, abs=0.00002)
    assert (":INP:VOLT:RANG 600.0", "") in a.transcript and (
        ":INP:CURR:RANG 20.0",
        "",
    ) in a.transcript


def test_sentinels_are_invalid_readings() -> None:
    a = open_analyzer(f"visa://ASRL9::INSTR?dialect=wt300e&backend={YAML}@sim")
    a.open()
    try:
        a.start(100, "m")
        time.sleep(0.3)
        samples = a.stop()
    finally:
        a._release() if isinstance(a, ScpiAnalyzer) else None
    assert samples and all(not s.valid and "nan" in s.flags for s in samples)
    assert samples[0].watts == -1.0 and samples[0].amps == -1.0 and samples[0].volts == 230.0
    assert all(s.uncertainty is None for s in samples)


def test_parse_values_orders_and_sentinels() -> None:
    assert parse_values("230.0,0.5,115.0,0.99", WT210) == (115.0, 230.0, 0.5, 0.99)
    for bad in ("NAN", "INF", "9.9E+37", "9.91E+37", "-INF", "garbage"):
        assert parse_number(bad) != parse_number(bad)  # NaN


class _Wt210:
    """A WT210 in 488.2 mode behind a pty master, answering the dialect's commands."""

    def __init__(self) -> None:
        self.state = {"VOLT:RANG": "600.0", "VOLT:AUTO": "0", "CURR:RANG": "20.0", "CURR:AUTO": "0"}
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.heard: list[str] = []
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _answer(self, line: str) -> str | None:
        self.heard.append(line)
        if line == "*IDN?":
            return "YOKOGAWA,WT210,91H000001,F1.11"
        if line == ":STAT:ERR?":
            return '0,"No error"'
        if line == ":STAT:EESR?":
            return "1"
        if line == ":MEAS:VAL?":
            return "230.1E+00,0.5000E+00,115.0E+00,0.9990E+00"
        if line.startswith(":CONF:") and line.endswith("?"):
            return self.state[line[6:-1]]
        if line.startswith(":CONF:"):
            key, value = line[6:].split(" ")
            self.state[key] = value
        return None

    def _run(self) -> None:
        buffer = b""
        while not self._stop:
            try:
                chunk = os.read(self.master, 1024)
            except OSError:
                return
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                reply = self._answer(raw.decode().strip())
                if reply is not None:
                    os.write(self.master, reply.encode() + b"\n")

    def close(self) -> None:
        self._stop = True
        os.close(self._slave)
        os.close(self.master)
        self.thread.join(2)


def test_wt210_over_a_real_pty() -> None:
    meter = _Wt210()
    a = open_analyzer(f"serial://{meter.path}?dialect=wt210&baud=9600")
    try:
        a.open()
        assert a.identify().model.startswith("Yokogawa WT210 (direct SCPI")
        got = a.set_ranges(230, 0.5)
        assert (got.volts.value, got.amps.value) == (300.0, 0.5)
        a.start(100, "pty")
        time.sleep(0.4)
        samples = a.stop()
        a.close()
        assert (
            a.restored
            and meter.state["VOLT:RANG"] == "600.0"
            and meter.state["CURR:RANG"] == "20.0"
        )
    finally:
        meter.close()
    assert samples and samples[0].watts == 115.0 and samples[0].volts == 230.1
    assert ":CONF:VOLT:RANG 300.0" in meter.heard and ":CONF:CURR:RANG 0.5" in meter.heard
    assert meter.heard[:8] == ["*IDN?", *WT210.init]
