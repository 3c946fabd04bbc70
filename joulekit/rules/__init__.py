"""The rules as data: the rule catalog, the rule packs per round, named thresholds, and
round detection.

``load_catalog()`` is every rule (id, title, severity, rationale, fix, rounds, the pack
thresholds it reads) from ``catalog/<domain>.yaml``; ``load_pack("v4.1")`` merges every
section file of the round (``power.yaml``, ``submission.yaml``, ...) after validating each
one; ``threshold("current_factor")`` is a named limit for the parts outside the checker;
``detect_round(path)`` says which round a result belongs to and why. No part hard-codes a
round's threshold: a new round is a new folder of YAML, a new rule family a new catalog
file, not new constants.
"""

from typing import TYPE_CHECKING, Any

from joulekit.rules.pack import RulePack, available_rounds, load_pack, round_key
from joulekit.rules.power import MetricRule, PowerRules
from joulekit.rules.rule_catalog import Catalog, Rule, Severity, load_catalog, pack_value
from joulekit.rules.thresholds import Threshold, table_of, threshold, thresholds

if TYPE_CHECKING:
    from joulekit.rules.detect import detect_round


def __getattr__(name: str) -> Any:
    """``detect_round`` on first use: it reads result logs (formats.mllog, power_json),
    which a part that only wants a threshold (every simulator process) need not import."""
    if name == "detect_round":
        from joulekit.rules.detect import detect_round  # reads logs: imported on first use

        return detect_round
    raise AttributeError(f"module 'joulekit.rules' has no attribute {name!r}")


__all__ = [
    "Catalog",
    "MetricRule",
    "PowerRules",
    "Rule",
    "RulePack",
    "Severity",
    "Threshold",
    "available_rounds",
    "detect_round",
    "load_catalog",
    "load_pack",
    "pack_value",
    "round_key",
    "table_of",
    "threshold",
    "thresholds",
]
