"""Every SCPI exchange of the direct-meter backend, per dialect, over a real pty (no sleeps).

The command tables are spelled out here, as pymeasure's instrument tests do, so that a
changed dialect (a command, an order, a number format) fails a test that names it. The
meter side is a scripted pty; our backend reaches it through pyserial (``serial://``) and
through pyvisa with the pure-Python backend (``visa://ASRL<pty>::INSTR?backend=@py``),
the two transports a user configures. While the sampler waits for the next update it
polls ``:STAT:EESR?``; those idle polls (answered ``0``) come any number of times
between steps and are checked apart from the script.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from joulekit.analyzers import AnalyzerError, open_analyzer
from joulekit.analyzers.scpi import ScpiAnalyzer

from .peers import ScriptedPty, Step

OK = '0,"No error"'
EESR = ":STAT:EESR?"

#: what each dialect sends, literally
DIALECTS = {
    "wt300e": {
        "idn": "YOKOGAWA,WT310E,C2TEST001,F1.03",
        "init": ["*CLS", ":COMM:HEAD OFF", ":COMM:VERB ON", ":NUM:FORM ASC", ":NUM:NORM:NUM 4",
                 ":NUM:NORM:ITEM1 P,1", ":NUM:NORM:ITEM2 U,1", ":NUM:NORM:ITEM3 I,1",
                 ":NUM:NORM:ITEM4 LAMB,1", ":STAT:FILT1 FALL"],
        "vauto": ":INP:VOLT:AUTO", "vrange": ":INP:VOLT:RANG",
        "aauto": ":INP:CURR:AUTO", "arange": ":INP:CURR:RANG",
        "rate": ":RATE 100MS", "values": ":NUM:NORM:VAL?",
        # W, V, A, PF in the order the WT300E is told to return them
        "reply": "120.00E+00,230.00E+00,0.5490E+00,0.9500E+00",
        "sentinels": "NAN,230.00E+00,INF,9.91E+37",
        "model": "Yokogawa WT310E (direct SCPI, not PTDaemon)",
    },
    "wt210": {
        # the IDN a real WT210 gives (760401 is its model code; a published v4.1 session)
        "idn": "YOKOGAWA,760401,0,F1.12",
        "init": ["*CLS", ":COMM:HEAD OFF", ":MEAS:ITEM:V ON", ":MEAS:ITEM:A ON",
                 ":MEAS:ITEM:W ON", ":MEAS:ITEM:PF ON", ":STAT:FILT1 FALL"],
        "vauto": ":CONF:VOLT:AUTO", "vrange": ":CONF:VOLT:RANG",
        "aauto": ":CONF:CURR:AUTO", "arange": ":CONF:CURR:RANG",
        "rate": ":SAMP:RATE 100MS", "values": ":MEAS:VAL?",
        # the WT210 returns its enabled items in its fixed order: V, A, W, PF
        "reply": "230.00E+00,0.5490E+00,120.00E+00,0.9500E+00",
        "sentinels": "230.00E+00,INF,NAN,9.91E+37",
        "model": "Yokogawa 760401 (direct SCPI, not PTDaemon)",
    },
}


def _open(d: dict[str, object]) -> list[Step]:
    init: list[str] = d["init"]  # type: ignore[assignment]
    return [
        ("*IDN?", str(d["idn"])),
        *((command, None) for command in init),
        (f"{d['vauto']}?", "0"), (f"{d['vrange']}?", "6.0E+02"),
        (f"{d['aauto']}?", "0"), (f"{d['arange']}?", "2.0000E+01"),
    ]


def _set(d: dict[str, object], volts: str, amps: str) -> list[Step]:
    return [
        (f"{d['vauto']} 0", None), (":STAT:ERR?", OK),
        (f"{d['vrange']} {volts}", None), (":STAT:ERR?", OK),
        (f"{d['aauto']} 0", None), (":STAT:ERR?", OK),
        (f"{d['arange']} {amps}", None), (":STAT:ERR?", OK),
    ]


def _read_back(d: dict[str, object], volts: str, amps: str) -> list[Step]:
    return [(f"{d['vauto']}?", "0"), (f"{d['vrange']}?", volts),
            (f"{d['aauto']}?", "0"), (f"{d['arange']}?", amps)]


def _start(d: dict[str, object], values: str, count: int) -> list[Step]:
    steps: list[Step] = [(str(d["rate"]), None), (":STAT:ERR?", OK), (EESR, "0")]
    for _ in range(count):
        steps += [(EESR, "1"), (str(d["values"]), values)]
    return steps


def _url(transport: str, path: str, dialect: str) -> str:
    if transport == "serial":
        return f"serial://{path}?dialect={dialect}&baud=9600"
    return f"visa://ASRL{path}::INSTR?dialect={dialect}&backend=@py"


@contextmanager
def _meter(steps: list[Step]) -> Iterator[ScriptedPty]:
    with ScriptedPty(steps, idle={EESR: "0"}) as peer:
        yield peer


def _measure(a: ScpiAnalyzer, peer: ScriptedPty, upto: int) -> list[object]:
    """Start, wait until the script's sampling steps were answered, stop."""
    a.start(100, "m")
    peer.script.wait_for(upto, timeout=10)
    return list(a.stop())


@pytest.mark.parametrize("transport", ["serial", "visa"])
@pytest.mark.parametrize("name", list(DIALECTS))
def test_session_transcript(name: str, transport: str) -> None:
    d = DIALECTS[name]
    sampling = _start(d, str(d["reply"]), 2)
    steps = [
        *_open(d),
        *_set(d, "300.0", "1.0"),
        *_read_back(d, "3.0E+02", "1.0000E+00"),
        *sampling,
        # close(): the initial 600 V / 20 A ranges, set back
        *_set(d, "600.0", "20.0"),
    ]
    upto = len(steps) - 8
    with _meter(steps) as peer:
        a = open_analyzer(_url(transport, peer.path, name))
        assert isinstance(a, ScpiAnalyzer)
        a.open()
        got = a.set_ranges(230, 0.6)
        samples = _measure(a, peer, upto)
        a.close()
        peer.check()
    assert peer.scripted() == [command for command, _ in steps]
    assert set(peer.idled()) <= {EESR}
    assert peer.received == b"".join(command.encode() + b"\n" for command, _ in peer.log)
    assert a.restored and a.kind == "direct-scpi" and not a.compliant
    ident = a.identify()
    assert ident.model == d["model"] and not ident.compliant and ident.ptd_version is None
    assert (got.volts.value, got.amps.value, got.amps.auto) == (300.0, 1.0, False)
    assert [(s.watts, s.volts, s.amps, s.pf, s.mark) for s in samples] == [  # type: ignore[attr-defined]
        (120.0, 230.0, 0.549, 0.95, "m")
    ] * 2
    # 120 W at PF 0.95 on 300 V / 1 A (analyzers.md §3): the WT310E's worked example is
    # 0.25 %; the WT210: (0.1 + 0.05 (12 months)) % of reading + 0.1 % x 300 VA / 126.27 VA
    # + tan(acos 0.95) x 0.2 % = 0.150 + 0.238 + 0.066 = 0.453 %
    expected = {"wt300e": 0.00252, "wt210": 0.00453}[name]
    assert samples[0].uncertainty == pytest.approx(expected, abs=0.00002)  # type: ignore[attr-defined]
    stats = a.statistics()
    assert stats is not None and (stats.samples, stats.errors, stats.watts_avg) == (2, 0, 120.0)


@pytest.mark.parametrize("name", list(DIALECTS))
def test_sentinels_are_invalid_readings(name: str) -> None:
    d = DIALECTS[name]
    steps = [*_open(d), *_start(d, str(d["sentinels"]), 1), *_set(d, "600.0", "20.0")]
    with _meter(steps) as peer:
        a = open_analyzer(_url("serial", peer.path, name))
        assert isinstance(a, ScpiAnalyzer)
        a.open()
        samples = _measure(a, peer, len(steps) - 8)
        a.close()
        peer.check()
    s = samples[0]
    assert (s.watts, s.volts, s.amps, s.pf) == (-1.0, 230.0, -1.0, -1.0)  # type: ignore[attr-defined]
    assert {"nan", "uncertainty_unknown"} <= s.flags and s.uncertainty is None  # type: ignore[attr-defined]
    stats = a.statistics()
    assert stats is not None and (stats.samples, stats.errors) == (1, 1)


@pytest.mark.parametrize("name", list(DIALECTS))
def test_a_rejected_setting_names_the_command_and_the_error(name: str) -> None:
    d = DIALECTS[name]
    steps = [
        *_open(d),
        (f"{d['vauto']} 0", None), (":STAT:ERR?", OK),
        (f"{d['vrange']} 300.0", None), (":STAT:ERR?", '-222,"Data out of range"'),
        *_set(d, "600.0", "20.0"),
    ]
    with _meter(steps) as peer:
        a = open_analyzer(_url("serial", peer.path, name))
        a.open()
        with pytest.raises(AnalyzerError) as err:
            a.set_ranges(230, 0.6)
        a.close()
        peer.check()
    assert str(err.value) == (
        f"meter at {a.url} rejected '{d['vrange']} 300.0': -222,\"Data out of range\""
    )


@pytest.mark.parametrize("name", list(DIALECTS))
def test_auto_ranges_are_set_and_read_back(name: str) -> None:
    d = DIALECTS[name]
    steps = [
        *_open(d),
        (f"{d['vauto']} 1", None), (":STAT:ERR?", OK),
        (f"{d['aauto']} 1", None), (":STAT:ERR?", OK),
        (f"{d['vauto']}?", "1"), (f"{d['vrange']}?", "6.0E+02"),
        (f"{d['aauto']}?", "ON"), (f"{d['arange']}?", "2.0000E+01"),
        *_set(d, "600.0", "20.0"),
    ]
    with _meter(steps) as peer:
        a = open_analyzer(_url("serial", peer.path, name))
        a.open()
        got = a.set_ranges("Auto", "auto")
        a.close()
        peer.check()
    assert got.volts.auto is True and got.amps.auto is True


@pytest.mark.parametrize("name", list(DIALECTS))
def test_a_range_above_the_largest_is_refused_before_anything_is_sent(name: str) -> None:
    d = DIALECTS[name]
    steps = [*_open(d), *_set(d, "600.0", "20.0")]
    with _meter(steps) as peer:
        a = open_analyzer(_url("serial", peer.path, name))
        a.open()
        with pytest.raises(AnalyzerError, match=r"has no V range >= 1000 \(largest 600\)"):
            a.set_ranges(1000, 1)
        a.close()
        peer.check()
