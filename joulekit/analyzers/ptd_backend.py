"""``ptd://HOST:PORT``: a PTDaemon already running, and :func:`spawn_ptd` for one we start.

Options: ``channels=1,2``, ``device_type=N``, ``connect_timeout``/``reply_timeout``
(seconds), ``console=HOST:PORT`` where ``joulekit ptd-launch`` serves PTDaemon's console.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from joulekit.analyzers.console_feed import ConsoleFeed
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.ptd_process import PtdProcess
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError
from joulekit.validate import parse_int, parse_port


def from_url(url: AnalyzerUrl, *, start: bool) -> PtdAnalyzer:
    """The attached PTDaemon (nothing is contacted before ``open()``, so ``start`` is moot)."""
    host, port = url.host_port()
    analyzer = PtdAnalyzer(
        url.text,
        host,
        port,
        channels=url.channels(),
        device_type=parse_int(url.option("device_type") or "0",
                              f"analyzer URL {url.text!r}: device_type", minimum=0) or None,
        connect_timeout=url.number("connect_timeout", 30.0),
        reply_timeout=url.number("reply_timeout", 15.0),
        console_feed=_console_feed(url.text, url.option("console")),
    )
    url.finish()
    return analyzer


def _console_feed(url: str, address: str | None) -> ConsoleFeed | None:
    """``?console=HOST:PORT``: where ``joulekit ptd-launch`` serves PTDaemon's console."""
    if address is None:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isascii() or not port.isdigit():
        raise UserError(f"analyzer URL {url!r}: console={address!r} needs HOST:PORT, the "
                        "address 'joulekit ptd-launch --listen' serves the console on")
    return ConsoleFeed(host.strip("[]"), parse_port(port, f"analyzer URL {url!r}: console port"))


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
