"""Each round is judged by the rules and formulas it had (issue 13).

Real published results (``data/README.md`` names their source), checked under their own
round's pack; where a rule came or went, the same files under a later round's pack show
that the difference is the round's data, not a blind spot. The expected figures are what
the round's own submission checker printed for these folders.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from joulekit.checker import CheckOptions, check_path, check_power_result
from joulekit.checker.report import ResultReport
from joulekit.rules import load_pack

DATA = Path(__file__).parent / "data"
V10_QUALCOMM = DATA / "v1.0-qualcomm-aedk-ssd/singlestream/performance"
V10_NVIDIA = DATA / "v1.0-nvidia-a100-resnet50/Offline/performance"
V11_KRAI = DATA / "v1.1-krai-xavier-resnet50/offline/performance"
V20_INSPUR = DATA / "v2.0-inspur-ssd-crlf/SingleStream/performance"
V30_ORIN = DATA / "v3.0-nvidia-orin-resnet50/SingleStream/performance"


def check(perf: Path, round_name: str, compat: str = "correct") -> ResultReport:
    return check_power_result(perf, load_pack(round_name), CheckOptions(compat=compat))  # type: ignore[arg-type]


def rules(report: ResultReport, severity: str = "error") -> set[str]:
    return {f.rule for f in report.findings if f.severity == severity}


def copy_as(perf: Path, tmp_path: Path, scenario: str) -> Path:
    target = tmp_path / scenario / "performance"
    shutil.copytree(perf, target)
    return target


def test_v10_server_json_holds_the_upload_message_more() -> None:
    assert "PWR032" not in rules(check(V10_QUALCOMM, "v1.0"))
    # a round whose client did not upload: the same lists are a mismatch
    assert "PWR032" in rules(check(V10_QUALCOMM, "v1.1"))


def test_v10_singlestream_figure_is_the_v10_submission_checkers() -> None:
    figure = check(V10_QUALCOMM, "v1.0").figure
    assert figure is not None and figure.unit == "mJ"
    # inference 10aa90b3 check_power_dir: 0.6272178085003224 J per query
    assert figure.value == pytest.approx(627.2178085003224, rel=1e-12)


def test_v10_loadgen_window_is_local_time_shifted_by_client_timezone(tmp_path: Path) -> None:
    # British summer time: local = UTC + 1 h, client.json timezone 0 (standard time)
    assert "PWR041" not in rules(check(V10_QUALCOMM, "v1.0"))
    messages = [f.message for f in check(V10_QUALCOMM, "v1.1").findings if f.rule == "PWR041"]
    assert len(messages) == 4  # begin and end of both phases
    assert all("exactly -1 h away: a time-zone offset" in m for m in messages)
    copy = copy_as(V10_QUALCOMM, tmp_path, "singlestream")
    client = copy / "power/client.json"
    data = json.loads(client.read_text())
    data["timezone"] = 5 * 3600  # a zone 5 h west: the window no longer fits
    client.write_text(json.dumps(data))
    assert "PWR041" in rules(check(copy, "v1.0"))


def test_duration_test_before_may_2023_and_power_test_after() -> None:
    old = check(V10_NVIDIA, "v1.0")
    assert "PWR140" in rules(old) and "PWR043" not in rules(old)
    (finding,) = [f for f in old.findings if f.rule == "PWR140"]
    assert "apart" in finding.message and finding.file == "run_1/mlperf_log_detail.txt"
    assert "PWR140" not in rules(check(V10_NVIDIA, "v4.1"))
    # Krai v1.1: testing power > 5 % below ranging, durations within 5 %
    assert not rules(check(V11_KRAI, "v1.1"))
    assert "PWR043" in rules(check(V11_KRAI, "v4.1"))


def test_offline_inferred_from_singlestream_is_reported_in_watts(tmp_path: Path) -> None:
    offline = check(V11_KRAI, "v1.1").figure
    assert offline is not None
    assert (offline.scenario, offline.unit, offline.inferred_from) == (
        "Offline", "W", "SingleStream"
    )
    assert offline.value == pytest.approx(9.124064891846928, rel=1e-12)  # inference b1452de4
    single = check(copy_as(V11_KRAI, tmp_path, "singlestream"), "v1.1").figure
    assert single is not None and single.unit == "mJ" and single.inferred_from is None
    assert single.value == pytest.approx(2312.52436746849, rel=1e-12)


def test_v30_uncertainty_while_testing_is_a_warning_then_an_error() -> None:
    v30 = check(V30_ORIN, "v3.0")
    assert "PWR062" in rules(v30, "warning") and "PWR062" not in rules(v30)
    assert "PWR062" in rules(check(V30_ORIN, "v4.1"))


def test_v30_testing_current_range_is_the_ranging_maximum() -> None:
    assert "PWR104" not in rules(check(V30_ORIN, "v3.0"), "warning")
    assert "PWR104" in rules(check(V30_ORIN, "v4.1"), "warning")


def test_line_endings_only_checksum_difference_is_a_notice(tmp_path: Path) -> None:
    report = check(V20_INSPUR, "v2.0")
    notices = [f for f in report.findings if f.rule == "PWR050"]
    assert "PWR050" not in rules(report)
    assert {f.file for f in notices} == {"run_1/spl.txt", "ranging/spl.txt"}
    assert all("content intact" in f.message for f in notices)
    # the round's reference fails it, and --compat reference says what it says
    assert "PWR050" in rules(check(V20_INSPUR, "v2.0", compat="reference"))
    copy = copy_as(V20_INSPUR, tmp_path, "SingleStream")
    spl = copy / "run_1/spl.txt"
    raw = spl.read_bytes()
    first = raw.index(b"Watts,") + 6
    digit = b"9" if raw[first : first + 1] != b"9" else b"8"
    spl.write_bytes(raw[:first] + digit + raw[first + 1 :])
    changed = [f for f in check(copy, "v2.0").findings if f.rule == "PWR050"]
    assert any(f.severity == "error" and f.file == "run_1/spl.txt" for f in changed)


def test_v20_clocks_must_agree_within_200_ms(tmp_path: Path) -> None:
    copy = copy_as(V20_INSPUR, tmp_path, "SingleStream")
    client = copy / "power/client.json"
    data = json.loads(client.read_text())
    data["phases"]["testing"][0][0] += 0.3
    client.write_text(json.dumps(data))
    assert "PWR040" in rules(check(copy, "v2.0"))
    assert "PWR040" not in rules(check(copy, "v2.1"))  # 500 ms from power-dev 362382f


def test_identical_folders_share_a_fingerprint_and_a_verdict(tmp_path: Path) -> None:
    from joulekit.checker.inference_power.runner import _fingerprint

    tree = tmp_path / "inference_results_v1.1"
    a = copy_as(V11_KRAI, tree / "a", "offline")
    b = copy_as(V11_KRAI, tree / "b", "offline")
    c = copy_as(V11_KRAI, tree / "c", "singlestream")
    options, root = CheckOptions(), str(tmp_path)
    keys = [_fingerprint((str(p), options, root)) for p in (a, b, c)]
    assert keys[0] is not None and keys[0] == keys[1] != keys[2]
    log = b / "power/server.log"
    log.write_bytes(log.read_bytes() + b" ")
    assert _fingerprint((str(b), options, root)) != keys[0]
    log.write_bytes(log.read_bytes()[:-1])
    d = copy_as(V11_KRAI, tree / "d", "offline")
    report = check_path(tree, options, jobs=2)
    by_path = {Path(r.path): r for r in report.results}
    assert set(by_path) == {a, b, c, d}
    assert by_path[a].figure == by_path[b].figure == by_path[d].figure
    assert by_path[c].figure is not None and by_path[c].figure.unit == "mJ"
    assert [f.to_dict() for f in by_path[a].findings] == [f.to_dict() for f in by_path[d].findings]


def test_compat_reference_says_per_rule_how_the_reference_stands() -> None:
    notes = check(V30_ORIN, "v3.0", compat="reference").compat_notes
    assert notes["PWR062"].startswith("the reference misses it: adds the 0.8 s margin")
    assert notes["PWR021"].startswith("only the reference raises it")
    note = check(V20_INSPUR, "v2.0", compat="reference").compat_notes["PWR050"]
    assert note.startswith("only the reference raises it: compares the raw SHA-1")


def test_spl_cut_off_mid_last_line_is_a_notice_elsewhere_an_error(tmp_path: Path) -> None:
    # as published in v2.0 (NVIDIA A100-PCIe-80GBx8 bert-99.9 Server, ranging/spl.txt):
    # the director left half a line, no line end, and hashed the file that way
    copy = copy_as(V20_INSPUR, tmp_path, "SingleStream")
    spl = copy / "ranging/spl.txt"
    raw = spl.read_bytes()
    last = raw.rstrip(b"\r\n").rfind(b"\n") + 1
    spl.write_bytes(raw[: last + 60])
    findings = [f for f in check(copy, "v2.0").findings if f.rule == "PWR002"]
    assert [f.severity for f in findings] == ["notice"]
    assert "cut off" in findings[0].message and findings[0].file == "ranging/spl.txt"
    middle = raw.find(b"\n", len(raw) // 2) + 1
    spl.write_bytes(raw[: middle + 60] + b"\r\n" + raw[middle:])
    findings = [f for f in check(copy, "v2.0").findings if f.rule == "PWR002"]
    assert [f.severity for f in findings] == ["error"]


def test_up_to_v30_the_figure_averages_failed_readings_too() -> None:
    # two -2 W readings inside the window; the v2.0 submission checker (inference
    # 0ca20e70) averaged them in: 47.965204855842195 W; W > 0 only from 192f81b3
    perf = DATA / "v2.0-nvidia-orin-ssd/Offline/performance"
    v20 = check(perf, "v2.0").figure
    assert v20 is not None and v20.value == pytest.approx(47.965204855842195, rel=1e-12)
    later = check(perf, "v4.1").figure
    assert later is not None and later.value == pytest.approx(48.27033587786261, rel=1e-12)
