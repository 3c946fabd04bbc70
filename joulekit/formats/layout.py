"""Where files live: a power session folder and a result in a submission tree.

Two views, because two kinds of caller need them:

* :class:`ResultPaths` — one ``performance/`` folder of a power result, with ``run_1/``
  (the testing phase), ``ranging/`` and ``power/``. :func:`find_power_results` finds
  every such folder below a path, whatever the round or the case of the scenario
  folder.
* :class:`ResultLocation` — a result folder ``<division>/<submitter>/results/<system>/
  <benchmark>/<scenario>/`` and the folders that belong to it elsewhere in the tree,
  which moved in v6.0: ``measurements.json`` and ``TEST0X/`` now sit inside the result,
  where earlier rounds kept ``measurements/<system>/<benchmark>/<scenario>/`` and
  ``compliance/<system>/<benchmark>/<scenario>/TEST0X/`` beside ``results/``.

Paths only: nothing here opens a file beyond listing folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: files of a power session whose SHA-1 the director and client record (``results``)
SESSION_FILES = (
    "power/client.json",
    "power/client.log",
    "power/ptd_logs.txt",
    "power/server.json",
    "power/server.log",
    "ranging/mlperf_log_detail.txt",
    "ranging/mlperf_log_summary.txt",
    "ranging/spl.txt",
    "run_1/mlperf_log_detail.txt",
    "run_1/mlperf_log_summary.txt",
    "run_1/spl.txt",
)

#: canonical scenario names; folders are lower-case in some rounds (v1.1, v4.1)
SCENARIOS = ("SingleStream", "MultiStream", "Offline", "Server", "Interactive")
_BY_LOWER = {name.lower(): name for name in SCENARIOS}


def canonical_scenario(folder_name: str) -> str | None:
    """``"singlestream"`` → ``"SingleStream"``; None for a name that is no scenario."""
    return _BY_LOWER.get(folder_name.lower())


@dataclass(frozen=True)
class ResultPaths:
    """The files of one power session below a ``performance/`` folder."""

    performance_dir: Path

    @classmethod
    def from_performance_dir(cls, path: str | os.PathLike[str]) -> ResultPaths:
        return cls(Path(path))

    @property
    def result_dir(self) -> Path:
        """The scenario folder that holds ``performance/`` (and ``accuracy/``)."""
        return self.performance_dir.parent

    @property
    def run_1(self) -> Path:
        return self.performance_dir / "run_1"

    @property
    def ranging(self) -> Path:
        return self.performance_dir / "ranging"

    @property
    def power(self) -> Path:
        return self.performance_dir / "power"

    @property
    def run_1_detail(self) -> Path:
        return self.run_1 / "mlperf_log_detail.txt"

    @property
    def run_1_summary(self) -> Path:
        return self.run_1 / "mlperf_log_summary.txt"

    @property
    def run_1_spl(self) -> Path:
        return self.run_1 / "spl.txt"

    @property
    def ptd_out(self) -> Path:
        return self.run_1 / "ptd_out.txt"

    @property
    def ranging_detail(self) -> Path:
        return self.ranging / "mlperf_log_detail.txt"

    @property
    def ranging_summary(self) -> Path:
        return self.ranging / "mlperf_log_summary.txt"

    @property
    def ranging_spl(self) -> Path:
        return self.ranging / "spl.txt"

    @property
    def client_json(self) -> Path:
        return self.power / "client.json"

    @property
    def server_json(self) -> Path:
        return self.power / "server.json"

    @property
    def client_log(self) -> Path:
        return self.power / "client.log"

    @property
    def server_log(self) -> Path:
        return self.power / "server.log"

    @property
    def ptd_logs(self) -> Path:
        return self.power / "ptd_logs.txt"

    def session_files(self) -> dict[str, Path]:
        """``SESSION_FILES`` as relative name → path (present or not)."""
        return {name: self.performance_dir / name for name in SESSION_FILES}

    def missing_files(self) -> list[str]:
        return [name for name, path in self.session_files().items() if not path.is_file()]


def find_power_results(path: str | os.PathLike[str]) -> list[Path]:
    """Every ``performance/`` folder holding a ``power/`` folder at or below ``path``,
    sorted. ``path`` may itself be a performance folder or a result folder."""
    root = Path(path)
    found: list[Path] = []
    if not root.is_dir():
        return found
    for current, dirs, _files in os.walk(root):
        here = Path(current)
        if here.name == "performance" and "power" in dirs:
            found.append(here)
        # Nothing we look for lives inside these; skipping them keeps big trees fast.
        dirs[:] = [d for d in dirs if d not in ("power", "run_1", "ranging", "accuracy")]
    return sorted(found)


Layout = Literal["v6", "legacy"]


@dataclass(frozen=True)
class ResultLocation:
    """A result folder and its place in the submission tree."""

    path: Path
    division: str
    submitter: str
    system: str
    benchmark: str
    scenario_folder: str

    @property
    def scenario(self) -> str | None:
        """The canonical scenario named by the folder (LoadGen's log has the final say)."""
        return canonical_scenario(self.scenario_folder)

    @property
    def submitter_dir(self) -> Path:
        return self.path.parents[3]

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> ResultLocation | None:
        """Parse ``.../<division>/<submitter>/results/<sys>/<bench>/<scenario>``; None when
        the path does not have that shape."""
        result = Path(path)
        parts = result.parts
        if len(parts) < 6 or parts[-4] != "results":
            return None
        return cls(result, parts[-6], parts[-5], parts[-3], parts[-2], parts[-1])

    def layout(self) -> Layout:
        """``v6`` when measurements and compliance sit inside the result folder."""
        if (self.path / "measurements.json").is_file():
            return "v6"
        if any(p.is_dir() and p.name.startswith("TEST") for p in _children(self.path)):
            return "v6"
        return "legacy"

    def system_json(self) -> Path:
        return self.submitter_dir / "systems" / f"{self.system}.json"

    def measurements_dir(self) -> Path:
        """Where ``user.conf``, ``README.md`` and the measurements JSON live."""
        if self.layout() == "v6":
            return self.path
        return (
            self.submitter_dir
            / "measurements"
            / self.system
            / self.benchmark
            / (self.scenario_folder)
        )

    def measurements_json(self) -> Path | None:
        """``measurements.json`` (v6) or ``<sys>_<impl>_<scenario>.json`` (legacy)."""
        folder = self.measurements_dir()
        if self.layout() == "v6":
            return folder / "measurements.json"
        candidates = sorted(p for p in _children(folder) if p.suffix == ".json")
        return candidates[0] if len(candidates) == 1 else None

    def compliance_dir(self) -> Path:
        """The folder holding the ``TEST0X`` folders of this result."""
        if self.layout() == "v6":
            return self.path
        return (
            self.submitter_dir
            / "compliance"
            / self.system
            / self.benchmark
            / (self.scenario_folder)
        )

    def compliance_tests(self) -> dict[str, Path]:
        """``{"TEST01": path, ...}`` for every TEST folder present."""
        return {
            p.name: p
            for p in sorted(_children(self.compliance_dir()))
            if p.is_dir() and p.name.startswith("TEST")
        }

    def power_paths(self) -> ResultPaths | None:
        performance = self.path / "performance"
        return ResultPaths(performance) if (performance / "power").is_dir() else None

    def power_documents(self) -> dict[str, list[Path]]:
        """``analyzer_table.*`` and ``power_settings.*`` (md/txt/csv/html, ``_`` or ``-``
        in the name) in the result folder, its measurements folder, three levels above
        each, and the submitter's ``power/`` folder (v2.1 kept them there)."""
        places: list[Path] = []
        for start in (self.path, self.measurements_dir()):
            places.append(start)
            places.extend(list(start.parents)[:3])
        places.append(self.submitter_dir / "power")
        found: dict[str, list[Path]] = {"analyzer_table": [], "power_settings": []}
        seen: set[Path] = set()
        for place in places:
            if place in seen:
                continue
            seen.add(place)
            for child in sorted(_children(place)):
                stem = child.name.lower().replace("-", "_")
                if child.suffix.lower() not in (".md", ".txt", ".csv", ".html"):
                    continue
                for kind in found:
                    if stem.startswith(kind) and child.is_file():
                        found[kind].append(child)
        return found


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def find_results(path: str | os.PathLike[str]) -> list[ResultLocation]:
    """Every ``results/<sys>/<bench>/<scenario>`` folder at or below ``path``."""
    root = Path(path)
    found: list[ResultLocation] = []
    for results in sorted(root.rglob("results")) if root.is_dir() else []:
        if not results.is_dir():
            continue
        for scenario_dir in sorted(results.glob("*/*/*")):
            location = ResultLocation.from_path(scenario_dir)
            if scenario_dir.is_dir() and location is not None:
                found.append(location)
    return found
