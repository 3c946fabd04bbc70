"""Load and validate the rule pack of one round.

A pack is a folder ``packs/<round>/`` of section files (``power.yaml``,
``submission.yaml``, ...). Each section is validated by ``schema/<section>.schema.json``
before anything reads it, so a typo in a threshold fails loudly at load time instead of
silently turning a check off. Packs are data, not code: the checker reads thresholds
from here and never hard-codes a round's value.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import jsonschema
import yaml

from joulekit.errors import UserError
from joulekit.rules.yaml_data import parse_yaml

_ROUND_RE = re.compile(r"^v(\d+)\.(\d+)$")


def is_round_name(text: str) -> bool:
    """``v4.1`` is a round name; ``PWR020`` is not."""
    return _ROUND_RE.match(text) is not None


def round_key(round_name: str) -> tuple[int, int]:
    """Sort key of a round name such as ``v4.1`` (``v10.0`` sorts after ``v9.1``)."""
    match = _ROUND_RE.match(round_name)
    if match is None:
        raise UserError(f"{round_name!r} is not a round name; rounds look like v4.1")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class RulePack:
    """Every section of one round, validated.

    ``source`` maps ``<section>.<dotted path>`` to the note saying where that threshold
    comes from, so a finding can cite the rule it applies. Treat the dicts as read-only:
    packs are cached and shared by every check of a run.
    """

    round: str
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    @property
    def power(self) -> dict[str, Any]:
        return self.sections.get("power", {})

    @property
    def submission(self) -> dict[str, Any]:
        return self.sections.get("submission", {})

    def cite(self, ref: str) -> str:
        """The source note of ``ref`` (``power.time_sync.max_skew_ms``), or of its parent."""
        key = ref
        while key:
            if key in self.source:
                return self.source[key]
            key = key.rpartition(".")[0]
        return ""


def _root() -> Traversable:
    return resources.files("joulekit.rules")


def available_rounds() -> list[str]:
    """Rounds that have a pack folder, oldest first (a new list each call)."""
    return list(_pack_folders())


@functools.cache
def _pack_folders() -> tuple[str, ...]:
    """The package's pack folders, listed once: they are part of the installed package,
    and the checker asks for them for every result it checks."""
    packs = _root() / "packs"
    names = [p.name for p in packs.iterdir() if p.is_dir() and _ROUND_RE.match(p.name)]
    return tuple(sorted(names, key=round_key))


@functools.lru_cache(maxsize=32)
def load_schema(name: str) -> dict[str, Any]:
    """``schema/<name>.schema.json`` of this package (a pack section's, or the catalog's)."""
    path = _root() / "schema" / f"{name}.schema.json"
    if not path.is_file():
        raise UserError(
            f"rule pack section {name!r} has no schema/{name}.schema.json; "
            "every section must be validated"
        )
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def check_schema(data: Any, schema_name: str, where: str) -> None:
    """A ``UserError`` naming ``where`` and the first failing path when ``data`` does not
    fit ``schema/<schema_name>.schema.json``."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        at = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise UserError(f"{where} fails its schema at {at}: {first.message}")


def _walk(data: Any, dotted: str) -> tuple[bool, Any]:
    """(found, value) at ``"a.b"`` of nested mappings."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _has_path(data: Any, dotted: str) -> bool:
    return _walk(data, dotted)[0]


def _load_section(round_name: str, section: str, text: str) -> dict[str, Any]:
    where = f"rule pack {round_name}/{section}.yaml"
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as err:
        raise UserError(f"{where} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise UserError(f"{where} must be a mapping at the top level")
    check_schema(data, section, where)
    if data.get("round", round_name) != round_name:
        raise UserError(f"{where} says round {data['round']!r}; it lives in folder {round_name}")
    for ref in data.get("source", {}):
        if not _has_path(data, ref):
            raise UserError(f"{where}: source note for {ref!r}, which the pack does not define")
    return data


def dotted_get(data: Any, dotted: str) -> Any:
    """``data["a"]["b"]`` for ``"a.b"``, or None where the path ends early."""
    return _walk(data, dotted)[1]


def _folder(round_name: str) -> Traversable:
    rounds = available_rounds()
    if round_name not in rounds:
        raise UserError(f"no rule pack for round {round_name!r}; known rounds: {', '.join(rounds)}")
    return _root() / "packs" / round_name


@functools.lru_cache(maxsize=64)
def load_section(round_name: str, section: str) -> dict[str, Any]:
    """One validated section of a round's pack (a named threshold needs only its own
    section, not the whole pack)."""
    entry = _folder(round_name) / f"{section}.yaml"
    return _load_section(round_name, section, entry.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=32)
def load_pack(round_name: str) -> RulePack:
    """Merge every ``<section>.yaml`` of the round's folder into one validated pack."""
    folder = _folder(round_name)
    sections: dict[str, dict[str, Any]] = {}
    source: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        section = entry.name.removesuffix(".yaml")
        data = load_section(round_name, section)
        sections[section] = data
        for ref, note in data.get("source", {}).items():
            source[f"{section}.{ref}"] = str(note)
    return RulePack(round=round_name, sections=sections, source=source)
