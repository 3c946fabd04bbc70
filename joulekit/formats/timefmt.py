"""The timestamp formats shared by LoadGen, PTDaemon and the director.

``MM-DD-YYYY HH:MM:SS.mmm`` is used by LoadGen's ``power_begin``/``power_end``, by every
``spl.txt`` line and by PTDaemon's console log. All of them are UTC in an MLPerf power
run (the director starts PTDaemon with ``TZ=UTC``); we keep them timezone-aware so that
no comparison ever depends on the checker's own time zone (inference#1457).
"""

from __future__ import annotations

from datetime import UTC, datetime

MLPERF_TIME_FORMAT = "%m-%d-%Y %H:%M:%S.%f"
_from_iso = datetime.fromisoformat


def parse_mlperf_time(text: str) -> datetime:
    """Parse ``MM-DD-YYYY HH:MM:SS.mmm`` as an aware UTC datetime.

    Raises ``ValueError`` with the offending text when it does not match.
    """
    text = text.strip()
    # Fast path for the fixed-width form; strptime for odd widths and separators.
    if _is_fixed_width(text):
        moment = _fields_time(text)
        if moment is not None:
            return moment
    try:
        return datetime.strptime(text, MLPERF_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"not an MM-DD-YYYY HH:MM:SS.mmm timestamp: {text!r}") from None


def format_mlperf_time(moment: datetime) -> str:
    """Format an aware datetime (converted to UTC) as ``MM-DD-YYYY HH:MM:SS.mmm``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC)")
    utc = moment.astimezone(UTC)
    return utc.strftime("%m-%d-%Y %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime from POSIX seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def to_epoch(moment: datetime) -> float:
    """POSIX seconds of an aware datetime."""
    return moment.timestamp()


def parse_mlperf_time_fast(text: str, days: dict[str, str]) -> datetime | None:
    """The fixed-width ``MM-DD-YYYY HH:MM:SS.mmm`` form only, with the date part cached in
    ``days`` across calls; None for any other text (call :func:`parse_mlperf_time` then).

    Log readers parse thousands of stamps that share a date. The stamp is rewritten as
    ISO 8601 (``YYYY-MM-DD HH:MM:SS.mmm+00:00``, the date part from ``days``) and handed
    to ``datetime.fromisoformat``, one C call instead of seven ``int`` calls and a
    constructor. That is safe because ``fromisoformat`` takes ASCII digits only, so
    whatever it accepts the field-by-field parse accepts too, with the same value; the
    rarer stamps it refuses (``int`` also takes ``+5`` or non-ASCII digits) go through
    :func:`_fields_time`, the parse this function always did. Hour 24 is refused up
    front because newer Pythons read ``24:00:00`` as the next midnight.
    """
    if not _is_fixed_width(text):
        return None
    date = text[:10]
    iso_date = days.get(date)
    if iso_date is None:
        iso_date = days[date] = f"{text[6:10]}-{text[0:5]}"
    if text[11:13] != "24":
        try:
            return _from_iso(iso_date + text[10:] + "+00:00")
        except ValueError:
            pass
    return _fields_time(text)


def _is_fixed_width(text: str) -> bool:
    """``MM-DD-YYYY HH:MM:SS.mmm`` by length and separators (digits are checked later)."""
    return (
        len(text) == 23
        and text[2] == "-"
        and text[5] == "-"
        and text[10] == " "
        and text[13] == ":"
        and text[16] == ":"
        and text[19] == "."
    )


def _fields_time(text: str) -> datetime | None:
    """Field-by-field parse of a fixed-width stamp already checked for its separators."""
    if not text[11:13].isdigit():
        return None
    try:
        return datetime(
            int(text[6:10]),
            int(text[0:2]),
            int(text[3:5]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            int(text[20:23]) * 1000,
            UTC,
        )
    except ValueError:
        return None
