"""PWR110: a peer lost mid-session, as the run itself recorded it.

When the director loses an analyzer or its client mid-session, or the client loses the
director, the side that noticed writes a ``joulekit.lost`` entry (what, peer, phase,
time, message) into its ``server.json`` or ``client.json`` and keeps every sample it
had. Such a tree holds real measurements but not a whole run; the finding says what
was lost, where and when, so nobody takes its figures for a complete result. The
reference tools ignore the key (they read only the keys they know).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import CLIENT_JSON, POWER, SERVER_JSON, session_file

_WHAT = {"director": "the director", "analyzer": "the analyzer", "client": "the client"}


def lost_entries(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The well-formed ``joulekit.lost`` entries of one power JSON document."""
    block = raw.get("joulekit")
    lost = block.get("lost") if isinstance(block, dict) else None
    if not isinstance(lost, list):
        return []
    return [entry for entry in lost if isinstance(entry, dict)]


def check_lost(ctx: PowerContext) -> Iterator[Finding]:
    for name, raw in ((SERVER_JSON, ctx.server_raw), (CLIENT_JSON, ctx.client_raw)):
        for entry in lost_entries(raw):
            what = _WHAT.get(str(entry.get("what")), f"a peer ({entry.get('what')!s})")
            peer, phase = entry.get("peer", "?"), entry.get("phase", "?")
            when, message = entry.get("time", "?"), entry.get("message", "")
            yield R.LOST_PEER.finding(
                f"{name}: {what} {peer} was lost during {phase} at {when}: {message}",
                file=session_file(POWER, name),
                expected="every peer present from the first command to done",
                found=f"{what} {peer} lost during {phase}",
            )
