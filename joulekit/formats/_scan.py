"""Whole-file reading for the log readers: lines split in C, stamps timed in one pass.

:func:`read_rows` gives what ``_text.read_lines`` gives, splitting the usual file (LF or
CRLF line ends, UTF-8) without a Python loop. The log readers parse one stamp per line,
and a ``datetime`` per line is most of their cost: :func:`stamps_us` turns a column of
stamps into integer microseconds at once. It accepts only what
:func:`joulekit.formats.timefmt.parse_mlperf_time_fast` accepts (the fixed-width form of
a real date and time: ``datetime`` refuses other digits, day 31 of a short month, hour
24, second 60), with the same instant, and returns None for anything else, so the
caller falls back to the line-by-line reader, which words the problem.

numpy is imported by the first call, not at start-up (the director and the simulator
import the formats but never scan).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from joulekit.formats._text import TextLines, read_lines
from joulekit.formats.safe_files import read_input_bytes

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_DIGITS = [0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
_SEPARATORS = ((2, "-"), (5, "-"), (10, " "), (13, ":"), (16, ":"), (19, "."))
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def stamps_us(stamps: list[str]) -> npt.NDArray[np.int64] | None:
    """Microseconds since 1970-01-01 UTC of each stamp (int64, in order), or None
    unless every one is a valid fixed-width stamp."""
    import numpy as np  # see the module notes

    if not stamps or set(map(len, stamps)) != {23}:
        return None
    try:
        data = "".join(stamps).encode("ascii")
    except UnicodeEncodeError:
        return None
    table = np.frombuffer(data, dtype=np.uint8).reshape(len(stamps), 23)
    time_us, valid = stamp_table_us(table)
    return time_us if bool(valid.all()) else None


def stamp_table_us(
    table: npt.NDArray[np.integer[Any]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(microseconds since the epoch, valid) of each row of an (n, >= 23) table of
    character codes whose first 23 columns should be a stamp; a row that is not a valid
    stamp has ``valid`` False and a meaningless time."""
    import numpy as np  # see the module notes

    codes = table[:, :23].astype(np.int64)
    valid = np.ones(len(codes), dtype=bool)
    for column, char in _SEPARATORS:
        valid &= codes[:, column] == ord(char)
    digits = codes[:, _DIGITS] - 48
    valid &= ((digits >= 0) & (digits <= 9)).all(axis=1)
    d = np.where(valid[:, None], digits, 0).T
    month, day = d[0] * 10 + d[1], d[2] * 10 + d[3]
    year = d[4] * 1000 + d[5] * 100 + d[6] * 10 + d[7]
    hour, minute, second = d[8] * 10 + d[9], d[10] * 10 + d[11], d[12] * 10 + d[13]
    milli = d[14] * 100 + d[15] * 10 + d[16]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array(_MONTH_DAYS)[np.clip(month, 0, 12)] + (leap & (month == 2))
    valid &= (
        (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
        & (hour <= 23) & (minute <= 59) & (second <= 59)
    )
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    time_us: npt.NDArray[np.int64] = (seconds * 1000 + milli) * 1000
    return time_us, valid


#: runs of more CRs than this before an LF are left to read_lines
_CR_PASSES = 4


def read_rows(path: str | os.PathLike[str], what: str) -> TextLines:
    """:func:`joulekit.formats._text.read_lines`, with its usual case done in C.

    A file that decodes as UTF-8 and whose every CR sits in a short run right before an
    LF (a log written on Windows, PTDaemon's CR CR LF, or no CR at all) splits into the
    same lines with ``replace`` and one ``split`` as with the general splitter's Python
    loop. Anything else (a lone CR, a byte that is not UTF-8, a file that cannot be
    read) is read by ``read_lines`` itself, which also words the issue.
    """
    try:
        data = read_input_bytes(path)  # the same refusals as read_lines (FIFO, link out)
    except OSError:
        return read_lines(path, what)
    return rows_of(path, data, what)


def rows_of(path: str | os.PathLike[str], data: bytes, what: str) -> TextLines:
    """:func:`read_rows` of the bytes ``data`` already read from ``path``."""
    rows = split_rows(str(path), data)
    return rows if rows is not None else read_lines(path, what)


def split_rows(name: str, data: bytes) -> TextLines | None:
    """The lines of ``data`` as :func:`read_rows` splits them, or None where only the
    general splitter can (a lone CR, a byte that is not UTF-8)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not data:
        return TextLines(path=name)
    if "\r" not in text:
        lines = text.split("\n")
    elif data.isascii():
        found = _split_before_crs(text, data)
        if found is None:
            return None
        lines = found
    else:
        # CRs right before an LF belong to the line end (CRLF, or PTDaemon's CR CR LF):
        # remove them a CR per pass; any CR left is a line end of its own
        for _pass in range(_CR_PASSES):
            text = text.replace("\r\n", "\n")
            if "\r\n" not in text:
                break
        if "\r" in text:
            return None
        lines = text.split("\n")
    terminated = data.endswith((b"\n", b"\r"))
    if terminated and lines and lines[-1] == "":
        lines.pop()
    return TextLines(path=name, lines=lines, terminated=terminated)


def _split_before_crs(text: str, data: bytes) -> list[str] | None:
    """``text.split("\\n")`` with each line's CRs before its LF left out, or None when
    a CR stands anywhere else or more than :data:`_CR_PASSES` precede one LF (the lines
    the ``replace`` passes give, for an ASCII ``text`` of ``data``; about three times
    faster on a CRLF log, whose every line those passes copy once or twice)."""
    bounds = line_bounds(data)
    if bounds is None:
        return None
    starts, ends = bounds
    return [text[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def line_bounds(
    data: bytes,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """(start, end) offsets of each piece of ``data.split(b"\\n")`` (the last one after
    the last LF, empty when the file ends in one), each end before the CRs that precede
    its LF; None where :func:`split_rows` would give the file to the general splitter
    for its CRs (one not right before an LF, or more than :data:`_CR_PASSES` in a run)."""
    import numpy as np  # see the module notes

    codes = np.frombuffer(data, dtype=np.uint8)
    line_feeds = np.flatnonzero(codes == 10)
    starts = np.empty(len(line_feeds) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = line_feeds + 1
    ends = np.empty(len(line_feeds) + 1, dtype=np.int64)
    ends[:-1] = line_feeds
    ends[-1] = len(data)
    if b"\r" not in data:
        return starts, ends
    carriage_return = codes == 13
    inner = ends[:-1]  # the last piece has no LF: a CR there stays (and is counted below)
    for _cr in range(_CR_PASSES):
        before = (inner > starts[:-1]) & carriage_return[np.maximum(inner - 1, 0)]
        if not before.any():
            break
        inner -= before
    if int(np.count_nonzero(carriage_return)) != int((line_feeds - inner).sum()):
        return None  # a CR not at a line end, or one more in a run than the passes take
    return starts, ends
