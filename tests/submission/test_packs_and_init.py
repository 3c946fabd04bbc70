"""Rule packs agree with the published logs; init fills what it can and marks the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from joulekit.checker.submission import check_submission
from joulekit.formats.mllog import read_detail
from joulekit.rules import available_rounds, load_pack
from joulekit.submission_template.host import detect_host
from joulekit.submission_template.scaffold import scaffold, todo_fields
from joulekit.submission_template.schema import system_schema
from submission.helpers import HOST, REAL


@pytest.mark.parametrize("round_name", ["v1.1", "v2.1", "v4.1"])
def test_pack_seeds_match_the_published_runs(round_name: str) -> None:
    seeds = load_pack(round_name).submission["seeds"]
    for detail in (REAL / f"inference_results_{round_name}").rglob(
            "results/*/*/*/performance/run_1/mlperf_log_detail.txt"):
        log = read_detail(detail)
        assert {k: log.get(f"effective_{k}") for k in seeds} == seeds


def test_every_round_has_a_complete_submission_pack() -> None:
    for name in available_rounds():
        pack = load_pack(name).submission
        assert pack["min_duration_ms"] == 600000
        assert pack["benchmarks"], name
        for bench in pack["benchmarks"].values():
            assert set(bench["compliance_tests"]) <= set(pack["compliance_tests"])


def test_published_system_descriptions_validate_against_their_round_schema() -> None:
    for round_name in ("v1.1", "v2.1", "v4.1"):
        pack = load_pack(round_name).submission
        for js in (REAL / f"inference_results_{round_name}").rglob("systems/*.json"):
            jsonschema.validate(json.loads(js.read_text()), system_schema(pack))
    bad = {"status": "soon"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, system_schema(load_pack("v6.1").submission))


def test_host_detection_fills_cpu_memory_and_os() -> None:
    host = detect_host()
    for key in ("host_processor_model_name", "host_memory_capacity", "operating_system",
                "host_processor_core_count"):
        assert host[key] and not host[key].startswith("TODO")


@pytest.mark.parametrize(("round_name", "calibration"),
                         [("v4.1", "calibration.md"), ("v6.1", "documentation/calibration.md")])
def test_init_lays_out_the_round_and_marks_what_to_fill(tmp_path: Path, round_name: str,
                                                        calibration: str) -> None:
    project = scaffold(tmp_path / "p", round_name=round_name, division="closed",
                       submitter="Acme", system="box", host=dict(HOST))
    sub = project.submitter_dir
    assert (sub / calibration).is_file()
    data = json.loads((sub / "systems/box.json").read_text())
    pack = load_pack(round_name).submission
    assert set(pack["system"]["required"]) <= set(data)
    assert set(pack["system"]["power_fields"]) <= set(data)
    assert data["host_processor_model_name"] == HOST["host_processor_model_name"]
    todo = todo_fields(project)
    assert "cooling" in todo and "system_type" in todo
    assert (project.templates / "measurements.json").is_file()


def test_a_template_left_unfilled_does_not_pass(tmp_path: Path) -> None:
    from joulekit.submission_template.assemble import Measured
    from joulekit.submission_template.package import package
    from submission.helpers import measured_result

    project = scaffold(tmp_path / "p", round_name="v4.1", division="closed",
                       submitter="UntetherAI", system="h13_u3_slim", host=dict(HOST))
    result = package(project, [Measured("resnet50", measured_result(tmp_path / "r", "offline"))],
                     tmp_path / "x.tar.gz", workers=1)
    assert result.tarball is None
    rules = {f.rule for _, f in result.report.all_findings()}
    assert {"SUB-SYSTEM-PLACEHOLDER", "SUB-MEAS-FIELD"} <= rules
    report = check_submission(project.tree, "v4.1", workers=1)
    assert report.exit_code() == 1


def test_init_cli_refuses_a_bad_name_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "joulekit", "init", str(tmp_path / "p"),
                           "--round", "v6.1", "--submitter", "Acme Corp", "--system", "b"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and "no spaces" in done.stderr
