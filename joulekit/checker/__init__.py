"""The checker: one core (finding, report, exit code, output formats, the runner that
dispatches by what a path holds) and its domains (``inference_power``, ``submission``).

``check(path, options)`` checks whatever a path holds; ``check_power_result(perf_dir,
pack, options)`` one power result; ``check_path`` every power result below a path. Every
rule comes from the catalog (``joulekit.rules``), bound by id in ``catalog`` (power) and
``submission.rules``, and lives in :data:`~joulekit.checker.registry.REGISTRY`.
"""

from joulekit.checker import catalog
from joulekit.checker.dispatch import DOMAINS, Domain, RunOptions, check, domain_for
from joulekit.checker.findings import Finding, Severity, exit_code
from joulekit.checker.inference_power.runner import check_path, check_power_result, find_results
from joulekit.checker.metrics import PowerFigure, WindowStats
from joulekit.checker.options import CheckOptions, load_sources_checksums
from joulekit.checker.output import FORMATS, OutputFormat, render
from joulekit.checker.registry import REGISTRY, Registry, Rule
from joulekit.checker.report import CheckReport, ResultReport

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
    "DOMAINS",
    "FORMATS",
    "REGISTRY",
    "CheckOptions",
    "CheckReport",
    "Domain",
    "Finding",
    "OutputFormat",
    "PowerFigure",
    "Registry",
    "ResultReport",
    "Rule",
    "RunOptions",
    "Severity",
    "WindowStats",
    "check",
    "check_path",
    "check_power_result",
    "domain_for",
    "exit_code",
    "find_results",
    "load_sources_checksums",
    "render",
]
