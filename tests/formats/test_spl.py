"""spl.txt: published files of three rounds, the power figures they yield, broken copies,
and the writer against the published bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from joulekit.formats.mllog import read_detail
from joulekit.formats.spl import (
    SplChannel,
    SplParseError,
    format_merged_spl_line,
    format_spl_line,
    parse_spl_line,
    read_spl,
    write_spl,
)

from ._real import REAL, copy_to, paths

# name -> (run_1 samples, first time, first W, last time, last W, channels)
RUN_1 = {
    "qualcomm-v1.1-server": (
        816,
        "2021-08-27 17:34:58.486",
        668.3,
        "2021-08-27 17:48:33.485",
        667.2,
        3,
    ),
    "dell-v2.1-offline": (
        690,
        "2022-07-28 03:59:55.987",
        141.98,
        "2022-07-28 04:11:24.998",
        161.11,
        3,
    ),
    "dell-v2.1-server": (
        622,
        "2022-07-28 12:49:09.701",
        141.48,
        "2022-07-28 12:59:30.706",
        161.61,
        3,
    ),
    "untether-v4.1-singlestream": (
        692,
        "2024-07-23 15:47:16.858",
        172.9,
        "2024-07-23 15:58:47.863",
        174.5,
        0,
    ),
    "untether-v4.1-offline": (
        916,
        "2024-07-23 13:43:39.220",
        171.3,
        "2024-07-23 13:58:54.221",
        181.9,
        0,
    ),
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(RUN_1))
def test_run_1_spl_of_each_published_result(name: str) -> None:
    count, first_t, first_w, last_t, last_w, channels = RUN_1[name]
    spl = read_spl(paths(name).run_1_spl)
    assert spl.issues == []
    assert len(spl.lines) == count
    assert spl.lines[0].time == utc(first_t) and spl.lines[0].watts == first_w
    assert spl.lines[-1].time == utc(last_t) and spl.lines[-1].watts == last_w
    assert len(spl.lines[0].channels) == channels
    assert all(line.mark.endswith("_testing") for line in spl.lines)
    assert spl.lines[0].line == 1 and spl.lines[-1].line == count


def test_multichannel_groups_and_minus_one_sum_fields() -> None:
    first = read_spl(paths("qualcomm-v1.1-server").run_1_spl).lines[0]
    assert (first.volts, first.amps, first.pf) == (-1.0, -1.0, -1.0)
    assert first.channels == (
        SplChannel("Ch1", 306.4, 205.87, 1.5398, 0.9665),
        SplChannel("Ch2", 361.9, 208.13, 1.7823, 0.9755),
        SplChannel("Ch3", 0.0, 0.0, 0.0, 0.0),
    )
    assert first.mark == "2021-08-27_12-20-36_testing"


def test_trailing_empty_line_is_not_an_issue() -> None:
    path = paths("untether-v4.1-offline").ranging_spl
    assert path.read_bytes().endswith(b"_ranging\n\n")
    spl = read_spl(path)
    assert spl.issues == [] and len(spl.lines) == 916


@pytest.mark.parametrize(
    ("name", "samples", "watts"),
    [
        ("qualcomm-v1.1-server", 600, 1790.9826666666677),
        ("untether-v4.1-singlestream", 600, 231.1185),
        ("untether-v4.1-offline", 657, 398.32998477930016),
        ("dell-v2.1-offline", 662, 266.93858006042285),
    ],
)
def test_published_average_power_from_the_window(name: str, samples: int, watts: float) -> None:
    """OFFICIAL.md figures: mean W strictly inside LoadGen's window, W > 0."""
    detail = read_detail(paths(name).run_1_detail)
    assert detail.power_begin is not None and detail.power_end is not None
    spl = read_spl(paths(name).run_1_spl)
    inside = [s.watts for s in spl.between(detail.power_begin, detail.power_end) if s.watts > 0]
    assert len(inside) == samples
    assert sum(inside) / len(inside) == watts


def test_dell_offline_efficiency_matches_the_white_paper() -> None:
    detail = read_detail(paths("dell-v2.1-offline").run_1_detail)
    assert detail.power_begin is not None and detail.power_end is not None
    spl = read_spl(paths("dell-v2.1-offline").run_1_spl)
    inside = [s.watts for s in spl.between(detail.power_begin, detail.power_end) if s.watts > 0]
    assert round(3091.84 / (sum(inside) / len(inside)), 2) == 11.58


def test_every_published_spl_file_reads_with_its_phase_mark() -> None:
    files = sorted(REAL.rglob("spl.txt"))
    assert len(files) == 10
    for path in files:
        spl = read_spl(path)
        assert spl.issues == [], path
        phase = "_testing" if path.parent.name == "run_1" else "_ranging"
        assert all(sample.mark.endswith(phase) for sample in spl.lines), path
        assert all(a.time < b.time for a, b in zip(spl.lines, spl.lines[1:], strict=False))


@pytest.mark.parametrize(
    "name", ["qualcomm-v1.1-server", "dell-v2.1-server", "untether-v4.1-offline"]
)
def test_writer_reproduces_every_published_line(name: str) -> None:
    path = paths(name).run_1_spl
    published = [line for line in path.read_text().splitlines() if line]
    for text, sample in zip(published, read_spl(path).lines, strict=True):
        assert (
            format_spl_line(
                sample.time,
                sample.watts,
                sample.volts,
                sample.amps,
                sample.pf,
                sample.mark,
                sample.channels,
            )
            == text
        )


def test_crlf_published_file_and_cr_only_and_mixed_copies(tmp_path: Path) -> None:
    source = paths("dell-v2.1-offline").run_1_spl
    assert b"\r\n" in source.read_bytes()
    reference = read_spl(source).lines
    text = source.read_bytes().replace(b"\r\n", b"\n")
    cr = tmp_path / "cr.txt"
    cr.write_bytes(text.replace(b"\n", b"\r"))
    lines = text.split(b"\n")
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes(
        b"".join(line + (b"\r\n", b"\n", b"\r")[i % 3] for i, line in enumerate(lines[:-1]))
    )
    for path in (cr, mixed):
        spl = read_spl(path)
        assert spl.issues == []
        assert spl.lines == reference


def test_a_cut_line_is_an_issue_on_its_line_and_the_rest_reads(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-singlestream").run_1_spl, tmp_path)
    lines = path.read_text().split("\n")
    lines[99] = lines[99][:40]
    path.write_text("\n".join(lines))
    spl = read_spl(path)
    assert [issue.line for issue in spl.issues] == [100]
    assert str(spl.issues[0]).startswith(f"{path}:100: not an spl line")
    assert "not an spl line" in spl.issues[0].message
    assert len(spl.lines) == 691


def test_a_non_number_and_a_bad_label_are_issues(tmp_path: Path) -> None:
    path = copy_to(paths("qualcomm-v1.1-server").run_1_spl, tmp_path)
    lines = path.read_text().split("\n")
    lines[4] = lines[4].replace("Watts,", "Watts,abc", 1)
    lines[6] = lines[6].replace(",Ch2,Watts,", ",Ch2,Wats,")
    lines[8] = lines[8].replace("Time,08-27-2021", "Time,27-08-2021")
    path.write_text("\n".join(lines))
    spl = read_spl(path)
    assert [issue.line for issue in spl.issues] == [5, 7, 9]
    assert "field 4 is not a number" in spl.issues[0].message
    assert "'Wats'" in spl.issues[1].message
    assert len(spl.lines) == 813


def test_a_stamp_with_wrong_separators_is_an_issue_on_its_line(tmp_path: Path) -> None:
    path = copy_to(paths("qualcomm-v1.1-server").run_1_spl, tmp_path)
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace("Time,08-27-2021 ", "Time,08/27/2021 ")
    lines[3] = lines[3].replace("Time,08-27-2021 ", "Time,08-27-2021T")
    path.write_text("\n".join(lines))
    spl = read_spl(path)
    assert [issue.line for issue in spl.issues] == [3, 4]
    assert all("MM-DD-YYYY" in issue.message for issue in spl.issues)
    assert len(spl.lines) == 814


@pytest.mark.parametrize("name", sorted(RUN_1))
def test_fast_reader_gives_what_the_line_parser_gives(name: str) -> None:
    for path in (paths(name).run_1_spl, paths(name).ranging_spl):
        text = path.read_text().splitlines()
        parsed = [parse_spl_line(t.strip(), n) for n, t in enumerate(text, 1) if t.strip()]
        assert read_spl(path).lines == parsed


def test_non_utf8_byte_names_its_line(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-offline").run_1_spl, tmp_path)
    data = path.read_bytes().split(b"\n")
    data[2] = data[2].replace(b"Mark", b"M\xe9rk")
    path.write_bytes(b"\n".join(data))
    spl = read_spl(path)
    assert {issue.line for issue in spl.issues} == {3}
    assert len(spl.lines) == 915


def test_missing_and_empty_files(tmp_path: Path) -> None:
    assert read_spl(tmp_path / "spl.txt").issues[0].line is None
    (tmp_path / "empty.txt").write_text("\n\n")
    assert read_spl(tmp_path / "empty.txt").issues[0].message == "spl.txt holds no samples"


def test_rl_sample_without_mark_parses() -> None:
    sample = parse_spl_line(
        "Time,07-23-2024 15:35:31.746,Watts,171.200000,Volts,118.300000,Amps,1.655000,PF,0.874000"
    )
    assert sample.mark == "" and sample.watts == 171.2


def test_merged_multi_analyzer_line_round_trip() -> None:
    t = datetime(2024, 7, 23, 15, 0, 1, 5000, tzinfo=UTC)
    one = format_spl_line(t, 120.5, 230.0, 0.6, 0.9, "s_testing")
    two = format_spl_line(
        t,
        300.0,
        -1,
        -1,
        -1,
        "s_testing",
        (SplChannel("Ch1", 100.0, 229.0, 0.5, 0.95), SplChannel("Ch2", 200.0, 231.0, 1.0, 0.97)),
    )
    failed = format_spl_line(t, -1, -1, -1, -1, "s_testing")
    merged = format_merged_spl_line([one, two, failed])
    assert merged.startswith(
        "Time,07-23-2024 15:00:01.005,Watts,420.500000,Volts,-1.000000,Amps,-1.000000,"
        "PF,-1.000000,Mark,s_testing,Analyzer1,Time,07-23-2024 15:00:01.005,Watts,120.500000"
    )
    assert ",Analyzer2,Time," in merged and ",Analyzer3,Time," in merged
    sample = parse_spl_line(merged)
    assert sample.watts == 420.5 and sample.mark == "s_testing"
    assert [a.watts for a in sample.analyzers] == [120.5, 300.0, -1.0]
    assert [c.name for c in sample.analyzers[1].channels] == ["Ch1", "Ch2"]


def test_merged_sum_takes_absolute_values() -> None:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    merged = format_merged_spl_line(
        [format_spl_line(t, -5.0, 1, 1, 1, "m"), format_spl_line(t, 7.0, 1, 1, 1, "m")]
    )
    assert parse_spl_line(merged).watts == 12.0


def test_merge_rejects_non_spl_input() -> None:
    with pytest.raises(SplParseError):
        format_merged_spl_line(["Time,bad"])
    with pytest.raises(SplParseError):
        format_merged_spl_line([])


def test_write_spl_reads_back_and_has_no_trailing_blank(tmp_path: Path) -> None:
    t = datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)
    lines = [format_spl_line(t, 10.0, 230.0, 0.05, 0.8, "x_ranging")]
    path = tmp_path / "run" / "spl.txt"
    write_spl(path, lines)
    assert path.read_bytes() == (
        b"Time,02-29-2024 23:59:59.999,Watts,10.000000,Volts,230.000000,Amps,0.050000,"
        b"PF,0.800000,Mark,x_ranging\n"
    )
    assert read_spl(path).lines[0].time == t
