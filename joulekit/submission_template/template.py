"""The template tree: files a submitter fills, laid out as the round requires.

Up to v5.1 calibration.md sits in the submitter folder and the code in ``code/``; from
v6.0 calibration.md is in ``documentation/`` and the code in ``src/``. Per-result files
(README.md, user.conf, the measurements JSON, the power documents) are written by
``joulekit package`` from the copies ``init`` leaves in ``templates/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from joulekit.formats.layout import MEASUREMENTS_JSON, README_MD, USER_CONF

#: files under templates/ that package copies next to every result
RESULT_TEMPLATES = (README_MD, USER_CONF, MEASUREMENTS_JSON, "analyzer_table.md",
                    "power_settings.md")


def template_text(name: str, **values: str) -> str:
    """A template file with ``${name}`` placeholders filled (unknown ones kept)."""
    text = (resources.files("joulekit.submission_template") / "files" / name).read_text(
        encoding="utf-8")
    return Template(text).safe_substitute(values)


def calibration_path(submitter_dir: Path, pack: dict[str, Any]) -> Path:
    if pack["layout"] == "v6":
        return submitter_dir / "documentation" / "calibration.md"
    return submitter_dir / "calibration.md"


def placeholder(what: str) -> str:
    return f"TODO: {what}"


def system_description(pack: dict[str, Any], *, division: str, submitter: str,
                       system_name: str, host: dict[str, str], power: bool = True,
                       system_type: str = "") -> dict[str, Any]:
    """Every field the round needs, detected ones filled, the rest marked ``TODO:``."""
    spec = pack["system"]
    keys = list(spec["required"])
    if power:
        keys += [k for k in spec["power_fields"] if k not in keys]
    if division == "network":
        keys += [k for k in spec["network_fields"] if k not in keys]
    may_be_empty = set(keys) - set(spec["non_empty"]) - set(spec["power_fields"])
    known: dict[str, Any] = {
        "division": division, "submitter": submitter, "system_name": system_name,
        "status": "available", "system_type": system_type or placeholder(
            "one of " + ", ".join(spec["allowed_values"]["system_type"])),
        **host,
    }
    if division == "network":
        known["is_network"] = True
    elif spec["network_fields"]:
        known["is_network"] = False
    out: dict[str, Any] = {}
    for key in keys:
        if key in known:
            out[key] = known[key]
        elif key in may_be_empty:
            out[key] = ""
        else:
            out[key] = placeholder(key.replace("_", " "))
    if "is_network" in known:
        out["is_network"] = known["is_network"]
    return dict(sorted(out.items()))
