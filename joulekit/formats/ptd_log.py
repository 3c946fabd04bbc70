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
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

from joulekit.formats._scan import line_bounds, read_rows, rows_of, stamp_table_us
from joulekit.formats._text import TextLines
from joulekit.formats.issues import FormatIssue
from joulekit.formats.safe_files import read_input_bytes
from joulekit.formats.spl import SplLine, SplParseError, parse_spl_line
from joulekit.formats.timefmt import parse_mlperf_time_fast

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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


class PtdLog:
    """One ``ptd_logs.txt``: its events, the other lines, and the problems reading it.

    ``events`` are built on first use when the file was read into :attr:`columns` (the
    usual case): a check that looks at the thousands of repeated console lines through
    the arrays never builds a ``datetime`` and a tuple per line.
    """

    __slots__ = ("_events", "analyzers", "columns", "issues", "other", "path", "truncated",
                 "versions")

    def __init__(
        self,
        path: str,
        events: list[PtdEvent] | None = None,
        other: list[PtdLine] | None = None,
        issues: list[FormatIssue] | None = None,
        analyzers: list[int] | None = None,
        versions: dict[int, str] | None = None,
        truncated: bool = False,
        *,
        columns: PtdEventColumns | None = None,
    ) -> None:
        self.path = path
        self._events = events if events is not None else (None if columns else [])
        self.other: list[PtdLine] = other if other is not None else []
        self.issues: list[FormatIssue] = issues if issues is not None else []
        self.analyzers: list[int] = analyzers if analyzers is not None else []
        self.versions: dict[int, str] = versions if versions is not None else {}
        self.truncated = truncated
        #: the events as arrays (see :class:`PtdEventColumns`), or None
        self.columns = columns

    @property
    def events(self) -> list[PtdEvent]:
        if self._events is None:
            self._events = self.columns.materialise() if self.columns is not None else []
        return self._events

    @events.setter
    def events(self, value: list[PtdEvent]) -> None:
        self._events = value
        self.columns = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PtdLog):
            return NotImplemented
        return self._key() == other._key()

    def _key(self) -> tuple[object, ...]:
        return (self.path, self.events, self.other, self.issues, self.analyzers,
                self.versions, self.truncated)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        return (f"PtdLog(path={self.path!r}, events=<{self.event_count}>, "
                f"issues={self.issues!r}, analyzers={self.analyzers!r})")

    @property
    def event_count(self) -> int:
        return len(self.columns) if self.columns is not None else len(self.events)

    def errors(self) -> list[PtdEvent]:
        return [event for event in self.events if event.kind == "error"]

    def warnings(self) -> list[PtdEvent]:
        return [event for event in self.events if event.kind == "warning"]

    def find(self, text: str, start: int = 0, analyzer: int | None = None) -> int | None:
        """Index in ``events`` of the first event from ``start`` whose message contains
        ``text`` (optionally of one analyzer), or None."""
        if self.columns is not None:
            return self.columns.find(text, start, analyzer)
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_T = TypeVar("_T")


@dataclass(frozen=True, eq=False)
class PtdEventColumns:
    """The events of a file as arrays, row i being ``events[i]``: ``time_us``
    (microseconds since 1970-01-01 UTC, int64), ``line``, ``analyzer`` and ``message_id``
    (int64 arrays), the index into ``messages``, each distinct message text once in
    order of first appearance, with its ``kinds``. Read-only: shared by the copies of a
    result."""

    time_us: npt.NDArray[np.int64]
    line: npt.NDArray[np.int64]
    analyzer: npt.NDArray[np.int64]
    message_id: npt.NDArray[np.int64]
    messages: list[str]
    kinds: list[EventKind]
    #: what callers derived from these arrays, by a key they choose (see :meth:`derived`)
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.time_us)

    def derived(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per ``key``: the copies of a result share one parsed log, so
        what depends on the log alone is worked out once for all of them."""
        if key not in self.memo:
            self.memo[key] = compute()
        value: _T = self.memo[key]
        return value

    def ids_where(
        self, test: Callable[[str], object], key: Hashable = None
    ) -> npt.NDArray[np.bool_]:
        """Per event, whether ``test`` of its message is true (asked once per text);
        remembered under ``key`` when one is given."""
        import numpy as np  # numpy with the first array, see joulekit.formats._scan

        def compute() -> npt.NDArray[np.bool_]:
            tests = (bool(test(m)) for m in self.messages)
            by_text = np.fromiter(tests, bool, len(self.messages))
            result: npt.NDArray[np.bool_] = by_text[self.message_id]
            return result

        return compute() if key is None else self.derived(("ids_where", key), compute)

    def contains(self, text: str) -> npt.NDArray[np.bool_]:
        """Per event, whether its message contains ``text``."""
        return self.ids_where(lambda message: text in message, ("contains", text))

    def find(self, text: str, start: int = 0, analyzer: int | None = None) -> int | None:
        import numpy as np  # see ids_where

        hits = self.contains(text)[start:]
        if analyzer is not None:
            hits = hits & (self.analyzer[start:] == analyzer)
        found = np.flatnonzero(hits)
        return int(found[0]) + start if len(found) else None

    def materialise(self) -> list[PtdEvent]:
        """The :class:`PtdEvent` list, as the line-by-line reader builds it."""
        messages, kinds = self.messages, self.kinds
        times = [_EPOCH + timedelta(microseconds=us) for us in self.time_us.tolist()]
        return [
            _new_tuple(PtdEvent, (time, messages[mid], line, analyzer, kinds[mid]))
            for time, mid, line, analyzer in zip(
                times, self.message_id.tolist(), self.line.tolist(), self.analyzer.tolist(),
                strict=True,
            )
        ]


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
    """Read a ``ptd_logs.txt`` (or one analyzer's console log); never raises.

    An ASCII file of many lines is read by :func:`_read_fast` straight from its bytes
    (its lines are sliced out only where a check needs their text); any other file is
    split into lines first.
    """
    try:
        data: bytes | None = read_input_bytes(path)
    except OSError:
        data = None  # read_rows words the problem
    if data is not None and data.isascii():
        bounds = line_bounds(data)
        if bounds is not None and len(bounds[0]) > _FAST_MIN_LINES:
            return _read_fast(_Lines(str(path), data, *bounds))
    text = read_rows(path, "PTD log") if data is None else rows_of(path, data, "PTD log")
    if len(text.lines) >= _FAST_MIN_LINES:
        return _read_fast(text)
    log = PtdLog(path=text.path, issues=text.issues, events=[])
    maker = _EventMaker()
    analyzer = 1
    last = len(text.lines)
    for number, line in enumerate(text.lines, start=1):
        if line:
            analyzer = _read_row(log, line, number, analyzer, number == last and
                                 not text.terminated, maker)
    if not log.analyzers and (log.events or log.other):
        log.analyzers.append(1)
    return log


#: below this many lines the arrays cost more than they save
_FAST_MIN_LINES = 64


def _read_row(
    log: PtdLog, line: str, number: int, analyzer: int, cut: bool, maker: _EventMaker
) -> int:
    """Read one non-empty line into ``log``; returns the analyzer it leaves current."""
    days = maker.days
    if cut:
        log.truncated = True
    if len(line) > 24 and line[23] == ":" and line[24] == " " and line[2] == "-":
        moment = maker.time(line[:23])
        if moment is not None:
            message = line[25:]
            if "-20" in message and _STAMP.search(message):
                _split_glued(log, message, number, analyzer, days, moment)
            else:
                log.events.append(maker.event(moment, message, number, analyzer))
            return analyzer
    if line.startswith("Time,"):
        if ": " in line and _STAMP.search(line):
            _unglue(log, line, number, analyzer, days)
        else:
            kind: LineKind = "truncated" if cut else "sample"
            log.other.append(_new_tuple(PtdLine, (number, analyzer, kind, line)))
        return analyzer
    header = _HEADER.match(line)
    if header:
        analyzer = int(header.group(1))
        log.analyzers.append(analyzer)
        log.other.append(PtdLine(number, analyzer, "header", line))
        return analyzer
    if cut:
        log.other.append(PtdLine(number, analyzer, "truncated", line))
        return analyzer
    if _STAMP_START.match(line):
        log.issues.append(
            FormatIssue(
                log.path, number, f"PTD log line has an unreadable timestamp: {line[:40]!r}"
            )
        )
        return analyzer
    if line.startswith("Buffer was"):
        log.other.append(PtdLine(number, analyzer, "buffer", line))
        return analyzer
    if _STAMP.search(line):
        _unglue(log, line, number, analyzer, days)
        return analyzer
    version = _VERSION.match(line)
    if version:
        log.versions.setdefault(analyzer, version.group(1))
    log.other.append(PtdLine(number, analyzer, "text", line))
    return analyzer


class _Lines:
    """The lines of an ASCII file as :class:`TextLines` holds them, kept as offsets into
    its text: a line is sliced out when it is asked for, and :meth:`heads` gives the
    first 25 characters of every line as one array without a string per line."""

    issues: list[FormatIssue]

    def __init__(
        self,
        path: str,
        data: bytes,
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
    ) -> None:
        self.path = path
        self.issues = []
        self._data = data
        self._text = data.decode("ascii")
        self.terminated = data.endswith(b"\n")
        if self.terminated:  # the empty piece after the last LF is no line
            starts, ends = starts[:-1], ends[:-1]
        self._starts, self._ends = starts, ends

    def __len__(self) -> int:
        return len(self._starts)

    def line(self, row: int) -> str:
        return self._text[int(self._starts[row]) : int(self._ends[row])]

    def tails(self, rows: npt.NDArray[np.int64], skip: int) -> list[str]:
        """Each line of ``rows`` from its character ``skip`` on."""
        text = self._text
        starts = (self._starts[rows] + skip).tolist()
        return [text[a:b] for a, b in zip(starts, self._ends[rows].tolist(), strict=True)]

    def heads(self) -> npt.NDArray[np.uint8]:
        """(lines, 25) codes of each line's first 25 characters, 0 past its end."""
        import numpy as np  # see _read_fast

        codes = np.frombuffer(self._data, dtype=np.uint8)
        at = self._starts[:, None] + np.arange(25)
        table: npt.NDArray[np.uint8] = codes[np.minimum(at, max(len(codes) - 1, 0))]
        table[at >= self._ends[:, None]] = 0
        return table


def _read_fast(text: TextLines | _Lines) -> PtdLog:
    """The same :class:`PtdLog` as the line-by-line loop, its events as arrays.

    Most lines are plain events (``<stamp>: <message>`` with a valid fixed-width stamp
    and no second stamp glued into the message); those are found and timed for the
    whole file at once (:func:`joulekit.formats._scan.stamp_table_us`). Every other
    line, and a plain-looking one whose stamp the vectorised check refuses, goes through
    :func:`_read_row` in file order, exactly as the loop reads it; its events are merged
    in by line number (one line's events stay in their order). A plain event's analyzer
    is that of the last ``Analyzer N`` header above it.
    """
    import numpy as np  # here: the director imports this module but never scans

    heads: npt.NDArray[np.unsignedinteger[Any]]
    line_at: Callable[[int], str]
    if isinstance(text, _Lines):
        total = len(text)
        heads = text.heads()
        line_at = text.line
    else:
        lines = text.lines
        total = len(lines)
        heads = np.array(lines, dtype="U25").view(np.uint32).reshape(total, 25)
        line_at = lines.__getitem__
    shaped = (heads[:, 23] == 58) & (heads[:, 24] == 32) & (heads[:, 2] == 45)
    time_us, valid = stamp_table_us(heads)
    plain_rows = np.flatnonzero(shaped & valid)
    if isinstance(text, _Lines):
        messages = text.tails(plain_rows, 25)
    else:
        messages = [lines[row][25:] for row in plain_rows.tolist()]
    distinct = dict.fromkeys(messages)
    glued = {m for m in distinct if "-20" in m and _STAMP.search(m)}
    if glued:
        keep = np.fromiter((m not in glued for m in messages), bool, len(messages))
        plain_rows = plain_rows[keep]
        messages = [m for m in messages if m not in glued]
    special = np.ones(total, dtype=bool)
    special[plain_rows] = False
    # the rest, in order, through the line-by-line reader
    log = PtdLog(path=text.path, issues=text.issues, events=[])
    maker = _EventMaker()
    analyzer = 1
    header_rows: list[int] = []
    header_values: list[int] = []
    for row in np.flatnonzero(special).tolist():
        line = line_at(row)
        if not line:
            continue
        before = len(log.analyzers)
        analyzer = _read_row(log, line, row + 1, analyzer,
                             row + 1 == total and not text.terminated, maker)
        if len(log.analyzers) != before:
            header_rows.append(row)
            header_values.append(analyzer)
    if plain_rows.size and plain_rows[-1] + 1 == total and not text.terminated:
        log.truncated = True
    plain_analyzer = np.ones(len(plain_rows), dtype=np.int64)
    if header_rows:
        at = np.searchsorted(np.array(header_rows), plain_rows, side="right")
        values = np.concatenate(([1], np.array(header_values, dtype=np.int64)))
        plain_analyzer = values[at]
    extra = log.events  # events of the special lines, in file order
    log.events = []
    ids = {m: i for i, m in enumerate(dict.fromkeys(messages + [e.message for e in extra]))}
    texts = list(ids)
    kinds = [maker.kinds.get(m) or _kind(m) for m in texts]
    message_id = np.fromiter(map(ids.__getitem__, messages), np.int64, len(messages))
    columns_time = time_us[plain_rows]
    columns_line = plain_rows.astype(np.int64) + 1
    if extra:
        from joulekit.formats.spl import to_us  # the same microseconds as the arrays

        columns_time = np.concatenate((columns_time, [to_us(e.time) for e in extra]))
        columns_line = np.concatenate((columns_line, [e.line for e in extra]))
        plain_analyzer = np.concatenate((plain_analyzer, [e.analyzer for e in extra]))
        message_id = np.concatenate((message_id, [ids[e.message] for e in extra]))
        order = np.argsort(columns_line, kind="stable")
        columns_time, columns_line = columns_time[order], columns_line[order]
        plain_analyzer, message_id = plain_analyzer[order], message_id[order]
    log.columns = PtdEventColumns(
        columns_time.astype(np.int64), columns_line.astype(np.int64),
        plain_analyzer.astype(np.int64), message_id.astype(np.int64), texts, kinds,
    )
    log._events = None
    if not log.analyzers and (len(log.columns) or log.other):
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
