"""Shared test fixtures (the real published submissions in ../shared) and the xdist plan.

Two tiers: ``pytest`` runs the fast tier (``-m "not slow"``, the default), ``pytest -m
slow`` the slow one, ``pytest -m ""`` both. The slow tier is chosen here, in one place,
from measured durations (SLOW below, each with its reason): the long end-to-end tests
(reference interop, the whole pipeline, sweeps, long fuzz campaigns, floods) whose
behaviour faster tests cover in part. A test file may also mark itself ``slow``.

The suite runs in parallel (``pytest -n 4 --dist loadgroup``, see ``scripts/test.sh``).
Two kinds of test must not be spread over workers, and are put in one ``xdist_group``
here, at collection, so that no test file has to remember it:

- tests that bind a fixed loopback port (the reference tools ask NTP on port 123): two
  workers binding it at once would make one of them skip or fail;
- tests that share a module- or package-scoped fixture (a sweep, a built result tree):
  spread over two workers the fixture would be built twice.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from realdata import REAL


def _default_stop_signals() -> None:
    """Give this process (so every command a test starts) the default Ctrl-C and hang-up.

    A suite started as a background job (``cmd &``) inherits SIGINT as ignored, and one
    started under ``nohup`` SIGHUP too; a child inherits that, and joulekit honours an
    inherited ignore as ``nohup`` asks, so the signal tests would see the command run to
    its end. The tests that want the ignored case set it up themselves.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


_default_stop_signals()

#: ``<test file name>::<test name>`` (a parametrized id, or only the file name for the
#: whole file) -> why it is in the slow tier and what covers it in the fast tier
SLOW: dict[str, str] = {
    "test_api.py::test_the_measure_example_of_the_docs_runs": "runs the docs' measure "
    "example, a whole demo run with ranging and testing (~9 s); tests/run covers measure "
    "fast and the docs' check example stays fast",
    "test_report_training.py::test_cli_reports_a_training_tree_and_refuses_what_does_not_"
    "fit": "four report subprocesses on the Dell tree (~9 s); the file's in-process tests "
    "cover the page fast",
    "test_meter_sources.py::test_live_metrics_of_each_source_are_scraped_during_the_run": "a "
    "5 s train-power run scraped live (~7 s); tests/fleet/test_live_metrics covers the "
    "metrics and a director scraped mid-run fast",
    "test_sweep_ray.py": "a real local Ray cluster (head + two worker nodes), two directors "
    "and six measured points with a killed worker and a rerun (~55 s); "
    "test_fleet_semantics covers placement, loss and resume fast",
    "test_fleet_semantics.py::test_slurm_local_sweep_measures_on_two_meters_then_resumes_"
    "with_nothing": "three measured points as submitit local jobs and a rerun (~25 s); the "
    "debug-engine test covers the Slurm path fast",
    "test_train_power_e2e.py::test_a_source_that_dies_mid_run_is_reported_during_the_run_"
    "and_leaves_a_recorded_gap": "a BMC killed mid-run during an 8 s command, the watchdog's "
    "drop line awaited while it runs, then the bounded end (~12 s); the e2e and signal tests "
    "cover train-power fast",
    "test_train_power_e2e.py::test_three_runs_make_a_benchmark_that_checks_clean_with_its_"
    "olympic_figure": "three train-power runs (2-4 s commands) and a check (~25 s); the "
    "one-run e2e test covers the collector and the check fast",
    "test_pipeline_matrix.py": "the reference interop matrix (reference director, client "
    "and checker against ours, 6 mixes, ~80 s); test_attach_probe and the reference-client "
    "tests of tests/director cover attach mode and the reference client fast",
    "test_reference_ini_simulator.py": "a director from the reference's own INI with "
    "simulated PTDaemons and the reference client (~17 s); tests/session covers the INI",
    "test_rehearse.py::test_rehearsal_runs_the_workflow_on_simulators_and_checks": "the whole "
    "rehearsal on simulators (~15 s); its broken-config test stays fast",
    "test_init_run_package_check.py": "init -> run -> package -> check end to end (~40 s); "
    "each step has its own fast tests (submission, harness run, checker)",
    "test_sweep_demo.py": "four real measured sweep points and a restart (~60-150 s); "
    "test_sweep_unit and the sweep CLI errors cover the sweep fast",
    "test_report_demo.py::test_run_then_report_gives_html_and_plots": "a measured run then "
    "its report (~16 s); test_report_real covers the report on published results",
    "test_failures.py::test_director_from_reference_config_starts_ptd_and_checker_passes_by_"
    "design": "a director from a reference config starting joulekit-ptd (~10 s); the client "
    "end-to-end test covers the same path with our own config",
    "test_fault_matrix.py::test_fault_ends_the_session_cleanly[slow-start-beyond-timeout]":
    "waits out a start-up timeout (~11 s); test_start_faults_subprocess covers it at the "
    "simulator",
    "test_hostile_connections.py::test_flood_of_200_connections_then_a_real_client": "a "
    "flood (~10 s); test_too_many_connections_are_told_the_director_is_busy stays fast",
    "test_lost.py::test_simulator_killed_mid_testing_stops_the_phase_and_keeps_the_samples":
    "~18 s, mostly the director's 10-s reconnect attempt after the loss (the link then "
    "stays lost); the director-killed test stays fast",
    "test_run_e2e.py::test_each_scenario_measures_ranging_and_testing[Server]": "a third "
    "and fourth scenario end to end (~7 s each); SingleStream stays fast, "
    "test_settings covers every scenario's settings",
    "test_run_e2e.py::test_each_scenario_measures_ranging_and_testing[Offline]": "the "
    "longest fast test (~25 s on 2 cores: ranging, testing and the Offline retry); "
    "cli_errors' no-op Offline run and the API's measure example run Offline fast",
    "test_run_e2e.py::test_each_scenario_measures_ranging_and_testing[MultiStream]": "the "
    "fourth scenario end to end (~8 s); as for [Server], the others cover it in part",
}

#: fixtures that bind a fixed port: every test using one runs on the same worker
FIXED_PORT_FIXTURES = {"ntp_on_123": "loopback-port-123"}
#: shared fixtures cheap enough to build once per worker
CHEAP_SHARED_FIXTURES = frozenset({"real_root"})


@pytest.fixture(scope="session")
def real_root() -> Path:
    if not REAL.is_dir():
        pytest.fail(f"real fixtures missing: {REAL} (CI must have ../shared beside the checkout)")
    return REAL


def _group(item: pytest.Item) -> str | None:
    """The xdist group a test needs, or None when it may run on any worker."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name in info.names_closure:
        if name in FIXED_PORT_FIXTURES:
            return FIXED_PORT_FIXTURES[name]
    for name, defs in info.name2fixturedefs.items():
        if name in CHEAP_SHARED_FIXTURES or not defs or not defs[-1].baseid:
            continue  # baseid "": a plugin's fixture (tmp_path_factory), not ours
        if defs[-1].scope in ("module", "package", "session", "class"):
            return item.nodeid.split("::", 1)[0]
    return None


def _slow_reason(item: pytest.Item) -> str | None:
    path = Path(str(item.fspath)).name
    name = item.name
    base = name.split("[", 1)[0]
    for key in (f"{path}::{name}", f"{path}::{base}", path):
        if key in SLOW:
            return SLOW[key]
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs before ``-m`` deselects and before xdist reads the ``xdist_group`` marks."""
    for item in items:
        if _slow_reason(item) is not None:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = _group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


class _GroupingGuard:
    """Fails the run when ``--dist loadgroup`` silently stopped grouping.

    pytest-xdist groups a test by appending ``@group`` to its node id in each worker; a
    pytest that keeps the id elsewhere (9.2 with xdist 3.8) ignores that, and the suite
    then builds shared fixtures once per worker and lets fixed-port tests collide.
    A plugin of its own because it must run after xdist's hook, and this conftest's
    ``pytest_collection_modifyitems`` must run before it.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
            return
        for item in items:
            if item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid:
                # the test fails (below), not collection: xdist reports a worker's
                # collection error as an INTERNALERROR that hides the message
                item.stash[_UNGROUPED] = True


_UNGROUPED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _fail_when_ungrouped(request: pytest.FixtureRequest) -> None:
    if request.node.stash.get(_UNGROUPED, False):
        pytest.fail(
            f"pytest {pytest.__version__} with this pytest-xdist does not group tests "
            "(--dist loadgroup: no @group suffix on the node id), so shared fixtures and "
            "fixed ports would be used by two workers at once; install the versions "
            "pinned in pyproject.toml (bash scripts/setup.sh --dev)", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_GroupingGuard(), "joulekit-grouping-guard")
