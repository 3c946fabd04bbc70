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
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

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


@dataclass
class MllogDetail:
    """Every record of one detail log, in file order, with an index by key."""

    path: str
    records: list[MllogRecord] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)
    power_begin: datetime | None = None
    power_end: datetime | None = None
    _by_key: dict[str, list[MllogRecord]] = field(default_factory=dict, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of the first record with ``key`` (LoadGen's first word counts)."""
        found = self._by_key.get(key)
        return found[0].value if found else default

    def all(self, key: str) -> list[Any]:
        """The values of every record with ``key``, in file order."""
        return [record.value for record in self._by_key.get(key, ())]

    def record(self, key: str) -> MllogRecord | None:
        """The first record with ``key`` (to cite its line number), or None."""
        found = self._by_key.get(key)
        return found[0] if found else None

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def keys(self) -> list[str]:
        """Every distinct key, in order of first appearance."""
        return list(self._by_key)

    def errors(self) -> list[MllogRecord]:
        """Records LoadGen flagged ``is_error`` (invalid config, uncommitted build, ...)."""
        return [record for record in self.records if record.is_error]

    def warnings(self) -> list[MllogRecord]:
        return [record for record in self.records if record.is_warning]

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


def read_detail(path: str | os.PathLike[str]) -> MllogDetail:
    """Read a ``mlperf_log_detail.txt``; problems are returned in ``.issues``."""
    text = read_lines(path, _DETAIL)
    detail = MllogDetail(path=text.path, issues=text.issues)
    records = detail.records
    by_key = detail._by_key
    issues = detail.issues
    name = text.path
    loads = json.loads
    first = True
    for number, line in enumerate(text.lines, start=1):
        if not line:
            continue
        if line.startswith(MLLOG_MARKER):
            payload = line[9:]
        elif line.startswith(ENDPTS_MARKER):
            payload = line[10:]
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
        try:
            obj = loads(payload)
        except ValueError as exc:
            issues.append(FormatIssue(name, number, f"malformed MLLOG record: {exc}"))
            continue
        record = _make_record(obj, number)
        if record is None:
            issues.append(
                FormatIssue(name, number, "MLLOG record is not an object with a string 'key'")
            )
            continue
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
    return MllogRecord(
        key,
        obj.get("value"),
        time_ms if type(time_ms) is float else float(time_ms) if _is_number(time_ms) else 0.0,
        event_type if type(event_type) is str else str(event_type),
        metadata.get("is_error") is True,
        metadata.get("is_warning") is True,
        number,
        metadata,
    )


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
