"""Show doctor results: a rich table for people, JSON for tools.

The table keeps one row per check, with the advice right under a failing row so the
reader never has to match a footnote to a line. The JSON carries the same results plus
the counts and the exit code, so a CI job can gate on it without parsing text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from joulekit.doctor.result import CheckResult, Status, exit_code

_STYLE = {
    Status.OK: ("ok", "green"),
    Status.WARNING: ("warn", "yellow"),
    Status.ERROR: ("FAIL", "bold red"),
    Status.SKIPPED: ("skip", "dim"),
}


def counts(results: Sequence[CheckResult]) -> dict[str, int]:
    return {str(s): sum(1 for r in results if r.status is s) for s in Status}


def to_json(results: Sequence[CheckResult]) -> str:
    document = {
        "results": [r.to_json() for r in results],
        "counts": counts(results),
        "exit_code": exit_code(results),
    }
    return json.dumps(document, indent=2, sort_keys=False)


def render_table(results: Sequence[CheckResult], console: Console) -> None:
    table = Table(title="joulekit doctor", expand=True)
    table.add_column("", no_wrap=True, width=4)
    table.add_column("check", ratio=1)
    table.add_column("what we found", ratio=3)
    for result in results:
        label, style = _STYLE[result.status]
        body = Text(result.message)
        if result.advice:
            body.append("\n→ " + result.advice, style="italic")
        table.add_row(Text(label, style=style), result.title, body)
    console.print(table)
    tally = counts(results)
    verdict = {
        0: Text("ready: no problem found", style="green"),
        1: Text(
            f"{tally['error']} error(s), {tally['warning']} warning(s): fix the errors "
            "before the run",
            style="bold red",
        ),
        2: Text(
            f"{tally['warning']} warning(s): the run can start, read them first", style="yellow"
        ),
    }[exit_code(results)]
    console.print(verdict)
