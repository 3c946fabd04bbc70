"""The training reports: the checker's :class:`ResultReport` with an energy figure.

A benchmark's report carries the energy-to-train (J, and kWh in the efficiency column
of the table and CSV), the formula and round it was computed with, the olympic choice
and the policy figure; a run's report carries the run's energy and one entry per node
and switch. ``to_json`` keeps every key of the inference report (``power`` holds the
figure) and adds ``training`` with the details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from joulekit.checker.report import ResultReport

J_PER_KWH = 3.6e6


@dataclass
class TrainingResultReport(ResultReport):
    """One benchmark (``kind`` ``benchmark``) or one run (``kind`` ``run``)."""

    rule_domain: ClassVar[str] = "training"

    kind: str = "run"
    #: the official figure in J (None: not computable, and a finding says why)
    energy_j: float | None = None
    #: the policy figure (measured switches counted) where it differs, in J
    policy_energy_j: float | None = None
    formula: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def figure_fields(self) -> tuple[str, float, str, float | None, str] | None:
        if self.energy_j is None:
            return None
        return ("energy_to_train" if self.kind == "benchmark" else "run_energy",
                self.energy_j, "J", self.energy_j / J_PER_KWH, "kWh")

    def power_json(self) -> dict[str, Any] | None:
        if self.energy_j is None:
            return None
        data: dict[str, Any] = {
            "metric": "energy_to_train" if self.kind == "benchmark" else "run_energy",
            "value": self.energy_j,
            "unit": "J",
            "kwh": self.energy_j / J_PER_KWH,
            "formula": self.formula,
        }
        if self.policy_energy_j is not None:
            data["policy_value"] = self.policy_energy_j
            data["policy_kwh"] = self.policy_energy_j / J_PER_KWH
        return data

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["training"] = {"kind": self.kind, **self.details}
        return data
