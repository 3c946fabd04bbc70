"""The round's latency bound for a benchmark and scenario, read from the rule pack."""

from __future__ import annotations

import pandas as pd

from joulekit.errors import UserError
from joulekit.insight.recommend import Constraint


def round_constraints(round_name: str, frame: pd.DataFrame) -> list[Constraint]:
    """Constraints the round imposes on the table's benchmark and scenario."""
    raise UserError(f"the rule pack of {round_name} holds no latency bounds yet")
