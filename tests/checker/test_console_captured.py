"""PWR130: a ptd_logs.txt without PTDaemon's console is one finding with its fix, not a
cascade of PTD-log rules (issue 16). Real published results, with the console removed
the way an attached director would have left it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from joulekit.checker import check_path

from ._fixtures import DELL_V21_OFFLINE

PTD_LOG_RULES = {"PWR060", "PWR061", "PWR062", "PWR063", "PWR130"}


def _ptd_log_findings(perf: Path) -> list[tuple[str, str]]:
    report = check_path(perf, jobs=1)
    return [
        (f.rule, f.message)
        for result in report.results
        for f in result.findings
        if f.rule in PTD_LOG_RULES
    ]


def test_the_published_console_gives_no_pwr130(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    assert "PWR130" not in {rule for rule, _ in _ptd_log_findings(perf)}


def test_an_empty_console_section_is_pwr130_alone(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    logs = next(perf.rglob("ptd_logs.txt"))
    logs.write_text("Analyzer 1\n")
    found = _ptd_log_findings(perf)
    assert [rule for rule, _ in found] == ["PWR130"], found
    assert "its section of ptd_logs.txt is empty" in found[0][1]


def test_server_json_saying_not_captured_is_pwr130(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(DELL_V21_OFFLINE)
    server = next(perf.rglob("server.json"))
    document = json.loads(server.read_text())
    why = "the director attached to a PTDaemon it did not start"
    console = {"captured": False, "why": why}
    document["joulekit"] = {"analyzers": [{"index": 1, "console": console}]}
    server.write_text(json.dumps(document))
    next(perf.rglob("ptd_logs.txt")).write_text("Analyzer 1\n")
    found = _ptd_log_findings(perf)
    assert [rule for rule, _ in found] == ["PWR130"], found
    assert "attached to a PTDaemon it did not start" in found[0][1]
