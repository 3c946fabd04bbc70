"""The whole-file readers give what the line-by-line readers give, value for value.

``spl.txt`` and ``ptd_logs.txt`` are read into arrays (``SplFile.columns``,
``PtdLog.columns``) when every line fits the usual shape, and a detail log's long integer
arrays are decoded on first use; each test pins one of those paths against the
line-by-line reading of the same bytes, on published files and on the odd shapes that
must fall back.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from joulekit.formats import _scan, ptd_log
from joulekit.formats._text import read_lines
from joulekit.formats.mllog import format_mllog_line, read_detail
from joulekit.formats.spl import _parse_lines, read_spl, to_us
from joulekit.formats.timefmt import format_mlperf_time, parse_mlperf_time

from ._real import RESULTS, copy_to, paths

LINE = (
    "Time,07-23-2024 15:47:16.858,Watts,172.900000,Volts,118.000000,Amps,1.673000,"
    "PF,0.876000,Mark,run_testing"
)


def _same_as_lines(path: Path) -> None:
    """The columns hold exactly the values of the lines the per-line parser gives."""
    spl = read_spl(path)
    text = read_lines(path, "spl.txt")
    lines, issues = _parse_lines(str(path), text.lines, text.terminated)
    assert repr(spl.lines) == repr(lines)  # repr: a nan equals itself there
    columns = spl.columns
    if columns is None:
        return
    assert issues == [] and len(columns) == len(lines)
    assert columns.time_us.tolist() == [to_us(s.time) for s in lines]
    assert columns.line.tolist() == [s.line for s in lines]
    for name in ("watts", "volts", "amps", "pf"):
        assert repr(getattr(columns, name).tolist()) == repr([getattr(s, name) for s in lines])
        table = getattr(columns, f"ch_{name}").tolist()
        assert repr(table) == repr([[getattr(c, name) for c in s.channels] for s in lines])


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_published_spl_files_read_into_the_same_values(name: str) -> None:
    for path in (paths(name).run_1_spl, paths(name).ranging_spl):
        _same_as_lines(path)
    assert read_spl(paths(name).run_1_spl).columns is not None


@pytest.mark.parametrize(
    "stamp",
    [
        "07-23-2024 24:00:00.000",  # hour 24: refused by datetime
        "04-31-2024 10:00:00.000",  # a day April lacks
        "02-29-2023 10:00:00.000",  # not a leap year
        "07-23-2024 15:47:60.000",  # second 60
        "07-23-2024 15:4\u0667:16.858",  # a non-ASCII digit
        "7-23-2024 15:47:16.858",  # not fixed width
    ],
)
def test_an_odd_stamp_falls_back_to_the_line_reader(tmp_path: Path, stamp: str) -> None:
    path = tmp_path / "spl.txt"
    path.write_text(LINE + "\n" + LINE.replace("07-23-2024 15:47:16.858", stamp) + "\n")
    assert read_spl(path).columns is None
    _same_as_lines(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("172.900000", "nan"),  # float takes it: so do the columns
        lambda t: t.replace("172.900000", "1_72.9"),
        lambda t: t.replace("172.900000", "-0.000000"),
        lambda t: t.replace("Watts,172", "Watt,172"),  # a bad label: an issue
        lambda t: t.replace("172.900000", "17x"),  # not a number: an issue
        lambda t: t + ",extra",  # another field count: an issue
        lambda t: t.replace("Mark,run_testing", "Mark,r\u00e9n"),  # non-ASCII mark
    ],
)
def test_odd_fields_read_as_the_line_reader_reads_them(tmp_path: Path, edit: object) -> None:
    path = tmp_path / "spl.txt"
    later = LINE.replace("16.858", "17.858")
    path.write_text(LINE + "\n" + edit(later) + "\n\n")  # type: ignore[operator]
    _same_as_lines(path)


def test_blank_lines_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "spl.txt"
    path.write_text(LINE + "\n\n" + LINE.replace("16.858", "17.858") + "\n\n")
    spl = read_spl(path)
    assert spl.columns is not None and spl.columns.line.tolist() == [1, 3]
    _same_as_lines(path)


def test_multichannel_copy_with_crlf_reads_into_channels(tmp_path: Path) -> None:
    source = paths("qualcomm-v1.1-server").run_1_spl
    path = tmp_path / "spl.txt"
    path.write_bytes(source.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    spl = read_spl(path)
    assert spl.columns is not None and spl.columns.ch_pf.shape[1] == 3
    _same_as_lines(path)


def test_stamps_give_the_instant_parse_mlperf_time_gives() -> None:
    rng = random.Random(13)
    start = datetime(1000, 1, 1, tzinfo=UTC)  # strftime pads no year below 1000
    moments = [start + timedelta(milliseconds=rng.randrange(0, 284_012_524_799_999))
               for _ in range(2000)]
    moments += [datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC),
                datetime(1970, 1, 1, tzinfo=UTC), datetime(2000, 2, 29, tzinfo=UTC)]
    stamps = [format_mlperf_time(m) for m in moments]
    found = _scan.stamps_us(stamps)
    assert found is not None
    assert found.tolist() == [to_us(parse_mlperf_time(s)) for s in stamps]
    assert _scan.stamps_us(["02-29-2100 00:00:00.000"]) is None  # 2100 is not a leap year


@pytest.mark.parametrize(
    "data",
    [b"a\nb\n", b"a\r\nb\r\n", b"a\r\nb", b"a\rb\n", b"a\r\r\nb\n", b"a\n\n", b"",
     b"a\r\r\r\r\r\r\nb\r\n", b"a\r\r\n\rb\n", b"a\r", b"a\r\r\n",
     b"a\xffb\nc\n", b"\r\n", b"x", b"a\r\r\r\r\nb\n", b"a\r\r\r\r\r\nb\n",
     b"\r\r\n\r\n", b"a\r\nb\r", b"\xc3\xa9\r\nb\r\r\n"],
)
def test_read_rows_splits_as_read_lines(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "spl.txt"
    path.write_bytes(data)
    assert _scan.read_rows(path, "spl.txt") == read_lines(path, "spl.txt")
    missing = tmp_path / "absent.txt"
    assert _scan.read_rows(missing, "spl.txt") == read_lines(missing, "spl.txt")


def test_read_rows_splits_random_line_ends_as_read_lines(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "ptd_logs.txt"
    for _ in range(400):
        data = bytes(rng.choice(b"ab\r\r\n\n,") for _ in range(rng.randrange(0, 40)))
        path.write_bytes(data)
        assert _scan.read_rows(path, "PTD log") == read_lines(path, "PTD log"), data


# ------------------------------------------------------------------ detail log

def _loadgen(key: str, values: list[int], **flags: bool) -> str:
    """A record as LoadGen writes a long array: no space after its commas."""
    line = format_mllog_line(key, [0], **flags)
    return line.replace('"value": [0]', '"value": [' + ",".join(map(str, values)) + "]")


def _detail(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_a_long_integer_array_is_decoded_on_first_use(tmp_path: Path) -> None:
    values = list(range(0, 3000, 3))
    path = _detail(
        tmp_path,
        format_mllog_line("effective_scenario", "Offline"),
        _loadgen("loaded_qsl_set", values),
        format_mllog_line("loaded_qsl_set", [5, 6]),
        format_mllog_line("result_validity", "VALID"),
    )
    detail = read_detail(path)
    assert detail._pending  # the long value waits
    assert detail.scenario == "Offline" and detail.result_valid is True
    assert detail._pending  # reading other keys left it alone
    assert detail.get("loaded_qsl_set") == values
    assert detail.all("loaded_qsl_set") == [values, [5, 6]]
    assert [r.value for r in detail.records][1] == values


@pytest.mark.parametrize(
    "value",
    ["[" + ",".join(["1"] * 3000) + ",]", "[01" + ",1" * 3000 + "]",
     "[1" + ",1" * 3000 + "", "[1" + ",,1" * 3000 + "]", "[1" + ", 1" * 3000 + "]",
     "[-1" + ",1" * 3000 + "]", "[1" + ",1" * 3000 + ",0]"],
)
def test_long_values_give_the_records_and_issues_of_a_whole_decode(
    tmp_path: Path, value: str
) -> None:
    good = format_mllog_line("loaded_qsl_set", [1])
    line = good.replace('"value": [1]', f'"value": {value}')
    path = _detail(tmp_path, format_mllog_line("effective_scenario", "Offline"), line)
    detail = read_detail(path)
    try:
        expected = json.loads(line[len(":::MLLOG "):])["value"]
    except ValueError:
        assert [i.line for i in detail.issues] == [2]
        assert "malformed MLLOG record" in detail.issues[0].message
        return
    assert detail.issues == [] and detail.get("loaded_qsl_set") == expected


def test_a_repeated_key_after_the_value_wins_as_in_a_whole_decode(tmp_path: Path) -> None:
    line = _loadgen("loaded_qsl_set", list(range(2000)))
    path = _detail(tmp_path, line[:-1] + ', "value": 7}', line)
    detail = read_detail(path)
    assert list(detail._pending) == [1]  # the first line was decoded whole
    assert detail.all("loaded_qsl_set") == [7, list(range(2000))]


def test_an_error_record_with_a_long_value_is_listed_decoded(tmp_path: Path) -> None:
    values = list(range(2000))
    path = _detail(tmp_path, _loadgen("error_invalid", values, is_error=True))
    detail = read_detail(path)
    assert detail._pending
    assert [e.value for e in detail.errors()] == [values]


# --------------------------------------------------------------------- ptd logs

def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ptd_log.PtdLog, ptd_log.PtdLog]:
    fast = ptd_log.read_ptd_log(path)
    with monkeypatch.context() as patch:
        patch.setattr(ptd_log, "_FAST_MIN_LINES", 10**9)
        slow = ptd_log.read_ptd_log(path)
    assert slow.columns is None
    return fast, slow


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_published_console_logs_read_the_same_as_arrays(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = _both(paths(name).ptd_logs, monkeypatch)
    assert fast.columns is not None
    assert fast == slow
    for text in ("Go with mark", "Completed test", "Uncertainty"):
        for analyzer in (None, 1, 2):
            assert fast.find(text, 3, analyzer) == slow.find(text, 3, analyzer)


def test_odd_lines_among_events_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    base = paths("untether-v4.1-offline").ptd_logs.read_bytes().split(b"\n")
    odd = [
        b"Analyzer 2",
        b"07-23-2024 15: 5:31.746: a minute int() takes",
        b"13-45-2022 10:00:00.000: a month that is not",
        b"07-23-2024 15:35:32.000: glued07-23-2024 15:35:32.001: WARNING: second",
        b"Time,07-23-2024 15:35:31.746,Watts,171.2000"
        b"07-23-2024 15:35:31.750: ERROR: Bad volts reading nan from WT310",
        b"Buffer was 1.000E+00;1;300.0E+00;1",
        b"",
        b"07-23-2024 15:35:33.000: ",
    ]
    lines = base[:40] + odd + base[40:]
    path = tmp_path / "ptd_logs.txt"
    path.write_bytes(b"Analyzer 1\n" + b"\n".join(lines)[:-7])  # and a cut last line
    fast, slow = _both(path, monkeypatch)
    assert fast.columns is not None and fast.truncated
    assert fast == slow
    assert fast.find("second", 0, 2) == slow.find("second", 0, 2) is not None


def test_a_copy_keeps_its_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_to(paths("dell-v2.1-server").ptd_logs, tmp_path)
    fast, slow = _both(path, monkeypatch)
    assert fast.event_count == len(slow.events) and fast.errors() == slow.errors()


@pytest.mark.parametrize(
    ("edit", "from_bytes"),
    [
        (lambda data: data.replace(b"\n", b"\r\n"), True),  # CRLF: sliced from the bytes
        (lambda data: data.replace(b"\n", b"\r\r\n"), True),  # PTDaemon's CR CR LF
        (lambda data: data.replace(b"Analyzer", b"Analyz\xc3\xa9r", 1), False),  # not ASCII
        (lambda data: data.replace(b"\n", b"\r", 1), False),  # a lone CR: the general splitter
        (lambda data: data + b"07-23-2024 15:35:33.000: tail without a line end", True),
    ],
)
def test_ptd_logs_read_the_same_from_bytes_and_from_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: object, from_bytes: bool
) -> None:
    source = paths("untether-v4.1-offline").ptd_logs.read_bytes()
    path = tmp_path / "ptd_logs.txt"
    path.write_bytes(edit(source))  # type: ignore[operator]
    made: list[object] = []

    class Spy(ptd_log._Lines):
        def __init__(self, *args: object) -> None:
            made.append(self)
            super().__init__(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(ptd_log, "_Lines", Spy)
        fast = ptd_log.read_ptd_log(path)
    assert bool(made) is from_bytes  # the path this file must take
    _fast, slow = _both(path, monkeypatch)
    assert fast.columns is not None
    assert fast == slow
    assert (fast.truncated, fast.issues) == (slow.truncated, slow.issues)
