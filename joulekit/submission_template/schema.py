"""The JSON Schema of a system description for one round.

The shipped schema holds types and allowed values; the round's rule pack says which
fields are required, so the schema a round validates against is built here from both,
and the checker and ``joulekit init`` agree on it.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any


@functools.lru_cache(maxsize=1)
def _base() -> dict[str, Any]:
    text = (resources.files("joulekit.submission_template")
            / "system_description.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def system_schema(submission_pack: dict[str, Any], *, power: bool = False,
                  network: bool = False) -> dict[str, Any]:
    """The schema of a system description under ``submission_pack`` (one round)."""
    schema = copy.deepcopy(_base())
    spec = submission_pack["system"]
    required = list(spec["required"])
    if power:
        required += [f for f in spec["power_fields"] if f not in required]
    if network:
        required += [f for f in spec["network_fields"] if f not in required]
    schema["required"] = required
    props: dict[str, Any] = schema["properties"]
    for key in spec["non_empty"]:
        props.setdefault(key, {"type": "string"})
        props[key] = {**props[key], "not": {"const": ""}}
    for key, allowed in spec["allowed_values"].items():
        props[key] = {"enum": list(allowed)}
    return schema
