"""Find the results of a submission tree, laid out as the round requires.

Up to v5.1 a result's measurements and compliance runs live in parallel trees
(``measurements/<sys>/<bench>/<scen>/``, ``compliance/<sys>/<bench>/<scen>/TEST0X``);
from v6.0 both sit inside the result folder. :class:`ResultUnit` hides that difference
so a check asks for "the measurements folder" and never for a round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from joulekit.formats.layout import (
    DIVISIONS,
    OPEN,
    PERFORMANCE,
    POWER,
    RESULTS,
    Layout,
    canonical_scenario,
    compliance_folder,
    has_division_dirs,
    is_submitter_dir,
    measurements_folder,
    result_folder,
    result_label,
    system_json,
)


@dataclass(frozen=True)
class ResultUnit:
    """One ``results/<sys>/<bench>/<scenario>/`` folder and where its companions live."""

    root: str
    division: str
    submitter: str
    system: str
    benchmark: str
    scenario_dir: str
    layout: str
    #: the benchmark an open submitter's model mapping file names for this model ("" if none)
    mapped: str = ""

    @property
    def submitter_dir(self) -> Path:
        return Path(self.root) / self.division / self.submitter

    @property
    def path(self) -> Path:
        return result_folder(self.submitter_dir, self.system, self.benchmark, self.scenario_dir)

    @property
    def scenario(self) -> str | None:
        return canonical_scenario(self.scenario_dir)

    @property
    def measurements_dir(self) -> Path:
        return measurements_folder(self.submitter_dir, self.system, self.benchmark,
                                   self.scenario_dir, self._layout)

    @property
    def compliance_dir(self) -> Path:
        return compliance_folder(self.submitter_dir, self.system, self.benchmark,
                                 self.scenario_dir, self._layout)

    @property
    def _layout(self) -> Layout:
        return "v6" if self.layout == "v6" else "legacy"

    @property
    def system_json(self) -> Path:
        return system_json(self.submitter_dir, self.system)

    @property
    def label(self) -> str:
        """The result's path below the tree root, as reports show it."""
        return result_label(self.division, self.submitter, self.system, self.benchmark,
                            self.scenario_dir)

    @property
    def has_power(self) -> bool:
        return (self.path / PERFORMANCE / POWER).is_dir()


def is_submission_tree(path: Path) -> bool:
    """True when ``path`` is a submission tree (division folders with submitters) or one
    of its submitter folders; a bare result folder is not."""
    path = Path(path)
    if not path.is_dir():
        return False
    return has_division_dirs(path) or is_submitter_dir(path)


def read_model_mapping(sub_dir: Path, name: str | None) -> dict[str, str]:
    """An open submitter's ``model_mapping.json`` (custom model name -> benchmark).

    The round's checker reads it from ``open/<submitter>/`` only; a missing or broken file
    maps nothing (the results are then judged by their folder names).
    """
    if not name or sub_dir.parent.name != OPEN:
        return {}
    try:
        data = json.loads((sub_dir / name).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def discover(root: Path, layout: str, model_mapping: str | None = None) -> list[ResultUnit]:
    """Every result folder below ``root`` (the folder holding the division folders);
    ``model_mapping`` names the open division's mapping file of the round, if any."""
    units: list[ResultUnit] = []
    for div_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name in DIVISIONS):
        for sub_dir in sorted(p for p in div_dir.iterdir() if p.is_dir()):
            results = sub_dir / RESULTS
            if not results.is_dir():
                continue
            mapping = read_model_mapping(sub_dir, model_mapping)
            for sys_dir in sorted(p for p in results.iterdir() if p.is_dir()):
                for bench_dir in sorted(p for p in sys_dir.iterdir() if p.is_dir()):
                    for scen_dir in sorted(p for p in bench_dir.iterdir() if p.is_dir()):
                        units.append(ResultUnit(str(root), div_dir.name, sub_dir.name,
                                                sys_dir.name, bench_dir.name, scen_dir.name,
                                                layout, mapping.get(bench_dir.name, "")))
    return units
