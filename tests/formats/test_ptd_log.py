"""ptd_logs.txt: published PTDaemon console logs and broken or merged copies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from joulekit.formats.ptd_log import read_ptd_log

from ._real import copy_to, paths

# name -> (events, ERROR events, WARNING events, RL samples, PTD version, line of "Go")
PUBLISHED = {
    "qualcomm-v1.1-server": (3260, 1604, 1604, 0, "1.9.2", 60),
    "dell-v2.1-offline": (2815, 1381, 1380, 0, "1.9.2", 62),
    "dell-v2.1-server": (2543, 1245, 1244, 0, "1.9.2", 62),
    "untether-v4.1-singlestream": (1555, 692, 692, 1260, "1.10.0", 32),
    "untether-v4.1-offline": (2045, 916, 916, 1666, "1.10.0", 32),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_console_logs(name: str) -> None:
    events, errors, warnings, samples, version, go_line = PUBLISHED[name]
    log = read_ptd_log(paths(name).ptd_logs)
    assert log.issues == []
    assert log.truncated is False
    assert len(log.events) == events
    assert len(log.errors()) == errors
    assert len(log.warnings()) == warnings
    assert len(log.samples()) == samples
    assert log.versions == {1: version}
    assert log.analyzers == [1]
    go = log.find("Go with mark")
    assert go is not None and log.events[go].line == go_line
    assert log.events[go].message.endswith("_ranging'")
    assert all(event.analyzer == 1 for event in log.events)


def test_event_fields_and_crlf_inside_replies() -> None:
    log = read_ptd_log(paths("qualcomm-v1.1-server").ptd_logs)
    first = log.events[0]
    assert first.time == datetime(2021, 8, 27, 17, 20, 37, 121000, tzinfo=UTC)
    assert first.message == "Attempting to connect to measurement device type 77..."
    assert (first.line, first.kind) == (16, "info")
    hello = log.events[log.find("Hello, PTDaemon here!") or 0]
    assert hello.message == "Response to client sent: Hello, PTDaemon here!"
    assert log.find("Uncertainty checking for YokogawaWT330_multichannel is activated") is not None
    error = log.errors()[0]
    assert error.message == "ERROR: Can't evaluate uncertainty of this sample!"


def test_rl_dump_samples_parse_as_spl_lines_without_mark() -> None:
    log = read_ptd_log(paths("untether-v4.1-singlestream").ptd_logs)
    samples = log.samples()
    assert samples[0].time == datetime(2024, 7, 23, 15, 35, 31, 746000, tzinfo=UTC)
    assert samples[0].watts == 171.2 and samples[0].mark == ""
    assert samples[0].line == 1423
    assert samples[-1].watts == 174.5


def test_truncated_last_line_is_accepted(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-offline").ptd_logs, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"onnection...")])  # "Waiting for a c|onnection..."
    log = read_ptd_log(path)
    assert log.issues == []
    assert log.truncated is True
    assert log.events[-1].message == "Waiting for a c"
    assert log.events[-1].line == len(data.split(b"\n")) - 1


def test_cut_mid_timestamp_keeps_the_fragment(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-offline").ptd_logs, tmp_path)
    data = path.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 1 + 12  # 12 bytes into the last line
    path.write_bytes(data[:cut])
    log = read_ptd_log(path)
    assert log.issues == [] and log.truncated is True
    assert log.other[-1].kind == "truncated" and log.other[-1].text == "07-23-2024 1"


def test_header_only_file_from_a_quiet_ptdaemon(tmp_path: Path) -> None:
    path = tmp_path / "ptd_logs.txt"
    path.write_text("Analyzer 1\n")
    log = read_ptd_log(path)
    assert log.issues == [] and log.events == [] and log.analyzers == [1]


def test_two_analyzer_blocks_carry_their_index(tmp_path: Path) -> None:
    one = paths("untether-v4.1-singlestream").ptd_logs.read_bytes()
    two = paths("qualcomm-v1.1-server").ptd_logs.read_bytes()
    path = tmp_path / "ptd_logs.txt"
    path.write_bytes(b"Analyzer 1\n" + one + b"Analyzer 2\n" + two)
    log = read_ptd_log(path)
    assert log.issues == []
    assert log.analyzers == [1, 2]
    assert log.versions == {1: "1.10.0", 2: "1.9.2"}
    assert sum(e.analyzer == 1 for e in log.events) == 1555
    assert sum(e.analyzer == 2 for e in log.events) == 3260
    assert len(log.samples(analyzer=1)) == 1260 and log.samples(analyzer=2) == []
    go2 = log.find("Go with mark", analyzer=2)
    assert go2 is not None and log.events[go2].line == 1 + 2831 + 1 + 60


def test_interleaved_lines_are_split_into_events(tmp_path: Path) -> None:
    path = tmp_path / "ptd_logs.txt"
    path.write_text(
        "Time,07-23-2024 15:35:31.746,Watts,171.2000"
        "07-23-2024 15:35:31.750: ERROR: Bad volts reading nan from WT310\n"
        "Buffer was 1.000E+00;1;300.0E+00;1\n"
        "07-23-2024 15:35:32.000: Response to client sent: Range A changed"
        "07-23-2024 15:35:32.001: WARNING: Uncertainty 1.45%, which is above 1.00% limit!\n"
    )
    log = read_ptd_log(path)
    assert log.issues == []
    assert [(e.kind, e.line) for e in log.events] == [("error", 1), ("info", 3), ("warning", 3)]
    assert log.events[0].message == "ERROR: Bad volts reading nan from WT310"
    assert log.events[2].time == datetime(2024, 7, 23, 15, 35, 32, 1000, tzinfo=UTC)
    assert [o.kind for o in log.other] == ["fragment", "buffer"]


def test_bad_timestamp_is_an_issue_with_its_line(tmp_path: Path) -> None:
    path = copy_to(paths("dell-v2.1-server").ptd_logs, tmp_path)
    lines = path.read_bytes().split(b"\n")
    assert lines[19].startswith(b"07-28-2022")
    lines[19] = b"13-45-2022" + lines[19][10:]
    path.write_bytes(b"\n".join(lines))
    log = read_ptd_log(path)
    assert [issue.line for issue in log.issues] == [20]
    assert len(log.events) == 2542


def test_non_utf8_and_missing(tmp_path: Path) -> None:
    path = copy_to(paths("dell-v2.1-offline").ptd_logs, tmp_path)
    data = path.read_bytes().split(b"\n")
    data[30] = b"\xff" + data[30]
    path.write_bytes(b"\n".join(data))
    log = read_ptd_log(path)
    assert [issue.line for issue in log.issues] == [31]
    assert len(log.events) == 2815
    missing = read_ptd_log(tmp_path / "absent" / "ptd_logs.txt")
    assert missing.issues[0].line is None and missing.events == []


def test_odd_clock_fields_are_not_taken_for_a_time(tmp_path: Path) -> None:
    path = tmp_path / "ptd_logs.txt"
    path.write_text("07-23-2024  5:35:31.746: padded hour\n07-23-2024 15:35:31.746: fine\n")
    log = read_ptd_log(path)
    assert [event.message for event in log.events] == ["fine"]
    assert [issue.line for issue in log.issues] == [1]
