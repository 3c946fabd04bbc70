"""The one shape of a lost peer in ``server.json``/``client.json`` (``joulekit.lost``).

Both sides record a loss the same way: the director when an analyzer or the client
goes, the client when the director goes. Checker rule PWR110 reads these entries, so
the shape lives here, below both sides, rather than in either one's internals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

#: the kinds of peer a session can lose
LOST_WHAT = ("director", "analyzer", "client")


def lost_entry(what: str, peer: str, phase: str, message: str) -> dict[str, Any]:
    """One ``joulekit.lost`` entry; ``time`` is now, ISO-8601 UTC."""
    assert what in LOST_WHAT
    return {
        "what": what,
        "peer": peer,
        "phase": phase,
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "message": message,
    }
