"""Published submitter trees judged as their round's own checker judged them.

Every file under ``data/`` is a byte-for-byte copy from mlcommons/inference_results_v5.1
or _v4.1 (source paths and commits in ``data/README.md``); the expected figures and CSV
rows are those the round's checker (mlcommons/inference ``tools/submission`` at the
round's publication commit) printed for the same files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from joulekit.checker.submission import check_submission
from joulekit.checker.submission.context import mlperf_model
from joulekit.checker.submission.summary import columns, rows, to_csv
from joulekit.rules import load_pack
from submission.helpers import packaged

DATA = Path(__file__).resolve().parent / "data"
REDHAT = DATA / "v5.1-redhat-closed"
REDHAT_OFFLINE = "closed/RedHat/results/XE8640_4xH100_vLLM/llama3.1-8b/Offline"
REPO = Path(__file__).resolve().parents[2]

#: what the v5.1 checker (e20506b2) wrote with --csv for REDHAT, unchanged
REDHAT_REFERENCE_CSV = DATA / "v5.1-redhat-closed.reference.csv"


def _copy(src: Path, tmp: Path) -> Path:
    dest = tmp / "tree"
    shutil.copytree(src, dest)
    return dest


def _verdict(report: object, suffix: str) -> object:
    hits = [v for v in report.results if v.unit.label.endswith(suffix)]  # type: ignore[attr-defined]
    assert len(hits) == 1, [v.unit.label for v in report.results]  # type: ignore[attr-defined]
    return hits[0]


def test_tree_without_power_is_checked_without_round_and_its_csv_row_is_the_rounds(
        tmp_path: Path) -> None:
    out, summary = tmp_path / "r.json", tmp_path / "s.csv"
    proc = subprocess.run([sys.executable, "-m", "joulekit", "check", str(REDHAT), "--format",
                           "json", "-o", str(out), "--summary-csv", str(summary),
                           "--no-progress", "-j", "1"], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode in (0, 2), proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert report["round"] == "v5.1"
    entry = {r["path"]: r for r in report["results"]}[REDHAT_OFFLINE]
    assert not [f for f in entry["findings"] if f["severity"] == "error"], entry["findings"]
    ours = list(csv.DictReader(io.StringIO(summary.read_text(encoding="utf-8"))))
    theirs = list(csv.DictReader(io.StringIO(REDHAT_REFERENCE_CSV.read_text(encoding="utf-8"))))
    assert list(ours[0]) == list(theirs[0])  # the round's columns, in its order
    assert len(ours) == 1
    for col, value in theirs[0].items():
        mine = ours[0][col]
        assert mine == value or float(mine) == float(value), (col, mine, value)


def test_measurements_named_system_json_with_a_per_model_code_folder_pass() -> None:
    meas = REDHAT / "closed/RedHat/measurements/XE8640_4xH100_vLLM/llama3.1-8b/Offline"
    assert [p.name for p in meas.glob("*.json")] == ["XE8640_4xH100_vLLM.json"]
    assert not list((REDHAT / "closed/RedHat/code/llama3.1-8b").glob("*/"))  # no impl folder
    v = _verdict(check_submission(REDHAT, "v5.1", workers=1), "/Offline")
    assert not {"SUB-MEAS-CODE", "SUB-MEAS-MISSING"} & {f.rule for f in v.findings}  # type: ignore[attr-defined]


def test_per_model_fallback_still_needs_the_model_code_folder(tmp_path: Path) -> None:
    tree = _copy(REDHAT, tmp_path)
    code = tree / "closed/RedHat/code"
    (code / "llama3.1-8b").rename(code / "other-model")
    v = _verdict(check_submission(tree, "v5.1", workers=1), "/Offline")
    assert "SUB-MEAS-CODE" in {f.rule for f in v.findings if f.severity == "error"}  # type: ignore[attr-defined]


def test_test06_accuracy_log_is_not_truncated_and_passes() -> None:
    log = REDHAT / ("closed/RedHat/compliance/XE8640_4xH100_vLLM/llama3.1-8b/Offline/TEST06/"
                    "accuracy/mlperf_log_accuracy.json")
    limit = load_pack("v5.1").submission["accuracy"]["max_log_bytes"]
    assert log.stat().st_size > limit
    v = _verdict(check_submission(REDHAT, "v5.1", workers=1), "/Offline")
    assert "SUB-ACC-NOT-TRUNCATED" not in {f.rule for f in v.findings}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("round_name", "folder", "benchmark"), [
    ("v5.1", "llama3_1-8b", "llama3.1-8b"), ("v5.1", "llama3_1-405b", "llama3.1-405b"),
    ("v5.1", "llama3_1-8b-edge", "llama3.1-8b-edge"), ("v5.1", "ssd-resnet34", "retinanet"),
    ("v5.1", "mobilenet", "resnet"), ("v4.1", "mobilenet", "resnet"),
    ("v4.1", "ssd-resnet34", "retinanet"), ("v4.1", "resnet50", "resnet"),
])
def test_the_rounds_model_aliases(round_name: str, folder: str, benchmark: str) -> None:
    assert mlperf_model(load_pack(round_name).submission, folder) == benchmark


def test_multistream_inferred_from_singlestream_uses_the_99th_percentile_estimate() -> None:
    report = check_submission(DATA / "v5.1-lenovo-open", "v5.1", workers=1)
    v = _verdict(report, "/resnet50/MultiStream")
    assert v.inferred  # type: ignore[attr-defined]
    # the round's CSV: 11.060112 (8 x early_stopping_latency_ms), not 8 x the _ss estimate
    assert v.metric == pytest.approx(11.060112, abs=1e-9)  # type: ignore[attr-defined]


def test_open_model_mapping_gives_the_mapped_benchmarks_metric_and_units() -> None:
    report = check_submission(DATA / "v5.1-krai-open", "v5.1", workers=1)
    v = _verdict(report, "/llama3_1-70b-fp8_dyn/server")
    assert v.mlperf_model == "llama2-70b-99.9"  # type: ignore[attr-defined]
    assert "SUB-UNKNOWN-BENCHMARK" not in {f.rule for f in v.findings}  # type: ignore[attr-defined]
    row = [r for r in rows(report, include_invalid=True) if r["Scenario"] == "Server"]
    assert len(row) == 1
    assert (row[0]["MlperfModel"], float(row[0]["Result"]), row[0]["Units"]) == (
        "llama2-70b-99.9", 56544.8, "Tokens/s")


def test_sdxl_without_its_extra_accuracy_images_fails_closed_and_is_taken_in_open(
        tmp_path: Path) -> None:
    src = DATA / "v5.1-lenovo-sdxl"
    closed = check_submission(src, "v5.1", workers=1)
    hit = [f for f in _verdict(closed, "/Offline").findings  # type: ignore[attr-defined]
           if f.rule == "SUB-ACC-EXTRA-FILES"]
    assert [f.severity for f in hit] == ["error"]
    tree = tmp_path / "tree"
    shutil.copytree(src / "closed", tree / "open")
    opened = check_submission(tree, "v5.1", workers=1)
    hit = [f for f in _verdict(opened, "/Offline").findings  # type: ignore[attr-defined]
           if f.rule == "SUB-ACC-EXTRA-FILES"]
    assert [f.severity for f in hit] == ["warning"]


NM = DATA / "v4.1-neuralmagic-closed"
NM_MEAS = ("closed/NeuralMagic/measurements/vLLM_8xL40S-reference-cpu-pytorch-v2.3.1-"
           "default_config/llama2-70b-99/offline")


def _equal_issue(tree: Path) -> set[str]:
    v = _verdict(check_submission(tree, "v4.1", workers=1), "/offline")
    return {f.severity for f in v.findings if f.rule == "SUB-PERF-EQUAL-ISSUE"}  # type: ignore[attr-defined]


def test_v41_equal_issue_mode_set_in_mlperf_conf_counts() -> None:
    assert "llama2-70b.*.sample_concatenate_permutation = 1" in (
        NM / NM_MEAS / "mlperf.conf").read_text()
    assert _equal_issue(NM) == set()


def test_v41_equal_issue_mode_missing_from_conf_and_log_fails(tmp_path: Path) -> None:
    tree = _copy(NM, tmp_path)
    conf = tree / NM_MEAS / "mlperf.conf"
    conf.write_text(re.sub(r"(?m)^llama2-70b\.\*\.sample_concatenate_permutation.*$", "",
                           conf.read_text()))
    assert _equal_issue(tree) == {"error"}
    # user.conf is read after mlperf.conf and may set it alone
    user = tree / NM_MEAS / "user.conf"
    user.write_text(user.read_text() + "\n*.offline.sample_concatenate_permutation = 1\n")
    assert _equal_issue(tree) == set()


def test_v41_summary_uses_the_rounds_columns() -> None:
    cols = columns("v4.1")
    assert cols[-1] == "Units" and "weight_data_types" not in cols and len(cols) == 27
    assert to_csv([], cols).strip().split(",") == list(cols)


def test_errors_column_counts_earlier_bad_scenarios_in_listing_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, _ = packaged(tmp_path)
    tree = project.tree
    res = tree / "closed/UntetherAI/results/h13_u3_slim/resnet50"
    (res / "SingleStream/performance/run_1/mlperf_log_summary.txt").unlink()
    report = check_submission(tree, "v4.1", workers=1)
    real = os.listdir

    def errors_with(order: list[str]) -> str:
        def listdir(path: object) -> list[str]:
            names = real(path)  # type: ignore[arg-type]
            return [n for n in order if n in names] + [n for n in names if n not in order]
        monkeypatch.setattr("joulekit.checker.submission.summary.os.listdir", listdir)
        offline = {r["errors"] for r in rows(report) if r["Scenario"] == "Offline"}
        assert len(offline) == 1  # its performance and power rows
        return offline.pop()

    # the file system's listing order decides, as it does for the round's checker
    assert errors_with(["SingleStream", "Offline"]) == "1"
    assert errors_with(["Offline", "SingleStream"]) == "0"


@pytest.mark.parametrize(("round_name", "benchmark", "tests"), [
    # check_compliance_dir of each round's checker (closed/Oracle of v4.1 ships retinanet
    # with TEST01 and TEST05 only, and the round accepts it)
    ("v4.1", "retinanet", ["TEST01", "TEST05"]), ("v4.1", "resnet", ["TEST01", "TEST04", "TEST05"]),
    ("v4.1", "stable-diffusion-xl", ["TEST01", "TEST04"]), ("v4.1", "gptj-99", []),
    ("v4.1", "llama2-70b-99", ["TEST06"]), ("v5.1", "retinanet", ["TEST01"]),
    ("v5.1", "llama3.1-8b", ["TEST06"]), ("v5.1", "llama3.1-8b-edge", []),
    ("v5.1", "stable-diffusion-xl", ["TEST01", "TEST04"]),
])
def test_compliance_tests_per_benchmark_are_the_rounds(round_name: str, benchmark: str,
                                                       tests: list[str]) -> None:
    bench = load_pack(round_name).submission["benchmarks"][benchmark]
    assert sorted(bench["compliance_tests"]) == tests


def test_tree_round_is_told_by_its_seeds_and_dates_without_power() -> None:
    from joulekit.rules.detect import detect_tree_round

    for tree, expected in ((REDHAT, "v5.1"), (NM, "v4.1"), (DATA / "v5.1-krai-open", "v5.1")):
        guess = detect_tree_round(tree)
        assert (guess.round, guess.ambiguous) == (expected, False), guess
        assert f"those of {expected}" in guess.why


def test_a_tree_without_run_logs_is_a_named_guess_not_an_error(tmp_path: Path) -> None:
    from joulekit.rules.detect import detect_tree_round

    guess = detect_tree_round(DATA / "v5.1-lenovo-sdxl")  # accuracy files only
    assert guess.ambiguous and guess.round == guess.candidates[-1]
    assert "candidates " + ", ".join(guess.candidates) in guess.why
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "joulekit", "check",
                           str(DATA / "v5.1-lenovo-sdxl"), "--format", "json", "-o", str(out),
                           "--no-progress", "-j", "1"], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # errors in it, but checked
    tree = {r["path"]: r for r in json.loads(out.read_text())["results"]}["(tree)"]
    assert "SUB-ROUND-GUESSED" in {f["rule"] for f in tree["findings"]}


def test_offline_inferred_from_a_multistream_run_divides_by_the_mean_query_latency(
        tmp_path: Path) -> None:
    # the published MultiStream log of an edge system, unchanged, placed as the system's
    # Offline result (the round lets edge systems infer Offline from MultiStream)
    src = DATA / "v4.1-krai-open"
    tree = _copy(src, tmp_path)
    res = tree / "open/Krai/results/7920t-kilt-onnxruntime_gpu/resnet50"
    (res / "multistream").rename(res / "offline")
    text = (res / "offline/performance/run_1/mlperf_log_detail.txt").read_text()

    def value(key: str) -> float:
        m = re.search(r'"key": "' + re.escape(key) + r'", "value": ([0-9.e+]+)', text)
        assert m is not None, key
        return float(m.group(1))

    per_query, per_sample = value("result_mean_query_latency_ns"), value("result_mean_latency_ns")
    assert per_query != per_sample
    v = _verdict(check_submission(tree, "v4.1", workers=1), "/resnet50/offline")
    assert v.inferred  # type: ignore[attr-defined]
    spq = value("effective_samples_per_query")
    assert v.metric == pytest.approx(spq * 1000 / (per_query / 1e6))  # type: ignore[attr-defined]
