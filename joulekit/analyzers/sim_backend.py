"""``sim://DEVICE``: the joulekit simulator started in-process, driven over real TCP.

``sim://49?channels=1,2&load=constant:120&fault=nan:at=3&period_ms=100``: DEVICE is a
PTD device type or a name (``wt310`` …); the analyzer is the ordinary PTDaemon backend
talking to the simulator on a free 127.0.0.1 port, and ``close()`` stops it.
"""

from __future__ import annotations

from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.simulator import start_simulator
from joulekit.validate import parse_int


def from_url(url: AnalyzerUrl, *, start: bool) -> PtdAnalyzer | None:
    device = url.netloc or url.path.strip("/")
    channels = url.channels()
    load = url.option("load", "constant:120") or "constant:120"
    faults = url.options("fault")
    period = url.option("period_ms")
    reply_timeout = url.number("reply_timeout", 15.0)
    period_ms = (parse_int(period, f"analyzer URL {url.text!r}: period_ms", minimum=1)
                 if period else None)
    url.finish()
    if not start:
        return None
    sim = start_simulator(
        device or 49,
        port=0,
        channels=channels,
        load=load,
        faults=faults,
        period_ms=period_ms,
    )
    return PtdAnalyzer(
        url.text,
        sim.host,
        sim.port,
        simulator=sim,
        channels=channels,
        # the simulated device type goes into ptd_config, as PTDaemon's would
        device_type=sim.simulator.device.device_type,
        reply_timeout=reply_timeout,
        reconnect_timeout=3.0,
    )
