"""LoadGen detail and summary logs: real files of three rounds, and broken copies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from joulekit.formats.mllog import format_mllog_line, read_detail, read_summary, write_detail

from ._real import REAL, copy_to, paths

# name -> (records, scenario, power_begin, power_end, result_query_count, warnings)
RUN_1 = {
    "qualcomm-v1.1-server": (
        90,
        "Server",
        "2021-08-27 17:36:54.004",
        "2021-08-27 17:46:54.007",
        None,
        1,
    ),
    "dell-v2.1-offline": (
        86,
        "Offline",
        "2022-07-28 04:00:12.910",
        "2022-07-28 04:11:14.653",
        1,
        1,
    ),
    "dell-v2.1-server": (
        94,
        "Server",
        "2022-07-28 12:49:20.083",
        "2022-07-28 12:59:20.088",
        1578783,
        0,
    ),
    "untether-v4.1-singlestream": (
        89,
        "SingleStream",
        "2024-07-23 15:48:32.939",
        "2024-07-23 15:58:32.939",
        4742678,
        0,
    ),
    "untether-v4.1-offline": (
        88,
        "Offline",
        "2024-07-23 13:47:29.313",
        "2024-07-23 13:58:26.498",
        1,
        3,
    ),
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(RUN_1))
def test_run_1_detail_of_each_published_result(name: str) -> None:
    records, scenario, begin, end, queries, warnings = RUN_1[name]
    detail = read_detail(paths(name).run_1_detail)
    assert detail.issues == []
    assert len(detail.records) == records
    assert detail.scenario == scenario
    assert detail.power_begin == utc(begin)
    assert detail.power_end == utc(end)
    assert detail.get("result_query_count") == queries
    assert len(detail.warnings()) == warnings
    assert detail.errors() == []
    assert detail.result_valid is True
    assert detail.records[0].key == "loadgen_version" and detail.records[0].line == 1


def test_scenario_comes_from_the_log_not_the_lower_case_folder() -> None:
    detail = read_detail(paths("untether-v4.1-singlestream").run_1_detail)
    assert paths("untether-v4.1-singlestream").result_dir.name == "singlestream"
    assert detail.scenario == "SingleStream"


def test_every_detail_log_in_the_fixtures_reads_without_issues() -> None:
    files = sorted(REAL.rglob("mlperf_log_detail.txt"))
    assert len(files) == 31
    for path in files:
        detail = read_detail(path)
        assert detail.issues == [], path
        assert detail.scenario in {"Server", "Offline", "SingleStream"}
        assert detail.power_begin is not None and detail.power_end is not None
        assert detail.power_begin < detail.power_end


def test_repeated_keys_keep_every_occurrence_and_get_returns_the_first() -> None:
    detail = read_detail(paths("untether-v4.1-offline").run_1_detail)
    values = detail.all("warning_generic_message")
    assert len(values) == 3
    assert detail.get("warning_generic_message") == values[0]
    assert detail.get("no_such_key", "fallback") == "fallback"
    assert detail.all("no_such_key") == []
    record = detail.record("power_begin")
    assert record is not None and record.event_type == "POINT_IN_TIME"
    assert "power_end" in detail and "nonsense" not in detail


def test_ranging_detail_has_its_own_window() -> None:
    detail = read_detail(paths("qualcomm-v1.1-server").ranging_detail)
    assert detail.power_begin == utc("2021-08-27 17:23:09.966")
    assert detail.power_end == utc("2021-08-27 17:33:09.974")


def test_a_line_cut_in_half_is_an_issue_on_that_line(tmp_path: Path) -> None:
    path = copy_to(paths("dell-v2.1-server").run_1_detail, tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    lines[9] = lines[9][:60] + "\n"
    path.write_text("".join(lines))
    detail = read_detail(path)
    assert [(issue.line, issue.severity) for issue in detail.issues] == [(10, "error")]
    assert "malformed MLLOG record" in detail.issues[0].message
    assert str(path) in str(detail.issues[0])
    assert len(detail.records) == 93
    assert detail.scenario == "Server"


def test_a_record_that_is_not_an_object_is_an_issue(tmp_path: Path) -> None:
    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text(
        format_mllog_line("effective_scenario", "Offline") + "\n" + ':::MLLOG ["key"]\n'
    )
    detail = read_detail(path)
    assert [issue.line for issue in detail.issues] == [2]
    assert detail.scenario == "Offline"


def test_non_utf8_byte_is_an_issue_and_the_rest_still_reads(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-singlestream").run_1_detail, tmp_path)
    data = bytearray(path.read_bytes())
    third = data.index(b"\n", data.index(b"\n") + 1) + 1  # start of line 3
    data[third + 20] = 0xFF
    path.write_bytes(bytes(data))
    detail = read_detail(path)
    assert [issue.line for issue in detail.issues][:1] == [3]
    assert "not UTF-8" in detail.issues[0].message
    assert detail.scenario == "SingleStream"
    assert detail.power_begin == utc("2024-07-23 15:48:32.939")


def test_cr_only_and_crlf_endings_read_like_lf(tmp_path: Path) -> None:
    source = paths("dell-v2.1-offline").run_1_detail
    original = read_detail(source)
    text = source.read_text()
    for name, ending in (("cr.txt", "\r"), ("crlf.txt", "\r\n")):
        path = tmp_path / name
        path.write_bytes(text.replace("\n", ending).encode())
        detail = read_detail(path)
        assert detail.issues == []
        assert [(r.key, r.line) for r in detail.records] == [
            (r.key, r.line) for r in original.records
        ]


def test_missing_file_is_an_issue_not_an_exception(tmp_path: Path) -> None:
    detail = read_detail(tmp_path / "nope.txt")
    assert len(detail.issues) == 1 and detail.issues[0].line is None
    assert detail.scenario is None and detail.power_begin is None


def test_a_file_without_marker_is_reported_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text("hello\n" + format_mllog_line("effective_scenario", "Server") + "\n")
    detail = read_detail(path)
    assert detail.issues[0].line == 1 and detail.issues[0].severity == "error"
    assert detail.scenario == "Server"


def test_endpoints_marker_is_read_too(tmp_path: Path) -> None:
    line = format_mllog_line("effective_scenario", "Offline").replace(":::MLLOG ", ":::ENDPTS ")
    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text(line + "\n")
    assert read_detail(path).scenario == "Offline"


def test_unparsable_power_begin_is_an_issue_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mlperf_log_detail.txt"
    write_detail(
        path,
        [
            format_mllog_line("effective_scenario", "Offline"),
            format_mllog_line("power_begin", "28-07-2022 04:00:12.910"),
            format_mllog_line("power_end", "07-28-2022 04:11:14.653"),
        ],
    )
    detail = read_detail(path)
    assert [issue.line for issue in detail.issues] == [2]
    assert detail.power_begin is None
    assert detail.power_end == utc("2022-07-28 04:11:14.653")


def test_writer_lines_read_back_with_flags_and_time() -> None:
    line = format_mllog_line(
        "error_invalid_config", "bad", time_ms=12.5, is_error=True, event_type="POINT_IN_TIME"
    )
    assert line.startswith(':::MLLOG {"key": "error_invalid_config", "value": "bad"')


def test_writer_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    write_detail(
        path,
        [
            format_mllog_line("a", 1, time_ms=1.5),
            format_mllog_line("e", "x", is_error=True),
            format_mllog_line("w", "y", is_warning=True),
            format_mllog_line("a", 2),
        ],
    )
    detail = read_detail(path)
    assert detail.all("a") == [1, 2] and detail.records[0].time_ms == 1.5
    assert [r.key for r in detail.errors()] == ["e"]
    assert [r.key for r in detail.warnings()] == ["w"]


@pytest.mark.parametrize(
    ("name", "scenario", "metric_key", "metric", "warnings"),
    [
        ("dell-v2.1-offline", "Offline", "Samples per second", "3091.84", 1),
        ("qualcomm-v1.1-server", "Server", "Completed samples per second", "310062.06", 1),
        ("untether-v4.1-offline", "Offline", "Samples per second", "168720", 3),
        ("untether-v4.1-singlestream", "SingleStream", "90th percentile latency (ns)", "120428", 0),
    ],
)
def test_summary_fields(
    name: str, scenario: str, metric_key: str, metric: str, warnings: int
) -> None:
    summary = read_summary(paths(name).run_1_summary)
    assert summary.issues == []
    assert summary.fields["Scenario"] == scenario
    assert summary.fields[metric_key] == metric
    assert summary.result_valid is True
    assert summary.warning_count == warnings
    assert summary.error_count == 0


def test_invalid_compliance_summary_and_early_stopping_lines() -> None:
    test04 = next(REAL.rglob("TEST04-A/performance/run_1/mlperf_log_summary.txt"))
    assert read_summary(test04).result_valid is False
    summary = read_summary(paths("untether-v4.1-singlestream").run_1_summary)
    assert summary.early_stopping[0] == "Processed at least 64 queries (4742678)."
    assert summary.fields["min_duration (ms)"] == "600000"


def test_accuracy_summary_holds_only_counts_and_is_not_an_issue() -> None:
    path = paths("dell-v2.1-offline").result_dir / "accuracy" / "mlperf_log_summary.txt"
    summary = read_summary(path)
    assert summary.issues == []
    assert summary.result_valid is None and summary.warning_count == 25


def test_summary_missing_or_empty(tmp_path: Path) -> None:
    assert read_summary(tmp_path / "none.txt").issues[0].line is None
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert len(read_summary(empty).issues) == 1


def test_every_summary_in_the_fixtures_reads_without_issues() -> None:
    files = sorted(REAL.rglob("mlperf_log_summary.txt"))
    assert len(files) == 31
    verdicts = [read_summary(path) for path in files]
    assert all(summary.issues == [] for summary in verdicts)
    assert all(summary.error_count == 0 for summary in verdicts)
    assert sum(summary.result_valid is True for summary in verdicts) == 24
    assert sum(summary.result_valid is False for summary in verdicts) == 2


@pytest.mark.parametrize(
    "payload",
    [
        '{"key": "a", "value": 1}',
        ' {"key": "a", "value": 1}',  # space before: json.loads takes it
        '{"key": "a", "value": 1}  ',  # and after
        '{"key": "a", "value": 1} x',  # extra data: an issue
        '{"key": "a", "value": 1}{"key": "b"}',  # two values on one line: an issue
        '{"key": "a", "value": "\x01"}',  # a control character in a string: an issue
        '{"key": "a", "value": NaN}',  # what json.loads takes, taken
        '{"key": "a", "key": "b"}',  # the later key wins, as in loads
        "",
        "   ",
        "[1, 2]",
    ],
)
def test_a_record_reads_as_json_loads_reads_it(tmp_path: Path, payload: str) -> None:
    import json

    path = tmp_path / "mlperf_log_detail.txt"
    path.write_text(':::MLLOG {"key": "first", "value": 0}\n:::MLLOG ' + payload + "\n")
    detail = read_detail(path)
    try:
        expected = json.loads(payload)
    except ValueError as exc:
        assert [i.message for i in detail.issues] == [f"malformed MLLOG record: {exc}"]
        return
    if isinstance(expected, dict) and isinstance(expected.get("key"), str):
        record = detail.records[-1]
        assert (record.key, repr(record.value)) == (expected["key"], repr(expected.get("value")))
        assert detail.issues == []
    else:
        assert [i.line for i in detail.issues] == [2]


def test_the_long_array_test_accepts_exactly_json_integer_arrays() -> None:
    import random
    import re

    from joulekit.formats.mllog import _is_int_array

    shape = re.compile(r"\[(?:(?:0|[1-9][0-9]*)(?:,(?:0|[1-9][0-9]*))*)?\]")
    rng = random.Random(11)
    texts = ["[]", "[0]", "[01]", "[0,0]", "[10,0,01]", "[,1]", "[1,]", "[1,,2]", "[", "]",
             "[1]x", "[\u0661]", "[1, 2]", "[-1]", "[00]", "[0,10,100]", "{1}"]
    for _ in range(3000):
        texts.append("[" + "".join(rng.choice("0123456789,,0") for _ in range(rng.randrange(8)))
                     + "]")
    for text in texts:
        assert _is_int_array(text) == bool(shape.fullmatch(text)), text


@pytest.mark.parametrize("shift", range(-3, 4))
@pytest.mark.parametrize("bad", [",,", ",01", "x", ",", ""])
def test_the_long_array_test_sees_across_its_blocks(shift: int, bad: str) -> None:
    from joulekit.formats.mllog import _BLOCK, _is_int_array

    head = "1" * (_BLOCK + shift)  # the pattern straddles the first block's end
    text = "[" + head + bad + ("2" if bad not in ("", ",") else "") + ",3]"
    if bad == ",":
        text = "[" + head + ",,3]" if shift % 2 else "[" + head + ",3,]"
    assert _is_int_array(text) is (bad == ""), (shift, bad)
