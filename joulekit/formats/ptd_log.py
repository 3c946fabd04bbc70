"""``power/ptd_logs.txt``: PTDaemon's console output, one block per analyzer.

The director writes ``Analyzer N`` and then that analyzer's console log. Inside a block:

* banner and start-up lines without a timestamp (the SPEC banner, ``Version x.y.z-…``);
* events ``MM-DD-YYYY HH:MM:SS.mmm: <message>``, classified by their message as
  ``error`` (``ERROR: …``), ``warning`` (``WARNING: …``) or ``info``;
* the sample dump that answers ``RL`` (``Time,…,Watts,…`` without a Mark), and raw meter
  replies such as ``Buffer was 1.000E+00;1;…`` after an error.

Files published before multi-analyzer support have no header: everything belongs to
analyzer 1. Two writers can interleave, so an event glued onto the tail of another line
is still found. The director copied this file while PTDaemon was running, so the last
line may be cut short (see the reference notes on the truncated console log): a cut last
line is accepted and flagged with ``truncated``, never reported as an issue. Untimed
text that fits no shape is kept in ``other``; the checker decides what matters.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from joulekit.formats._text import read_lines
from joulekit.formats.issues import FormatIssue
from joulekit.formats.spl import SplLine, SplParseError, parse_spl_line
from joulekit.formats.timefmt import parse_mlperf_time_fast

EventKind = Literal["error", "warning", "info"]
LineKind = Literal["header", "sample", "buffer", "text", "fragment", "truncated"]

_STAMP = re.compile(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d\.\d{3}: ")
# a line that starts like a timestamp but is not the fixed-width form is reported
_STAMP_START = re.compile(r"\d{1,2}-\d{1,2}-\d{4} [\d: .]{1,16}: ")
_HEADER = re.compile(r"Analyzer (\d+)\s*$")
_VERSION = re.compile(r"^\s*Version (\d+\.\d+\.\d+)-")


class PtdEvent(NamedTuple):
    """One timestamped console line; ``line`` is 1-based, ``analyzer`` from 1."""

    time: datetime
    message: str
    line: int
    analyzer: int
    kind: EventKind


class PtdLine(NamedTuple):
    """A line without a timestamp of its own (banner, RL sample, meter reply, ...)."""

    line: int
    analyzer: int
    kind: LineKind
    text: str


@dataclass
class PtdLog:
    path: str
    events: list[PtdEvent] = field(default_factory=list)
    other: list[PtdLine] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)
    analyzers: list[int] = field(default_factory=list)
    versions: dict[int, str] = field(default_factory=dict)
    truncated: bool = False

    def errors(self) -> list[PtdEvent]:
        return [event for event in self.events if event.kind == "error"]

    def warnings(self) -> list[PtdEvent]:
        return [event for event in self.events if event.kind == "warning"]

    def find(self, text: str, start: int = 0, analyzer: int | None = None) -> int | None:
        """Index in ``events`` of the first event from ``start`` whose message contains
        ``text`` (optionally of one analyzer), or None."""
        for index in range(start, len(self.events)):
            event = self.events[index]
            if text in event.message and (analyzer is None or event.analyzer == analyzer):
                return index
        return None

    def samples(self, analyzer: int | None = None) -> list[SplLine]:
        """The ``RL`` sample dumps, parsed (their ``mark`` is empty: RL carries none)."""
        parsed = []
        for item in self.other:
            if item.kind == "sample" and (analyzer is None or item.analyzer == analyzer):
                try:
                    parsed.append(parse_spl_line(item.text, item.line))
                except SplParseError:
                    continue
        return parsed


def _kind(message: str) -> EventKind:
    if message.startswith("ERROR"):
        return "error"
    if message.startswith("WARNING"):
        return "warning"
    return "info"


_new_tuple = tuple.__new__


class _EventMaker:
    """Builds the events of one file cheaply; PTDaemon repeats itself, so this remembers.

    A console log is mostly the same two lines once a second (``ERROR: Can't evaluate
    …`` and ``WARNING: Uncertainty unknown …``), stamped with the same time. Safe to
    remember because the parts are immutable and a pure function of their text: the last
    stamp's datetime is reused when the next line carries the identical stamp text, and
    each distinct message's kind is looked up once. Events are built with
    ``tuple.__new__``, which is what the NamedTuple constructor does after binding.
    """

    def __init__(self) -> None:
        self.days: dict[str, str] = {}
        self.kinds: dict[str, EventKind] = {}
        self.last_stamp = ""
        self.last_time: datetime | None = None

    def time(self, stamp: str) -> datetime | None:
        """``parse_mlperf_time_fast`` of ``stamp``, reusing the previous line's result."""
        if stamp != self.last_stamp:
            self.last_stamp = stamp
            self.last_time = parse_mlperf_time_fast(stamp, self.days)
        return self.last_time

    def event(self, moment: datetime, message: str, number: int, analyzer: int) -> PtdEvent:
        kind = self.kinds.get(message)
        if kind is None:
            kind = self.kinds[message] = _kind(message)
        return _new_tuple(PtdEvent, (moment, message, number, analyzer, kind))


def read_ptd_log(path: str | os.PathLike[str]) -> PtdLog:
    """Read a ``ptd_logs.txt`` (or one analyzer's console log); never raises."""
    text = read_lines(path, "PTD log")
    log = PtdLog(path=text.path, issues=text.issues)
    append_event = log.events.append
    other = log.other
    maker = _EventMaker()
    days = maker.days
    analyzer = 1
    lines = text.lines
    last = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        cut = number == last and not text.terminated
        if cut:
            log.truncated = True
        if len(line) > 24 and line[23] == ":" and line[24] == " " and line[2] == "-":
            moment = maker.time(line[:23])
            if moment is not None:
                message = line[25:]
                if "-20" in message and _STAMP.search(message):
                    _split_glued(log, message, number, analyzer, days, moment)
                else:
                    append_event(maker.event(moment, message, number, analyzer))
                continue
        if line.startswith("Time,"):
            if ": " in line and _STAMP.search(line):
                _unglue(log, line, number, analyzer, days)
            else:
                kind: LineKind = "truncated" if cut else "sample"
                other.append(_new_tuple(PtdLine, (number, analyzer, kind, line)))
            continue
        header = _HEADER.match(line)
        if header:
            analyzer = int(header.group(1))
            log.analyzers.append(analyzer)
            other.append(PtdLine(number, analyzer, "header", line))
            continue
        if cut:
            other.append(PtdLine(number, analyzer, "truncated", line))
            continue
        if _STAMP_START.match(line):
            log.issues.append(
                FormatIssue(
                    log.path, number, f"PTD log line has an unreadable timestamp: {line[:40]!r}"
                )
            )
            continue
        if line.startswith("Buffer was"):
            other.append(PtdLine(number, analyzer, "buffer", line))
            continue
        if _STAMP.search(line):
            _unglue(log, line, number, analyzer, days)
            continue
        version = _VERSION.match(line)
        if version:
            log.versions.setdefault(analyzer, version.group(1))
        other.append(PtdLine(number, analyzer, "text", line))
    if not log.analyzers and (log.events or other):
        log.analyzers.append(1)
    return log


def _unglue(log: PtdLog, line: str, number: int, analyzer: int, days: dict[str, str]) -> None:
    """A line whose head is a fragment of another writer's output and whose tail holds
    one or more events."""
    match = _STAMP.search(line)
    assert match is not None
    log.other.append(PtdLine(number, analyzer, "fragment", line[: match.start()]))
    moment = parse_mlperf_time_fast(line[match.start() : match.start() + 23], days)
    if moment is None:
        log.issues.append(FormatIssue(log.path, number, "PTD log event with an unreadable time"))
        return
    _split_glued(log, line[match.end() :], number, analyzer, days, moment)


def _split_glued(
    log: PtdLog,
    message: str,
    number: int,
    analyzer: int,
    days: dict[str, str],
    moment: datetime,
) -> None:
    """Record ``message`` at ``moment``; a stamp inside it starts another event."""
    while True:
        match = _STAMP.search(message)
        nxt = (
            parse_mlperf_time_fast(message[match.start() : match.start() + 23], days)
            if match
            else None
        )
        if match is None or nxt is None:
            log.events.append(PtdEvent(moment, message, number, analyzer, _kind(message)))
            return
        head = message[: match.start()]
        log.events.append(PtdEvent(moment, head, number, analyzer, _kind(head)))
        moment, message = nxt, message[match.end() :]
