"""Every submission rule fails a mutated copy of a passing tree, and only the result it
belongs to: one mutation, one rule id, the other result still valid."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from joulekit.checker.submission import check_submission
from submission.helpers import packaged

SUB = "closed/UntetherAI"
RES = f"{SUB}/results/h13_u3_slim/resnet50"
OFF = f"{RES}/Offline"
SS = f"{RES}/SingleStream"
MEAS = f"{SUB}/measurements/h13_u3_slim/resnet50"
COMP = f"{SUB}/compliance/h13_u3_slim/resnet50"
SYSJ = f"{SUB}/systems/h13_u3_slim.json"


@pytest.fixture(scope="module")
def base_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    project, result = packaged(root)
    assert result.report.error_count == 0
    return project.tree


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(tree: Path) -> None:
        path = tree / rel
        text = path.read_text()
        assert re.search(old, text), (rel, old)
        path.write_text(re.sub(old, new, text, count=1))
    return mutate


def _json(rel: str, key: str, value: object) -> Callable[[Path], None]:
    def mutate(tree: Path) -> None:
        path = tree / rel
        data = json.loads(path.read_text())
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
        path.write_text(json.dumps(data))
    return mutate


def _delete(rel: str) -> Callable[[Path], None]:
    def mutate(tree: Path) -> None:
        path = tree / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return mutate


def _write(rel: str, data: bytes = b"x") -> Callable[[Path], None]:
    def mutate(tree: Path) -> None:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
    return mutate


def _mkdir(rel: str) -> Callable[[Path], None]:
    return lambda tree: (tree / rel).mkdir(parents=True)


def _link(rel: str) -> Callable[[Path], None]:
    return lambda tree: os.symlink(tree / "nowhere", tree / rel)


def _big(rel: str) -> Callable[[Path], None]:
    def mutate(tree: Path) -> None:
        with (tree / rel).open("wb") as fh:
            fh.truncate(50 * 1024 * 1024 + 1)
    return mutate


DETAIL_OFF = f"{OFF}/performance/run_1/mlperf_log_detail.txt"
DETAIL_SS = f"{SS}/performance/run_1/mlperf_log_detail.txt"
KEY = r'("key": "{k}", "value": )[^,]+'

# (rule, mutation, the result it must fail or None for a tree-level finding)
CASES: list[tuple[str, Callable[[Path], None], str | None]] = [
    ("SUB-STRAY-FILE", _write("notes.txt"), None),
    ("SUB-EMPTY-DIR", _mkdir(f"{OFF}/performance/leftover"), OFF),
    ("SUB-BROKEN-LINK", _link(f"{OFF}/accuracy/link.txt"), OFF),
    ("SUB-FILE-TOO-LARGE", _big(f"{OFF}/accuracy/huge.bin"), OFF),
    ("SUB-BAD-NAME", _write(f"{OFF}/accuracy/my notes.txt"), OFF),
    ("SUB-UNKNOWN-DIVISION", _mkdir("secret/x"), None),
    ("SUB-SYSTEM-WITHOUT-RESULTS", _write(f"{SUB}/systems/other.json", b"{}"), None),
    ("SUB-CALIBRATION-MISSING", _delete(f"{SUB}/calibration.md"), None),
    ("SUB-CODE-MISSING", _delete(f"{SUB}/code"), None),
    ("SUB-UNKNOWN-SCENARIO", lambda t: shutil.copytree(t / OFF, t / f"{RES}/Batch"),
     f"{RES}/Batch"),
    ("SUB-SYSTEM-JSON", _write(SYSJ, b"{not json"), OFF),
    ("SUB-SYSTEM-FIELD-MISSING", _json(SYSJ, "cooling", KeyError), OFF),
    ("SUB-SYSTEM-FIELD-EMPTY", _json(SYSJ, "framework", ""), OFF),
    ("SUB-SYSTEM-FIELD-VALUE", _json(SYSJ, "status", "soon"), OFF),
    ("SUB-SYSTEM-PLACEHOLDER", _json(SYSJ, "hw_notes", "TODO: notes"), OFF),
    ("SUB-SYSTEM-POWER-FIELDS", _json(SYSJ, "power_management", ""), OFF),
    ("SUB-SYSTEM-MISMATCH", _json(SYSJ, "submitter", "Someone"), OFF),
    ("SUB-SYSTEM-NETWORK", _json(SYSJ, "is_network", True), OFF),
    ("SUB-MEAS-MISSING", _delete(f"{MEAS}/Offline/h13_u3_slim_default_Offline.json"), OFF),
    ("SUB-MEAS-FIELD", _json(f"{MEAS}/Offline/h13_u3_slim_default_Offline.json",
                             "retraining", ""), OFF),
    ("SUB-MEAS-FILE", _write(f"{MEAS}/Offline/user.conf", b""), OFF),
    # the round accepts code/<benchmark>/ for any implementation name, so only a missing
    # benchmark code folder fails, and it fails every result of the benchmark
    ("SUB-MEAS-CODE", _delete(f"{SUB}/code/resnet50"), OFF),
    ("SUB-POWER-DOCS", _delete(f"{SUB}/measurements/h13_u3_slim/analyzer_table.md"), OFF),
    ("SUB-PERF-FILES", _delete(f"{OFF}/performance/run_1/mlperf_log_summary.txt"), OFF),
    ("SUB-PERF-UNREADABLE", _edit(DETAIL_OFF, r":::MLLOG \{", ":::MLLOG {{broken "), OFF),
    ("SUB-PERF-INVALID", _edit(DETAIL_OFF, r'"value": "VALID"', '"value": "INVALID"'), OFF),
    ("SUB-PERF-LOADGEN-ERROR", _edit(DETAIL_OFF, r'"is_error": false', '"is_error": true'), OFF),
    ("SUB-PERF-SEEDS", _edit(DETAIL_OFF, KEY.format(k="effective_qsl_rng_seed"), r"\g<1>7"), OFF),
    ("SUB-PERF-DURATION", _edit(DETAIL_OFF, KEY.format(k="effective_min_duration_ms"),
                                r"\g<1>60000"), OFF),
    ("SUB-PERF-SAMPLE-COUNT", _edit(DETAIL_OFF, KEY.format(
        k="effective_performance_sample_count"), r"\g<1>10"), OFF),
    ("SUB-PERF-MIN-QUERIES", _edit(DETAIL_OFF, KEY.format(k="result_query_count"), r"\g<1>0"),
     OFF),
    ("SUB-PERF-OFFLINE-SPQ", _edit(DETAIL_OFF, KEY.format(k="effective_samples_per_query"),
                                   r"\g<1>100"), OFF),
    ("SUB-PERF-EARLY-STOPPING", _edit(DETAIL_SS, KEY.format(k="early_stopping_met"),
                                      r"\g<1>false"), SS),
    ("SUB-PERF-SCENARIO", _edit(DETAIL_OFF, KEY.format(k="effective_scenario"),
                                r'\g<1>"Server"'), OFF),
    ("SUB-ACC-FILES", _delete(f"{OFF}/accuracy/mlperf_log_summary.txt"), OFF),
    ("SUB-ACC-TARGET", _edit(f"{OFF}/accuracy/accuracy.txt", r"accuracy=[0-9.]+",
                             "accuracy=70.0"), OFF),
    ("SUB-ACC-UNPARSED", _edit(f"{OFF}/accuracy/accuracy.txt", r"accuracy=[0-9.]+%,", ""), OFF),
    ("SUB-ACC-HASH", _edit(f"{OFF}/accuracy/accuracy.txt", r"hash=\w+", ""), OFF),
    ("SUB-ACC-NOT-TRUNCATED", _write(f"{OFF}/accuracy/mlperf_log_accuracy.json", b" " * 20000),
     OFF),
    ("SUB-ACC-SAMPLE-COUNT", _edit(f"{OFF}/accuracy/mlperf_log_detail.txt",
                                   KEY.format(k="qsl_reported_total_count"), r"\g<1>500"), OFF),
    ("SUB-ACC-LOADGEN-ERROR", _edit(f"{OFF}/accuracy/mlperf_log_detail.txt",
                                    r'"is_error": false', '"is_error": true'), OFF),
    ("SUB-COMP-MISSING", _delete(f"{COMP}/Offline/TEST04"), OFF),
    ("SUB-COMP-FILES", _delete(f"{COMP}/Offline/TEST04/verify_performance.txt"), OFF),
    ("SUB-COMP-FAILED", _edit(f"{COMP}/Offline/TEST04/verify_performance.txt", "TEST PASS",
                              "TEST FAIL"), OFF),
    ("SUB-COMP-SEEDS", _edit(f"{COMP}/Offline/TEST05/performance/run_1/mlperf_log_detail.txt",
                             KEY.format(k="effective_qsl_rng_seed"),
                             r"\g<1>3066443479025735752"), OFF),
    ("SUB-PERF-INVALID", _edit(f"{COMP}/Offline/TEST01/performance/run_1/mlperf_log_detail.txt",
                               r'"value": "VALID"', '"value": "INVALID"'), OFF),
    ("SUB-POWER-FILES", _delete(f"{OFF}/performance/ranging/spl.txt"), OFF),
]


@pytest.mark.parametrize(("rule", "mutate", "owner"), CASES,
                         ids=[f"{i:02d}-{c[0]}" for i, c in enumerate(CASES)])
def test_mutation_is_reported_by_its_rule(base_tree: Path, tmp_path: Path, rule: str,
                                          mutate: Callable[[Path], None],
                                          owner: str | None) -> None:
    tree = tmp_path / "t"
    shutil.copytree(base_tree.parent, tree.parent / "copy", symlinks=True)
    tree = tree.parent / "copy" / base_tree.name
    mutate(tree)
    report = check_submission(tree, "v4.1", workers=1)
    if owner is None:
        assert rule in {f.rule for f in report.tree_findings}, list(report.all_findings())
        return
    by_label = {r.unit.label: r for r in report.results}
    hit = by_label[owner]
    assert rule in {f.rule for f in hit.findings}, hit.findings
    others = [r for label, r in by_label.items() if label != owner]
    if rule not in ("SUB-SYSTEM-POWER-FIELDS", "SUB-MEAS-CODE") \
            and not rule.startswith("SUB-SYSTEM") and rule != "SUB-POWER-DOCS":
        assert all(r.valid for r in others), [r.findings for r in others]


def test_invalid_run_always_fails_even_with_every_other_key_right(base_tree: Path,
                                                                  tmp_path: Path) -> None:
    shutil.copytree(base_tree.parent, tmp_path / "c")
    tree = tmp_path / "c" / base_tree.name
    _edit(DETAIL_SS, r'"value": "VALID"', '"value": "INVALID"')(tree)
    report = check_submission(tree, "v4.1", workers=1)
    ss = next(r for r in report.results if r.unit.scenario == "SingleStream")
    assert not ss.valid
    assert "SUB-PERF-INVALID" in {f.rule for f in ss.findings if f.severity == "error"}


def test_missing_file_fails_only_its_result(base_tree: Path, tmp_path: Path) -> None:
    shutil.copytree(base_tree.parent, tmp_path / "c")
    tree = tmp_path / "c" / base_tree.name
    for name in ("mlperf_log_detail.txt", "spl.txt"):
        (tree / OFF / "performance/run_1" / name).unlink()
    (tree / OFF / "performance/power/server.json").unlink()
    report = check_submission(tree, "v4.1", workers=2)
    verdicts = {r.unit.scenario: r for r in report.results}
    assert not verdicts["Offline"].valid
    assert verdicts["SingleStream"].valid
    assert "SUB-INTERNAL" not in {f.rule for f in verdicts["Offline"].findings}
