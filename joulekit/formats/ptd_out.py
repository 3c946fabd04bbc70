"""``run_1/ptd_out.txt``: PTDaemon's own statistics for the testing phase.

At testing stop the director asks each analyzer for ``Watts`` and ``Uncertainty`` and
appends, per analyzer::

    Analyzer 1:
    Power: Watts,227.970809,172.000000,238.000000,692,0,692␠
    Uncertainty: Uncertainty,0.005699,0.005521,0.006962,692,0,692,0

(the reference leaves a space at the end of the ``Power:`` line; we write it the same
way). The file is not covered by the session hashes, but its counts are the only record
of how many samples PTDaemon itself judged uncertain, so the checker reads it.
Replies are kept verbatim; the numbers are parsed when the reply has the known shape.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from joulekit.formats._text import read_lines
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.issues import FormatIssue

_HEADER = re.compile(r"Analyzer (\d+):\s*$")


@dataclass(frozen=True)
class WattsStats:
    """``Watts,<avg>,<min>,<max>,<samples>,<errors>,<valid>`` (first channel group)."""

    average: float
    minimum: float
    maximum: float
    samples: int
    errors: int
    valid: int


@dataclass(frozen=True)
class UncertaintyStats:
    """``Uncertainty,<avg>,<min>,<max>,<total>,<invalid>,<valid>,<unknown>`` as fractions
    (0.0063 = 0.63 %)."""

    average: float
    minimum: float
    maximum: float
    total: int
    invalid: int
    valid: int
    unknown: int


@dataclass(frozen=True)
class PtdOutEntry:
    analyzer: int
    power_reply: str
    uncertainty_reply: str
    line: int = 0

    @property
    def watts(self) -> WattsStats | None:
        values = _numbers(self.power_reply, "Watts", 6)
        if values is None:
            return None
        return WattsStats(
            values[0], values[1], values[2], int(values[3]), int(values[4]), int(values[5])
        )

    @property
    def uncertainty(self) -> UncertaintyStats | None:
        values = _numbers(self.uncertainty_reply, "Uncertainty", 7)
        if values is None:
            return None
        return UncertaintyStats(
            values[0],
            values[1],
            values[2],
            int(values[3]),
            int(values[4]),
            int(values[5]),
            int(values[6]),
        )


def _numbers(reply: str, label: str, count: int) -> list[float] | None:
    fields = reply.strip().split(",")
    if len(fields) < count + 1 or fields[0] != label:
        return None
    try:
        return [float(value) for value in fields[1 : count + 1]]
    except ValueError:
        return None


@dataclass
class PtdOut:
    path: str
    entries: list[PtdOutEntry] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)


def read_ptd_out(path: str | os.PathLike[str]) -> PtdOut:
    """Read ``ptd_out.txt``; a block missing its Power or Uncertainty line is an issue."""
    text = read_lines(path, "ptd_out.txt")
    result = PtdOut(path=text.path, issues=text.issues)
    analyzer: int | None = None
    header_line = 0
    power: str | None = None
    uncertainty: str | None = None

    def close() -> None:
        if analyzer is None:
            return
        if power is None or uncertainty is None:
            missing = "Power" if power is None else "Uncertainty"
            result.issues.append(
                FormatIssue(text.path, header_line, f"Analyzer {analyzer}: no '{missing}:' line")
            )
        result.entries.append(PtdOutEntry(analyzer, power or "", uncertainty or "", header_line))

    for number, line in enumerate(text.lines, start=1):
        if not line.strip():
            continue
        header = _HEADER.match(line)
        if header:
            close()
            analyzer, header_line = int(header.group(1)), number
            power = uncertainty = None
        elif line.startswith("Power:") and analyzer is not None:
            power = line[len("Power:") :].strip()
        elif line.startswith("Uncertainty:") and analyzer is not None:
            uncertainty = line[len("Uncertainty:") :].strip()
        else:
            result.issues.append(
                FormatIssue(text.path, number, f"unexpected line in ptd_out.txt: {line[:60]!r}")
            )
    close()
    if not text.missing and not result.entries and not result.issues:
        result.issues.append(FormatIssue(text.path, None, "ptd_out.txt holds no analyzer"))
    return result


def format_ptd_out(entries: Iterable[PtdOutEntry]) -> str:
    """The file text in the reference layout (note the space ending each Power line)."""
    return "".join(
        f"Analyzer {entry.analyzer}:\nPower: {entry.power_reply} \n"
        f"Uncertainty: {entry.uncertainty_reply}\n"
        for entry in entries
    )


def write_ptd_out(path: str | os.PathLike[str], entries: Iterable[PtdOutEntry]) -> None:
    atomic_write_text(path, format_ptd_out(entries))
