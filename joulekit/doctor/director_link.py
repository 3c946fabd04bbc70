"""Can the SUT host reach the director, and do their clocks agree?

Before each phase the client asks the director for its ``time`` and gives up when the
answer, bracketed by the moments it sent and received the request, is more than the
limit away (the round trip counts against the budget, as in the reference). We make
the same exchange now, over protocol v3 exactly as the client will, a few times, and
keep the fastest round trip: its midpoint gives the offset NTP-style, ± half the trip.
"""

from __future__ import annotations

import logging
import time

from joulekit.doctor.result import CheckResult, error, ok, warning
from joulekit.errors import UserError
from joulekit.session.protocol import (
    CLIENT_MAGIC,
    SERVER_MAGIC,
    LineChannel,
    ProtocolError,
    cmd_time,
    connect,
    parse_time_reply,
)
from joulekit.session.timesync import director_offset, limit_from_pack

TITLE = "client ↔ director time"
#: how many ``time`` exchanges to make; the one with the shortest round trip is kept
EXCHANGES = 5


def sync_limit_ms(round_name: str | None) -> float:
    """The limit the client will apply before each phase (from the round's pack)."""
    return limit_from_pack(round_name, logging.getLogger("joulekit.doctor"))


def _exchange(channel: LineChannel, timeout_s: float) -> tuple[float, float, float]:
    """One ``time`` request: (sent, director's time, received), wall clock seconds."""
    sent = time.time()
    channel.send_line(cmd_time())
    reply = channel.recv_line(timeout_s)
    received = time.time()
    return sent, parse_time_reply(reply), received


def check_director_time(
    host: str, port: int, limit_ms: float, *, timeout_s: float = 3.0
) -> CheckResult:
    check = "director.time"
    where = f"{host}:{port}"
    try:
        channel = connect(host, port, timeout=timeout_s)
    except UserError as err:
        return error(
            check,
            TITLE,
            str(err).split(" (")[0],
            f"start the director on {host} (joulekit director -c server.conf) and check -a/-p "
            "and the firewall between the hosts",
            director=where,
        )
    try:
        channel.send_line(CLIENT_MAGIC)
        greeting = channel.recv_line(timeout_s)
        if greeting != SERVER_MAGIC:
            return error(
                check,
                TITLE,
                f"{where} answered {greeting[:80]!r}, not {SERVER_MAGIC!r}",
                "point -a/-p at a power director speaking protocol v3",
                director=where,
            )
        exchanges = [_exchange(channel, timeout_s) for _ in range(EXCHANGES)]
    except (ProtocolError, OSError) as err:
        return error(
            check,
            TITLE,
            f"the director at {where} stopped answering: {err}",
            "check that nothing else (a running session, a firewall) holds the director, "
            "then retry",
            director=where,
        )
    finally:
        channel.close()
    best = min((director_offset(*e) for e in exchanges), key=lambda d: d.rtt_ms)
    rtt_ms, offset_ms, worst_ms = best.rtt_ms, best.offset_ms, best.worst_ms
    details = {
        "director": where,
        "offset_ms": offset_ms,
        "round_trip_ms": rtt_ms,
        "worst_ms": worst_ms,
        "limit_ms": limit_ms,
    }
    summary = (
        f"director clock {offset_ms:+.1f} ms from this host ± {rtt_ms / 2:.1f} ms "
        f"(round trip {rtt_ms:.1f} ms)"
    )
    if worst_ms > limit_ms:
        return error(
            check,
            TITLE,
            f"{summary}: beyond the {limit_ms:.0f} ms the client allows",
            "sync both hosts to the same NTP server (the client's -n and ntpServer in "
            "[server]) and step the clock that is off",
            **details,
        )
    if worst_ms > limit_ms / 2:
        return warning(
            check,
            TITLE,
            f"{summary}: more than half of the {limit_ms:.0f} ms limit",
            "keep both clocks disciplined by the same NTP server so they do not drift apart",
            **details,
        )
    return ok(check, TITLE, f"{summary}; limit {limit_ms:.0f} ms", **details)
