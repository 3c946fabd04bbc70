"""init -> two measured results -> package -> check, and a reproducible tarball."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from joulekit.checker.submission import check_submission
from joulekit.submission_template.assemble import Measured
from joulekit.submission_template.package import package
from submission.helpers import measured_result, packaged


def test_init_package_check_passes_and_tarball_is_reproducible(tmp_path: Path) -> None:
    project, result = packaged(tmp_path)
    assert result.tarball is not None, [f for _, f in result.report.all_findings()]
    assert result.report.error_count == 0
    assert len(result.included) == 2
    first = result.tarball.read_bytes()
    # pack again from the same tree: same bytes
    again = package(project, [], tmp_path / "again.tar.gz", workers=1)
    assert again.tarball is not None
    assert again.tarball.read_bytes() == first
    # the extracted tarball checks clean on its own
    out = tmp_path / "extracted"
    with tarfile.open(result.tarball) as tar:
        tar.extractall(out, filter="data")
    report = check_submission(out, "v4.1", workers=2)
    assert report.error_count == 0
    assert {r.unit.scenario for r in report.results} == {"SingleStream", "Offline"}
    manifest = (tmp_path / "sub.manifest.sha256").read_text().splitlines()
    assert any(line.endswith("/performance/run_1/spl.txt") for line in manifest)


def test_package_cli_exit_codes(tmp_path: Path) -> None:
    project, _ = packaged(tmp_path)
    cmd = [sys.executable, "-m", "joulekit", "package", project.folder, "--out",
           str(tmp_path / "cli.tar.gz"), "--workers", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "packed 2 results" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "joulekit", "package", str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 3
    assert "Traceback" not in bad.stderr and "joulekit init" in bad.stderr


def test_only_valid_leaves_out_an_invalid_run(tmp_path: Path) -> None:
    project, _ = packaged(tmp_path)
    detail = (project.submitter_dir / "results/h13_u3_slim/resnet50/Offline/performance/run_1"
              / "mlperf_log_detail.txt")
    detail.write_text(detail.read_text().replace('"value": "VALID"', '"value": "INVALID"'))
    refused = package(project, [], tmp_path / "all.tar.gz", workers=1)
    assert refused.tarball is None
    kept = package(project, [], tmp_path / "valid.tar.gz", only_valid=True, workers=1)
    assert kept.tarball is not None
    assert kept.dropped == ["closed/UntetherAI/results/h13_u3_slim/resnet50/Offline"]
    with tarfile.open(kept.tarball) as tar:
        names = tar.getnames()
    assert not any("/Offline" in n for n in names)
    assert any("/SingleStream/performance" in n for n in names)


def test_package_truncates_and_hashes_a_full_accuracy_log(tmp_path: Path) -> None:
    from submission.helpers import make_project

    project = make_project(tmp_path)
    run = measured_result(tmp_path / "r", "offline")
    log = run / "accuracy" / "mlperf_log_accuracy.json"
    log.write_text("[\n" + ",\n".join(f'{{"seq_id": {i}, "qsl_idx": {i}, "data": "00"}}'
                                       for i in range(5000)) + "\n]\n")
    acc = run / "accuracy" / "accuracy.txt"
    acc.write_text("accuracy=76.000%, good=38000, total=50000\n")
    original = log.read_bytes()
    package(project, [Measured("resnet50", run)], tmp_path / "t.tar.gz", workers=1)
    placed = project.submitter_dir / "results/h13_u3_slim/resnet50/Offline/accuracy"
    import hashlib

    assert (placed / "mlperf_log_accuracy.json").stat().st_size <= 10 * 1024
    assert (placed / "mlperf_log_accuracy.json").read_bytes()[:4096] == original[:4096]
    assert (placed / "mlperf_log_accuracy.json").read_bytes()[-4096:] == original[-4096:]
    assert f"hash={hashlib.sha256(original).hexdigest()}" in (placed / "accuracy.txt").read_text()
    assert log.read_bytes() == original  # the source is never touched
    shutil.rmtree(run)
