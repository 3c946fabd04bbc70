"""Facts for the reviewer that sit beside the figure: ranges, clocks, analyzers, traces.

All files are read through ``joulekit.formats``; nothing here parses a log format. None
of these facts changes the published figure, which is the checker's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from joulekit.formats.power_json import PowerSummary
from joulekit.formats.ptd_log import PtdLog
from joulekit.formats.spl import SplFile, SplLine, read_spl
from joulekit.insight.trace import PhaseTrace, Series, counted_mask, find_gaps, seconds_since
from joulekit.insight.view import ClockRow, RangeSetting

PHASE_POINTS = ("start requested", "measuring", "stop requested", "stopped")
#: a PTD uncertainty warning is printed just after its sample; match within this many s
_WARNING_LAG_S = 1.5


def range_settings(server: PowerSummary | None) -> list[RangeSetting]:
    """Every ``SR`` the director sent, tagged with the phase it prepared (or restore)."""
    if server is None or not server.ptd_messages:
        return []
    messages = list(server.ptd_messages)
    out = []
    for i, message in enumerate(messages):
        parts = message.cmd.split(",")
        if len(parts) != 3 or parts[0] != "SR":
            continue
        phase = "restore initial ranges"
        for later in messages[i + 1 :]:
            if later.cmd.startswith("Go,"):
                phase = later.cmd.rsplit("_", 1)[-1]
                break
        out.append(RangeSetting(phase, parts[1], parts[2], message.reply))
    return out


def clock_rows(client: PowerSummary | None, server: PowerSummary | None) -> list[ClockRow]:
    """The four checkpoints of each phase as both sides recorded them."""
    if client is None or server is None:
        return []
    rows = []
    for phase in ("ranging", "testing"):
        ours, theirs = client.phases.get(phase, []), server.phases.get(phase, [])
        for name, a, b in zip(PHASE_POINTS, ours, theirs, strict=False):
            rows.append(ClockRow(phase, name, a.wall, b.wall))
    return rows


def time_offsets_ms(client: PowerSummary | None) -> list[float]:
    """Director-minus-client clock offset of each ``time`` exchange, in ms.

    The client records when it asked and when the answer came; the director's time is
    taken to be read at the midpoint of that round trip (the NTP assumption).
    """
    if client is None:
        return []
    out = []
    for m in client.messages:
        if m.cmd != "time":
            continue
        try:
            remote = float(m.reply)
        except ValueError:
            continue
        out.append((remote - (m.cmd_time + m.reply_time) / 2) * 1000.0)
    return out


def analyzer_lines(server: PowerSummary | None) -> list[str]:
    """What each analyzer said it is, and how joulekit labelled it (if it did)."""
    if server is None:
        return []
    lines = [
        m.reply.split(",OS=")[0][:160] for m in server.ptd_messages or [] if m.cmd == "Identify"
    ]
    for entry in joulekit_analyzers(server):
        lines.append(
            f"analyzer {entry.get('index')}: {entry.get('url')} ({entry.get('kind')}, "
            f"{'compliant' if entry.get('compliant') else 'not compliant'})"
        )
    return lines


def joulekit_block(server: PowerSummary | None) -> dict[str, Any]:
    """The ``joulekit`` provenance key of a server.json we wrote (empty otherwise)."""
    if server is None:
        return {}
    block = server.raw.get("joulekit", server.extra.get("joulekit", {}))
    return block if isinstance(block, dict) else {}


def joulekit_analyzers(server: PowerSummary | None) -> list[dict[str, Any]]:
    entries = joulekit_block(server).get("analyzers", [])
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def uncertainty_evidence(
    log: PtdLog, window: tuple[datetime, datetime] | None
) -> tuple[list[datetime], bool]:
    """Times of over-limit warnings, and whether every windowed sample is proven in limit.

    Proven means: PTDaemon's uncertainty checking was activated, and inside the power
    window it printed neither an over-limit nor an unknown-uncertainty warning.
    """
    over = [e.time for e in log.events if "Uncertainty" in e.message and "above" in e.message]
    if window is None:
        return over, False
    begin, end = window
    activated = any(
        "Uncertainty checking" in e.message and "activated" in e.message for e in log.events
    )
    doubtful = any(
        begin < e.time < end
        and "Uncertainty" in e.message
        and ("above" in e.message or "unknown" in e.message)
        for e in log.events
    )
    return over, activated and not doubtful


def _channels(lines: Sequence[SplLine], t: np.ndarray, names: Sequence[str]) -> list[Series]:
    if lines and lines[0].channels:
        count = len(lines[0].channels)
        return [
            Series(
                lines[0].channels[i].name,
                t,
                np.asarray(
                    [s.channels[i].watts if len(s.channels) > i else np.nan for s in lines],
                    dtype=float,
                ),
            )
            for i in range(count)
            if any(len(s.channels) > i and s.channels[i].watts > 0 for s in lines)
        ]
    if lines and len(lines[0].analyzers) > 1:
        count = len(lines[0].analyzers)
        return [
            Series(
                names[i] if i < len(names) else f"analyzer {i + 1}",
                t,
                np.asarray(
                    [s.analyzers[i].watts if len(s.analyzers) > i else np.nan for s in lines],
                    dtype=float,
                ),
            )
            for i in range(count)
        ]
    return []


def phase_trace(
    phase: str,
    spl: SplFile,
    window: tuple[datetime, datetime] | None,
    over_limit_times: Sequence[datetime],
    secondary: Sequence[tuple[str, SplFile]] = (),
    analyzer_names: Sequence[str] = (),
) -> PhaseTrace | None:
    """Arrays of one phase for plotting (None when the phase has no sample)."""
    lines = spl.lines
    if not lines:
        return None
    origin = lines[0].time
    t = seconds_since(origin, [s.time for s in lines])
    watts = np.asarray([s.watts for s in lines], dtype=float)
    rel_window = (
        None
        if window is None
        else ((window[0] - origin).total_seconds(), (window[1] - origin).total_seconds())
    )
    over = np.zeros(t.shape, dtype=bool)
    if over_limit_times:
        warn = seconds_since(origin, list(over_limit_times))
        idx = np.searchsorted(t, warn, side="right") - 1
        for w, i in zip(warn, idx, strict=True):
            if 0 <= i < t.size and w - t[i] <= _WARNING_LAG_S:
                over[i] = True
    extra = []
    for name, other in secondary:
        if other.lines:
            st = seconds_since(origin, [s.time for s in other.lines])
            extra.append(Series(name, st, np.asarray([s.watts for s in other.lines], dtype=float)))
    return PhaseTrace(
        phase=phase,
        origin=origin,
        t=t,
        watts=watts,
        counted=counted_mask(t, watts, rel_window),
        over_limit=over,
        window=rel_window,
        gaps=find_gaps(t),
        channels=_channels(lines, t, analyzer_names),
        secondary=extra,
    )


def software_sources(server: PowerSummary | None, phase_dir: Path) -> list[tuple[str, SplFile]]:
    """Per-analyzer sample files of the software and node-level sources (NVML, RAPL; a
    BMC or PDU) of one phase."""
    out = []
    for entry in joulekit_analyzers(server):
        if entry.get("kind") not in ("software", "node-level"):
            continue
        path = phase_dir / f"spl_analyzer_{entry.get('index')}.txt"
        if path.is_file():
            out.append((str(entry.get("url")), read_spl(path)))
    return out


def hardware_names(server: PowerSummary | None) -> list[str]:
    """Names of the analyzers in merged-line order (URL when joulekit recorded it)."""
    return [str(e.get("url")) for e in joulekit_analyzers(server)]
