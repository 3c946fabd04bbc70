"""Our PTDaemon backend replayed against a published PTDaemon 1.10.0 / WT210 session.

The script's replies are PTDaemon's own, as the reference director logged them in a
published result (v4.1 UntetherAI h13_u3_slim resnet50 SingleStream). The analyzer
must send exactly the commands below, byte for byte with CRLF, and the samples it
yields must format to the published ``spl.txt`` lines character for character. Where
our backend differs from the reference director on purpose, the script says so:
it reads the ranges back with ``RR`` after each ``SR``, sends a range with ``%f``
(PTDaemon takes both), and asks ``RL,*,*`` only once per connection.
"""

from __future__ import annotations

import re

import pytest

from joulekit.analyzers import PtdAnalyzer
from joulekit.formats.spl import format_spl_line

from .peers import ScriptedTcpPeer, Step
from .published import RANGING_SPL, TESTING_SPL, ptd_exchanges, reply

RANGING_MARK = "2024-07-23_11-35-08_ranging"
TESTING_MARK = "2024-07-23_11-35-08_testing"
#: what PTDaemon answers RR with after SR,V,118.5 / SR,A,2.3859 on a WT210 (150 V, 5 A);
#: the published session has no such read-back (the reference director never reads back)
FIXED_RANGES = "Ranges,0,5.000000,0,150.000000"


def _script() -> list[Step]:
    real = ptd_exchanges()
    return [
        ("Hello", reply(real, "Hello")),
        ("Identify", reply(real, "Identify")),
        ("RR", reply(real, "RR")),
        ("SR,V,Auto", reply(real, "SR,V,Auto")),
        ("SR,A,Auto", reply(real, "SR,A,Auto")),
        ("RR", reply(real, "RR")),  # our read-back: still auto on both
        (f"Go,1000,0,{RANGING_MARK}", reply(real, f"Go,1000,0,{RANGING_MARK}")),
        ("Stop", reply(real, "Stop")),
        ("RL,*,*", reply(real, "RL,*,*")),
        ("RL", reply(real, "RL")),
        ("Uncertainty", reply(real, "Uncertainty", 0)),
        ("Watts", reply(real, "Watts", 0)),
        ("SR,V,118.500000", reply(real, "SR,V,118.500000")),
        ("SR,A,2.385900", reply(real, "SR,A,2.3859000000000004")),
        ("RR", FIXED_RANGES),
        (f"Go,1000,0,{TESTING_MARK}", reply(real, f"Go,1000,0,{TESTING_MARK}")),
        ("Stop", reply(real, "Stop", 1)),
        ("RL", reply(real, "RL", 1)),  # RL,*,* is not asked again on this connection
        ("Uncertainty", reply(real, "Uncertainty", 2)),
        ("Watts", reply(real, "Watts", 2)),
        # close() restores the ranges of the first RR reply
        ("SR,V,Auto", reply(real, "SR,V,Auto", 1)),
        ("SR,A,Auto", reply(real, "SR,A,Auto", 1)),
    ]


def _spl(samples: list[object]) -> list[str]:
    return [
        format_spl_line(s.utc, s.watts, s.volts, s.amps, s.pf, s.mark)  # type: ignore[attr-defined]
        for s in samples
    ]


def _published(path: object) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()  # type: ignore[attr-defined]
    return [line for line in lines if line.startswith("Time,")]


OFFSET = re.compile(
    r"PTDaemon at 127\.0\.0\.1:\d+ clock is about -\d+\.\d s off this host's clock "
    r"\(first sample vs Go\); synchronise both with NTP"
)


def test_published_wt210_session_replays_exactly() -> None:
    steps = _script()
    with ScriptedTcpPeer(steps) as peer:
        a = PtdAnalyzer(f"ptd://127.0.0.1:{peer.port}", "127.0.0.1", peer.port, reply_timeout=5)
        a.open()
        ident = a.identify()
        a.set_ranges("Auto", "Auto")
        a.start(1000, RANGING_MARK)
        ranging = list(a.stop())
        ranging_stats, ranging_warnings = a.statistics(), list(a.warnings)
        fixed = a.set_ranges(118.5, 2.3859000000000004)
        a.start(1000, TESTING_MARK)
        testing = list(a.stop())
        testing_stats, testing_warnings = a.statistics(), list(a.warnings)
        a.close()
        peer.check()
    wire = b"".join(command.encode() + b"\r\n" for command, _ in steps)
    assert peer.received == [wire]
    assert a.transcript == [(c, r if isinstance(r, str) else r[0]) for c, r in steps]  # type: ignore[index]
    assert a.restored and a.kind == "ptdaemon" and a.compliant
    assert (ident.model, ident.ptd_version, ident.channels) == ("YokogawaWT210", "1.10.0", 1)
    assert fixed.volts.value == 150.0 and fixed.amps.value == 5.0 and fixed.amps.auto is False
    # every sample, as the director writes it, is the published spl.txt line
    assert _spl(ranging) == _published(RANGING_SPL)
    assert _spl(testing) == _published(TESTING_SPL)
    assert all("autorange" in s.flags and s.uncertainty is None for s in ranging)
    assert ranging_stats is not None and testing_stats is not None
    assert (ranging_stats.watts_avg, ranging_stats.samples, ranging_stats.uncertainty_avg) == (
        227.459827, 692, None
    )
    assert (testing_stats.watts_avg, testing_stats.uncertainty_avg) == (227.970809, 0.005699)
    assert testing_stats.uncertainty_max == 0.006962
    # replayed 2024 samples are years off this host's clock: one warning per phase
    assert len(ranging_warnings) == 1 and OFFSET.fullmatch(ranging_warnings[0])
    assert len(testing_warnings) == 1 and OFFSET.fullmatch(testing_warnings[0])


@pytest.mark.parametrize("index", [0, 1])
def test_published_exchanges_read_whole(index: int) -> None:
    """The published log gives both phases' 692 RL lines after their header."""
    rl = reply(ptd_exchanges(), "RL", index)
    assert rl[0] == "Last 692 samples" and len(rl) == 693
