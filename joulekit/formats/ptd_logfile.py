"""PTDaemon's ``-l`` data log: every sample it took, plus its notices and errors.

This is the file the director reads at ranging stop to find the largest Volts and Amps
under the ranging mark (the reference director never publishes it; it stays in the
director's working folder). Three kinds of line share it:

* samples, in spl format with PTDaemon's own Mark (``notset`` until one is set);
* events ``Time,<ts>,NOTICE,<text>`` and ``Time,<ts>,ERROR,<text>``;
* raw meter replies without any prefix, e.g. ``Buffer was 1.000E+00;1;300.0E+00;1``.

Unprefixed lines are kept, not reported: PTDaemon writes them and parsers are expected
to step over them. A line that starts with ``Time,`` and is neither a sample nor an event
is an issue, since that means the file itself is damaged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from joulekit.formats._text import read_lines
from joulekit.formats.issues import FormatIssue
from joulekit.formats.ptd_log import EventKind, LineKind, PtdEvent, PtdLine
from joulekit.formats.spl import SplLine, SplParseError, _fast_line, _FastState, parse_spl_line
from joulekit.formats.timefmt import parse_mlperf_time_fast


@dataclass
class PtdLogfile:
    path: str
    samples: list[SplLine] = field(default_factory=list)
    events: list[PtdEvent] = field(default_factory=list)
    other: list[PtdLine] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)

    def marked(self, mark: str) -> list[SplLine]:
        """The samples PTDaemon took under ``mark`` (e.g. ``<session>_ranging``)."""
        return [sample for sample in self.samples if sample.mark == mark]


def read_ptd_logfile(path: str | os.PathLike[str]) -> PtdLogfile:
    """Read a PTDaemon ``-l`` file; never raises."""
    text = read_lines(path, "PTDaemon data log")
    log = PtdLogfile(path=text.path, issues=text.issues)
    state = _FastState()
    days = state.days
    last = len(text.lines)
    for number, line in enumerate(text.lines, start=1):
        if not line.strip():
            continue
        if not line.startswith("Time,"):
            raw_kind: LineKind = "buffer" if line.startswith("Buffer was") else "text"
            log.other.append(PtdLine(number, 1, raw_kind, line))
            continue
        sample = _fast_line(line, number, state)
        if sample is not None:
            log.samples.append(sample)
            continue
        parts = line.split(",", 3)
        if len(parts) == 4 and parts[2] in ("NOTICE", "ERROR"):
            moment = parse_mlperf_time_fast(parts[1], days)
            if moment is not None:
                kind: EventKind = "error" if parts[2] == "ERROR" else "info"
                log.events.append(PtdEvent(moment, parts[3], number, 1, kind))
                continue
        try:
            log.samples.append(parse_spl_line(line.strip(), number))
        except SplParseError as exc:
            if number == last and not text.terminated:
                log.other.append(PtdLine(number, 1, "truncated", line))
            else:
                log.issues.append(FormatIssue(text.path, number, f"unreadable line: {exc}"))
    return log
