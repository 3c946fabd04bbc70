"""The public Python API: ``joulekit.check(...)`` and ``joulekit.measure(...)``.

Two calls, each returning a small frozen dataclass of what a caller acts on (the verdict,
the exit code ``joulekit`` would give, the rules that failed, the power figures), so a
notebook, a CI script or a sweep engine does not depend on the checker's report types or
the run's internal outcome, which may grow. Bad input raises
:class:`~joulekit.errors.UserError` (its message is the CLI's one line); bad *data* never
raises, it is the verdict. ``joulekit check`` itself calls :func:`check`. Documented with
a runnable example in ``docs/api.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from joulekit.checker.dispatch import RunOptions, Scope
from joulekit.checker.dispatch import check as _check
from joulekit.checker.options import CheckOptions, Compat, load_sources_checksums
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.errors import EXIT_ERRORS, EXIT_OK, EXIT_WARNINGS, UserError
from joulekit.formats.layout import SINGLE_STREAM
from joulekit.run.demo import DEMO_LOAD, DEMO_PHASE_MS, DEMO_SETTLE_S

if TYPE_CHECKING:
    from joulekit.run.measure import RunOutcome

Verdict = Literal["valid", "warnings", "invalid"]
MeasurementVerdict = Literal["valid", "invalid", "incomplete", "interrupted"]
_VERDICTS: dict[int, Verdict] = {EXIT_OK: "valid", EXIT_WARNINGS: "warnings",
                                 EXIT_ERRORS: "invalid"}


@dataclass(frozen=True)
class Figure:
    """The published power figure of one result."""

    #: the performance folder the figure is of
    path: str
    scenario: str | None
    #: ``average_power`` (Offline, Server, Interactive) or ``energy_per_query``
    metric: str
    value: float
    #: ``W`` or ``mJ``
    unit: str
    #: samples (or queries) per joule, when LoadGen's figure is known
    efficiency: float | None
    efficiency_unit: str


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: one verdict for the path, counts, figures."""

    path: Path
    round: str
    #: ``valid`` (exit 0), ``warnings`` (exit 2: warnings only) or ``invalid`` (exit 1)
    verdict: Verdict
    exit_code: int
    #: how many results (performance folders) were checked, and how many are valid
    results: int
    valid: int
    errors: int
    warnings: int
    #: ids of the rules with an error finding / a warning, sorted
    failed_rules: tuple[str, ...]
    warned_rules: tuple[str, ...]
    #: one per result that formed a power figure, in report order
    figures: tuple[Figure, ...]
    #: the full report (every finding), for renderers: ``joulekit check`` prints it
    report: CheckReport = field(repr=False, compare=False)

    @classmethod
    def from_report(cls, path: Path, report: CheckReport) -> CheckResult:
        findings = [f for r in report.results for f in r.findings]
        code = report.exit_code()
        return cls(
            path=path,
            round=report.round,
            verdict=_VERDICTS[code],
            exit_code=code,
            results=len(report.results),
            valid=sum(1 for r in report.results if r.valid),
            errors=report.errors,
            warnings=report.warnings,
            failed_rules=tuple(sorted({f.rule for f in findings if f.severity == "error"})),
            warned_rules=tuple(sorted({f.rule for f in findings if f.severity == "warning"})),
            figures=tuple(_figure(r) for r in report.results if r.figure is not None),
            report=report,
        )


def _figure(result: ResultReport) -> Figure:
    figure = result.figure
    assert figure is not None  # only results with a figure are asked
    return Figure(result.path, result.scenario, figure.metric, figure.value, figure.unit,
                  figure.efficiency, figure.efficiency_unit)


def check(
    path: str | Path,
    *,
    round: str | None = None,
    compat: Compat = "correct",
    sources_checksums: str | Path | None = None,
    scope: Scope = "auto",
    jobs: int | None = None,
    summary_csv: str | Path | None = None,
    on_result: Callable[[ResultReport], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> CheckResult:
    """Check a performance folder, a result folder, a submission tree or any folder of
    power results, as ``joulekit check PATH`` does.

    ``round`` forces a rule pack (None: detected per result, with the reason in the
    report); ``compat="reference"`` reproduces the reference checker's verdicts;
    ``sources_checksums`` is the round's ``sources_checksums.json``; ``summary_csv``
    writes a submission tree's reference-style summary; ``on_total``/``on_result`` are
    called with the number of results and after each one (power results only), for a
    progress display.
    """
    sources = load_sources_checksums(sources_checksums) if sources_checksums else None
    options = CheckOptions(compat=compat, round=round, sources_sets=sources,
                           sources_file=str(sources_checksums) if sources_checksums else None)
    run = RunOptions(jobs=jobs, summary_csv=Path(summary_csv) if summary_csv else None,
                     progress=on_result, on_total=on_total)
    target = Path(path)
    return CheckResult.from_report(target, _check(target, options, scope=scope, run=run))


@dataclass(frozen=True)
class Measurement:
    """What :func:`measure` measured and what the checker says of it."""

    #: the run's folder (``outcome.json``, the local director's files, ...)
    output: Path
    #: the performance folder with ``power/``, ``ranging/``, ``run_1/`` (None when the
    #: session never started)
    result_dir: Path | None
    scenario: str
    #: ``valid``: every rule passed but those a simulated, shortened run fails by design;
    #: ``invalid``: some other rule failed; ``incomplete``: the run did not finish;
    #: ``interrupted``: a signal stopped it (what was measured is kept)
    verdict: MeasurementVerdict
    #: the figure: ``average_power`` in W or ``energy_per_query`` in mJ
    metric: str | None
    value: float | None
    unit: str | None
    efficiency: float | None
    efficiency_unit: str | None
    average_watts: float | None
    #: errors of rules a simulated run does not fail by design (real problems)
    failed_rules: tuple[str, ...]
    #: rules failing only because the run is simulated or shortened
    by_design_rules: tuple[str, ...]
    #: no rule failed at all, by design or not: the result may be submitted
    submittable: bool
    error: str | None

    @classmethod
    def from_outcome(cls, outcome: RunOutcome) -> Measurement:
        verdict: MeasurementVerdict
        if outcome.interrupted:
            verdict = "interrupted"
        elif not outcome.completed:
            verdict = "incomplete"
        else:
            verdict = "invalid" if outcome.other_failures else "valid"
        by_design = tuple(sorted({r.rule for r in outcome.by_design}))
        return cls(
            output=outcome.output,
            result_dir=outcome.result_dir,
            scenario=outcome.scenario,
            verdict=verdict,
            metric=outcome.metric,
            value=outcome.metric_value,
            unit=outcome.metric_unit,
            efficiency=outcome.efficiency,
            efficiency_unit=outcome.efficiency_unit,
            average_watts=outcome.average_watts,
            failed_rules=tuple(sorted({r.rule for r in outcome.other_failures})),
            by_design_rules=by_design,
            submittable=verdict == "valid" and not by_design
            and not outcome.not_valid_for_submission,
            error=outcome.error,
        )


def measure(
    *,
    sut: str = "demo",
    scenario: str = SINGLE_STREAM,
    duration_s: float = DEMO_PHASE_MS / 1000,
    output: str | Path | None = None,
    director: str | None = None,
    round: str | None = None,
    loadgen_args: tuple[str, ...] = (),
    label: str = "joulekit",
    ntp_server: str | None = None,
    settle_s: float = DEMO_SETTLE_S,
    simulator_load: str = DEMO_LOAD,
) -> Measurement:
    """Measure ranging and testing of one SUT and check the result, as ``joulekit run``.

    Without ``director`` a local director with the PTDaemon simulator is started (and
    stopped); ``output`` must be a new or empty folder (default
    ``./joulekit-results/<timestamp>``). ``loadgen_args`` are ``joulekit loadgen`` options
    (``--min-query-count 50``). A director that cannot be reached is a UserError, as is
    any bad argument, raised before anything is measured.
    """
    # why: checking never loads the run side (LoadGen, SUT adapters, the simulator)
    from joulekit.run.measure import RunConfig, nothing_measured
    from joulekit.run.measure import measure as _measure  # why: as above

    if duration_s <= 0:
        raise UserError("duration_s must be positive")
    config = RunConfig(sut=sut, scenario=scenario, duration_ms=int(duration_s * 1000),
                       output=Path(output) if output is not None else None,
                       director=director, loadgen_args=tuple(loadgen_args), label=label,
                       ntp_server=ntp_server, round=round, settle_s=settle_s,
                       simulator_load=simulator_load)
    outcome = _measure(config)
    if nothing_measured(outcome):
        raise UserError(f"{outcome.error}; nothing was measured "
                        f"(what happened: {outcome.output / 'outcome.json'})")
    return Measurement.from_outcome(outcome)
