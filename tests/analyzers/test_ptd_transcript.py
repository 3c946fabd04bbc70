"""Exact PTD command/reply pairs the backend sends, the RL fallbacks, and reply parsing."""

from __future__ import annotations

import time

from joulekit.analyzers import PtdAnalyzer, open_analyzer
from joulekit.analyzers.ptd_parse import parse_identify, parse_ranges, parse_rl_line

GO = "Starting untimed measurement, maximum 500000 samples at 100ms with 0 rampup samples"


def _session(url: str) -> PtdAnalyzer:
    a = open_analyzer(url)
    assert isinstance(a, PtdAnalyzer)
    a.open()
    try:
        a.set_ranges("Auto", 20)
        a.set_ranges(230.0, 1.1)
        a.start(100, "s_testing")
        time.sleep(0.35)
        a.stop()
    finally:
        a.close()
    return a


def test_single_channel_transcript_and_rl_fallback() -> None:
    a = _session("sim://49")
    pairs = [(c, r) for c, r in a.transcript if c not in ("Identify", "Uncertainty", "Watts")]
    n = len(a.samples)
    assert pairs == [
        ("Hello", "Hello, PTDaemon here!"),
        ("RR", "Ranges,0,20.000000,0,300.000000"),
        ("SR,V,Auto", "Range V changed"),
        ("SR,A,20", "Range A changed"),
        ("RR", "Ranges,0,20.000000,1,300.000000"),
        ("SR,V,230.000000", "Range V changed"),
        ("SR,A,1.100000", "Range A changed"),
        ("RR", "Ranges,0,2.000000,0,300.000000"),
        ("Go,100,0,s_testing", GO),
        ("Stop", "Stopping untimed measurement"),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", f"Last {n} samples"),
        # the restore repeats the first RR reply's text, as the reference director does
        ("SR,V,300.000000", "Range V changed"),
        ("SR,A,20.000000", "Range A changed"),
    ]
    commands = [c for c, _ in a.transcript]
    assert commands[1] == "Identify" and commands[-4:-2] == ["Uncertainty", "Watts"]
    watts = dict(a.transcript)["Watts"]
    assert watts == f"Watts,120.000000,120.000000,120.000000,{n},0,{n}"
    assert a.samples[0].mark == "s_testing" and a.samples[0].pf == 0.95


def test_dc_device_falls_back_to_dc_rl() -> None:
    a = _session("sim://549")
    rl = [(c, r) for c, r in a.transcript if "RL" in c]
    assert rl[:2] == [("RL,*,*", "Unknown command"), ("DC-RL", f"Last {len(a.samples)} samples")]


def test_multichannel_sums_configured_channels() -> None:
    a = _session("sim://77?channels=1,2")
    assert ("RL,*,*", f"Last {len(a.samples)} samples") in a.transcript
    s = a.samples[0]
    assert s.watts == 120.0 and s.volts == -1.0 and len(s.channels) == 3
    assert s.channels[0].watts == 60.0 and s.channels[2].watts == 0.0


def test_parsers_on_real_ptd_replies() -> None:
    ident = parse_identify(
        "YokogawaWT330_multichannel,1000,1,1,1,1,0,0,1,version=1.9.2-3976349f-20201208,"
        "OS=Windows 8 / Server 2012,mode=power,1,1,2,0,0,no_cal_date,"
        "YOKOGAWA;WT333E;C2WL21005V;F1.04"
    )
    assert ident.ptd_version == "1.9.2" and ident.compliant and ident.channels == 2
    assert ident.serial == "C2WL21005V"
    unknown = parse_ranges("Ranges,-1,-1.000000,-1,-1.000000")[0]
    assert unknown.volts.auto is None and unknown.amps.value is None
    assert unknown.volts.setting() == "Auto"
    line = parse_rl_line(
        "Time,07-28-2022 03:59:55.987,Watts,141.980000,Volts,-1.000000,Amps,-1.000000,"
        "PF,-1.000000,Mark,2022-07-28_03-47-24_testing,Ch1,Watts,77.600000,Volts,119.130000,"
        "Amps,0.748800,PF,0.869900,Ch2,Watts,64.380000,Volts,121.380000,Amps,0.748900,PF,0.708300"
    )
    assert line is not None and line.mark.endswith("_testing") and len(line.channels) == 2
    assert line.channels[1].pf == 0.7083 and line.watts == 141.98
    assert parse_rl_line("Buffer was 1.000E+00;1;300.0E+00;1") is None
