"""Analyzer backends behind one interface, chosen by a URL-like string.

========================================  ==================================================
URL                                       backend
========================================  ==================================================
``ptd://HOST:PORT``                       a PTDaemon already running (attach); add
                                          ``?console=HOST:PORT`` where ``joulekit
                                          ptd-launch`` serves its console
``sim://DEVICE[?options]``                the joulekit simulator, in-process, over real TCP
``visa://RESOURCE?dialect=wt300e``        a Yokogawa meter over pyvisa (direct SCPI)
``serial://DEVICE?dialect=wt210&baud=..`` a Yokogawa meter over pyserial (direct SCPI)
``nvml://INDEX``                          an NVIDIA GPU's energy counter (software source)
``rapl://ZONE``                           a powercap RAPL zone (software source)
========================================  ==================================================

A PTDaemon that the director starts itself is built with :func:`spawn_ptd` from the
argv of :func:`build_ptd_argv`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from joulekit.analyzers.base import (
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.console_feed import ConsoleFeed
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.ptd_process import PtdProcess, build_ptd_argv
from joulekit.errors import UserError
from joulekit.validate import parse_float, parse_int, parse_port

__all__ = [
    "Analyzer",
    "AnalyzerError",
    "Identity",
    "PtdAnalyzer",
    "PtdProcess",
    "Range",
    "Ranges",
    "Sample",
    "Statistics",
    "build_ptd_argv",
    "open_analyzer",
    "spawn_ptd",
]

SCHEMES = ("ptd", "sim", "visa", "serial", "nvml", "rapl")


def spawn_ptd(
    argv: Sequence[str],
    port: int,
    console_path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    channels: Sequence[int] = (),
    device_type: int | None = None,
    startup_timeout: float = 30.0,
    reply_timeout: float = 15.0,
    kill_after: float = 10.0,
) -> PtdAnalyzer:
    """A :class:`PtdAnalyzer` that owns the PTD process ``argv`` (started by ``open()``).

    ``open()`` starts PTD with ``TZ=UTC``, tees its console to ``console_path`` (flushed
    per line), waits up to ``startup_timeout`` for the port, and raises one
    :class:`AnalyzerError` naming PTD's exit code and last line if it dies first.
    ``close()`` restores the ranges, terminates PTD and kills it after ``kill_after`` s.
    """
    process = PtdProcess(argv, console_path, kill_after=kill_after)
    return PtdAnalyzer(
        f"ptd://{host}:{port}",
        host,
        port,
        process=process,
        channels=channels,
        device_type=device_type,
        connect_timeout=startup_timeout,
        reply_timeout=reply_timeout,
    )


def _query(text: str) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(text, keep_blank_values=True).items()}


def _one(q: dict[str, list[str]], key: str, default: str | None = None) -> str | None:
    values = q.pop(key, None)
    return values[-1] if values else default


def _channels(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(parse_int(c, "channel", minimum=1, maximum=64) for c in text.split(","))
    except UserError:
        raise UserError(f"channels must look like 1 or 1,2, got {text!r}") from None


def _host_port(url: str, netloc: str) -> tuple[str, int]:
    host, sep, port = netloc.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UserError(f"analyzer URL {url!r} needs HOST:PORT, for example ptd://127.0.0.1:8888")
    return host.strip("[]"), parse_port(port, f"analyzer URL {url!r}: port")


def _console_feed(url: str, address: str | None) -> ConsoleFeed | None:
    """``?console=HOST:PORT``: where ``joulekit ptd-launch`` serves PTDaemon's console."""
    if address is None:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit():
        raise UserError(f"analyzer URL {url!r}: console={address!r} needs HOST:PORT, the "
                        "address 'joulekit ptd-launch --listen' serves the console on")
    return ConsoleFeed(host.strip("[]"), parse_port(port, f"analyzer URL {url!r}: console port"))


def _number(url: str, q: dict[str, list[str]], key: str, default: float) -> float:
    """A positive finite option of an analyzer URL (a timeout, a period)."""
    text = _one(q, key)
    if text is None or text == "":
        return default
    return parse_float(text, f"analyzer URL {url!r}: {key}", positive=True, maximum=86400.0)


def _leftover(url: str, q: dict[str, list[str]]) -> None:
    if q:
        raise UserError(f"unknown option(s) {', '.join(sorted(q))} in analyzer URL {url!r}")


def check_analyzer_url(url: str) -> None:
    """Raise the :class:`UserError` :func:`open_analyzer` would, without starting anything
    (a ``sim://`` URL would start a simulator), so a director refuses a bad URL at
    start-up rather than at its first session."""
    _from_url(url, start=False)


def open_analyzer(url: str) -> Analyzer:
    """The backend an analyzer URL names (not yet opened: call ``open()``).

    Raises :class:`UserError` with the accepted forms when the URL is malformed.
    """
    analyzer = _from_url(url, start=True)
    assert analyzer is not None  # only a check (start=False) returns None
    return analyzer


def _from_url(url: str, *, start: bool) -> Analyzer | None:
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise UserError(f"analyzer URL {url!r} is malformed ({err}); for example "
                        "ptd://127.0.0.1:8888 or ptd://[::1]:8888") from None
    scheme = parts.scheme.lower()
    q = _query(parts.query)
    if scheme == "ptd":
        host, port = _host_port(url, parts.netloc)
        analyzer = PtdAnalyzer(
            url,
            host,
            port,
            channels=_channels(_one(q, "channels")),
            device_type=parse_int(_one(q, "device_type") or "0",
                                  f"analyzer URL {url!r}: device_type", minimum=0) or None,
            connect_timeout=_number(url, q, "connect_timeout", 30.0),
            reply_timeout=_number(url, q, "reply_timeout", 15.0),
            console_feed=_console_feed(url, _one(q, "console")),
        )
        _leftover(url, q)
        return analyzer
    if scheme == "sim":
        return _open_sim(url, parts.netloc or parts.path.strip("/"), q, start=start)
    if scheme in ("visa", "serial"):
        from joulekit.analyzers.scpi import open_scpi

        return open_scpi(url, scheme, unquote(parts.netloc + parts.path), q)
    if scheme == "nvml":
        from joulekit.analyzers.software import NvmlSource

        index = parts.netloc or "0"
        _leftover(url, q)
        return NvmlSource(url, int(index) if index.isdigit() else index)
    if scheme == "rapl":
        from joulekit.analyzers.software import RaplSource

        zone = parts.netloc or "intel-rapl:0"
        root = _one(q, "root")
        _leftover(url, q)
        return RaplSource(url, zone, Path(root) if root else None)
    raise UserError(
        f"unknown analyzer URL {url!r}; use one of "
        + ", ".join(f"{s}://" for s in SCHEMES)
        + " (for example ptd://127.0.0.1:8888 or sim://49)"
    )


def _open_sim(url: str, device: str, q: dict[str, list[str]], *, start: bool = True
              ) -> Analyzer | None:
    """``sim://49?channels=1,2&load=constant:120&fault=nan:at=3&period_ms=100``."""
    from joulekit.simulator import start_simulator

    channels = _channels(_one(q, "channels"))
    load = _one(q, "load", "constant:120") or "constant:120"
    faults = q.pop("fault", [])
    period = _one(q, "period_ms")
    reply_timeout = _number(url, q, "reply_timeout", 15.0)
    period_ms = (parse_int(period, f"analyzer URL {url!r}: period_ms", minimum=1)
                 if period else None)
    _leftover(url, q)
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
        url,
        sim.host,
        sim.port,
        simulator=sim,
        channels=channels,
        # the simulated device type goes into ptd_config, as PTDaemon's would
        device_type=sim.simulator.device.device_type,
        reply_timeout=reply_timeout,
        reconnect_timeout=3.0,
    )
