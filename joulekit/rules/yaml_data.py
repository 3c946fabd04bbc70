"""YAML of the rule data, parsed with libyaml when PyYAML has it.

Every ``joulekit`` process that checks or measures reads the catalog and a round pack
at start-up; the pure-Python parser takes ~230 ms for them, libyaml's ~25 ms. Both give
the same Python values for this data (safe tags only; the resolver is PyYAML's own).
"""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's safe loader where PyYAML was built with it, else the pure-Python one
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, faster; raises ``yaml.YAMLError`` as it does."""
    return yaml.load(text, Loader=SAFE_LOADER)
