"""Copy measured results into the submitter tree at the places the round requires.

A measured result is a folder holding ``performance/`` (``run_1``, ``ranging``,
``power``) or those three folders directly (a client output tree), with optional
``accuracy/``, ``TEST0X/`` folders, ``README.md`` and ``user.conf``. Sources are only
read: truncation happens on the copies.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.mllog import read_detail
from joulekit.submission_template.project import Project
from joulekit.submission_template.template import template_text

_SCENARIO_DIRS = {"SingleStream": "SingleStream", "MultiStream": "MultiStream",
                  "Offline": "Offline", "Server": "Server", "Interactive": "Interactive"}


@dataclass(frozen=True)
class Measured:
    benchmark: str
    source: Path

    @property
    def performance(self) -> Path:
        if (self.source / "performance" / "run_1").is_dir():
            return self.source / "performance"
        if (self.source / "run_1").is_dir():
            return self.source
        raise UserError(f"{self.source} holds no performance/run_1 (nor run_1/) folder",
                        hint="give a 'joulekit run' output or a client output folder")


def parse_result_arg(text: str) -> Measured:
    bench, sep, path = text.partition("=")
    if not sep or not bench or not path:
        raise UserError(f"--result {text!r} must be BENCHMARK=PATH, e.g. resnet=runs/offline")
    source = Path(path)
    if not source.is_dir():
        raise UserError(f"result folder {source} does not exist")
    return Measured(bench, source)


def scenario_of(measured: Measured) -> str:
    detail = read_detail(measured.performance / "run_1" / "mlperf_log_detail.txt")
    scenario = detail.scenario
    if scenario not in _SCENARIO_DIRS:
        raise UserError(f"{measured.performance}/run_1/mlperf_log_detail.txt names no scenario "
                        "(effective_scenario); is it a LoadGen detail log?")
    return _SCENARIO_DIRS[scenario]


#: files a director leaves in a phase folder that a submission's ``run_1/`` and
#: ``ranging/`` do not hold (they hold exactly the summary, detail and spl.txt)
PHASE_EXTRAS = frozenset({"ptd_out.txt"})


def _copytree(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=False)


def _phase_extras(folder: str, names: list[str]) -> set[str]:
    if Path(folder).name not in ("run_1", "ranging"):
        return set()
    return {n for n in names if n in PHASE_EXTRAS}


def _copy_performance(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=False, ignore=_phase_extras)


def assemble(project: Project, measured: list[Measured], pack: dict[str, Any]) -> list[Path]:
    """Place every measured result in the tree; returns the result folders written."""
    sub = project.submitter_dir
    placed: list[Path] = []
    seen: set[tuple[str, str]] = set()
    for m in measured:
        scenario = scenario_of(m)
        if (m.benchmark, scenario) in seen:
            raise UserError(f"two results for {m.benchmark} {scenario}; give one per scenario")
        seen.add((m.benchmark, scenario))
        result = sub / "results" / project.system / m.benchmark / scenario
        _copy_performance(m.performance, result / "performance")
        if (m.source / "accuracy").is_dir():
            _copytree(m.source / "accuracy", result / "accuracy")
        v6 = pack["layout"] == "v6"
        meas = result if v6 else sub / "measurements" / project.system / m.benchmark / scenario
        comp = result if v6 else sub / "compliance" / project.system / m.benchmark / scenario
        for test in sorted(p for p in m.source.iterdir() if p.is_dir()
                           and p.name.startswith("TEST")):
            _copytree(test, comp / test.name)
        meas.mkdir(parents=True, exist_ok=True)
        values = {"benchmark": m.benchmark, "scenario": scenario, "system": project.system,
                  "round": project.round, "implementation": project.implementation}
        for name in ("README.md", "user.conf"):
            own = m.source / name
            text = own.read_text(encoding="utf-8") if own.is_file() else \
                _project_template(project, name, values)
            (meas / name).write_text(text, encoding="utf-8")
        json_name = "measurements.json" if v6 else \
            f"{project.system}_{project.implementation}_{scenario}.json"
        (meas / json_name).write_text(_project_template(project, "measurements.json", values),
                                      encoding="utf-8")
        if (result / "performance" / "power").is_dir():
            docs = sub / "results" / project.system if v6 else \
                sub / "measurements" / project.system
            for name in ("analyzer_table.md", "power_settings.md"):
                if not (docs / name).is_file():
                    (docs / name).write_text(_project_template(project, name, values),
                                             encoding="utf-8")
        code = sub / pack["code_folder"] / m.benchmark
        if not v6:
            code = code / project.implementation
        if not code.is_dir():
            code.mkdir(parents=True)
            (code / "README.md").write_text(template_text("code_README.md", **values),
                                            encoding="utf-8")
        placed.append(result)
    return placed


def _project_template(project: Project, name: str, values: dict[str, str]) -> str:
    """The submitter's filled template if present, else the shipped one."""
    own = project.templates / name
    if own.is_file():
        from string import Template

        return Template(own.read_text(encoding="utf-8")).safe_substitute(values)
    return template_text(name, **values)
