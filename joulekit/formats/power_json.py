"""``power/client.json`` and ``power/server.json``: the session summaries of both sides.

The reference director writes them with ``json.dump(..., indent=4)`` in a fixed key
order, and the checker compares client against server (UUIDs, session name, the
message lists, the phase clocks, the file hashes). We read every round's variant:
``ptd_config`` is one object up to v4.1 and a list of objects (one per analyzer) from
v5, so it is normalised to a list here and the original form is remembered for writing.
Keys we do not know (e.g. our ``joulekit`` provenance block) are kept in order.

The writer reproduces the reference bytes: reading a published file and writing it back
gives the identical file, which the tests pin on every fixture.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.issues import FormatIssue
from joulekit.formats.safe_files import read_input_bytes

#: keys every summary must hold (the reference checker's list), in the reference order
REQUIRED_KEYS = (
    "version",
    "timezone",
    "modules",
    "sources",
    "messages",
    "uuid",
    "session_name",
    "results",
    "phases",
)
_SERVER_KEYS = ("ptd_messages", "ptd_config", "debug")
_KNOWN = frozenset(REQUIRED_KEYS + _SERVER_KEYS)


class PowerMessage(NamedTuple):
    """One client↔director exchange in wall-clock seconds (``time.time()``)."""

    cmd: str
    cmd_time: float
    reply: str
    reply_time: float


class PtdMessage(NamedTuple):
    """One director→PTDaemon command and its reply."""

    cmd: str
    reply: str


class PhasePoint(NamedTuple):
    """A phase checkpoint: ``[time.time(), time.monotonic()]`` in the file."""

    wall: float
    monotonic: float


@dataclass
class PowerSummary:
    """One ``client.json``/``server.json``. ``ptd_config`` is always a list; ``raw`` is
    the document as read (empty for a summary built in code)."""

    version: str = "1.0"
    timezone: int = 0
    modules: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    messages: list[PowerMessage] = field(default_factory=list)
    uuid: dict[str, str] = field(default_factory=dict)
    session_name: str = ""
    results: dict[str, str] = field(default_factory=dict)
    phases: dict[str, list[PhasePoint]] = field(default_factory=dict)
    ptd_messages: list[PtdMessage] | None = None
    ptd_config: list[dict[str, Any]] | None = None
    debug: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    ptd_config_form: Literal["object", "list"] = "list"
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def is_server(self) -> bool:
        """Only the director's file carries the PTDaemon exchange."""
        return self.ptd_messages is not None or self.ptd_config is not None


def read_power_json(
    path: str | os.PathLike[str],
) -> tuple[PowerSummary | None, list[FormatIssue]]:
    """Read a summary; None only when the file is missing or not a JSON object."""
    name = str(path)
    issues: list[FormatIssue] = []
    try:
        data = read_input_bytes(path)  # no FIFO, device, link out of the tree or huge file
    except FileNotFoundError:
        return None, [FormatIssue(name, None, "power summary is missing")]
    except OSError as exc:
        return None, [FormatIssue(name, None, f"cannot read power summary: {exc.strerror}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [FormatIssue(name, line, f"byte 0x{data[exc.start]:02x} is not UTF-8")]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [FormatIssue(name, exc.lineno, f"broken JSON: {exc.msg} (column {exc.colno})")]
    except RecursionError:  # a hostile file nested thousands deep; json recurses per level
        return None, [FormatIssue(name, None, "broken JSON: nested too deeply to read")]
    if not isinstance(doc, dict):
        return None, [FormatIssue(name, 1, "power summary is not a JSON object")]
    return _from_doc(doc, name, text, issues), issues


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf'^\s*"{re.escape(key)}"\s*:', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _from_doc(doc: dict[str, Any], name: str, text: str, issues: list[FormatIssue]) -> PowerSummary:
    summary = PowerSummary(raw=doc)

    def bad(key: str, what: str) -> None:
        issues.append(FormatIssue(name, _key_line(text, key), f"'{key}' {what}"))

    for key in REQUIRED_KEYS:
        if key not in doc:
            issues.append(FormatIssue(name, None, f"required key '{key}' is missing"))
    if "version" in doc:
        summary.version = str(doc["version"])
    tz = doc.get("timezone", 0)
    if isinstance(tz, int | float) and not isinstance(tz, bool):
        summary.timezone = int(tz)
    else:
        bad("timezone", "should be a number of seconds")
    for key in ("modules", "sources", "uuid", "results"):
        value = doc.get(key, {})
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            setattr(summary, key, {str(k): v for k, v in value.items()})
        else:
            bad(key, "should map names to strings")
    session = doc.get("session_name", "")
    if isinstance(session, str):
        summary.session_name = session
    else:
        bad("session_name", "should be a string")
    summary.messages = _messages(doc.get("messages", []), bad)
    summary.phases = _phases(doc.get("phases", {}), bad)
    if "ptd_messages" in doc:
        summary.ptd_messages = _ptd_messages(doc["ptd_messages"], bad)
    if "ptd_config" in doc:
        config = doc["ptd_config"]
        if isinstance(config, dict):
            summary.ptd_config, summary.ptd_config_form = [config], "object"
        elif isinstance(config, list) and all(
            isinstance(item, dict) or item is None for item in config
        ):
            # The reference client writes [null] (it drives no analyzer): a null entry
            # is an analyzer with nothing configured, for the config rules to judge.
            entries = [item if isinstance(item, dict) else {} for item in config]
            summary.ptd_config, summary.ptd_config_form = entries, "list"
        else:
            bad("ptd_config", "should be an object or a list of objects")
            summary.ptd_config = []
    if "debug" in doc:
        summary.debug = bool(doc["debug"])
    summary.extra = {key: value for key, value in doc.items() if key not in _KNOWN}
    return summary


def summary_from_document(doc: dict[str, Any]) -> PowerSummary:
    """A summary from an in-memory document (what our director and client produce).

    Raises ``ValueError`` naming the first problem: we never write a malformed summary.
    """
    issues: list[FormatIssue] = []
    summary = _from_doc(doc, "summary", "", issues)
    if issues:
        raise ValueError(f"refusing to write a malformed power summary: {issues[0].message}")
    return summary


def write_power_document(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write a ``client.json``/``server.json`` document in the reference layout, atomically.

    Keys beyond the reference's (``joulekit``) follow the reference keys, in order.
    """
    write_power_json(path, summary_from_document(doc))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _messages(value: Any, bad: Any) -> list[PowerMessage]:
    out: list[PowerMessage] = []
    if not isinstance(value, list):
        bad("messages", "should be a list")
        return out
    for index, item in enumerate(value):
        if (
            isinstance(item, dict)
            and isinstance(item.get("cmd"), str)
            and isinstance(item.get("reply"), str)
            and _number(item.get("cmd_time"))
            and _number(item.get("reply_time"))
        ):
            out.append(
                PowerMessage(item["cmd"], item["cmd_time"], item["reply"], item["reply_time"])
            )
        else:
            bad("messages", f"entry {index} lacks cmd/cmd_time/reply/reply_time")
    return out


def _ptd_messages(value: Any, bad: Any) -> list[PtdMessage]:
    out: list[PtdMessage] = []
    if not isinstance(value, list):
        bad("ptd_messages", "should be a list")
        return out
    for index, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("cmd"), str):
            reply = item.get("reply")
            out.append(PtdMessage(item["cmd"], reply if isinstance(reply, str) else ""))
        else:
            bad("ptd_messages", f"entry {index} lacks cmd/reply")
    return out


def _phases(value: Any, bad: Any) -> dict[str, list[PhasePoint]]:
    out: dict[str, list[PhasePoint]] = {}
    if not isinstance(value, dict):
        bad("phases", "should map phase names to checkpoints")
        return out
    for phase, points in value.items():
        parsed: list[PhasePoint] = []
        if isinstance(points, list):
            for point in points:
                if isinstance(point, list) and len(point) == 2 and all(map(_number, point)):
                    parsed.append(PhasePoint(point[0], point[1]))
                else:
                    bad("phases", f"'{phase}' has a checkpoint that is not [wall, monotonic]")
                    break
        else:
            bad("phases", f"'{phase}' should be a list of checkpoints")
        out[str(phase)] = parsed
    return out


def to_document(summary: PowerSummary) -> dict[str, Any]:
    """The JSON object in the reference key order, then any extra keys."""
    doc: dict[str, Any] = {
        "version": summary.version,
        "timezone": summary.timezone,
        "modules": summary.modules,
        "sources": summary.sources,
        "messages": [message._asdict() for message in summary.messages],
        "uuid": summary.uuid,
        "session_name": summary.session_name,
        "results": summary.results,
        "phases": {name: [list(p) for p in points] for name, points in summary.phases.items()},
    }
    if summary.ptd_messages is not None:
        doc["ptd_messages"] = [message._asdict() for message in summary.ptd_messages]
    if summary.ptd_config is not None:
        single = summary.ptd_config_form == "object" and len(summary.ptd_config) == 1
        doc["ptd_config"] = summary.ptd_config[0] if single else summary.ptd_config
    if summary.debug is not None:
        doc["debug"] = summary.debug
    doc.update(summary.extra)
    return doc


def format_power_json(summary: PowerSummary) -> str:
    """The file text: 4-space indent, no trailing newline, as the reference writes."""
    return json.dumps(to_document(summary), indent=4)


def write_power_json(path: str | os.PathLike[str], summary: PowerSummary) -> None:
    atomic_write_text(path, format_power_json(summary))
