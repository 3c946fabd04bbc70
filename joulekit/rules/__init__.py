"""Rule packs per round (YAML validated by a JSON Schema), their loader and round detection.

``load_pack("v4.1")`` merges every section file of the round (``power.yaml``,
``submission.yaml``, ...) after validating each one; ``detect_round(path)`` says which
round a result belongs to and why. Checks never hard-code a round's threshold: they read
it here, so a new round is a new folder of YAML, not new code.
"""

from joulekit.rules.detect import detect_round
from joulekit.rules.pack import RulePack, available_rounds, load_pack, round_key
from joulekit.rules.power import MetricRule, PowerRules

__all__ = [
    "MetricRule",
    "PowerRules",
    "RulePack",
    "available_rounds",
    "detect_round",
    "load_pack",
    "round_key",
]
