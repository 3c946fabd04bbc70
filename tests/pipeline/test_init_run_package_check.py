"""The whole submission pipeline from what ``joulekit run`` measures, as a user runs it:

``joulekit init`` -> fill the templates -> ``joulekit run`` (SingleStream, Offline; with
the accuracy run and TEST01/TEST04) -> ``joulekit package --rehearsal`` twice (same
bytes) -> ``joulekit check`` on the extracted tarball: no error outside the rehearsal
set, and the power figure of each result is the one ``joulekit run`` reported.

Every command is a real process; each run starts its own director on loopback.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from joulekit.checker.findings import Finding
from joulekit.submission_template.rehearsal import STAMP, tolerated

PHASE_S = "3"
SETTLE_S = "0.3"
SCENARIOS = ("SingleStream", "Offline")


def jk(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "joulekit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


def fill_templates(work: Path) -> None:
    """What a submitter does after ``init``: replace every TODO in the system description
    and the templates."""
    system = next((work / "submission/closed/ACME/systems").glob("*.json"))
    data = json.loads(system.read_text())
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("TODO:"):
            data[key] = "edge" if key == "system_type" else f"the {key.replace('_', ' ')}"
    system.write_text(json.dumps(data, indent=4) + "\n")
    templates = work / "templates"
    (templates / "measurements.json").write_text(json.dumps({
        "input_data_types": "fp32", "retraining": "no",
        "starting_weights_filename": "joulekit demo weights (seeded)",
        "weight_data_types": "fp32", "weight_transformations": "none"}, indent=4) + "\n")
    (templates / "README.md").write_text(
        "# ${benchmark} ${scenario} on ${system}\n\n"
        "joulekit run --scenario ${scenario} --accuracy --compliance TEST01,TEST04\n")
    (templates / "user.conf").write_text("*.${scenario}.min_duration = 3000\n")
    (templates / "analyzer_table.md").write_text(
        "| Vendor | Model | Channels |\n|---|---|---|\n| joulekit | simulator WT310E | 1 |\n")
    (templates / "power_settings.md").write_text("# Power settings\n\nDefault BIOS profile.\n")
    calibration = next((work / "submission/closed/ACME").rglob("calibration.md"))
    calibration.write_text("# Calibration\n\nNo quantization: fp32 weights.\n")


def findings_of(report: dict[str, object]) -> list[Finding]:
    out: list[Finding] = []
    for result in report["results"]:  # type: ignore[attr-defined]
        for f in result.get("findings", []):
            out.append(Finding(rule=f["rule"], severity=f["severity"], message=f["message"],
                               file=f.get("file")))
    return out


@pytest.mark.timeout(300)
def test_init_run_package_check(tmp_path: Path) -> None:
    done = jk("init", "work", "--round", "v6.1", "--submitter", "ACME", "--system", "acme_box",
              "--system-type", "edge", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fill_templates(tmp_path / "work")

    outcomes = {}
    for scenario in SCENARIOS:
        out = f"runs/{scenario}"
        # a constant simulated load: this test is about packaging, and seconds-long demo
        # phases that follow the CPU can differ by more than the 5 % ranging/testing rule
        done = jk("run", "--scenario", scenario, "--output", out, "--duration-s", PHASE_S,
                  "--settle", SETTLE_S, "--simulator-load", "constant:150",
                  "--accuracy", "--compliance", "TEST01,TEST04",
                  cwd=tmp_path, timeout=240)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        outcome = json.loads((tmp_path / out / "outcome.json").read_text())
        assert outcome["completed"] and outcome["metric_value"] is not None
        assert outcome["loadgen_valid"] is True, outcome
        assert outcome["accuracy"].startswith("accuracy=100.000%")
        assert "TEST01 accuracy: TEST PASS" in outcome["compliance"], outcome["compliance"]
        outcomes[scenario] = outcome

    tarballs = []
    for name in ("a", "b"):
        done = jk("package", "work", "--rehearsal", "--workers", "2",
                  *[a for s in SCENARIOS for a in ("--result", f"resnet50=runs/{s}")],
                  "--out", f"dist/{name}.tar.gz", cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
        assert STAMP in done.stdout
        tarballs.append((tmp_path / f"dist/{name}.tar.gz").read_bytes())
    assert tarballs[0] == tarballs[1]
    manifest = (tmp_path / "dist/a.manifest.sha256").read_text().splitlines()
    assert manifest[0] == f"# {STAMP}"
    assert any(line.endswith("/SingleStream/TEST01/verify_accuracy.txt") for line in manifest)
    assert not any("ptd_out.txt" in line for line in manifest)
    stamped = json.loads((tmp_path / "dist/a.check.json").read_text())
    assert stamped["stamp"] == STAMP and stamped["errors_outside_rehearsal_rules"] == 0

    extracted = tmp_path / "extracted"
    with tarfile.open(tmp_path / "dist/a.tar.gz") as tar:
        tar.extractall(extracted, filter="data")
    done = jk("check", "extracted", "--round", "v6.1", "--format", "json", "-o", "check.json",
              "--no-progress", "--jobs", "2", cwd=tmp_path)
    assert done.returncode in (0, 1, 2), done.stderr
    report = json.loads((tmp_path / "check.json").read_text())
    errors = [f for f in findings_of(report) if f.severity == "error"]
    outside = [f"{f.rule}: {f.message}" for f in errors if not tolerated(f)]
    assert outside == [], outside
    assert errors, "a simulated, shortened run must fail the by-design rules"

    figures = {Path(r["path"]).name: r["power"] for r in report["results"]
               if r["path"] != "(tree)"}
    for scenario, outcome in outcomes.items():
        figure = figures[scenario]
        assert figure is not None, report
        assert figure["metric"] == outcome["metric"]
        assert figure["value"] == pytest.approx(outcome["metric_value"], rel=1e-12)
        assert figure["unit"] == outcome["metric_unit"]
