"""A typed view of a pack's ``power`` section.

The YAML is validated by its schema before this view is built, so the checker can read
thresholds as plain attributes (and mypy can follow them) instead of indexing nested
dicts in every check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joulekit.rules.pack import RulePack


@dataclass(frozen=True)
class MetricRule:
    """How the published power figure of one scenario is formed."""

    scenario: str
    metric: str  # "average_power" | "energy_per_query"
    unit: str  # "W" | "mJ"
    efficiency_unit: str
    performance_key: str | None = None
    samples_per_query: int = 1
    #: how the energy's divisor is formed: ``result_query_count`` (v2.0 on), or the v1.x
    #: submission checkers' ``qps_with_overhead_x_window`` / ``generated_queries_x_samples``
    query_count: str = "result_query_count"


@dataclass(frozen=True)
class PowerRules:
    round: str
    max_skew_ms: float
    dst_workaround_s: float
    ptd_versions: tuple[str, ...]
    sampling_interval_ms: int
    devices: dict[int, str]
    two_channel_devices: frozenset[int]
    uncertainty_limit_percent: float
    uncertainty_margin_s: float
    max_drop_percent: float
    min_testing_s: float
    testing_vs_ranging_min_ratio: float
    min_sample_ratio: float
    max_gap_s: float
    max_edge_gap_s: float
    current_factor: float
    voltage_factor: float
    range_tolerance: float
    time_weighted_max_diff_percent: float
    metrics: dict[str, MetricRule]
    power_files: dict[str, tuple[str, ...]]
    ptd_config_shape: str
    #: rounds whose rules came and went (see docs/round-rules.md); defaults are today's
    loadgen_clock: str = "utc"
    uncertainty_testing_severity: str = "error"
    power_drop_enabled: bool = True
    max_ranging_difference_percent: float | None = None
    server_extra_messages: int = 0
    figure_samples: str = "positive"

    @classmethod
    def from_pack(cls, pack: RulePack) -> PowerRules:
        p: dict[str, Any] = pack.power
        if not p:
            raise ValueError(f"rule pack {pack.round} has no power section")
        metrics = {
            name: MetricRule(
                scenario=name,
                metric=m["metric"],
                unit=m["unit"],
                efficiency_unit=m["efficiency_unit"],
                performance_key=m.get("performance_key"),
                samples_per_query=int(m.get("samples_per_query", 1)),
                query_count=str(m.get("query_count", "result_query_count")),
            )
            for name, m in p["metrics"].items()
        }
        return cls(
            round=pack.round,
            max_skew_ms=float(p["time_sync"]["max_skew_ms"]),
            dst_workaround_s=float(p["time_sync"]["dst_workaround_s"]),
            ptd_versions=tuple(p["ptd"]["versions"]),
            sampling_interval_ms=int(p["ptd"]["sampling_interval_ms"]),
            devices={int(d["code"]): str(d["model"]) for d in p["devices"]["allowed"]},
            two_channel_devices=frozenset(int(c) for c in p["devices"]["two_channel"]),
            uncertainty_limit_percent=float(p["uncertainty"]["limit_percent"]),
            uncertainty_margin_s=float(p["uncertainty"]["testing_margin_s"]),
            max_drop_percent=float(p["power_drop"]["max_drop_percent"]),
            min_testing_s=float(p["duration"]["min_testing_s"]),
            testing_vs_ranging_min_ratio=float(p["duration"]["testing_vs_ranging_min_ratio"]),
            min_sample_ratio=float(p["sampling"]["min_sample_ratio"]),
            max_gap_s=float(p["sampling"]["max_gap_s"]),
            max_edge_gap_s=float(p["sampling"]["max_edge_gap_s"]),
            current_factor=float(p["ranges"]["current_factor"]),
            voltage_factor=float(p["ranges"]["voltage_factor"]),
            range_tolerance=float(p["ranges"]["relative_tolerance"]),
            time_weighted_max_diff_percent=float(p["energy"]["time_weighted_max_diff_percent"]),
            metrics=metrics,
            power_files={k: tuple(v) for k, v in p["layout"]["power_files"].items()},
            ptd_config_shape=str(p["layout"]["ptd_config"]),
            loadgen_clock=str(p["time_sync"].get("loadgen_clock", "utc")),
            uncertainty_testing_severity=str(p["uncertainty"].get("testing_severity", "error")),
            power_drop_enabled=bool(p["power_drop"].get("enabled", True)),
            max_ranging_difference_percent=(
                float(p["duration"]["max_ranging_difference_percent"])
                if "max_ranging_difference_percent" in p["duration"]
                else None
            ),
            server_extra_messages=int(p.get("session", {}).get("server_extra_messages", 0)),
            figure_samples=str(p.get("figure", {}).get("samples", "positive")),
        )
