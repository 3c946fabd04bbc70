"""PTDaemon's -l data log, written by our simulator and built from published samples."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from joulekit.formats.ptd_logfile import read_ptd_logfile

from ._real import paths


def test_samples_events_and_raw_lines(tmp_path: Path) -> None:
    published = paths("untether-v4.1-singlestream").ranging_spl.read_text().split("\n")[:3]
    path = tmp_path / "ptd_logfile.txt"
    path.write_text(
        "Time,07-23-2024 15:35:30.100,NOTICE,Go with mark '2024-07-23_11-35-08_ranging'\n"
        + "\n".join(published[:2])
        + "\nTime,07-23-2024 15:35:33.000,ERROR,Bad volts reading nan from WT210\n"
        "Buffer was 1.000E+00;1;300.0E+00;1\n"
        "Time,07-23-2024 15:35:34.000,Watts,1.0,Volts,2.0,Amps,3.0,PF,0.5,Mark,notset\n"
    )
    log = read_ptd_logfile(path)
    assert log.issues == []
    assert len(log.samples) == 3
    assert [e.kind for e in log.events] == ["info", "error"]
    assert log.events[1].message == "Bad volts reading nan from WT210"
    assert log.events[0].time == datetime(2024, 7, 23, 15, 35, 30, 100000, tzinfo=UTC)
    assert [o.kind for o in log.other] == ["buffer"]
    ranging = log.marked("2024-07-23_11-35-08_ranging")
    assert [s.watts for s in ranging] == [171.2, 204.5]
    assert log.marked("notset")[0].line == 6


def test_damaged_time_line_is_an_issue_but_a_cut_last_line_is_not(tmp_path: Path) -> None:
    path = tmp_path / "ptd_logfile.txt"
    path.write_text(
        "Time,07-23-2024 15:35:34.000,Watts,1.0,Volts,oops,Amps,3.0,PF,0.5,Mark,m\n"
        "Time,07-23-2024 15:35:35.000,Watts,1.0,Vol"
    )
    log = read_ptd_logfile(path)
    assert [issue.line for issue in log.issues] == [1]
    assert [o.kind for o in log.other] == ["truncated"]
    assert read_ptd_logfile(tmp_path / "absent").issues[0].line is None
