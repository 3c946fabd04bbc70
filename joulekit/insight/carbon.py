"""Carbon and cost of measured energy: optional columns in CodeCarbon's conventions.

A measured run knows its energy exactly; what it costs the climate and the budget needs
two numbers the user knows better than we do: the grid's carbon intensity (g CO2-eq per
kWh) and the price of a kWh. Given them (or a country whose intensity CodeCarbon ships
as data, when CodeCarbon is installed), each row gets the columns below. Where a column
exists in CodeCarbon's ``emissions.csv`` it has that name and unit, so the tables load
into the same dashboards: ``duration`` (s), ``energy_consumed`` (kWh), ``emissions``
(kg CO2-eq), ``emissions_rate`` (kg/s), ``country_iso_code``. Our own: the intensity
used and where it came from, ``cost`` and ``currency``.

CodeCarbon is never required and never imported: its regional table is read from its
installed data file (``data/private_infra/global_energy_mix.json``, ``carbon_intensity``
in g/kWh per ISO 3166 alpha-3 country), so asking for a country costs no import of its
tracker and its dependencies.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.layout import ResultPaths
from joulekit.formats.mllog import read_detail

#: joules in one kWh (a unit conversion, not a threshold)
J_PER_KWH = 3.6e6
#: column names shared with CodeCarbon's emissions.csv
DURATION = "duration"
ENERGY_CONSUMED = "energy_consumed"
EMISSIONS = "emissions"
EMISSIONS_RATE = "emissions_rate"
COUNTRY_ISO_CODE = "country_iso_code"
#: our own columns
GRID_INTENSITY = "grid_intensity_g_per_kwh"
GRID_INTENSITY_SOURCE = "grid_intensity_source"
COST = "cost"
CURRENCY = "currency"
#: the one-row file ``joulekit run`` writes beside its result when carbon is asked for
EMISSIONS_CSV = "emissions.csv"
#: where CodeCarbon keeps its per-country energy mix inside its package
CODECARBON_MIX = ("data", "private_infra", "global_energy_mix.json")
_COUNTRY = re.compile(r"[A-Z]{3}")
_CURRENCY = re.compile(r"[A-Za-z]{1,8}")


def codecarbon_data(package_dir: Path | None = None) -> Path | None:
    """CodeCarbon's energy-mix file, or None when CodeCarbon is not installed."""
    if package_dir is None:
        spec = importlib.util.find_spec("codecarbon")
        if spec is None or not spec.submodule_search_locations:
            return None
        package_dir = Path(next(iter(spec.submodule_search_locations)))
    path = package_dir.joinpath(*CODECARBON_MIX)
    return path if path.is_file() else None


def codecarbon_intensity(country: str, package_dir: Path | None = None) -> float:
    """The grid intensity (g CO2-eq/kWh) CodeCarbon ships for ``country`` (ISO alpha-3)."""
    path = codecarbon_data(package_dir)
    if path is None:
        raise UserError(
            f"--country {country} needs CodeCarbon's regional data; install it "
            "(pip install codecarbon) or give --grid-intensity G_PER_KWH"
        )
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        value = float(table[country]["carbon_intensity"])
    except KeyError:
        raise UserError(f"CodeCarbon's data ({path}) has no country {country!r}; give an "
                        "ISO 3166 alpha-3 code such as FRA, DEU, USA, or --grid-intensity") \
            from None
    except (OSError, ValueError, TypeError) as err:
        raise UserError(f"cannot read CodeCarbon's data {path}: {err}") from None
    if not math.isfinite(value) or value < 0:
        raise UserError(f"CodeCarbon's data ({path}) gives {country} no usable intensity")
    return value


@dataclass(frozen=True)
class CarbonSettings:
    """What the user gave: a grid intensity and/or a country, a price and its currency."""

    grid_g_per_kwh: float | None = None
    country: str | None = None
    price_per_kwh: float | None = None
    currency: str = ""

    def __post_init__(self) -> None:
        if self.grid_g_per_kwh is not None and not (
            math.isfinite(self.grid_g_per_kwh) and 0 <= self.grid_g_per_kwh <= 1e5
        ):
            raise UserError("--grid-intensity must be grams CO2-eq per kWh, 0 or more")
        if self.price_per_kwh is not None and not (
            math.isfinite(self.price_per_kwh) and 0 <= self.price_per_kwh <= 1e6
        ):
            raise UserError("--price must be the price of one kWh, 0 or more")
        if self.country is not None and not _COUNTRY.fullmatch(self.country):
            raise UserError(f"--country {self.country!r}: give an ISO 3166 alpha-3 code "
                            "in capitals, such as FRA")
        if self.currency and not _CURRENCY.fullmatch(self.currency):
            raise UserError(f"--currency {self.currency!r}: give a code such as EUR or USD")
        if self.currency and self.price_per_kwh is None:
            raise UserError("--currency needs --price PER_KWH")

    @property
    def wanted(self) -> bool:
        return (self.grid_g_per_kwh is not None or self.country is not None
                or self.price_per_kwh is not None)

    def resolve(self, package_dir: Path | None = None) -> Carbon:
        """The intensity to use: the one given, else CodeCarbon's for the country."""
        if self.grid_g_per_kwh is not None:
            intensity: float | None = self.grid_g_per_kwh
            source = "given"
        elif self.country is not None:
            intensity = codecarbon_intensity(self.country, package_dir)
            source = "codecarbon"
        else:
            intensity, source = None, ""
        return Carbon(intensity, source, self.country or "", self.price_per_kwh,
                      self.currency)


@dataclass(frozen=True)
class Carbon:
    """Resolved settings: turns a run's energy and duration into the columns."""

    g_per_kwh: float | None
    source: str
    country: str
    price_per_kwh: float | None
    currency: str

    def columns(self, energy_j: float, duration_s: float) -> dict[str, Any]:
        kwh = energy_j / J_PER_KWH if math.isfinite(energy_j) else math.nan
        out: dict[str, Any] = {DURATION: duration_s, ENERGY_CONSUMED: kwh}
        if self.g_per_kwh is not None:
            kg = kwh * self.g_per_kwh / 1000.0
            rate = kg / duration_s if math.isfinite(kg) and duration_s > 0 else math.nan
            out.update({EMISSIONS: kg, EMISSIONS_RATE: rate, GRID_INTENSITY: self.g_per_kwh,
                        GRID_INTENSITY_SOURCE: self.source, COUNTRY_ISO_CODE: self.country})
        if self.price_per_kwh is not None:
            out.update({COST: kwh * self.price_per_kwh, CURRENCY: self.currency})
        return out


def add_columns(row: dict[str, Any], carbon: Carbon | None) -> dict[str, Any]:
    """``row`` with the carbon/cost columns from its ``energy_j`` and ``duration``."""
    if carbon is None:
        return row
    energy = row.get("energy_j")
    duration = row.get(DURATION)
    energy_j = float(energy) if isinstance(energy, int | float) else math.nan
    duration_s = float(duration) if isinstance(duration, int | float) else math.nan
    return {**row, **carbon.columns(energy_j, duration_s)}


def testing_window_s(result_dir: Path | None) -> float:
    """Seconds of the run's power window (LoadGen's power_begin..power_end); NaN if none."""
    if result_dir is None:
        return math.nan
    detail = read_detail(ResultPaths(result_dir).run_1_detail)
    if detail.power_begin is None or detail.power_end is None:
        return math.nan
    return (detail.power_end - detail.power_begin).total_seconds()


def write_run_emissions(out: Path, carbon: Carbon, *, average_watts: float | None,
                        result_dir: Path | None, project: str, timestamp: str) -> dict[str, Any]:
    """``OUT/emissions.csv`` of one measured run (CodeCarbon's columns where they overlap)."""
    duration = testing_window_s(result_dir)
    energy = average_watts * duration if average_watts is not None else math.nan
    row: dict[str, Any] = {"timestamp": timestamp, "project_name": project,
                           **carbon.columns(energy, duration)}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row), lineterminator="\n")
    writer.writeheader()
    writer.writerow({k: "" if isinstance(v, float) and math.isnan(v) else v
                     for k, v in row.items()})
    text = buffer.getvalue()
    atomic_write_text(out / EMISSIONS_CSV, text)
    return row
