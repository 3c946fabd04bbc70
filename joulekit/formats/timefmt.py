"""The timestamp formats shared by LoadGen, PTDaemon and the director.

``MM-DD-YYYY HH:MM:SS.mmm`` is used by LoadGen's ``power_begin``/``power_end``, by every
``spl.txt`` line and by PTDaemon's console log. All of them are UTC in an MLPerf power
run (the director starts PTDaemon with ``TZ=UTC``); we keep them timezone-aware so that
no comparison ever depends on the checker's own time zone (inference#1457).
"""

from __future__ import annotations

from datetime import UTC, datetime

MLPERF_TIME_FORMAT = "%m-%d-%Y %H:%M:%S.%f"


def parse_mlperf_time(text: str) -> datetime:
    """Parse ``MM-DD-YYYY HH:MM:SS.mmm`` as an aware UTC datetime.

    Raises ``ValueError`` with the offending text when it does not match.
    """
    text = text.strip()
    # Fast path for the fixed-width form; fall back to strptime for odd widths.
    if len(text) == 23 and text[2] == "-" and text[5] == "-" and text[10] == " ":
        try:
            return datetime(
                int(text[6:10]),
                int(text[0:2]),
                int(text[3:5]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                int(text[20:23]) * 1000,
                tzinfo=UTC,
            )
        except ValueError:
            pass
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


def parse_mlperf_time_fast(text: str, days: dict[str, tuple[int, int, int]]) -> datetime | None:
    """The fixed-width ``MM-DD-YYYY HH:MM:SS.mmm`` form only, with the date part cached in
    ``days`` across calls; None for any other text (call :func:`parse_mlperf_time` then).

    Log readers parse thousands of stamps that share a date; this keeps them cheap.
    """
    if (
        len(text) != 23
        or text[2] != "-"
        or text[5] != "-"
        or text[10] != " "
        or text[13] != ":"
        or text[16] != ":"
        or text[19] != "."
        or not text[11:13].isdigit()
    ):
        return None
    try:
        day = days.get(text[:10])
        if day is None:
            day = (int(text[6:10]), int(text[0:2]), int(text[3:5]))
            datetime(day[0], day[1], day[2])  # reject 02-30 before caching it
            days[text[:10]] = day
        return datetime(
            day[0],
            day[1],
            day[2],
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            int(text[20:23]) * 1000,
            UTC,
        )
    except ValueError:
        return None
