"""PWR130: PTDaemon's console reached ``ptd_logs.txt`` (one root cause, not a cascade).

Every PTD-log rule reads the console. When there is none — the director was attached to
a PTDaemon it did not start, and says so in ``server.json``, or an analyzer's section of
``ptd_logs.txt`` is empty — those rules would each fail on the same absence; this rule
names the cause and the fix once, and the PTD-log rules stand aside.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_PTD_LOGS

_FILE = POWER_PTD_LOGS


def missing_consoles(ctx: PowerContext) -> list[tuple[int, str]]:
    """``(analyzer index, why)`` for each analyzer whose console is not in ptd_logs.txt."""
    if not ctx.path(_FILE).is_file():
        return []
    block = ctx.server_raw.get("joulekit")
    missing: dict[int, str] = {}
    entries: Any = block.get("analyzers") if isinstance(block, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        console = entry.get("console") if isinstance(entry, dict) else None
        index = entry.get("index") if isinstance(entry, dict) else None
        if (
            isinstance(console, dict)
            and console.get("captured") is False
            and isinstance(index, int)
        ):
            why = console.get("why")
            missing[index] = str(why) if why else "the director recorded no console"
    log = ctx.ptd_log
    with_events = (
        set(log.columns.analyzer.tolist()) if log.columns is not None
        else {e.analyzer for e in log.events}
    )
    written = with_events | {o.analyzer for o in log.other if o.kind != "header"}
    for index in log.analyzers or ([] if written else [1]):
        if index not in written and index not in missing:
            missing[index] = "its section of ptd_logs.txt is empty"
    return sorted(missing.items())


def check_console_captured(ctx: PowerContext) -> Iterator[Finding]:
    for index, why in missing_consoles(ctx):
        yield R.CONSOLE_CAPTURED.finding(
            f"analyzer {index}: PTDaemon's console is not in ptd_logs.txt ({why}), so the "
            "ranging window, the uncertainty check and PTDaemon's errors cannot be verified",
            file=_FILE,
            expected="PTDaemon's console",
            found="no console lines",
        )
