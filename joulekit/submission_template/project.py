"""A submitter's working folder as ``joulekit init`` lays it out.

    <folder>/joulekit-submission.json   round, division, submitter, system, implementation
    <folder>/templates/                 per-result files to fill once (README.md, user.conf,
                                        measurements.json, analyzer_table.md, power_settings.md)
    <folder>/submission/<division>/<submitter>/...   the tree that is checked and packed

Keeping the templates and the project file beside the tree, not in it, means the tree
holds only what MLCommons accepts and can be checked as it will be published.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import read_text_input

PROJECT_FILE = "joulekit-submission.json"


@dataclass(frozen=True)
class Project:
    folder: str
    round: str
    division: str
    submitter: str
    system: str
    implementation: str

    @property
    def tree(self) -> Path:
        return Path(self.folder) / "submission"

    @property
    def templates(self) -> Path:
        return Path(self.folder) / "templates"

    @property
    def submitter_dir(self) -> Path:
        return self.tree / self.division / self.submitter

    def save(self) -> None:
        data = {k: v for k, v in asdict(self).items() if k != "folder"}
        atomic_write_text(Path(self.folder) / PROJECT_FILE, json.dumps(data, indent=2) + "\n")


def load_project(folder: Path) -> Project:
    path = Path(folder) / PROJECT_FILE
    if not path.is_file():
        raise UserError(f"{folder} is not a joulekit submission folder (no {PROJECT_FILE})",
                        hint="create one with 'joulekit init'")
    try:
        data = json.loads(read_text_input(path, "project file"))
    except ValueError as err:
        raise UserError(f"{path}:{getattr(err, 'lineno', 1)}: not valid JSON: "
                        f"{getattr(err, 'msg', err)}") from None
    try:
        return Project(folder=str(folder), round=data["round"], division=data["division"],
                       submitter=data["submitter"], system=data["system"],
                       implementation=data["implementation"])
    except (KeyError, TypeError):
        raise UserError(f"{path} lacks round, division, submitter, system or implementation")\
            from None
