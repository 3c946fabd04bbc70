"""Every PTDaemon exchange of our PTD backend, as scripted transcripts (no simulator, no sleep).

Each test lists the exact lines the backend must send and PTDaemon's replies (reply
texts as PTDaemon 1.9/1.10 gives them: spec/analyzers.md §1), then checks what the
backend made of them: samples, statistics, warnings, the one error a failure gives,
and the ranges restored on every path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from joulekit.analyzers import AnalyzerError, PtdAnalyzer, Sample
from joulekit.formats.timefmt import format_mlperf_time

from .peers import Drop, ScriptedTcpPeer, Step

HELLO = ("Hello", "Hello, PTDaemon here!")
WT310E = (
    "YokogawaWT310E,1000,1,1,1,1,0,0,1,version=1.9.2-3976349f-20201208,"
    "OS=Windows 8 / Server 2012,mode=power,1,1,1,0,0,no_cal_date,YOKOGAWA;WT310E;C3TEST01V;F1.03"
)
WT330_2CH = (
    "YokogawaWT330_multichannel,1000,1,1,1,1,0,0,1,version=1.9.2-3976349f-20201208,"
    "OS=Windows 8 / Server 2012,mode=power,1,1,2,0,0,no_cal_date,YOKOGAWA;WT333E;C2WL21005V;F1.04"
)
WT330_3CH = WT330_2CH.replace(",mode=power,1,1,2,", ",mode=power,1,1,3,", 1)
DC_WT310E = WT310E.replace("YokogawaWT310E,", "DCYokogawaWT310E,", 1)
GO = "Starting untimed measurement, maximum 500000 samples at {ms}ms with 0 rampup samples"
STOPPING = "Stopping untimed measurement"
RANGES_START = "Ranges,0,20.000000,0,300.000000"


def _times(count: int, interval_ms: int, gaps: tuple[int, ...] = ()) -> list[str]:
    """PTDaemon-style UTC timestamps from just after now (no clock-offset warning)."""
    start = datetime.now(UTC) + timedelta(milliseconds=interval_ms // 2)
    stamps, step = [], 0
    for i in range(count):
        step += 2 if i in gaps else 1
        stamps.append(format_mlperf_time(start + timedelta(milliseconds=interval_ms * (step - 1))))
    return stamps


def _line(stamp: str, watts: float, volts: float = 230.0, amps: float = 0.549, pf: float = 0.95
          ) -> str:
    return f"Time,{stamp},Watts,{watts:f},Volts,{volts:f},Amps,{amps:f},PF,{pf:f}"


def _open_steps(identify: str = WT310E, ranges: str = RANGES_START) -> list[Step]:
    return [HELLO, ("Identify", identify), ("RR", ranges)]


def _restore_steps() -> list[Step]:
    return [("SR,V,300.000000", "Range V changed"), ("SR,A,20.000000", "Range A changed")]


def _stats_steps(n: int) -> list[Step]:
    return [
        ("Uncertainty", f"Uncertainty,0.002500,0.002400,0.002600,{n},0,{n},0"),
        ("Watts", f"Watts,120.000000,120.000000,120.000000,{n},0,{n}"),
    ]


def _analyzer(peer: ScriptedTcpPeer, **options: object) -> PtdAnalyzer:
    options.setdefault("reply_timeout", 5.0)
    return PtdAnalyzer(f"ptd://127.0.0.1:{peer.port}", "127.0.0.1", peer.port, **options)  # type: ignore[arg-type]


def _measure(
    steps: list[Step], mark: str, **options: object
) -> tuple[PtdAnalyzer, list[Sample], ScriptedTcpPeer]:
    """Open, one measurement of ``mark`` at 1000 ms, close: against the script."""
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer, **options)
        a.open()
        a.start(1000, mark)
        samples = list(a.stop())
        a.close()
        peer.check()
    return a, samples, peer


def _wire(steps: list[Step]) -> bytes:
    return b"".join(command.encode() + b"\r\n" for command, _ in steps)


def test_single_channel_session_with_rl_fallback_and_range_restore() -> None:
    lines = [_line(t, 120.0) for t in _times(3, 100)]
    steps = [
        *_open_steps(),
        ("SR,V,Auto", "Range V changed"),
        ("SR,A,20", "Range A changed"),
        ("RR", "Ranges,0,20.000000,1,300.000000"),
        ("SR,V,230.000000", "Range V changed"),
        ("SR,A,1.100000", "Range A changed"),
        ("RR", "Ranges,0,2.000000,0,300.000000"),
        ("Go,100,0,s_testing", GO.format(ms=100)),
        ("Stop", STOPPING),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", ["Last 3 samples", *lines]),
        *_stats_steps(3),
        # the restore repeats the first RR reply's text, as the reference director does
        *_restore_steps(),
    ]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        a.open()
        a.set_ranges("Auto", 20)
        got = a.set_ranges(230.0, 1.1)
        a.start(100, "s_testing")
        samples = a.stop()
        a.close()
        peer.check()
    assert peer.received == [_wire(steps)]
    assert a.restored and a.warnings == [] and a.kind == "ptdaemon" and a.compliant
    assert (got.volts.value, got.amps.value, got.amps.auto) == (300.0, 2.0, False)
    assert [(s.watts, s.volts, s.amps, s.pf, s.mark) for s in samples] == [
        (120.0, 230.0, 0.549, 0.95, "s_testing")
    ] * 3
    assert all(s.ranges == got and s.uncertainty is not None for s in samples)
    stats = a.statistics()
    assert stats is not None and (stats.watts_avg, stats.samples) == (120.0, 3)
    assert (stats.uncertainty_avg, stats.uncertainty_max) == (0.0025, 0.0026)


def test_dc_meter_answers_dc_rl_only() -> None:
    lines = [_line(t, 48.0, 12.0, 4.0, 1.0) for t in _times(2, 1000)]
    steps = [
        *_open_steps(DC_WT310E),
        ("Go,1000,0,dc", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", "Unknown command"),
        ("DC-RL", ["Last 2 samples", *lines]),
        *_stats_steps(2),
        *_restore_steps(),
    ]
    a, samples, peer = _measure(steps, "dc")
    assert peer.received == [_wire(steps)]
    assert a.identify().device_type == 549
    assert [s.watts for s in samples] == [48.0, 48.0]


def test_dc_rl_unknown_too_is_one_error() -> None:
    """A peer that knows no RL form at all: one error naming its last reply."""
    steps = [
        *_open_steps(DC_WT310E),
        ("Go,1000,0,m", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", "Unknown command"),
        ("DC-RL", "Unknown command"),
        *_restore_steps(),
    ]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        a.open()
        a.start(1000, "m")
        with pytest.raises(AnalyzerError, match=r"answered 'DC-RL' with 'Unknown command'$"):
            a.stop()
        a.close()
        peer.check()
    assert a.restored


def test_multichannel_sums_the_configured_channels() -> None:
    """Channels 1 and 2 of a three-input WT333E are summed; the unused third input (0 W,
    0 A) neither adds watts nor makes the uncertainty unknown."""
    stamps = _times(2, 1000)
    lines = [
        f"Time,{t},Watts,141.980000,Volts,-1.000000,Amps,-1.000000,PF,-1.000000,"
        "Ch1,Watts,77.600000,Volts,119.130000,Amps,0.748800,PF,0.869900,"
        "Ch2,Watts,64.380000,Volts,121.380000,Amps,0.748900,PF,0.708300,"
        "Ch3,Watts,0.000000,Volts,0.000000,Amps,0.000000,PF,0.000000"
        for t in stamps
    ]
    ranges = "Ranges," + ",".join(["0,20.000000,0,300.000000"] * 4)
    steps = [
        *_open_steps(WT330_3CH, ranges),
        ("Go,1000,0,mc", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", ["Last 2 samples", *lines]),
        *_stats_steps(2),
        *_restore_steps(),
    ]
    a, samples, peer = _measure(steps, "mc", channels=(1, 2))
    assert peer.received == [_wire(steps)]
    s = samples[0]
    assert a.identify().channels == 3 and len(s.channels) == 3
    assert (s.watts, s.volts, s.amps, s.pf) == (141.98, -1.0, -1.0, -1.0)
    assert s.channels[0].watts == 77.6 and s.channels[1].pf == 0.7083
    assert s.channels[2].watts == 0.0 and s.uncertainty is not None
    assert "uncertainty_unknown" not in s.flags


def test_multichannel_with_one_channel_configured_takes_that_channel() -> None:
    line = (
        f"Time,{_times(1, 1000)[0]},Watts,141.980000,Volts,-1.000000,Amps,-1.000000,PF,-1.000000,"
        "Ch1,Watts,77.600000,Volts,119.130000,Amps,0.748800,PF,0.869900,"
        "Ch2,Watts,64.380000,Volts,121.380000,Amps,0.748900,PF,0.708300"
    )
    steps = [
        *_open_steps(WT330_2CH, "Ranges,0,20.000000,0,300.000000,0,20.000000,0,300.000000"),
        ("Go,1000,0,mc", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", ["Last 1 samples", line]),
        *_stats_steps(1),
        *_restore_steps(),
    ]
    a, samples, peer = _measure(steps, "mc", channels=(2,))
    (s,) = samples
    assert peer.received == [_wire(steps)]
    assert a.identify().channels == 2
    assert (s.watts, s.volts, s.amps, s.pf) == (64.38, -1.0, -1.0, -1.0)


def test_busy_stop_is_asked_again() -> None:
    line = _line(_times(1, 1000)[0], 120.0)
    steps = [
        *_open_steps(),
        ("Go,1000,0,b", GO.format(ms=1000)),
        ("Stop", "Meter busy"),
        ("Stop", STOPPING),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", ["Last 1 samples", line]),
        *_stats_steps(1),
        *_restore_steps(),
    ]
    _, samples, peer = _measure(steps, "b")
    assert len(samples) == 1
    assert peer.received == [_wire(steps)]


def test_refused_stop_keeps_every_sample_and_names_the_reply() -> None:
    line = _line(_times(1, 1000)[0], 120.0)
    steps = [
        *_open_steps(),
        ("Go,1000,0,r", GO.format(ms=1000)),
        ("Stop", "Error: meter refused"),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", ["Last 1 samples", line]),
        # close() tries to stop again before restoring the ranges
        ("Stop", STOPPING),
        ("RL", "No unread samples"),
        *_stats_steps(1),
        *_restore_steps(),
    ]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        a.open()
        a.start(1000, "r")
        with pytest.raises(AnalyzerError) as err:
            a.stop()
        a.close()
        peer.check()
    assert str(err.value).endswith("answered 'Stop' with 'Error: meter refused'; 1 sample(s) kept")
    assert len(err.value.samples) == 1 and a.restored


def test_refused_go_is_one_error_and_the_ranges_are_restored() -> None:
    steps = [*_open_steps(), ("Go,1000,0,g", "Error: measurement already running"),
             *_restore_steps()]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        a.open()
        with pytest.raises(AnalyzerError, match=r"answered 'Go,1000,0,g' with 'Error: measure"):
            a.start(1000, "g")
        a.close()
        peer.check()
    assert a.restored


def test_a_port_that_is_not_ptdaemon_is_named() -> None:
    steps: list[Step] = [("Hello", "SSH-2.0-OpenSSH_9.6")]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        with pytest.raises(AnalyzerError, match=r"answered Hello with 'SSH-2.0-OpenSSH_9.6', not "
                           r"'Hello, PTDaemon here!': this port is not a PTDaemon"):
            a.open()
        peer.check()


def test_rejected_range_and_a_range_not_taken_are_errors() -> None:
    steps = [
        *_open_steps(),
        ("SR,V,230.000000", "Range V changed"),
        ("SR,A,1.100000", "Error in parameter"),
        ("SR,V,230.000000", "Range V changed"),
        ("SR,A,1.100000", "Range A changed"),
        ("RR", "Ranges,1,20.000000,0,300.000000"),  # A still on auto
        *_restore_steps(),
    ]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer)
        a.open()
        with pytest.raises(AnalyzerError, match=r"answered 'SR,A,1.100000' with 'Error in param"):
            a.set_ranges(230.0, 1.1)
        with pytest.raises(AnalyzerError, match=r"reads back A range .* after SR,A,1.100000; "
                           "the meter did not take the range"):
            a.set_ranges(230.0, 1.1)
        a.close()
        peer.check()
    assert a.restored


def test_link_cut_mid_rl_reconnects_and_keeps_every_sample() -> None:
    lines = [_line(t, 100.0 + i) for i, t in enumerate(_times(3, 1000))]
    steps = [
        *_open_steps(),
        ("Go,1000,0,d", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", Drop(["Last 3 samples", lines[0]])),
        # a new connection: PTDaemon sends only the lines not yet read
        HELLO,
        ("RL", ["Last 2 samples", *lines[1:]]),
        *_stats_steps(3),
        *_restore_steps(),
    ]
    a, samples, peer = _measure(steps, "d")
    cut = steps.index(HELLO, 1)
    assert peer.received == [_wire(steps[:cut]), _wire(steps[cut:])]
    assert [s.watts for s in samples] == [100.0, 101.0, 102.0]
    assert len(a.warnings) == 1 and a.warnings[0].startswith(
        f"lost the link to PTDaemon at 127.0.0.1:{peer.port} (during 'RL': connection closed"
    ) and a.warnings[0].endswith("); reconnected")


def test_fewer_lines_than_the_rl_header_is_one_error_with_the_lines_kept() -> None:
    line = _line(_times(1, 1000)[0], 120.0)
    steps = [
        *_open_steps(),
        ("Go,1000,0,f", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", ["Last 3 samples", line]),
        *_restore_steps(),
    ]
    with ScriptedTcpPeer(steps) as peer:
        a = _analyzer(peer, reply_timeout=0.3)
        a.open()
        a.start(1000, "f")
        with pytest.raises(AnalyzerError) as err:
            a.stop()
        a.close()
        peer.check()
    assert str(err.value) == (
        f"PTDaemon at 127.0.0.1:{peer.port} sent fewer lines than its 'Last 3 samples' header; "
        "1 sample(s) kept"
    )
    assert len(err.value.samples) == 1 and a.restored


def test_odd_lines_duplicates_and_gaps_are_warnings() -> None:
    stamps = _times(4, 1000, gaps=(2,))  # one missed sample before the third
    lines = [_line(stamps[0], 120.0), _line(stamps[0], 120.0), "Buffer was 1.000E+00;1",
             *(_line(t, 120.0) for t in stamps[1:])]
    steps = [
        *_open_steps(),
        ("Go,1000,0,w", GO.format(ms=1000)),
        ("Stop", STOPPING),
        ("RL,*,*", "Invalid number of parameters"),
        ("RL", [f"Last {len(lines)} samples", *lines]),
        *_stats_steps(5),
        *_restore_steps(),
    ]
    a, samples, peer = _measure(steps, "w")
    who = f"PTDaemon at 127.0.0.1:{peer.port}"
    assert len(samples) == 4
    assert a.warnings == [
        f"skipped a line {who} sent that is not a sample: 'Buffer was 1.000E+00;1'",
        f"{who} sent 1 duplicated sample(s) (same timestamp); kept one of each",
        f"{who} missed 1 sample(s) (gaps in the timestamps)",
    ]


def test_probe_says_hello_and_identify_only() -> None:
    steps = [HELLO, ("Identify", WT310E)]
    with ScriptedTcpPeer(steps) as peer:
        identity = _analyzer(peer).probe()
        peer.check()
    assert peer.received == [b"Hello\r\nIdentify\r\n"]
    assert (identity.device_type, identity.serial, identity.firmware) == (49, "C3TEST01V", "F1.03")


def test_unknown_driver_needs_the_device_type_in_the_url() -> None:
    unknown = WT310E.replace("YokogawaWT310E", "SomeMeter9000", 1)
    with ScriptedTcpPeer([HELLO, ("Identify", unknown)]) as peer:
        with pytest.raises(AnalyzerError, match=(
            r"identifies its meter as 'SomeMeter9000', which has no known PTDaemon device "
            rf"number; give it in the URL, for example ptd://127\.0\.0\.1:{peer.port}\?device_type=49"
        )):
            _analyzer(peer).open()
        peer.check()
