"""``spl.txt``: one power sample per line, as the director writes it for each phase.

Three shapes occur and all are read into :class:`SplLine`:

* single channel (WT210/WT310)::

    Time,07-23-2024 15:47:16.858,Watts,172.900000,Volts,118.000000,Amps,1.673000,
    PF,0.876000,Mark,<session>_testing   (one line)

* multichannel (WT333E, WT500): the first group is the sum (Volts/Amps/PF are -1), then
  one ``ChN,Watts,w,Volts,v,Amps,a,PF,p`` group per channel (``channels``);
* several analyzers merged into one line (the reference director's layout, which ours
  writes too, see :func:`format_merged_spl_line`): a sum group whose Watts is
  Σ|W| over the analyzers (skipping -1) with Volts/Amps/PF = -1 and the Time and Mark of
  analyzer 1, then for each analyzer ``AnalyzerK`` followed by that analyzer's complete
  line (``analyzers``, each parsed as a line of its own).

A field of ``-1`` is a failed reading and is kept as ``-1.0``; callers decide. A blank
line (published files end in one) is not an error. A line that cannot be parsed is a
:class:`FormatIssue` with its line number, and reading goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from joulekit.formats._text import read_lines
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.issues import FormatIssue
from joulekit.formats.timefmt import (
    format_mlperf_time,
    parse_mlperf_time,
    parse_mlperf_time_fast,
)

_WHAT = "spl.txt"
_GROUP = ("Watts", "Volts", "Amps", "PF")


class SplChannel(NamedTuple):
    """One ``ChN`` group of a multichannel line (a NamedTuple: immutable and cheap to
    build, which matters at tens of thousands of samples per check run)."""

    name: str
    watts: float
    volts: float
    amps: float
    pf: float


class SplLine(NamedTuple):
    """One sample. For multichannel and merged lines the top-level values are the sum
    group (Volts/Amps/PF = -1); ``line`` is the 1-based line number in the file."""

    time: datetime
    watts: float
    volts: float
    amps: float
    pf: float
    mark: str
    channels: tuple[SplChannel, ...] = ()
    line: int = 0
    analyzers: tuple[SplLine, ...] = ()


@dataclass
class SplFile:
    path: str
    lines: list[SplLine] = field(default_factory=list)
    issues: list[FormatIssue] = field(default_factory=list)

    def between(self, begin: datetime, end: datetime) -> list[SplLine]:
        """Samples with ``begin < time < end`` (strictly, as the power metric selects)."""
        return [sample for sample in self.lines if begin < sample.time < end]


class SplParseError(ValueError):
    """A line that is not in spl format; the message says which field is wrong."""


def parse_spl_line(text: str, line: int = 0) -> SplLine:
    """Parse one line (without its line end); raises :class:`SplParseError`."""
    fields = text.split(",")
    sample, used = _parse_group_line(fields, 0, line)
    if used == len(fields):
        return sample
    if fields[used].startswith("Ch"):
        channels, used = _parse_channels(fields, used)
        sample = sample._replace(channels=tuple(channels))
    if used < len(fields) and fields[used].startswith("Analyzer"):
        sample = sample._replace(analyzers=tuple(_parse_analyzers(fields, used, line)))
        used = len(fields)
    if used != len(fields):
        raise SplParseError(f"unexpected field {used + 1}: {fields[used]!r}")
    return sample


def _number(fields: Sequence[str], index: int) -> float:
    try:
        return float(fields[index])
    except IndexError:
        raise SplParseError(f"line ends before field {index + 1}") from None
    except ValueError:
        raise SplParseError(f"field {index + 1} is not a number: {fields[index]!r}") from None


def _expect(fields: Sequence[str], index: int, label: str) -> None:
    if index >= len(fields):
        raise SplParseError(f"line ends before field {index + 1} ({label!r})")
    if fields[index] != label:
        raise SplParseError(f"field {index + 1} should be {label!r}, found {fields[index]!r}")


def _parse_group_line(fields: Sequence[str], start: int, line: int) -> tuple[SplLine, int]:
    """``Time,<ts>,Watts,w,Volts,v,Amps,a,PF,p[,Mark,m]`` from ``start``."""
    _expect(fields, start, "Time")
    if start + 1 >= len(fields):
        raise SplParseError("line ends after 'Time'")
    try:
        moment = parse_mlperf_time(fields[start + 1])
    except ValueError as exc:
        raise SplParseError(str(exc)) from None
    values = []
    for offset, label in enumerate(_GROUP):
        _expect(fields, start + 2 + 2 * offset, label)
        values.append(_number(fields, start + 3 + 2 * offset))
    used = start + 10
    mark = ""
    if used < len(fields) and fields[used] == "Mark":
        if used + 1 >= len(fields):
            raise SplParseError("line ends after 'Mark'")
        mark = fields[used + 1]
        used += 2
    sample = SplLine(moment, values[0], values[1], values[2], values[3], mark, line=line)
    return sample, used


def _parse_channels(fields: Sequence[str], start: int) -> tuple[list[SplChannel], int]:
    channels = []
    used = start
    while used < len(fields) and fields[used].startswith("Ch"):
        name = fields[used]
        values = []
        for offset, label in enumerate(_GROUP):
            _expect(fields, used + 1 + 2 * offset, label)
            values.append(_number(fields, used + 2 + 2 * offset))
        channels.append(SplChannel(name, values[0], values[1], values[2], values[3]))
        used += 9
    return channels, used


def _parse_analyzers(fields: Sequence[str], start: int, line: int) -> list[SplLine]:
    """``AnalyzerK,<that analyzer's whole line>`` groups, to the end of the line."""
    starts = [i for i in range(start, len(fields)) if fields[i].startswith("Analyzer")]
    analyzers = []
    for position, begin in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else len(fields)
        part = fields[begin + 1 : stop]
        try:
            analyzers.append(parse_spl_line(",".join(part), line))
        except SplParseError as exc:
            raise SplParseError(f"{fields[begin]}: {exc}") from None
    return analyzers


_new_tuple = tuple.__new__
_LINE_LABELS = ["Watts", "Volts", "Amps", "PF", "Mark"]
_GROUP_LABELS = ["Watts", "Volts", "Amps", "PF"]


class _Numbers(dict[str, float]):
    """``float(text)`` remembered per distinct text, for one file.

    Meters print six decimals from a small set of values (the Volts and PF of a run, the
    ``-1.000000`` of every sum group), so most fields repeat: 69 % of the Watts and over
    90 % of the PF fields of the published files. A hit is a dict lookup instead of a
    float parse; a miss parses with ``float`` and raises its ``ValueError`` as before.
    """

    def __missing__(self, text: str) -> float:
        value = self[text] = float(text)
        return value


class _FastState:
    """What the fast path keeps across the lines of one file."""

    def __init__(self) -> None:
        self.days: dict[str, str] = {}
        self.numbers = _Numbers()


def _fast_line(raw: str, number: int, state: _FastState) -> SplLine | None:
    """The common well-formed shapes (one group, or a sum group and ``ChN`` groups) in one
    pass; None defers to :func:`parse_spl_line`, which also words the error.

    Safe because it accepts only what the full parser accepts, with the same values: every
    label must sit where the full parser expects it (compared as one slice per group),
    every number goes through the same ``float``, and the time comes from
    :func:`parse_mlperf_time_fast`, which reads only fixed-width stamps, to the value
    :func:`parse_mlperf_time` gives them. The tuples are built with ``tuple.__new__``,
    which is all a NamedTuple constructor does once it has bound its arguments.
    """
    f = raw.split(",")
    n = len(f)
    if n < 12 or (n - 12) % 9 or f[0] != "Time" or f[2:11:2] != _LINE_LABELS:
        return None
    moment = parse_mlperf_time_fast(f[1], state.days)
    if moment is None:
        return None
    num = state.numbers
    try:
        channels = _fast_channels(f, n, num) if n > 12 else ()
        if channels is None:
            return None
        watts, volts, amps, pf = num[f[3]], num[f[5]], num[f[7]], num[f[9]]
    except ValueError:
        return None
    return _new_tuple(
        SplLine, (moment, watts, volts, amps, pf, f[11].rstrip(), channels, number, ())
    )


def _fast_channels(f: list[str], n: int, num: _Numbers) -> tuple[SplChannel, ...] | None:
    """The ``ChN,Watts,w,Volts,v,Amps,a,PF,p`` groups from field 13 on, or None when one is
    not in that shape; raises ``ValueError`` for a field that is not a number."""
    groups = []
    for i in range(12, n, 9):
        if f[i + 1 : i + 8 : 2] != _GROUP_LABELS or not f[i].startswith("Ch"):
            return None
        values = (f[i], num[f[i + 2]], num[f[i + 4]], num[f[i + 6]], num[f[i + 8]])
        groups.append(_new_tuple(SplChannel, values))
    return tuple(groups)


def read_spl(path: str | os.PathLike[str]) -> SplFile:
    """Read an ``spl.txt``; blank lines are skipped, bad lines become issues."""
    text = read_lines(path, _WHAT)
    result = SplFile(path=text.path, issues=text.issues)
    append = result.lines.append
    state = _FastState()
    for number, raw in enumerate(text.lines, start=1):
        if not raw or raw.isspace():
            continue
        sample = _fast_line(raw, number, state)
        if sample is not None:
            append(sample)
            continue
        try:
            append(parse_spl_line(raw.strip(), number))
        except SplParseError as exc:
            if number == len(text.lines) and not text.terminated:
                # The director stops PTDaemon's log mid-write: a published file may end
                # in half a line with no line end, recorded (and hashed) that way.
                result.issues.append(
                    FormatIssue(
                        text.path, number,
                        f"the last line is cut off (no line end; as the director left it): {exc}",
                        severity="notice",
                    )
                )
                continue
            result.issues.append(FormatIssue(text.path, number, f"not an spl line: {exc}"))
    if not text.missing and not result.lines and not result.issues:
        result.issues.append(FormatIssue(text.path, None, "spl.txt holds no samples"))
    return result


def _group(watts: float, volts: float, amps: float, pf: float) -> str:
    return f"Watts,{watts:.6f},Volts,{volts:.6f},Amps,{amps:.6f},PF,{pf:.6f}"


def format_spl_line(
    time: datetime,
    watts: float,
    volts: float,
    amps: float,
    pf: float,
    mark: str,
    channels: Sequence[SplChannel] = (),
) -> str:
    """One spl line exactly as published (6 decimals, UTC ``MM-DD-YYYY HH:MM:SS.mmm``),
    without a line end. With ``channels`` the first group is the sum group as given."""
    text = f"Time,{format_mlperf_time(time)},{_group(watts, volts, amps, pf)},Mark,{mark}"
    for channel in channels:
        text += f",{channel.name},{_group(channel.watts, channel.volts, channel.amps, channel.pf)}"
    return text


def format_merged_spl_line(analyzer_lines: Sequence[str]) -> str:
    """Merge the same-index lines of several analyzers into one line.

    Layout: ``Time,<t of analyzer 1>,Watts,<Σ|W|, -1 skipped>,Volts,-1.000000,
    Amps,-1.000000,PF,-1.000000,Mark,<mark of analyzer 1>`` then, for each analyzer K
    (1-based, in order), ``,AnalyzerK,`` and that analyzer's line unchanged. This is the
    reference director's layout, so reference tools read our files. Raises
    :class:`SplParseError` when an analyzer line is not an spl line.
    """
    if not analyzer_lines:
        raise SplParseError("no analyzer lines to merge")
    parsed = [parse_spl_line(line.strip()) for line in analyzer_lines]
    first_fields = analyzer_lines[0].strip().split(",")
    total = sum(abs(sample.watts) for sample in parsed if sample.watts != -1)
    head = f"Time,{first_fields[1]},{_group(total, -1, -1, -1)},Mark,{parsed[0].mark}"
    tail = "".join(
        f",Analyzer{index},{line.strip()}" for index, line in enumerate(analyzer_lines, start=1)
    )
    return head + tail


def write_spl(path: str | os.PathLike[str], lines: Iterable[str]) -> None:
    """Write spl lines atomically, LF-terminated, with no trailing blank line (the
    reference's trailing blank line broke its own checker, inference #1581)."""
    atomic_write_text(path, "".join(line + "\n" for line in lines))
