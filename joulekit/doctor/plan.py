"""Decide which checks apply to this host and run them in an order that makes sense.

The round comes first (its pack sets the limits), then what needs nothing but the host,
then the configuration, then what talks to other machines. A check whose input is
missing because an earlier check failed is reported as skipped with the reason, so the
table never shows a second error that only repeats the first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from joulekit.doctor import analyzers as analyzer_checks
from joulekit.doctor import director_link
from joulekit.doctor.director_config import (
    check_device_types,
    check_director_config,
    check_ptd_binary,
)
from joulekit.doctor.host import check_clock_step, check_loadgen
from joulekit.doctor.ntp import check_ntp_offset
from joulekit.doctor.options import DoctorOptions
from joulekit.doctor.ports import check_port_free
from joulekit.doctor.result import CheckResult, Status, skipped
from joulekit.doctor.rounds import check_round
from joulekit.doctor.runner import PlannedCheck, run_one
from joulekit.doctor.storage import LogEstimate, check_folders_apart, check_output_folder
from joulekit.rules.pack import RulePack
from joulekit.session.config import DirectorConfig


def _run(check: str, title: str, fn: object) -> list[CheckResult]:
    assert callable(fn)
    return run_one(PlannedCheck(check, title, fn))


def run_doctor(options: DoctorOptions) -> list[CheckResult]:
    """Every check that applies to ``options``, in order; never raises for a user problem."""
    results: list[CheckResult] = []
    holder: dict[str, RulePack | None] = {"pack": None}

    def round_step() -> CheckResult:
        result, holder["pack"] = check_round(options.round)
        return result

    results += _run("round.pack", "rule pack of the round", round_step)
    pack = holder["pack"]
    limit_ms = options.time_limit_ms or director_link.sync_limit_ms(pack.round if pack else None)
    if options.checks_director_host:
        results += _director_host(options, pack, limit_ms)
    if options.checks_sut_host:
        results += _sut_host(options, limit_ms)
    return results


def _director_host(
    options: DoctorOptions, pack: RulePack | None, limit_ms: float
) -> list[CheckResult]:
    assert options.config is not None
    results: list[CheckResult] = []
    box: dict[str, DirectorConfig | None] = {"config": None}

    def config_step() -> list[CheckResult]:
        found, box["config"] = check_director_config(options.config)  # type: ignore[arg-type]
        return found

    results += _run("config.layout", "director config", config_step)
    config = box["config"]
    if config is None:
        results.append(
            skipped("director", "director host checks", "skipped: the director config did not load")
        )
        return results
    if pack is not None:
        results += _run(
            "config.device_types", "device types allowed", lambda: check_device_types(config, pack)
        )
    results += _ntp_and_clock(config.ntp_server, limit_ms, options.timeout_s)
    results += _run(
        "port.listen",
        "port free: director",
        lambda: check_port_free(
            config.listen_host, config.listen_port, "director", "listen in [server]"
        ),
    )
    ports_free: dict[int, bool] = {}
    for analyzer in config.ptd_analyzers:
        port_results = _run(
            f"port.{analyzer.network_port}",
            f"port free: PTDaemon of analyzer {analyzer.index}",
            lambda a=analyzer: check_port_free(
                "0.0.0.0",
                a.network_port,
                f"PTDaemon of analyzer {a.index}",
                f"networkPort in [analyzer{a.index}]",
            ),
        )
        ports_free[analyzer.index] = all(r.status is Status.OK for r in port_results)
        results += port_results
    session_dir = config.output_dir or Path(tempfile.gettempdir())
    estimate = LogEstimate(options.phase_seconds, len(config.ptd_analyzers))
    results += _run(
        "folder.director",
        "writable: director sessions",
        lambda: check_output_folder(session_dir, "director sessions", estimate),
    )
    binary: dict[str, str | None] = {"path": None}

    def binary_step() -> CheckResult:
        result, binary["path"] = check_ptd_binary(config)
        return result

    results += _run("ptd.binary", "PTDaemon binary present", binary_step)
    if options.analyzers:
        results += analyzer_checks.check_all(config, binary["path"], ports_free, pack, options)
    return results


def _ntp_and_clock(server: str | None, limit_ms: float, timeout_s: float) -> list[CheckResult]:
    """The clock checks both hosts run: the NTP offset (when a server is named), then
    whether the clock may be stepped."""
    results: list[CheckResult] = []
    if server:
        results += _run(
            "ntp.offset", "NTP offset",
            lambda: check_ntp_offset(server, limit_ms, timeout_s=timeout_s),
        )
    results += _run("clock.step", "clock may be stepped", check_clock_step)
    return results


def _sut_host(options: DoctorOptions, limit_ms: float) -> list[CheckResult]:
    results: list[CheckResult] = []
    results += _run("loadgen.import", "LoadGen importable", check_loadgen)
    results += _ntp_and_clock(options.ntp_server, limit_ms, options.timeout_s)
    if options.director_host:
        host = options.director_host
        results += _run(
            "director.time",
            "client ↔ director time",
            lambda: director_link.check_director_time(
                host, options.director_port, limit_ms, timeout_s=options.timeout_s
            ),
        )
    estimate = LogEstimate(options.phase_seconds, 1)
    if options.output_dir is not None:
        out = options.output_dir
        results += _run(
            "folder.client",
            "writable: client output (-o)",
            lambda: check_output_folder(out, "client output (-o)", estimate),
        )
    if options.loadgen_logs is not None:
        logs = options.loadgen_logs
        results += _run(
            "folder.loadgen",
            "writable: LoadGen logs (-L)",
            lambda: check_output_folder(logs, "LoadGen logs (-L)", estimate),
        )
    if options.output_dir is not None and options.loadgen_logs is not None:
        out, logs = options.output_dir, options.loadgen_logs
        results += _run(
            "folder.apart",
            "LoadGen and output folders apart",
            lambda: check_folders_apart(logs, out),
        )
    return results
