"""Each check fails on a copy of a real result that breaks exactly what it guards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from joulekit.checker import (
    CheckOptions,
    ResultReport,
    check_path,
    check_power_result,
    load_sources_checksums,
)
from joulekit.checker.inference_power import runner as runner_module
from joulekit.rules import load_pack

from ._fixtures import (
    QUALCOMM_V11_SERVER,
    SOURCES_LIST,
    UNTETHER_V41_OFFLINE,
    UNTETHER_V41_SS,
    edit_json,
    edit_lines,
    round_of,
)

Copy = Callable[[Path], Path]
TESTING_GO = "Go with mark '2024-07-23_11-35-08_testing'"


def check(perf: Path, round_name: str = "v4.1", **options: object) -> ResultReport:
    return check_power_result(perf, load_pack(round_name), CheckOptions(**options))  # type: ignore[arg-type]


def fired(report: ResultReport, severity: str | None = None) -> set[str]:
    return {f.rule for f in report.findings if severity is None or f.severity == severity}


@pytest.fixture
def ss(copy_result: Copy) -> Path:
    return copy_result(UNTETHER_V41_SS)


@pytest.fixture
def qc(copy_result: Copy) -> Path:
    return copy_result(QUALCOMM_V11_SERVER)


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    data = path.read_bytes().decode()
    assert old in data, f"{old!r} not in {path}"
    path.write_bytes(data.replace(old, new, count).encode())


def inject_after_testing_go(perf: Path, message: str) -> None:
    def add(lines: list[str]) -> list[str]:
        at = next(i for i, line in enumerate(lines) if TESTING_GO in line)
        return [*lines[: at + 1], f"07-23-2024 15:50:00.000: {message}", *lines[at + 1 :]]

    edit_lines(perf / "power/ptd_logs.txt", add)


def test_unmodified_copy_is_clean(ss: Path) -> None:
    assert fired(check(ss), "error") == set() and fired(check(ss), "warning") == set()


# -- files --------------------------------------------------------------------------------
def test_dropped_file_is_pwr001(ss: Path) -> None:
    (ss / "power/client.log").unlink()
    assert "PWR001" in fired(check(ss), "error")


def test_broken_json_is_pwr002_with_its_line(ss: Path) -> None:
    server = ss / "power/server.json"
    server.write_text(server.read_text()[:500])
    report = check(ss)
    broken = [f for f in report.findings if f.rule == "PWR002"]
    assert broken and broken[0].file == "power/server.json" and broken[0].line is not None
    assert not report.valid


def test_garbage_spl_line_is_pwr002_with_its_line(ss: Path) -> None:
    edit_lines(ss / "run_1/spl.txt", lambda lines: [*lines[:10], "Time,garbage", *lines[10:]])
    found = [f for f in check(ss).findings if f.rule == "PWR002"]
    assert found and found[0].file == "run_1/spl.txt" and found[0].line == 11


def test_missing_required_key_is_pwr003(ss: Path) -> None:
    edit_json(ss / "power/client.json", lambda d: d.pop("phases"))
    assert "PWR003" in fired(check(ss), "error")


def test_undatable_result_is_pwr004(tmp_path: Path, copy_result: Copy) -> None:
    perf = copy_result(UNTETHER_V41_SS)
    target = tmp_path / "no-round-here" / "result" / "performance"
    perf.rename(target.parent.mkdir(parents=True) or target)
    (target / "run_1/mlperf_log_detail.txt").unlink()
    report = check_path(target)
    assert fired(report.results[0]) == {"PWR004"}


# -- sources, provenance, PTD ---------------------------------------------------------------
def test_changed_source_hash_is_pwr010(ss: Path) -> None:
    edit_json(ss / "power/server.json", lambda d: d["sources"].update({"server.py": "0" * 40}))
    sources = load_sources_checksums(SOURCES_LIST["v4.1"])
    report = check(ss, sources_sets=sources)
    assert [f.file for f in report.findings if f.rule == "PWR010"] == ["power/server.json"]


def test_simulated_measurement_is_rejected_by_name(ss: Path) -> None:
    block = {"version": "0.1.0", "analyzers": [
        {"index": 1, "url": "sim://49", "kind": "simulator", "compliant": False}]}  # fmt: skip
    edit_json(ss / "power/server.json", lambda d: d.update({"joulekit": block}))
    found = [f for f in check(ss).findings if f.rule == "PWR011"]
    assert found and "simulator" in found[0].message


def _edit_ptd(perf: Path, change: Callable[[list[dict[str, str]]], None]) -> None:
    edit_json(perf / "power/server.json", lambda d: change(d["ptd_messages"]))


def test_disallowed_analyzer_model_is_pwr020(ss: Path) -> None:
    replace_in(ss / "power/server.json", '"YokogawaWT210,', '"YokogawaWT1800,')
    assert "PWR020" in fired(check(ss), "error")


def test_disallowed_ptd_version_is_pwr021(ss: Path) -> None:
    replace_in(ss / "power/server.json", "version=1.10.0", "version=1.8.0")
    assert "PWR021" in fired(check(ss), "error")


def test_ptd_1_10_is_fine_in_v4_1_but_not_in_v5_1(ss: Path) -> None:
    assert "PWR021" not in fired(check(ss, "v4.1"))
    assert "PWR021" in fired(check(ss, "v5.1"), "error")


def test_wrong_range_reply_is_pwr022(ss: Path) -> None:
    def change(messages: list[dict[str, str]]) -> None:
        next(m for m in messages if m["cmd"] == "SR,A,Auto")["reply"] = "Error: bad range"

    _edit_ptd(ss, change)
    assert "PWR022" in fired(check(ss), "error")


def test_extra_stop_without_measurement_differs_from_reference(qc: Path) -> None:
    def change(messages: list[dict[str, str]]) -> None:
        messages.append({"cmd": "Stop", "reply": "Error: no measurement to stop"})

    _edit_ptd(qc, change)
    assert "PWR022" not in fired(check(qc, "v1.1"))
    reference = check(qc, "v1.1", compat="reference")
    assert "PWR022" in fired(reference, "error")
    assert "PWR022" in reference.compat_differences


def test_sampling_interval_other_than_1s_is_pwr023(ss: Path) -> None:
    replace_in(ss / "power/server.json", '"Go,1000,0,2024-07-23_11-35-08_testing"',
               '"Go,500,0,2024-07-23_11-35-08_testing"')  # fmt: skip
    assert "PWR023" in fired(check(ss), "error")


def test_ranges_not_restored_is_pwr024(ss: Path) -> None:
    def change(messages: list[dict[str, str]]) -> None:
        messages[-1]["cmd"] = "SR,A,5"

    _edit_ptd(ss, change)
    assert "PWR024" in fired(check(ss), "error")


# -- session ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("PWR030", lambda d: d["uuid"].update({"client": "00000000-0000-0000-0000-000000000000"})),
        ("PWR031", lambda d: d.update({"session_name": "2024-07-23_00-00-00"})),
        ("PWR032", lambda d: d["messages"][2].update({"reply": "OK something-else"})),
        ("PWR033", lambda d: d["messages"][0].update({"reply": "mlcommons/power server v2"})),
    ],
)
def test_client_and_server_disagreeing_is_caught(ss: Path, rule: str, change: object) -> None:
    edit_json(ss / "power/client.json", change)  # type: ignore[arg-type]
    assert rule in fired(check(ss), "error")


def test_debug_mode_is_pwr034(ss: Path) -> None:
    edit_json(ss / "power/server.json", lambda d: d.update({"debug": True}))
    assert "PWR034" in fired(check(ss), "error")


# -- time ------------------------------------------------------------------------------------
def _shift_client_phase(perf: Path, seconds: float) -> None:
    edit_json(perf / "power/client.json", lambda d: d["phases"]["testing"][1].__setitem__(
        0, d["phases"]["testing"][1][0] + seconds))  # fmt: skip


def test_clock_skew_over_the_limit_is_pwr040(ss: Path) -> None:
    _shift_client_phase(ss, 2.0)
    assert "PWR040" in fired(check(ss), "error")


def test_skew_limit_follows_the_round(qc: Path) -> None:
    _shift_client_phase(qc, 0.6)
    assert "PWR040" in fired(check(qc, "v1.1"), "error")  # 500 ms in v1.1
    assert "PWR040" not in fired(check(qc, "v4.1"))  # 800 ms later


def _set_detail(perf: Path, key: str, old: str, new: str) -> None:
    replace_in(perf / "run_1/mlperf_log_detail.txt", f'"key": "{key}", "value": "{old}"',
               f'"key": "{key}", "value": "{new}"')  # fmt: skip


def test_power_begin_shifted_out_of_the_phase_is_pwr041_and_dst_hack_only_in_compat(
    ss: Path,
) -> None:
    _set_detail(ss, "power_begin", "07-23-2024 15:48:32.939", "07-23-2024 16:48:32.939")
    _set_detail(ss, "power_end", "07-23-2024 15:58:32.939", "07-23-2024 16:58:32.939")
    assert "PWR041" in fired(check(ss), "error")
    reference = check(ss, compat="reference")
    assert "PWR041" not in fired(reference)
    assert "PWR041" in reference.compat_differences


def test_short_testing_window_is_pwr042_and_pwr044(ss: Path) -> None:
    _set_detail(ss, "power_end", "07-23-2024 15:58:32.939", "07-23-2024 15:51:52.939")
    report = check(ss)
    assert "PWR042" in fired(report, "warning")
    assert "PWR044" in fired(report, "error")


def _scale_watts(path: Path, factor: float) -> None:
    def scale(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            fields = line.split(",")
            if len(fields) > 3 and fields[2] == "Watts":
                fields[3] = f"{float(fields[3]) * factor:.6f}"
            out.append(",".join(fields))
        return out

    edit_lines(path, scale)


def test_testing_power_far_below_ranging_is_pwr043(ss: Path) -> None:
    _scale_watts(ss / "run_1/spl.txt", 0.9)
    assert "PWR043" in fired(check(ss), "error")


# -- integrity -------------------------------------------------------------------------------
def test_one_changed_byte_of_spl_is_pwr050(ss: Path) -> None:
    spl = ss / "run_1/spl.txt"
    data = bytearray(spl.read_bytes())
    at = data.index(b"Watts,", len(data) // 2) + 6
    data[at] = ord("1") if data[at] != ord("1") else ord("2")
    spl.write_bytes(bytes(data))
    found = [f for f in check(ss).findings if f.rule == "PWR050"]
    assert [f.file for f in found] == ["run_1/spl.txt"]


# -- PTD log ---------------------------------------------------------------------------------
def test_missing_uncertainty_activation_is_pwr060(ss: Path) -> None:
    edit_lines(ss / "power/ptd_logs.txt",
               lambda lines: [x for x in lines if "Uncertainty checking for" not in x])  # fmt: skip
    assert "PWR060" in fired(check(ss), "error")


def test_error_outside_ranging_is_pwr061(ss: Path) -> None:
    inject_after_testing_go(ss, "ERROR: Device is not responding")
    assert "PWR061" in fired(check(ss), "error")


def test_uncertainty_warning_in_testing_window_is_pwr062_but_not_in_reference(ss: Path) -> None:
    inject_after_testing_go(
        ss, "WARNING: Uncertainty 1.52%, which is above 1.00% limit for the last measurement!"
    )
    found = [f for f in check(ss).findings if f.rule == "PWR062"]
    assert found and found[0].severity == "error" and found[0].line is not None
    reference = check(ss, compat="reference")
    assert "PWR062" not in fired(reference)  # its 800 s margin swallows a 600 s run
    assert "PWR062" in reference.compat_differences


def test_other_warning_outside_ranging_is_pwr063(ss: Path) -> None:
    inject_after_testing_go(ss, "WARNING: something unusual happened")
    assert "PWR063" in fired(check(ss), "warning")


def test_reference_stops_at_the_first_warning_and_misses_later_errors(ss: Path) -> None:
    inject_after_testing_go(ss, "ERROR: Device is not responding")
    assert "PWR061" in fired(check(ss), "error")
    reference = check(ss, compat="reference")
    assert "PWR061" not in fired(reference, "error")
    assert "PWR061" in reference.compat_differences


# -- PTD configuration -----------------------------------------------------------------------
def test_disallowed_device_type_is_pwr070(ss: Path) -> None:
    edit_json(ss / "power/server.json", lambda d: d["ptd_config"].update({"device_type": 99}))
    assert "PWR070" in fired(check(ss), "error")


def test_multichannel_with_one_channel_is_pwr071(qc: Path) -> None:
    edit_json(qc / "power/server.json", lambda d: d["ptd_config"].update({"channel": [1]}))
    assert "PWR071" in fired(check(qc, "v1.1"), "error")


# -- power figure and sampling ---------------------------------------------------------------
def test_window_without_samples_is_pwr100_and_power_null(ss: Path) -> None:
    _set_detail(ss, "power_begin", "07-23-2024 15:48:32.939", "07-23-2024 18:48:32.939")
    _set_detail(ss, "power_end", "07-23-2024 15:58:32.939", "07-23-2024 18:58:32.939")
    report = check(ss)
    assert "PWR100" in fired(report, "error")
    assert report.to_json()["power"] is None


def test_singlestream_without_query_count_is_pwr100(ss: Path) -> None:
    edit_lines(ss / "run_1/mlperf_log_detail.txt",
               lambda lines: [x for x in lines if '"result_query_count"' not in x])  # fmt: skip
    found = [f for f in check(ss).findings if f.rule == "PWR100"]
    assert found and "result_query_count" in found[0].message


def test_lost_samples_are_pwr101_and_pwr102(ss: Path) -> None:
    edit_lines(ss / "run_1/spl.txt", lambda lines: lines[:300] + lines[330:])
    report = check(ss)
    assert {"PWR101", "PWR102"} <= fired(report, "warning")
    gap = next(f for f in report.findings if f.rule == "PWR102")
    assert gap.line == 301


def test_spl_not_covering_the_window_is_pwr103(ss: Path) -> None:
    def drop_start(lines: list[str]) -> list[str]:
        return [x for x in lines if not ("15:48:3" in x or "15:48:4" in x)]

    edit_lines(ss / "run_1/spl.txt", drop_start)
    assert "PWR103" in fired(check(ss), "error")


def test_testing_range_not_from_ranging_is_pwr104(ss: Path) -> None:
    replace_in(ss / "power/server.json", '"SR,A,2.3859000000000004"', '"SR,A,5"')
    assert "PWR104" in fired(check(ss), "warning")


def test_bunched_samples_bias_the_mean_pwr105(ss: Path) -> None:
    def bunch(lines: list[str]) -> list[str]:
        out: list[str] = []
        for index, line in enumerate(lines):
            if 100 <= index < 160:  # four extra readings in the second before, at twice the power
                fields = line.split(",")
                base = int(fields[1][-3:])
                for k in (4, 3, 2, 1):
                    if base - 150 * k >= 0:
                        extra = fields.copy()
                        extra[1] = fields[1][:-3] + f"{base - 150 * k:03d}"
                        extra[3] = f"{float(fields[3]) * 2:.6f}"
                        out.append(",".join(extra))
            out.append(line)
        return out

    edit_lines(ss / "run_1/spl.txt", bunch)
    assert "PWR105" in fired(check(ss), "warning")


def test_an_exception_in_one_check_is_pwr900_on_that_result_only(
    ss: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner_module, "CHECKS", (explode, *runner_module.CHECKS))
    report = check(ss)
    crash = [f for f in report.findings if f.rule == "PWR900"]
    assert len(crash) == 1 and "explode" in crash[0].message and "boom" in crash[0].message
    assert report.figure is not None  # the other checks ran


def test_json_report_keeps_the_contract(ss: Path) -> None:
    report = check_path(ss)
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) >= {"joulekit_version", "round", "results", "summary"}
    result = data["results"][0]
    assert set(result) >= {"path", "scenario", "valid", "power", "findings"}
    assert set(result["power"]) >= {"metric", "value", "unit", "samples", "window_s", "efficiency"}
    assert set(result["power"]["efficiency"]) == {"value", "unit"}
    assert result["power"]["metric"] == "energy_per_query" and result["power"]["unit"] == "mJ"
    assert set(result["findings"][0]) >= {"rule", "severity", "message", "file", "line"}
    assert set(data["summary"]) >= {"results", "errors", "warnings"}
    assert round_of(Path(result["path"])) == data["round"] == "v4.1"


def test_restore_spelled_differently_fails_only_the_reference_text_compare(
    copy_result: Copy,
) -> None:
    """The reference compares ``SR,A,<v>`` with the RR field as text; we compare values."""
    offline = copy_result(UNTETHER_V41_OFFLINE)

    def respell(messages: list[dict[str, str]]) -> None:
        assert messages[-1]["cmd"] == "SR,A,10.000000"
        messages[-1]["cmd"] = "SR,A,10"

    _edit_ptd(offline, respell)
    assert "PWR024" not in fired(check(offline))
    assert "PWR024" in fired(check(offline, compat="reference"), "error")
