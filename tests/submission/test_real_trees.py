"""The published trees, checked as trees with their round, report the published power
figures (fixtures/real/OFFICIAL.md) in the summary CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from joulekit.checker.submission import check_submission, rows, to_csv

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"


def _power_rows(round_name: str) -> dict[str, float]:
    report = check_submission(REAL / f"inference_results_{round_name}", round_name, workers=2)
    assert all(r.valid for r in report.results), [
        (r.unit.label, [f for f in r.findings if f.severity == "error"]) for r in report.results]
    table = list(csv.DictReader(io.StringIO(to_csv(rows(report)))))
    assert len(table) == 2 * len(report.results)  # every result is a power result
    return {r["Scenario"]: float(r["Result"]) for r in table
            if r["Units"] in ("Watts", "millijoules")}


def test_v11_qualcomm_server_average_power() -> None:
    assert _power_rows("v1.1")["Server"] == pytest.approx(1790.9826666666677, rel=1e-15)


def test_v21_dell_offline_efficiency() -> None:
    watts = _power_rows("v2.1")["Offline"]
    assert round(3091.84 / watts, 2) == 11.58


def test_v41_untether_singlestream_energy_and_offline_power() -> None:
    figures = _power_rows("v4.1")
    assert figures["SingleStream"] == pytest.approx(29.2389869184, abs=1e-9)
    assert figures["Offline"] == pytest.approx(398.3299847793, abs=1e-9)


def test_csv_has_the_reference_columns_and_quotes_values() -> None:
    report = check_submission(REAL / "inference_results_v4.1", "v4.1", workers=1)
    text = to_csv(rows(report))
    header, first = text.splitlines()[:2]
    assert header.split(",")[:10] == ["Organization", "Availability", "Division", "SystemType",
                                      "SystemName", "Platform", "Model", "MlperfModel",
                                      "Scenario", "Result"]
    assert len(header.split(",")) == 31
    assert first.startswith('"UntetherAI","available","closed","edge"')


def test_check_cli_hook_feeds_the_checker_report_writers(tmp_path: Path) -> None:
    from joulekit.checker.dispatch import RunOptions, check
    from joulekit.checker.options import CheckOptions
    from joulekit.checker.output import to_junit

    csv_path = tmp_path / "summary.csv"
    report = check(REAL / "inference_results_v4.1", CheckOptions(round="v4.1"),
                   run=RunOptions(jobs=1, summary_csv=csv_path))
    assert report.results[0].path == "(tree)"
    assert report.exit_code() == 1  # the published copy lacks calibration.md and code/
    assert "SUB-CALIBRATION-MISSING" in to_junit(report)
    assert "398.3299847793" in csv_path.read_text()
