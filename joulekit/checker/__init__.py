"""Checks as named rules, the runner and the reports.

``check_power_result(perf_dir, pack, options)`` is the API other parts call;
``check_path`` checks a result folder or a whole tree. Every rule lives in
:data:`~joulekit.checker.registry.REGISTRY` (the power rules in ``catalog``).
"""

from joulekit.checker import catalog
from joulekit.checker.findings import Finding, Severity
from joulekit.checker.metrics import PowerFigure, WindowStats
from joulekit.checker.options import CheckOptions, load_sources_checksums
from joulekit.checker.registry import REGISTRY, Registry, Rule
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.checker.runner import check_path, check_power_result, find_results

#: rules that fail by design for a simulated or shortened demo run: not PTDaemon, not
#: the reference director's sources, not a PTDaemon build, shorter than the round's
#: minimum. ``joulekit run`` uses this to say why a demo result cannot be submitted.
BY_DESIGN_FOR_SIMULATION: frozenset[str] = frozenset(
    {
        catalog.PROVENANCE.id,
        catalog.SOURCES.id,
        catalog.PTD_VERSION.id,
        catalog.PTD_DEVICE.id,
        catalog.UNCERTAINTY_ACTIVE.id,
        catalog.MIN_DURATION.id,
        catalog.TESTING_SHORT.id,
    }
)

__all__ = [
    "BY_DESIGN_FOR_SIMULATION",
    "REGISTRY",
    "CheckOptions",
    "CheckReport",
    "Finding",
    "PowerFigure",
    "Registry",
    "ResultReport",
    "Rule",
    "Severity",
    "WindowStats",
    "check_path",
    "check_power_result",
    "find_results",
    "load_sources_checksums",
]
