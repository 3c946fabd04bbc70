"""Carbon and cost columns: CodeCarbon's names and units, a given or looked-up intensity,
the sweep table and ``joulekit run``'s emissions.csv, bad settings as one line."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.insight.carbon import (
    CODECARBON_MIX,
    CarbonSettings,
    add_columns,
    codecarbon_intensity,
)
from joulekit.insight.sweep import run_sweep
from tests.insight.test_sweep_unit import SPEC, FakeHarness


def _codecarbon_like(tmp: Path, table: dict[str, object]) -> Path:
    """A package folder holding CodeCarbon's energy-mix file in its real place and shape."""
    package = tmp / "codecarbon"
    path = package.joinpath(*CODECARBON_MIX)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(table))
    return package


def test_columns_follow_codecarbon_units() -> None:
    carbon = CarbonSettings(grid_g_per_kwh=400.0, price_per_kwh=0.25, currency="EUR").resolve()
    cols = carbon.columns(energy_j=7.2e6, duration_s=3600.0)  # 2 kWh in an hour
    assert cols["energy_consumed"] == pytest.approx(2.0)          # kWh
    assert cols["emissions"] == pytest.approx(0.8)                # kg CO2-eq
    assert cols["emissions_rate"] == pytest.approx(0.8 / 3600)    # kg/s
    assert cols["duration"] == 3600.0
    assert (cols["cost"], cols["currency"]) == (pytest.approx(0.5), "EUR")
    assert cols["grid_intensity_source"] == "given"
    only_price = CarbonSettings(price_per_kwh=0.1).resolve().columns(3.6e6, 10.0)
    assert "emissions" not in only_price and only_price["cost"] == pytest.approx(0.1)


def test_country_intensity_comes_from_codecarbon_data(tmp_path: Path) -> None:
    package = _codecarbon_like(tmp_path, {"FRA": {"carbon_intensity": 56.0}})
    assert codecarbon_intensity("FRA", package) == 56.0
    carbon = CarbonSettings(country="FRA").resolve(package)
    assert (carbon.g_per_kwh, carbon.source, carbon.country) == (56.0, "codecarbon", "FRA")
    with pytest.raises(UserError, match="has no country 'XYZ'"):
        codecarbon_intensity("XYZ", package)
    # a given intensity wins over the country's
    assert CarbonSettings(grid_g_per_kwh=10.0, country="FRA").resolve(package).g_per_kwh == 10


def test_installed_codecarbon_knows_france() -> None:
    # CodeCarbon is optional for users and in the dev extra, so this reads its real file
    assert 0 < codecarbon_intensity("FRA") < 1000


@pytest.mark.parametrize(("settings", "message"), [
    ({"grid_g_per_kwh": -1.0}, "--grid-intensity must be"),
    ({"price_per_kwh": math.inf}, "--price must be"),
    ({"country": "fr"}, "ISO 3166 alpha-3"),
    ({"currency": "EUR"}, "--currency needs --price"),
])
def test_bad_settings_are_one_line(settings: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        CarbonSettings(**settings)  # type: ignore[arg-type]


def test_sweep_table_gets_the_columns_at_every_rewrite(tmp_path: Path) -> None:
    carbon = CarbonSettings(grid_g_per_kwh=300.0, price_per_kwh=0.2, currency="USD").resolve()
    frame = run_sweep(tmp_path, SPEC, measure_fn=FakeHarness(), carbon=carbon)
    for column in ("duration", "energy_consumed", "emissions", "cost", "currency"):
        assert column in frame.columns
    assert set(frame.currency) == {"USD"}
    # point.json keeps the energy, not the settings: resuming without carbon drops them
    plain = run_sweep(tmp_path, SPEC, measure_fn=FakeHarness())
    assert "emissions" not in plain.columns and "energy_j" in plain.columns
    row = json.loads((tmp_path / "points" / "batch_size-1" / "point.json").read_text())
    assert "emissions" not in row
    row.update(energy_j=3.6e6, duration=100.0)
    assert add_columns(row, carbon)["emissions"] == pytest.approx(0.3)


def test_run_writes_emissions_csv_and_says_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "run", "--output", str(out), "--duration-s", "1",
         "--settle", "0", "--simulator-load", "constant:120", "--grid-intensity", "500",
         "--price", "0.3", "--currency", "EUR"],
        capture_output=True, text=True, timeout=120, check=False)
    assert "carbon: " in done.stdout, (done.stdout, done.stderr)
    with open(out / "emissions.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    duration = float(row["duration"])
    assert duration >= 1.0
    kwh = float(row["energy_consumed"])
    assert kwh == pytest.approx(120 * duration / 3.6e6, rel=0.05)
    assert float(row["emissions"]) == pytest.approx(kwh * 0.5, rel=1e-6)
    assert float(row["cost"]) == pytest.approx(kwh * 0.3, rel=1e-6)
    assert row["currency"] == "EUR" and row["project_name"] == "joulekit"


def test_run_refuses_an_unknown_country_before_measuring(tmp_path: Path) -> None:
    package = _codecarbon_like(tmp_path / "site", {"FRA": {"carbon_intensity": 56.0}})
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "joulekit", "run", "--output", str(out), "--country", "XYZ"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(package.parent)})
    assert done.returncode == 3, done
    assert "has no country 'XYZ'" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
