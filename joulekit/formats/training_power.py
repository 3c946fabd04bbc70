"""MLPerf Training power files: node/switch MLLOG power logs and the result logs' window.

One module for the format (spec/training-power.md §1-3), both directions:

* **Writer** — :func:`format_power_record` makes one line in the official field order
  (``namespace, time_ms, event_type, key, value, metadata``, JSON with ``", "`` and
  ``": "`` separators, as the reference example converter writes); :class:`PowerLogWriter`
  streams one ``node_<j>.txt`` / ``sw_<k>.txt`` (start mark, ``conversion_eff`` with its
  ``measurement_type``, ``power_reading`` lines with the host, stop mark) into a hidden
  partial file beside the target, flushed per record, and renames it into place on
  :meth:`PowerLogWriter.close` (write, flush, fsync, rename, like :mod:`.atomic`), so a
  collector that dies keeps every reading it took and a reader never sees half a file
  under the final name. :func:`write_power_log` writes finished lines in one go.
* **Reader** — :func:`read_power_log` and :func:`read_result_log` read as the official
  parser (``mlp_parser``) does: bytes decoded latin-1, universal line ends (``\\n``,
  ``\\r\\n``, ``\\r``), only lines holding ``:::MLLOG `` count and everything before the
  token's last occurrence is cut (result files carry a rank prefix ``" 0: "``), each line
  stripped. A line whose JSON does not parse, or whose ``time_ms`` is no number, the
  official parser skips: here it is a :class:`FormatIssue` with file and line. A record
  lacking ``time_ms``/``key``/``value``/``metadata`` (or not an object) crashes the
  official parser: here it is a FormatIssue too, and :attr:`PowerLog.crash` keeps the
  first such one so the checker can say the summarizer would fail on this file.

Files are read through :func:`joulekit.formats.safe_files.read_input_bytes` (no FIFO,
no link out of the checked tree, no file past its kind's size limit). Reading is one
``json.loads`` per line; a 640-file tree reads in about a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.issues import FormatIssue
from joulekit.formats.safe_files import read_input_bytes
from joulekit.inputs import MiB

MLLOG_TOKEN = ":::MLLOG "

# keys (mlperf_logging/mllog/constants.py)
POWER_START = "power_measurement_start"
POWER_STOP = "power_measurement_stop"
POWER_READING = "power_reading"
#: the Python constant is spelt CONVERTION_EFF; the key is spelt right
CONVERSION_EFF = "conversion_eff"
INTERCONNECT_EST = "interconnect_power_est"
RUN_START = "run_start"
RUN_STOP = "run_stop"
SCALING_FACTOR = "scaling_factor"
NUMBER_OF_NODES = "number_of_nodes"

INTERVAL_START = "INTERVAL_START"
INTERVAL_END = "INTERVAL_END"
POINT_IN_TIME = "POINT_IN_TIME"

#: the fields every record must have, or the official parser raises KeyError
REQUIRED_FIELDS = ("time_ms", "key", "value", "metadata")

_EOL = re.compile(r"\r\n|\r|\n")
#: the largest power or result log read: a 13-hour run at 1 Hz is about 7 MiB; far
#: larger is a mistake or an attack, reported as unreadable rather than read
POWER_LOG_MAX_BYTES = 64 * MiB


# ------------------------------------------------------------------------------ writer


def format_power_record(
    key: str,
    value: Any,
    time_ms: float,
    *,
    event_type: str = POINT_IN_TIME,
    metadata: Mapping[str, Any] | str | None = None,
) -> str:
    """One power-log line, no line end: ``:::MLLOG {"namespace": "", "time_ms": ...}``.

    ``time_ms`` is Unix epoch milliseconds, written as a whole number (the official
    files do; sub-millisecond digits mean nothing at 1 Hz). ``metadata`` None writes
    ``{}``; a string (SMC wrote ``""``) is written as given.
    """
    record = {
        "namespace": "",
        "time_ms": round(time_ms),
        "event_type": event_type,
        "key": key,
        "value": value,
        "metadata": {} if metadata is None else metadata if isinstance(metadata, str)
        else dict(metadata),
    }
    return MLLOG_TOKEN + json.dumps(record)


def start_record(time_ms: float, metadata: Mapping[str, Any] | None = None) -> str:
    """The ``power_measurement_start`` mark (INTERVAL_START, value null)."""
    return format_power_record(POWER_START, None, time_ms, event_type=INTERVAL_START,
                               metadata=metadata)


def stop_record(time_ms: float, metadata: Mapping[str, Any] | None = None) -> str:
    """The ``power_measurement_stop`` mark (INTERVAL_END, value null)."""
    return format_power_record(POWER_STOP, None, time_ms, event_type=INTERVAL_END,
                               metadata=metadata)


def conversion_eff_record(efficiency: float, time_ms: float, measurement_type: str,
                          metadata: Mapping[str, Any] | None = None) -> str:
    """``conversion_eff`` (the AC->DC multiplier applied to energy) with
    ``metadata.measurement_type`` ``AC`` or ``DC``."""
    meta = dict(metadata or {})
    meta["measurement_type"] = measurement_type
    return format_power_record(CONVERSION_EFF, efficiency, time_ms, metadata=meta)


def reading_record(watts: float, time_ms: float, host: str | None = None,
                   metadata: Mapping[str, Any] | None = None) -> str:
    """One ``power_reading`` in watts; ``metadata.host`` names what was read (Dell: the
    node index for a node, ``node_0`` for its switch)."""
    meta = dict(metadata or {})
    if host is not None:
        meta["host"] = host
    return format_power_record(POWER_READING, watts, time_ms, metadata=meta)


def estimate_record(watts: float, time_ms: float, switch_id: str | None = None,
                    metadata: Mapping[str, Any] | None = None) -> str:
    """``interconnect_power_est``: a switch's constant estimated power in watts (max
    specified power x provisioning ratio), the only switch value the summarizer counts."""
    meta = dict(metadata or {})
    if switch_id is not None:
        meta["switch_id"] = switch_id
    return format_power_record(INTERCONNECT_EST, watts, time_ms, metadata=meta)


def write_power_log(path: str | os.PathLike[str], lines: Iterable[str]) -> None:
    """Write finished lines (from the ``*_record`` functions) atomically, LF-terminated."""
    atomic_write_text(path, "".join(line + "\n" for line in lines))


class PowerLogWriter:
    """Stream one node or switch power log: records go to ``.<name>.partial`` beside
    ``path`` (flushed after each record), and :meth:`close` fsyncs and renames it to
    ``path``. Leaving a ``with`` block by an exception still closes, so the readings
    taken are kept under the final name (a missing stop mark is the checker's to say).

    ``host`` goes into each reading's metadata; ``metadata`` (e.g. the source URL) into
    every record's.
    """

    def __init__(self, path: str | os.PathLike[str], *, host: str | None = None,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(f".{self.path.name}.partial")
        self.host = host
        self._meta = dict(metadata or {})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] | None = open(self.partial, "w", encoding="utf-8",  # noqa: SIM115
                                            newline="\n")
        self.records = 0

    def __enter__(self) -> PowerLogWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._handle is None

    def write_line(self, line: str) -> None:
        """Append one finished record line (no line end)."""
        if self._handle is None:
            raise ValueError(f"power log {self.path} is already closed")
        self._handle.write(line + "\n")
        self._handle.flush()
        self.records += 1

    def start(self, time_ms: float) -> None:
        self.write_line(start_record(time_ms, self._meta))

    def conversion_eff(self, efficiency: float, time_ms: float,
                       measurement_type: str = "AC") -> None:
        self.write_line(conversion_eff_record(efficiency, time_ms, measurement_type,
                                              self._meta))

    def reading(self, watts: float, time_ms: float, host: str | None = None) -> None:
        self.write_line(reading_record(watts, time_ms, host or self.host, self._meta))

    def estimate(self, watts: float, time_ms: float, switch_id: str | None = None) -> None:
        self.write_line(estimate_record(watts, time_ms, switch_id, self._meta))

    def stop(self, time_ms: float) -> None:
        self.write_line(stop_record(time_ms, self._meta))

    def sync(self) -> None:
        """fsync what was written so far (the partial file survives a power cut)."""
        if self._handle is not None:
            os.fsync(self._handle.fileno())

    def close(self) -> Path:
        """fsync, close and rename the partial file to :attr:`path`; idempotent."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            os.replace(self.partial, self.path)
        return self.path


# ------------------------------------------------------------------------------ reader


class PowerRecord(NamedTuple):
    """One parsed record. ``time_ms`` is ``float(time_ms)`` as the parser takes it;
    ``line`` is the 1-based physical line of the file."""

    key: str
    value: Any
    time_ms: float
    event_type: str
    line: int
    metadata: Any


@dataclass
class PowerLog:
    """The records of one MLLOG file in file order, plus what is wrong with it."""

    path: str
    records: list[PowerRecord] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)
    #: the first record that makes the official parser raise (KeyError/TypeError)
    crash: FormatIssue | None = None
    #: lines the official parser skips (``failed``): bad JSON or a non-numeric time
    skipped: int = 0
    size: int = 0
    #: SHA-1 of the bytes (byte-identical files compare equal)
    digest: str = ""
    missing: bool = False

    def of(self, key: str) -> list[PowerRecord]:
        return [r for r in self.records if r.key == key]

    def first(self, key: str) -> PowerRecord | None:
        return next((r for r in self.records if r.key == key), None)


def _lines(text: str) -> list[str]:
    lines = text.split("\n") if "\r" not in text else _EOL.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_power_log(path: str | os.PathLike[str], what: str = "power log",
                   limit: int | None = None) -> PowerLog:
    """Read a ``node_<j>.txt``/``sw_<k>.txt`` (or any MLLOG file); never raises for its
    content. A missing or unreadable file is one issue and ``missing``."""
    name = str(path)
    log = PowerLog(path=name)
    try:
        data = read_input_bytes(path, limit)
    except FileNotFoundError:
        log.missing = True
        log.issues.append(FormatIssue(name, None, f"{what} is missing"))
        return log
    except OSError as exc:
        log.missing = True
        log.issues.append(FormatIssue(name, None, f"cannot read {what}: "
                                      f"{exc.strerror or exc}"))
        return log
    log.size = len(data)
    log.digest = hashlib.sha1(data).hexdigest()
    _parse(log, data.decode("latin-1"))
    if not log.records and not log.issues:
        log.issues.append(FormatIssue(name, None, f"{what} holds no :::MLLOG records"))
    return log


def _parse(log: PowerLog, text: str) -> None:
    loads = json.loads
    records = log.records
    for number, raw in enumerate(_lines(text), start=1):
        cut = raw.rfind(MLLOG_TOKEN)
        if cut < 0:
            continue
        payload = raw[cut + len(MLLOG_TOKEN):].strip()
        try:
            obj = loads(payload)
        except ValueError as exc:
            log.skipped += 1
            log.issues.append(FormatIssue(log.path, number, f"unparsable MLLOG JSON ({exc}); "
                                          "the official parser skips this line"))
            continue
        record = _record(log, obj, number)
        if record is not None:
            records.append(record)


def _record(log: PowerLog, obj: Any, number: int) -> PowerRecord | None:
    if type(obj) is dict:
        missing = [k for k in REQUIRED_FIELDS if k not in obj]
        if not missing:
            stamp = obj["time_ms"]
            try:
                time_ms = float(stamp)
            except ValueError:
                log.skipped += 1
                log.issues.append(FormatIssue(
                    log.path, number, f"time_ms {stamp!r} is not a number; the official "
                    "parser skips this line"))
                return None
            except TypeError:
                _crash(log, number, f"time_ms {stamp!r} is not a number (the official "
                       "parser raises TypeError)")
                return None
            key = obj["key"]
            event = obj.get("event_type", "")
            return PowerRecord(key if type(key) is str else str(key), obj["value"], time_ms,
                               event if type(event) is str else str(event), number,
                               obj["metadata"])
        _crash(log, number, f"MLLOG record lacks {', '.join(missing)} (the official parser "
               "raises KeyError)")
        return None
    _crash(log, number, "MLLOG record is not a JSON object (the official parser raises "
           "TypeError)")
    return None


def _crash(log: PowerLog, number: int, message: str) -> None:
    issue = FormatIssue(log.path, number, message)
    log.issues.append(issue)
    if log.crash is None:
        log.crash = issue


# -------------------------------------------------------------------------- result log


@dataclass
class ResultLog:
    """What the summarizer takes from ``result_<i>.txt``: the timed window."""

    path: str
    run_start: float | None = None
    run_stop: float | None = None
    run_start_line: int | None = None
    run_stop_line: int | None = None
    #: ``run_stop.metadata.status`` (success/aborted), None when absent
    status: str | None = None
    issues: list[FormatIssue] = field(default_factory=list)
    crash: FormatIssue | None = None
    #: unparsable MLLOG lines: the summarizer drops the whole run ("Parse error")
    skipped: int = 0
    missing: bool = False

    @property
    def time_to_train_ms(self) -> float | None:
        if self.run_start is None or self.run_stop is None:
            return None
        return self.run_stop - self.run_start


def read_result_log(path: str | os.PathLike[str]) -> ResultLog:
    """Read a training result log: ``run_start``/``run_stop`` taken as the summarizer's
    ``_query_run_start_stop`` does (file order, each key updated until both are seen)."""
    log = read_power_log(path, "training result log", POWER_LOG_MAX_BYTES)
    result = ResultLog(path=log.path, issues=log.issues, crash=log.crash,
                       skipped=log.skipped, missing=log.missing)
    for record in log.records:
        if record.key == RUN_START:
            result.run_start, result.run_start_line = record.time_ms, record.line
        elif record.key == RUN_STOP:
            result.run_stop, result.run_stop_line = record.time_ms, record.line
            meta = record.metadata
            status = meta.get("status") if isinstance(meta, dict) else None
            result.status = None if status is None else str(status)
        if result.run_start is not None and result.run_stop is not None:
            break
    return result


# ------------------------------------------------------------------ small JSON files


def _read_json(path: Path, what: str) -> tuple[Any, list[FormatIssue]]:
    name = str(path)
    try:
        data = read_input_bytes(path)
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [FormatIssue(name, None, f"cannot read {what}: {exc.strerror or exc}")]
    try:
        return json.loads(data.decode("utf-8", errors="replace")), []
    except ValueError as exc:
        return None, [FormatIssue(name, None, f"{what} is not valid JSON: {exc}")]


def read_scaling_factor(path: str | os.PathLike[str]) -> tuple[float | None, list[FormatIssue]]:
    """``scaling.json``'s ``scaling_factor``; (None, []) when the file is absent (the
    summarizer then uses 1.0)."""
    obj, issues = _read_json(Path(path), "scaling.json")
    if obj is None:
        return None, issues
    value = obj.get(SCALING_FACTOR) if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, [FormatIssue(str(path), None, "scaling.json has no numeric "
                                  f"'{SCALING_FACTOR}' (the summarizer raises KeyError)")]
    return float(value), []


def read_number_of_nodes(path: str | os.PathLike[str]) -> tuple[int | None, list[FormatIssue]]:
    """The system description's ``number_of_nodes`` (a string in published files);
    (None, []) when the file is absent."""
    obj, issues = _read_json(Path(path), "system description")
    if obj is None:
        return None, issues
    value = obj.get(NUMBER_OF_NODES) if isinstance(obj, dict) else None
    try:
        return int(str(value).strip()), []
    except ValueError:
        return None, [FormatIssue(str(path), None, f"system description's "
                                  f"'{NUMBER_OF_NODES}' is {value!r}, not a whole number")]
