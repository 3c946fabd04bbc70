"""``joulekit init``: scaffold a submitter's working folder for one round."""

from __future__ import annotations

import json
import re
from pathlib import Path

from joulekit import __version__
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import prepare_output_dir
from joulekit.rules import load_pack
from joulekit.submission_template.host import detect_host
from joulekit.submission_template.project import Project
from joulekit.submission_template.template import (
    RESULT_TEMPLATES,
    calibration_path,
    system_description,
    template_text,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def _check_name(kind: str, value: str) -> None:
    if not _NAME.match(value):
        raise UserError(f"{kind} {value!r} must be letters, digits, '_', '-', '.' or '+' "
                        "(no spaces, no leading dot)")


def scaffold(folder: Path, *, round_name: str, division: str, submitter: str, system: str,
             system_name: str = "", system_type: str = "", implementation: str = "default",
             power: bool = True, host: dict[str, str] | None = None,
             force: bool = False) -> Project:
    """Write the project file, the templates and the submitter tree; returns the project."""
    pack = load_pack(round_name).submission
    if division not in pack["divisions"]:
        raise UserError(f"division {division!r} is not one of {round_name}: "
                        + ", ".join(pack["divisions"]))
    for kind, value in (("submitter", submitter), ("system", system),
                        ("implementation", implementation)):
        _check_name(kind, value)
    if system_type and system_type not in pack["system"]["allowed_values"]["system_type"]:
        raise UserError(f"system type {system_type!r} is not one of "
                        + ", ".join(pack["system"]["allowed_values"]["system_type"]))
    folder = Path(folder)
    project = Project(str(folder), round_name, division, submitter, system, implementation)
    if (folder / "joulekit-submission.json").exists() and not force:
        raise UserError(f"{folder} already holds a submission project",
                        hint="pass --force to rewrite its templates")
    prepare_output_dir(folder, "folder", must_be_empty=False)
    project.save()
    values = {"submitter": submitter, "system": system, "round": round_name,
              "version": __version__, "implementation": implementation}
    for name in RESULT_TEMPLATES:
        atomic_write_text(project.templates / name, template_text(name, **values))
    sub = project.submitter_dir
    desc = system_description(pack, division=division, submitter=submitter,
                              system_name=system_name or system,
                              host=detect_host() if host is None else host, power=power,
                              system_type=system_type)
    atomic_write_text(sub / "systems" / f"{system}.json", json.dumps(desc, indent=4) + "\n")
    atomic_write_text(calibration_path(sub, pack), template_text("calibration.md", **values))
    return project


def todo_fields(project: Project) -> list[str]:
    """System fields still holding a placeholder, for init's closing message."""
    path = project.submitter_dir / "systems" / f"{project.system}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [k for k, v in data.items() if isinstance(v, str) and v.startswith("TODO:")]
