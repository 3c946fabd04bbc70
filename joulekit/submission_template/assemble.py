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
from string import Template
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.layout import (
    ACCURACY,
    MEASUREMENTS,
    MEASUREMENTS_JSON,
    PERFORMANCE,
    PHASE_DIRS,
    PHASE_EXTRAS,
    POWER,
    README_MD,
    RESULTS,
    RUN_1,
    SCENARIOS,
    USER_CONF,
    Layout,
    ResultPaths,
    compliance_folder,
    is_compliance_test,
    measurements_folder,
    result_folder,
)
from joulekit.formats.mllog import read_detail
from joulekit.submission_template.project import Project
from joulekit.submission_template.template import template_text


@dataclass(frozen=True)
class Measured:
    benchmark: str
    source: Path

    @property
    def performance(self) -> Path:
        if (self.source / PERFORMANCE / RUN_1).is_dir():
            return self.source / PERFORMANCE
        if (self.source / RUN_1).is_dir():
            return self.source
        raise UserError(f"{self.source} holds no {PERFORMANCE}/{RUN_1} (nor {RUN_1}/) folder",
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
    detail_log = ResultPaths(measured.performance).run_1_detail
    scenario = read_detail(detail_log).scenario
    if scenario not in SCENARIOS:
        raise UserError(f"{detail_log} names no scenario "
                        "(effective_scenario); is it a LoadGen detail log?")
    return scenario


def _copytree(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=False)


def _phase_extras(folder: str, names: list[str]) -> set[str]:
    # files a director leaves in a phase folder that a submission's phase folders do not
    # hold (they hold exactly the summary, detail and spl.txt)
    if Path(folder).name not in PHASE_DIRS.values():
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
        result = result_folder(sub, project.system, m.benchmark, scenario)
        _copy_performance(m.performance, result / PERFORMANCE)
        if (m.source / ACCURACY).is_dir():
            _copytree(m.source / ACCURACY, result / ACCURACY)
        v6 = pack["layout"] == "v6"
        layout: Layout = "v6" if v6 else "legacy"
        meas = measurements_folder(sub, project.system, m.benchmark, scenario, layout)
        comp = compliance_folder(sub, project.system, m.benchmark, scenario, layout)
        for test in sorted(p for p in m.source.iterdir() if p.is_dir()
                           and is_compliance_test(p.name)):
            _copytree(test, comp / test.name)
        meas.mkdir(parents=True, exist_ok=True)
        values = {"benchmark": m.benchmark, "scenario": scenario, "system": project.system,
                  "round": project.round, "implementation": project.implementation}
        for name in (README_MD, USER_CONF):
            own = m.source / name
            text = own.read_text(encoding="utf-8") if own.is_file() else \
                _project_template(project, name, values)
            (meas / name).write_text(text, encoding="utf-8")
        json_name = MEASUREMENTS_JSON if v6 else \
            f"{project.system}_{project.implementation}_{scenario}.json"
        (meas / json_name).write_text(_project_template(project, MEASUREMENTS_JSON, values),
                                      encoding="utf-8")
        if (result / PERFORMANCE / POWER).is_dir():
            docs = sub / RESULTS / project.system if v6 else \
                sub / MEASUREMENTS / project.system
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
        return Template(own.read_text(encoding="utf-8")).safe_substitute(values)
    return template_text(name, **values)
