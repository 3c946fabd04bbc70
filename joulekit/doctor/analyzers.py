"""Each configured analyzer: does its PTDaemon start and answer, which version is it,
which ranges is the meter on, and (with ``--probe``) does a short measurement work?

The analyzer is opened exactly as the director opens it (the director's own PTDaemon
backend, started with the reference argv), so a wrong ``devicePort``, a meter that is
off, or a PTDaemon too old for the round shows here and not at the start of ranging.
``close()`` runs on every path: it restores the ranges found and stops the process.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from joulekit.analyzers.base import (
    Analyzer,
    AnalyzerError,
    Identity,
    Ranges,
    Sample,
)
from joulekit.analyzers.factories import make_factories
from joulekit.analyzers.link import LinkLost, LinkTimeout
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.doctor.options import DoctorOptions
from joulekit.doctor.ranges import Load, describe, judge_ranges
from joulekit.doctor.result import CheckResult, error, ok, skipped, warning
from joulekit.doctor.rounds import allowed_ptd_versions
from joulekit.doctor.runner import PlannedCheck, run_one
from joulekit.errors import UserError
from joulekit.meters.registry import model_for_device_type
from joulekit.rules import threshold
from joulekit.rules.pack import RulePack
from joulekit.session.config import DirectorConfig, PtdAnalyzerConfig

#: makes a fresh analyzer, exactly as the director makes one per session
AnalyzerFactory = Callable[[], Analyzer]

PROBE_MARK = "joulekit_doctor_probe"
#: long enough for two or three 1 Hz samples
PROBE_SECONDS = 3.0


def _title(index: int, what: str) -> str:
    return f"analyzer {index}: {what}"


def check_all(
    config: DirectorConfig,
    binary: str | None,
    ports_free: dict[int, bool],
    pack: RulePack | None,
    options: DoctorOptions,
    factories: Sequence[AnalyzerFactory] | None = None,
) -> list[CheckResult]:
    """One group of results per ``[analyzerN]``; ``factories`` defaults to the director's
    (PTDaemon's ``-l`` file and console go to a temporary folder removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="joulekit-doctor-") as workdir:
        if binary is not None and factories is None:
            try:
                factories = make_factories(
                    config, logging.getLogger("joulekit.doctor"), Path(workdir)
                )
            except UserError as err:
                return [error("analyzers", "analyzers", str(err), "fix the [ptd] section")]
        return [
            r
            for a in config.ptd_analyzers
            for r in _one(a, binary, factories, ports_free, pack, options)
        ]


def _one(
    analyzer: PtdAnalyzerConfig,
    binary: str | None,
    factories: Sequence[AnalyzerFactory] | None,
    ports_free: dict[int, bool],
    pack: RulePack | None,
    options: DoctorOptions,
) -> list[CheckResult]:
    check = f"analyzer{analyzer.index}.reachable"
    title = _title(analyzer.index, "answers Identify/RR")
    if binary is None or factories is None:
        return [skipped(check, title, "skipped: no PTDaemon binary to start")]
    if not ports_free.get(analyzer.index, True):
        return [skipped(check, title, f"skipped: port {analyzer.network_port} is taken (above)")]
    factory = factories[analyzer.index - 1]
    return run_one(
        PlannedCheck(check, title, lambda: check_analyzer(analyzer, factory, pack, options))
    )


def check_analyzer(
    analyzer: PtdAnalyzerConfig,
    factory: AnalyzerFactory,
    pack: RulePack | None,
    options: DoctorOptions,
) -> list[CheckResult]:
    index = analyzer.index
    check = f"analyzer{index}.reachable"
    title = _title(index, "answers Identify/RR")
    where = f"type {analyzer.device_type} at {analyzer.device_port or '(no port)'}"
    handle: Analyzer | None = None
    try:
        handle = factory()
        if isinstance(handle, PtdAnalyzer):
            # the director waits long for replies mid-run; a preflight should not
            handle.reply_timeout = max(options.timeout_s, 1.0)
        handle.open()
        identity = handle.identify()
        ranges = handle.get_ranges()
        results = [
            ok(
                check,
                title,
                f"{identity.model} ({where}) on port {analyzer.network_port}; "
                f"ranges {describe(ranges)}",
                model=identity.model,
                raw_identify=identity.raw,
            ),
            _version(index, identity, pack),
        ]
        samples: Sequence[Sample] = ()
        if options.probe:
            probe_result, samples = _probe(index, handle)
            results.append(probe_result)
        results.append(_ranges(analyzer, ranges, samples, options))
        return results
    except (AnalyzerError, LinkLost, LinkTimeout, UserError, OSError) as err:
        console = ""
        if handle is not None:
            tail = (handle.console_log() or "").strip().splitlines()
            console = f"; PTDaemon said: {tail[-1][:120]}" if tail else ""
        return [
            error(
                check,
                title,
                f"no answer from the analyzer ({where}, port {analyzer.network_port}): "
                f"{err}{console}",
                f"check that the meter is on and connected at devicePort "
                f"{analyzer.device_port!r} (interfaceFlag {analyzer.interface_flag or 'serial'!r})"
                f", then run the PTDaemon command by hand to read its console",
            )
        ]
    finally:
        if handle is not None:
            with contextlib.suppress(AnalyzerError, OSError):
                handle.close()


def _version(index: int, identity: Identity, pack: RulePack | None) -> CheckResult:
    check = f"analyzer{index}.ptd_version"
    title = _title(index, "PTDaemon version")
    if not identity.compliant:
        return warning(
            check,
            title,
            f"{identity.model} is not a PTDaemon (simulator or direct meter): fine for a "
            "rehearsal, never valid for submission",
            "point ptd in [ptd] at the licensed PTDaemon binary for the real run",
            model=identity.model,
        )
    allowed = allowed_ptd_versions(pack) if pack is not None else []
    version = identity.ptd_version or "unknown"
    if allowed and version not in allowed:
        return error(
            check,
            title,
            f"PTDaemon {version}; the {pack.round if pack else ''} checker accepts only "
            f"{', '.join(allowed)}",
            f"install PTDaemon {allowed[-1]} from the MLCommons power repository",
            version=version,
            allowed=allowed,
        )
    return ok(check, title, f"PTDaemon {version} (accepted)", version=version)


def _probe(index: int, handle: Analyzer) -> tuple[CheckResult, Sequence[Sample]]:
    check = f"analyzer{index}.probe"
    title = _title(index, "short Go/Stop")
    handle.start(1000, PROBE_MARK)
    time.sleep(PROBE_SECONDS)
    samples = handle.stop()
    valid = [s for s in samples if s.valid]
    if not valid:
        return (
            error(
                check,
                title,
                f"{len(samples)} sample(s) in {PROBE_SECONDS:g} s, none valid",
                "check the meter's wiring and its display: it should show the SUT's watts",
                samples=len(samples),
            ),
            samples,
        )
    mean = sum(s.watts for s in valid) / len(valid)
    return (
        ok(
            check,
            title,
            f"{len(valid)} valid sample(s) in {PROBE_SECONDS:g} s, {mean:.1f} W on average",
            samples=len(samples),
            mean_watts=mean,
        ),
        samples,
    )


def _line_from(samples: Sequence[Sample], options: DoctorOptions) -> tuple[float, float, str]:
    """Line volts and power factor: measured by the probe when we have it."""
    # a multichannel meter's sum group has V/PF = -1: read the channels instead
    readings = [
        (r.volts, r.pf)
        for s in samples
        if s.valid
        for r in (s.channels or (s,))
        if r.volts > 0 and 0 < r.pf <= 1
    ]
    if not readings:
        return options.line_volts, options.power_factor, "assumed"
    volts = sum(v for v, _ in readings) / len(readings)
    pf = sum(p for _, p in readings) / len(readings)
    return volts, pf, "measured"


def _ranges(
    analyzer: PtdAnalyzerConfig,
    ranges: Ranges,
    samples: Sequence[Sample],
    options: DoctorOptions,
) -> CheckResult:
    index = analyzer.index
    check = f"analyzer{index}.ranges"
    title = _title(index, "ranges and uncertainty")
    now = describe(ranges)
    model = model_for_device_type(analyzer.device_type)
    if options.expected_watts is None:
        return ok(
            check,
            title,
            f"left on {now}; give --expected-watts to estimate the uncertainty at the load",
        )
    if model is None:
        return ok(
            check,
            title,
            f"left on {now}; no accuracy table for device type {analyzer.device_type}",
        )
    channels = max(1, len(analyzer.channel or ()))
    volts, pf, how = _line_from(samples, options)
    load = Load(options.expected_watts / channels, volts, pf)
    verdict = judge_ranges(model, load, ranges)
    split = f" per channel ({channels} channels)" if channels > 1 else ""
    basis = f"{load.watts:.1f} W{split} at {volts:.0f} V, PF {pf:.2f} ({how})"
    details = {
        "uncertainty_now": verdict.now,
        "uncertainty_testing": verdict.testing,
        "testing_volts_range": verdict.testing_volts,
        "testing_amps_range": verdict.testing_amps,
    }
    if verdict.testing is None:
        return error(
            check,
            title,
            f"{basis} draws {load.amps:.2f} A, beyond the {model.name}'s ranges",
            "spread the load over more channels or analyzers, or use a meter rated for it",
            **details,
        )
    testing = (
        f"testing on {verdict.testing_volts:g} V / {verdict.testing_amps:g} A: "
        f"±{verdict.testing * 100:.2f} %"
    )
    current = f"now {now}: ±{verdict.now * 100:.2f} %" if verdict.now is not None else f"now {now}"
    if verdict.over_limit():
        return error(
            check,
            title,
            f"{basis}: {testing}, above the {threshold('uncertainty_limit') * 100:.0f} % limit "
            "even on the best ranges",
            f"this load is too small for a {model.name}; measure more of the system on this "
            "analyzer or use a meter with smaller ranges",
            **details,
        )
    if verdict.now is not None and verdict.now > threshold("uncertainty_limit"):
        # not a failure: ranging re-ranges the meter before testing; said so the reader
        # knows what a manual -V/-A run would need
        current += " (above the limit; ranging replaces these ranges)"
    return ok(check, title, f"{basis}: {current}; {testing}", **details)
