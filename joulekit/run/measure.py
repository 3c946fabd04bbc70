"""``measure(RunConfig) -> RunOutcome``: one measured run, ranging then testing, checked.

This is what ``joulekit run`` does and what a sweep calls per configuration: start a
director with the simulator on loopback (or use the one given), let the client wrap
``joulekit loadgen`` in the two phases, then check the result tree with the round's
rule pack. Rules that fail *because* the run used the simulator or a shortened
duration are separated from the rest, so a demo can pass "everything but the by-design
rules" and say exactly which those are.

A failure or Ctrl-C mid-run still leaves the session ended by the client (director
ranges restored, its files downloaded) and everything measured on disk; the outcome
then says what happened instead of raising, so a sweep can record it and go on.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joulekit import signals
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.layout import ACCURACY_TXT, OFFLINE, PERFORMANCE, POWER, RUN_1, SINGLE_STREAM
from joulekit.inputs import parse_address, prepare_output_dir
from joulekit.loadgen.outcome import ACCURACY, DETAIL, LoadgenOutcome, read_detail_keys
from joulekit.loadgen.settings import normalize_scenario, round_seeds
from joulekit.loadgen.sut import check_sut_spec
from joulekit.loadgen.sut.http import parse_endpoint
from joulekit.rules import load_pack
from joulekit.run import audit
from joulekit.run.audit import parse_compliance
from joulekit.run.client import ClientOptions, WorkloadContext, run_client
from joulekit.run.demo import DEMO_LOAD, DEMO_PHASE_MS, DEMO_SETTLE_S
from joulekit.run.local_director import LocalDirector
from joulekit.run.verdict import RuleOutcome, check_run
from joulekit.run.workload import LoadgenWorkload, WorkloadFailed
from joulekit.session.protocol import DEFAULT_PORT
from joulekit.simulator.load import parse_load
from joulekit.validate import check_float

#: called as ``on_phase(mode, step, expected_seconds)``; step is start|workload|stop|done
PhaseCallback = Callable[[str, str, float], None]


@dataclass(frozen=True)
class RunConfig:
    """One measured run. ``director=None`` starts a local director with the simulator."""

    sut: str = "demo"
    #: SingleStream by default: LoadGen ends it at the duration asked on any machine, busy
    #: or not, so both phases last alike (Offline's length follows the machine's speed)
    scenario: str = SINGLE_STREAM
    #: LoadGen min duration of each phase (ranging and testing run the same settings)
    duration_ms: int = DEMO_PHASE_MS
    output: Path | None = None
    director: str | None = None
    #: more ``joulekit loadgen`` options (``--target-qps``, ``--user-conf``, ``--batch-size``)
    loadgen_args: tuple[str, ...] = ()
    label: str = "joulekit"
    ntp_server: str | None = None
    round: str | None = None
    settle_s: float = DEMO_SETTLE_S
    simulator_load: str = DEMO_LOAD
    #: after testing, a LoadGen accuracy-mode run of the same SUT into ``output/accuracy``
    accuracy: bool = False
    #: after testing, these compliance tests (``TEST01``, ``TEST04``) into ``output/TEST0X``
    compliance: tuple[str, ...] = ()
    #: notified as phases start and end (the CLI draws progress from it)
    on_phase: PhaseCallback | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", normalize_scenario(self.scenario))
        if self.duration_ms <= 0:
            raise UserError(f"the phase duration must be positive, got {self.duration_ms} ms")

        if self.compliance:
            object.__setattr__(self, "compliance", parse_compliance(",".join(self.compliance)))


@dataclass(frozen=True)
class RunOutcome:
    """What one run measured and what the checker says of it."""

    config: RunConfig
    output: Path
    #: the folder with power/ ranging/ run_1/ (None when the session never started)
    result_dir: Path | None
    completed: bool
    interrupted: bool
    error: str | None
    scenario: str
    average_watts: float | None = None
    #: ``energy_per_query`` (mJ) for SingleStream/MultiStream, else ``average_power`` (W)
    metric: str | None = None
    metric_value: float | None = None
    metric_unit: str | None = None
    #: samples per joule (Offline, Server) or queries per joule, when LoadGen's figure is known
    efficiency: float | None = None
    efficiency_unit: str | None = None
    loadgen_metric: float | None = None
    loadgen_valid: bool | None = None
    checker_round: str | None = None
    by_design: tuple[RuleOutcome, ...] = ()
    #: errors of rules a simulated, shortened run does not fail by design: real problems
    other_failures: tuple[RuleOutcome, ...] = ()
    #: warnings of those rules ("check for audit"): shown, not failing
    other_warnings: tuple[RuleOutcome, ...] = ()
    not_valid_for_submission: tuple[str, ...] = ()
    #: the accuracy run's score line (``accuracy/accuracy.txt``), or what happened to it
    accuracy: str | None = None
    #: one line per compliance verdict: ``TEST01 performance: TEST PASS``
    compliance: tuple[str, ...] = ()
    wall_s: float = 0.0

    @property
    def passes_but_by_design(self) -> bool:
        """Every rule passed except the ones a simulated, shortened run fails by design."""
        return self.completed and not self.other_failures

    def to_json(self) -> dict[str, Any]:
        config = {f.name: getattr(self.config, f.name) for f in fields(self.config)
                  if f.name != "on_phase"}
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "config"}
        data["by_design"] = [asdict(r) for r in self.by_design]
        data["other_failures"] = [asdict(r) for r in self.other_failures]
        data["other_warnings"] = [asdict(r) for r in self.other_warnings]
        data["config"] = config
        return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]


def default_output(now: datetime | None = None) -> Path:
    """``./joulekit-results/<UTC timestamp>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H-%M-%SZ")
    return Path.cwd() / "joulekit-results" / stamp


def loadgen_command_args(config: RunConfig) -> list[str]:
    """The ``joulekit loadgen`` options of both phases (the duration is added per phase)."""
    args = ["--sut", config.sut, "--scenario", config.scenario, *config.loadgen_args]
    if config.round is not None and "--rng-seeds" not in args:

        # LoadGen's built-in mlperf.conf carries one round's seeds; a run for another
        # round uses that round's, as its own mlperf.conf would
        args += ["--rng-seeds", ",".join(map(str, round_seeds(config.round)))]
    return args


def check_config(config: RunConfig) -> None:
    """Every input of ``config`` that can be checked without measuring: the director's
    address, the SUT, the round. A UserError here costs nothing: no folder is created,
    no director started. A sweep calls it once before its first point."""

    check_float(config.settle_s, "--settle (seconds)", minimum=0.0, maximum=3600.0)
    if config.director is not None:
        parse_address(config.director, DEFAULT_PORT, "--director")
    if check_sut_spec(config.sut) == "http":
        _check_reachable(config.sut)
    if config.round is not None:
        load_pack(config.round)  # an unknown round names the known ones
    if config.director is None:

        parse_load(config.simulator_load)  # a bad load model stops here, not in ranging


def _check_reachable(url: str) -> None:
    """An HTTP SUT answers TCP before a director starts for it (what ``joulekit loadgen``
    would otherwise find out during ranging, a phase too late)."""


    _, host, port, _ = parse_endpoint(url)
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as err:
        raise UserError(f"the HTTP SUT at {host}:{port} does not answer: "
                        f"{err.strerror or err}; start the server first") from None


def nothing_measured(outcome: RunOutcome) -> bool:
    """The run failed before a session began (director unreachable, refused): the same
    failure would repeat on every try, so it is the user's to fix, not a result."""
    if outcome.completed or outcome.interrupted or outcome.error is None:
        return False
    if outcome.result_dir is not None:
        return False
    kept = (p for p in outcome.output.rglob("*") if p.is_file() and p.name != "outcome.json")
    return next(kept, None) is None


def measure(config: RunConfig) -> RunOutcome:
    """Run ranging and testing of ``config`` and check the result; see the module doc."""

    started = time.monotonic()
    check_config(config)
    output = prepare_output_dir(config.output or default_output(), "--output",
                                must_be_empty=True)
    local: LocalDirector | None = None
    try:
        if config.director is None:
            local = LocalDirector(output / "director", settle_s=config.settle_s,
                                  load=config.simulator_load)
            address = local.start().address
        else:
            address = config.director
        outcome = _run_client(config, output, address, started)
    finally:
        if local is not None:
            local.close()
    atomic_write_text(output / "outcome.json", json.dumps(outcome.to_json(), indent=2) + "\n")
    return outcome


def _run_client(config: RunConfig, output: Path, address: str, started: float) -> RunOutcome:

    host, port = parse_address(address, DEFAULT_PORT, "--director")
    expected_s = config.duration_ms / 1000
    workload = LoadgenWorkload(
        loadgen_command_args(config), {"ranging": config.duration_ms,
                                       "testing": config.duration_ms},
        carry_offline_rate=config.scenario == OFFLINE
        and "--target-qps" not in config.loadgen_args,
        offline_retry=config.scenario == OFFLINE and "--target-qps" not in config.loadgen_args,
    )

    def on_phase(mode: str, step: str) -> None:
        if config.on_phase is not None:
            config.on_phase(mode, step, expected_s)

    result_dir = output / PERFORMANCE
    options = ClientOptions(
        address=host, port=port, workload=workload, loadgen_logs=output / "loadgen",
        output=result_dir, ntp_server=config.ntp_server, label=config.label,
        no_timestamp_dir=True, round=config.round, on_phase=on_phase, echo=False,
    )
    previous = signal.getsignal(signal.SIGINT)
    error: str | None = None
    not_valid: Sequence[str] = ()
    try:
        result = run_client(options)
        not_valid = result.not_valid_for_submission
    except UserError as err:
        error = str(err)
    except KeyboardInterrupt:
        workload.interrupted = True

        signals.ignore_ctrl_c()  # until the director is stopped; restored below
        error = (f"interrupted by {signals.describe()} between phases; the director "
                 "dropped the session")
    finally:
        signal.signal(signal.SIGINT, previous)
    completed = error is None
    if not (result_dir / POWER).is_dir():
        result_dir_or_none: Path | None = None
    else:
        result_dir_or_none = result_dir
    outcome = RunOutcome(
        config=config, output=output, result_dir=result_dir_or_none, completed=completed,
        interrupted=workload.interrupted, error=error, scenario=config.scenario,
        not_valid_for_submission=tuple(not_valid),
    )
    if completed and result_dir_or_none is not None:
        outcome = _checked(outcome, result_dir_or_none)
        if config.accuracy or config.compliance:
            outcome = _followups(outcome, workload)
    return _with_wall(outcome, started)


def _followups(outcome: RunOutcome, testing: Any) -> RunOutcome:
    """The accuracy run and the compliance tests, after the power session ended."""


    config, output = outcome.config, outcome.output
    logs = output / "loadgen"
    base = audit.resolve_paths(loadgen_command_args(config))
    changes: dict[str, Any] = {}
    lines: list[str] = []
    accuracy_log: Path | None = None
    on_phase = config.on_phase
    if config.accuracy or "TEST01" in config.compliance:
        run = LoadgenWorkload([*base, "--mode", "accuracy"], {})
        if on_phase is not None:
            on_phase("accuracy", "workload", 5.0)
        try:
            run(WorkloadContext("accuracy", logs, ""))
        except WorkloadFailed as err:
            changes["accuracy"] = f"accuracy run failed: {err}"
        else:
            audit.place_accuracy(logs / "accuracy", output / "accuracy")
            accuracy_log = output / "accuracy" / ACCURACY
            txt = output / "accuracy" / ACCURACY_TXT
            changes["accuracy"] = (txt.read_text(encoding="utf-8").splitlines() or [""])[0] \
                if txt.is_file() else ("accuracy log written; no accuracy.txt: run the "
                                       "benchmark's accuracy script on accuracy/" + ACCURACY)
        if on_phase is not None:
            on_phase("accuracy", "done", 0.0)
    model = _option(config.loadgen_args, "--model") or ""
    reference = output / PERFORMANCE / RUN_1 / DETAIL
    for test in config.compliance:
        work = logs / f"{test}-work"
        work.mkdir(parents=True, exist_ok=True)
        atomic_write_text(work / "audit.config", audit.audit_config(test, model))
        run = LoadgenWorkload(base, {test: config.duration_ms}, cwd=work,
                              offline_retry=config.scenario == OFFLINE
                              and "--target-qps" not in config.loadgen_args)
        rate = testing.offline_rates.get("testing") if hasattr(testing, "offline_rates") \
            else None
        if rate is None and config.scenario == OFFLINE:
            rate = _offline_rate(reference)
        if rate and run.offline_retry:
            run.offline_rates[test] = rate
        if on_phase is not None:
            on_phase(test, "workload", config.duration_ms / 1000)
        try:
            run(WorkloadContext(test, logs, ""))
        except WorkloadFailed as err:
            lines.append(f"{test}: the audit run failed: {err}")
            continue
        finally:
            if on_phase is not None:
                on_phase(test, "done", 0.0)
        verdicts = audit.place_compliance(test, logs / test, output / test, reference,
                                          accuracy_log)
        kinds = ("performance", "accuracy")
        lines += [f"{test} {kind}: {v.line}" for kind, v in zip(kinds, verdicts, strict=False)]
    changes["compliance"] = tuple(lines)
    return replace(outcome, **changes)


def _option(args: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(args[:-1]):
        if arg == name:
            return args[i + 1]
    return None


def _offline_rate(detail: Path) -> float | None:

    if not detail.is_file():
        return None
    value = read_detail_keys(detail).get("effective_target_qps")
    return float(value) if isinstance(value, int | float) else None


def _with_wall(outcome: RunOutcome, started: float) -> RunOutcome:

    return replace(outcome, wall_s=round(time.monotonic() - started, 3))


def _checked(outcome: RunOutcome, result_dir: Path) -> RunOutcome:
    """Check the result tree and fold the checker's verdict into the outcome."""
    verdict = check_run(result_dir, outcome.config.round)
    report = verdict.report
    atomic_write_text(result_dir.parent / "check.json",
                      json.dumps(report.to_json(), indent=2) + "\n")
    loadgen = LoadgenOutcome.from_logs(result_dir / RUN_1)
    figure = report.figure
    changes: dict[str, Any] = {
        "checker_round": report.round, "by_design": verdict.by_design,
        "other_failures": verdict.failures, "other_warnings": verdict.warnings,
        "loadgen_metric": loadgen.metric_value,
        "loadgen_valid": loadgen.valid,
    }
    if figure is not None:
        changes.update(
            average_watts=figure.stats.mean_w, metric=figure.metric, metric_value=figure.value,
            metric_unit=figure.unit, efficiency=figure.efficiency,
            efficiency_unit=figure.efficiency_unit,
        )
    return replace(outcome, **changes)
