"""LoadGen's logs: ``mlperf_log_detail.txt`` (machine-readable) and the human summary.

The detail log is the source of truth for everything a power check needs from LoadGen:
the scenario that actually ran (``effective_scenario``, never the folder name, which is
lower-case in some rounds), the power window (``power_begin``/``power_end``), the query
count and the error/warning records. LoadGen may log a key more than once, so every
occurrence is kept and ``get`` returns the first, as the reference parser does.

Reading is one pass with one ``json.loads`` per line; a malformed line becomes a
:class:`FormatIssue` naming the file and line, never an exception.
"""

from __future__ import annotations

import json
import json.scanner
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from joulekit.formats._scan import read_rows
from joulekit.formats._text import read_lines
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.issues import FormatIssue
from joulekit.formats.timefmt import parse_mlperf_time

MLLOG_MARKER = ":::MLLOG "
ENDPTS_MARKER = ":::ENDPTS "
_DETAIL = "LoadGen detail log"
_SUMMARY = "LoadGen summary log"
_MISSING: Any = object()


class MllogRecord(NamedTuple):
    """One ``:::MLLOG`` line. ``line`` is its 1-based line number in the file.

    A NamedTuple rather than a frozen dataclass: just as immutable, and several times
    cheaper to build, which is most of the cost of reading a log after ``json.loads``.
    """

    key: str
    value: Any
    time_ms: float
    event_type: str
    is_error: bool
    is_warning: bool
    line: int
    metadata: dict[str, Any]


class MllogDetail:
    """Every record of one detail log, in file order, with an index by key.

    A very long value (v1.0 LoadGen logs ``loaded_qsl_set``, up to 1.4 MB of sample
    indexes, in every run) is checked to be a JSON array of integers but decoded only
    when a record holding it is asked for; nothing else changes (see
    :func:`_split_long`).
    """

    __slots__ = ("_by_key", "_pending", "_records", "issues", "path", "power_begin",
                 "power_end")

    def __init__(
        self,
        path: str,
        records: list[MllogRecord] | None = None,
        issues: list[FormatIssue] | None = None,
        power_begin: datetime | None = None,
        power_end: datetime | None = None,
    ) -> None:
        self.path = path
        self._records: list[MllogRecord] = records if records is not None else []
        self.issues: list[FormatIssue] = issues if issues is not None else []
        self.power_begin = power_begin
        self.power_end = power_end
        self._by_key: dict[str, list[MllogRecord]] = {}
        for record in self._records:
            self._by_key.setdefault(record.key, []).append(record)
        #: index in ``_records`` -> the JSON text of a value not decoded yet
        self._pending: dict[int, str] = {}

    def __repr__(self) -> str:
        return (f"MllogDetail(path={self.path!r}, records=<{len(self._records)}>, "
                f"issues={self.issues!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MllogDetail):
            return NotImplemented
        return (self.path, self.records, self.issues, self.power_begin, self.power_end) == (
            other.path, other.records, other.issues, other.power_begin, other.power_end)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it was

    @property
    def records(self) -> list[MllogRecord]:
        self._decode_pending()
        return self._records

    def _decode_pending(self) -> None:
        """Decode the deferred values (checked to be JSON when read: this cannot fail)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        for index, text in pending.items():
            old = self._records[index]
            new = old._replace(value=json.loads(text))
            self._records[index] = new
            bucket = self._by_key[old.key]
            bucket[next(i for i, r in enumerate(bucket) if r is old)] = new

    def _bucket(self, key: str) -> list[MllogRecord] | None:
        found = self._by_key.get(key)
        if found and self._pending and any(r.value is _DEFERRED for r in found):
            self._decode_pending()
            found = self._by_key.get(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        """The value of the first record with ``key`` (LoadGen's first word counts)."""
        found = self._bucket(key)
        return found[0].value if found else default

    def all(self, key: str) -> list[Any]:
        """The values of every record with ``key``, in file order."""
        return [record.value for record in self._bucket(key) or ()]

    def record(self, key: str) -> MllogRecord | None:
        """The first record with ``key`` (to cite its line number), or None."""
        found = self._bucket(key)
        return found[0] if found else None

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def keys(self) -> list[str]:
        """Every distinct key, in order of first appearance."""
        return list(self._by_key)

    def errors(self) -> list[MllogRecord]:
        """Records LoadGen flagged ``is_error`` (invalid config, uncommitted build, ...)."""
        if self._pending and any(self._records[i].is_error for i in self._pending):
            self._decode_pending()
        return [record for record in self._records if record.is_error]

    def warnings(self) -> list[MllogRecord]:
        if self._pending and any(self._records[i].is_warning for i in self._pending):
            self._decode_pending()
        return [record for record in self._records if record.is_warning]

    @property
    def scenario(self) -> str | None:
        """The scenario LoadGen ran, from ``effective_scenario``."""
        value = self.get("effective_scenario")
        return value if isinstance(value, str) else None

    @property
    def result_valid(self) -> bool | None:
        """``result_validity`` as a bool, None when the key is absent."""
        value = self.get("result_validity")
        return None if value is None else value == "VALID"


#: ``json.loads`` of a payload with nothing around its value, without the two Python
#: frames and the two whitespace matches ``loads`` adds per call (about a third of the
#: cost of a detail log's 90 short records): the scanner ``json.decoder`` itself uses,
#: called where the payload starts in its line; a payload it does not consume to the
#: line's end goes to ``loads``, which decodes it (surrounding whitespace) or words the
#: error
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    cast(Any, json.JSONDecoder())  # the stub types the argument as the scanner itself
)

#: the value of a record whose JSON text waits in ``MllogDetail._pending``
_DEFERRED: Any = object()
#: values this long (characters) are decoded on first use
_LONG_VALUE = 4096
_LONG_HEAD = '{"key": "'
_LONG_VALUE_AT = '", "value": '
_LONG_TAIL = ', "time_ms": '


def read_detail(path: str | os.PathLike[str]) -> MllogDetail:
    """Read a ``mlperf_log_detail.txt``; problems are returned in ``.issues``."""
    text = read_rows(path, _DETAIL)
    detail = MllogDetail(path=text.path, issues=text.issues)
    records = detail._records
    by_key = detail._by_key
    pending = detail._pending
    issues = detail.issues
    name = text.path
    loads = json.loads
    scan = _SCAN_ONCE
    first = True
    for number, line in enumerate(text.lines, start=1):
        if not line:
            continue
        if line.startswith(MLLOG_MARKER):
            at = 9
        elif line.startswith(ENDPTS_MARKER):
            at = 10
        else:
            if first:
                issues.append(
                    FormatIssue(name, number, "not a LoadGen detail log: no :::MLLOG marker")
                )
            else:
                issues.append(
                    FormatIssue(name, number, "line without :::MLLOG marker ignored", "warning")
                )
            first = False
            continue
        first = False
        long = _split_long(line[at:]) if len(line) - at > _LONG_VALUE else None
        if long is not None:
            obj, value_text = long
        else:
            try:
                obj, end = scan(line, at)  # the payload in place: no copy of it
            except (StopIteration, ValueError):
                end = -1
            if end != len(line):  # space around it, or not JSON: as loads takes it
                try:
                    obj = loads(line[at:])
                except ValueError as exc:
                    issues.append(FormatIssue(name, number, f"malformed MLLOG record: {exc}"))
                    continue
        record = _make_record(obj, number)
        if record is None:
            issues.append(
                FormatIssue(name, number, "MLLOG record is not an object with a string 'key'")
            )
            continue
        if long is not None:
            pending[len(records)] = value_text
        records.append(record)
        bucket = by_key.get(record.key)
        if bucket is None:
            by_key[record.key] = [record]
        else:
            bucket.append(record)
    if not text.missing and not records and not issues:
        issues.append(FormatIssue(name, None, f"{_DETAIL} holds no records"))
    detail.power_begin = _power_time(detail, "power_begin")
    detail.power_end = _power_time(detail, "power_end")
    return detail


def _split_long(payload: str) -> tuple[dict[str, Any], str] | None:
    """``(the record without its value, the value's JSON text)`` for a record in
    LoadGen's layout whose value is a long array of integers, else None (decode it whole).

    Exact: the payload is ``{"key": "<k>", "value": <array>, <members>}`` where ``<k>``
    has no escape, ``<array>`` is ``[...]`` of comma-separated JSON integers with no
    space (so its end is the last ``]`` before the members) and ``{<members>}`` decodes
    on its own with neither ``key`` nor ``value`` among them (a repeated key would win
    in a whole decode). Such a payload is valid JSON exactly when ``{<members>}`` is,
    and decodes to the same object with the array's value in ``value``.
    """
    if not payload.startswith(_LONG_HEAD):
        return None
    key_end = payload.find('"', 9)
    if key_end < 0 or "\\" in payload[9:key_end]:
        return None
    if not payload.startswith(_LONG_VALUE_AT, key_end):
        return None
    value_at = key_end + len(_LONG_VALUE_AT)
    tail_at = payload.rfind(_LONG_TAIL)
    if tail_at <= value_at:
        return None
    value = payload[value_at:tail_at]
    if not _is_int_array(value):
        return None
    try:
        members = json.loads("{" + payload[tail_at + 2 :])
    except ValueError:
        return None
    if not isinstance(members, dict) or "key" in members or "value" in members:
        return None
    members["key"] = payload[9:key_end]
    members["value"] = _DEFERRED
    return members, value




def _is_int_array(text: str) -> bool:
    """``[]`` or ``[i,i,...]`` of JSON integers without sign or space.

    These are the megabyte ``loaded_qsl_set`` arrays, so the test runs in numpy over
    the bytes, a block at a time: ``bytes.find`` of a two-byte pattern slows down at
    every comma (1.9 ms for one ``,,`` search of 1.4 MB), and numpy temporaries of a
    whole megabyte are fresh pages each (a page fault per 4 KiB, most of the cost);
    blocks of 64 KiB reuse the same memory. Neighbouring blocks overlap by two bytes,
    so every pair and triple of bytes lies whole in some block.
    """
    import numpy as np  # here: the director writes detail logs but never checks them

    if len(text) < 2 or text[0] != "[" or text[-1] != "]":
        return False
    if len(text) == 2:
        return True
    if not text.isascii():
        return False
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)[1:-1]
    if codes[0] == _COMMA or codes[-1] == _COMMA:  # a leading or trailing comma
        return False
    if len(codes) > 1 and codes[0] == _ZERO and codes[1] != _COMMA:  # "01" is no number
        return False
    for at in range(0, len(codes), _BLOCK):
        block = codes[max(at - 1, 0) : at + _BLOCK + 1]
        comma = block == _COMMA
        digit = block - np.uint8(_ZERO) <= 9
        if not bool((digit | comma).all()):
            return False
        if bool((comma[:-1] & comma[1:]).any()):  # an empty element
            return False
        # JSON refuses leading zeros: "0" is an element, "01" is not
        if bool((comma[:-2] & (block[1:-1] == _ZERO) & digit[2:]).any()):
            return False
    return True


_BLOCK = 1 << 16
_COMMA, _ZERO = 44, 48


def _make_record(obj: Any, number: int) -> MllogRecord | None:
    if not isinstance(obj, dict):
        return None
    key = obj.get("key")
    if not isinstance(key, str):
        return None
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    time_ms = obj.get("time_ms", 0.0)
    event_type = obj.get("event_type", "POINT_IN_TIME")
    return _new_record(  # what MllogRecord(...) does once it has bound its arguments
        MllogRecord,
        (
            key,
            obj.get("value"),
            time_ms if type(time_ms) is float else float(time_ms) if _is_number(time_ms) else 0.0,
            event_type if type(event_type) is str else str(event_type),
            metadata.get("is_error") is True,
            metadata.get("is_warning") is True,
            number,
            metadata,
        ),
    )


_new_record = tuple.__new__


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _power_time(detail: MllogDetail, key: str) -> datetime | None:
    record = detail.record(key)
    if record is None:
        return None
    try:
        return parse_mlperf_time(str(record.value))
    except ValueError as exc:
        detail.issues.append(FormatIssue(detail.path, record.line, f"{key}: {exc}"))
        return None


def format_mllog_line(
    key: str,
    value: Any,
    *,
    time_ms: float = 0.0,
    event_type: str = "POINT_IN_TIME",
    is_error: bool = False,
    is_warning: bool = False,
) -> str:
    """One detail-log line (no line end) in LoadGen's field order, for fakes and tests."""
    record = {
        "key": key,
        "value": value,
        "time_ms": time_ms,
        "namespace": "mlperf::logging",
        "event_type": event_type,
        "metadata": {
            "is_error": is_error,
            "is_warning": is_warning,
            "file": "joulekit",
            "line_no": 0,
            "pid": 0,
            "tid": 0,
        },
    }
    return MLLOG_MARKER + json.dumps(record)


def write_detail(path: str | os.PathLike[str], lines: Iterable[str]) -> None:
    """Write lines made by :func:`format_mllog_line` atomically, LF-terminated."""
    atomic_write_text(path, "".join(line + "\n" for line in lines))


# ---------------------------------------------------------------------------- summary

_COUNT = re.compile(r"^(\d+|No) (warning|error)s? encountered", re.IGNORECASE)


@dataclass
class MllogSummary:
    """The parts of ``mlperf_log_summary.txt`` tools read with regexes.

    ``fields`` maps each ``name : value`` line (first occurrence wins) to its value, e.g.
    ``fields["Scenario"] == "Offline"``; ``early_stopping`` keeps the ``*`` bullet lines.
    """

    path: str
    fields: dict[str, str] = field(default_factory=dict)
    result_valid: bool | None = None
    warning_count: int | None = None
    error_count: int | None = None
    early_stopping: list[str] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)


def read_summary(path: str | os.PathLike[str]) -> MllogSummary:
    """Read a ``mlperf_log_summary.txt``; never raises."""
    text = read_lines(path, _SUMMARY)
    summary = MllogSummary(path=text.path, issues=text.issues)
    for line in text.lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("="):
            continue
        if stripped.startswith("* "):
            summary.early_stopping.append(stripped[2:])
            continue
        counted = _COUNT.match(stripped)
        if counted:
            number = 0 if counted.group(1).lower() == "no" else int(counted.group(1))
            if counted.group(2).lower() == "warning":
                summary.warning_count = number
            else:
                summary.error_count = number
            continue
        name, sep, value = stripped.partition(":")
        if sep:
            summary.fields.setdefault(name.strip(), value.strip())
    verdict = summary.fields.get("Result is")
    if verdict is not None:
        summary.result_valid = verdict == "VALID"
    # An accuracy-mode summary holds only the warning/error counts; that is complete.
    empty = not summary.fields and summary.warning_count is None and summary.error_count is None
    if not text.missing and empty:
        summary.issues.append(FormatIssue(text.path, None, f"{_SUMMARY} holds nothing readable"))
    return summary
