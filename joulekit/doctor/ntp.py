"""Offset of this host's clock to the NTP server the run is configured with.

The client checks the same thing before every phase and gives up when the offset is
beyond the round's limit (400 ms in the reference since power-dev PR #319). Finding it
here costs two seconds; finding it at the start of testing costs the ranging phase.
We query with ``ntplib``, the library the reference vendors, so both agree on the number.
"""

from __future__ import annotations

import socket

import ntplib

from joulekit.doctor.result import CheckResult, error, ok, warning
from joulekit.inputs import split_host_port

__all__ = ["NTP_PORT", "check_ntp_offset", "split_host_port"]

TITLE = "NTP offset"
NTP_PORT = 123


def check_ntp_offset(server: str, limit_ms: float, *, timeout_s: float = 2.0) -> CheckResult:
    """Query ``server`` (``host[:port]``) once; error past ``limit_ms``, warning past half."""
    check = "ntp.offset"
    try:
        host, port = split_host_port(server, NTP_PORT)
    except ValueError:
        return error(
            check,
            TITLE,
            f"cannot read the NTP server {server!r}",
            "give the NTP server as HOST or HOST:PORT (ntpServer in [server], or -n)",
        )
    try:
        stats = ntplib.NTPClient().request(host, version=4, port=port, timeout=timeout_s)
    except socket.gaierror as err:
        return error(
            check,
            TITLE,
            f"cannot resolve the NTP server {host}: {err.strerror}",
            "check the NTP server name (ntpServer in [server], or -n) and this host's DNS",
            server=server,
        )
    except (ntplib.NTPException, OSError) as err:
        return error(
            check,
            TITLE,
            f"no NTP answer from {host}:{port} within {timeout_s:g} s ({err})",
            f"let this host reach {host} on UDP port {port} (firewall?) "
            "or configure an NTP server it can reach",
            server=server,
        )
    offset_ms = stats.offset * 1000.0
    delay_ms = stats.delay * 1000.0
    details = {"server": server, "offset_ms": offset_ms, "delay_ms": delay_ms, "limit_ms": limit_ms}
    if stats.leap == 3 or stats.stratum == 0:
        return error(
            check,
            TITLE,
            f"{host} answers but is not synchronised itself (stratum {stats.stratum})",
            "point the run at an NTP server that is synchronised (leap indicator not 3)",
            **details,
        )
    if abs(offset_ms) > limit_ms:
        return error(
            check,
            TITLE,
            f"this clock is {offset_ms:+.0f} ms from {host}, beyond the {limit_ms:.0f} ms "
            "the round allows",
            f"step the clock now (ntpdate -b {host} or chronyc makestep) and keep it "
            "disciplined by chrony or ntpd",
            **details,
        )
    if abs(offset_ms) > limit_ms / 2:
        return warning(
            check,
            TITLE,
            f"this clock is {offset_ms:+.0f} ms from {host}, more than half of the "
            f"{limit_ms:.0f} ms limit",
            "keep the clock disciplined by chrony or ntpd so it does not drift past the "
            "limit during a long run",
            **details,
        )
    return ok(
        check,
        TITLE,
        f"{offset_ms:+.1f} ms from {host} (round trip {delay_ms:.1f} ms, limit {limit_ms:.0f} ms)",
        **details,
    )
