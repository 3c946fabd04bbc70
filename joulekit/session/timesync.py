"""Clock checks before every phase: NTP offset and the client↔director offset.

The reference client asks an NTP server for its offset and sends ``time`` to the
director, passing when max(|t_before − server|, |t_after − server|) is within 400 ms, so
a slow round trip counts against the budget. We keep exactly that verdict (so a run we
pass, the reference would pass) and also record the NTP-style estimate
offset = server − (t_before + t_after)/2 with its round trip, which says how far the
clocks really are apart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import ntplib

from joulekit.errors import UserError
from joulekit.inputs import parse_address
from joulekit.rules import load_pack, threshold

#: the client's own offset limit (rules/catalog/thresholds.yaml)
DEFAULT_LIMIT_MS = threshold("client_max_offset_ms")


@dataclass(frozen=True)
class DirectorOffset:
    offset_ms: float  # server − midpoint of the round trip
    rtt_ms: float
    worst_ms: float  # the reference's verdict figure
    low_ms: float
    high_ms: float

    def within(self, limit_ms: float) -> bool:
        return self.worst_ms <= limit_ms


def director_offset(before: float, server: float, after: float) -> DirectorOffset:
    low, high = sorted((abs(before - server) * 1000, abs(after - server) * 1000))
    return DirectorOffset(
        offset_ms=(server - (before + after) / 2) * 1000,
        rtt_ms=(after - before) * 1000,
        worst_ms=high,
        low_ms=low,
        high_ms=high,
    )


def ntp_offset(
    server: str, clock: Callable[[], float], timeout: float = 5.0
) -> tuple[float, float]:
    """(offset_s, delay_s) of ``clock`` against ``server`` (``HOST`` or ``HOST:PORT``).

    ntplib measures against the system clock; an injected ``clock`` shifts the result by
    its own difference from the system clock, as if the machine's clock were that one.
    """
    host, port = parse_address(server, 123, "NTP server")
    try:
        response = ntplib.NTPClient().request(host, version=4, port=port, timeout=timeout)
    except (ntplib.NTPException, OSError) as err:
        raise UserError(
            f"the NTP server {server} did not answer: {err}",
            hint="check -n (HOST or HOST:PORT) and that UDP to it is allowed",
        ) from err
    skew = clock() - time.time()
    return float(response.offset) - skew, float(response.delay)


def limit_from_pack(round_name: str | None, log: logging.Logger) -> float:
    """The client's limit: ``time_sync.client_max_offset_ms``, else half the checker's
    ``max_skew_ms`` capped at 400 ms, else 400 ms."""
    if round_name is None:
        return DEFAULT_LIMIT_MS
    try:
        time_sync = load_pack(round_name).power.get("time_sync", {})
    except UserError as err:
        log.warning("No rule pack for %s (%s); using %g ms", round_name, err, DEFAULT_LIMIT_MS)
        return DEFAULT_LIMIT_MS
    if "client_max_offset_ms" in time_sync:
        return float(time_sync["client_max_offset_ms"])
    if "max_skew_ms" in time_sync:
        return min(DEFAULT_LIMIT_MS, float(time_sync["max_skew_ms"]) / 2)
    return DEFAULT_LIMIT_MS
