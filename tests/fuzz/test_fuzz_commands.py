"""Seeded mutation fuzzing of ``check`` (power results and whole submission trees),
``report`` and ``package`` over the real fixtures.

Each campaign runs in a child process (:mod:`tests.fuzz.campaign`) under a memory cap
(``RLIMIT_AS``) and a wall-clock timeout, and must report 0 tracebacks, 0 hangs and 0
files written outside their case folder. The default sizes keep the fast tier's fuzzing
under half a minute; the ``slow`` tier runs 12 to 25 times more seeds.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CAMPAIGN = Path(__file__).with_name("campaign.py")
#: address space a campaign may use; the largest real case needs about 200 MiB of RSS
MEMORY_CAP = 4 << 30
PEAK_RSS_MIB = 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _campaign(target: str, first: int, stop: int, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(CAMPAIGN), target, str(first), str(stop)],
        capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary: dict[str, Any] = json.loads(proc.stdout)
    return summary


def _assert_clean(summary: dict[str, Any], cases: int) -> None:
    assert summary["cases"] == cases
    assert summary["failures"] == [], json.dumps(summary["failures"], indent=1)[:4000]
    assert summary["leftovers"] == []
    assert summary["peak_rss_mib"] < PEAK_RSS_MIB


@pytest.mark.timeout(120)
def test_check_survives_mutated_trees() -> None:
    summary = _campaign("check", 0, 60, timeout=100)
    _assert_clean(summary, 60)
    assert set(summary["exits"]) <= {"0", "1", "2", "3"}


@pytest.mark.timeout(120)
def test_report_survives_mutated_trees() -> None:
    _assert_clean(_campaign("report", 0, 2, timeout=100), 2)  # each case ~4 s of plots


@pytest.mark.timeout(120)
def test_package_survives_mutated_results() -> None:
    summary = _campaign("package", 0, 8, timeout=100)
    _assert_clean(summary, 8)
    assert "0" in summary["exits"]  # some campaigns do pack a tarball


@pytest.mark.timeout(120)
def test_check_survives_mutated_submission_trees() -> None:
    _assert_clean(_campaign("tree", 0, 6, timeout=100), 6)


@pytest.mark.slow
@pytest.mark.timeout(1800)
# sized to ~45 s each on 2 cores (check ~75 ms a case, report ~0.9 s, package ~0.4 s,
# tree ~0.65 s): the whole suite must stay under 12 minutes
@pytest.mark.parametrize(("target", "cases"), [("check", 700), ("report", 50),
                                                ("package", 100), ("tree", 70)])
def test_long_campaign(target: str, cases: int) -> None:
    _assert_clean(_campaign(target, 1000, 1000 + cases, timeout=1700), cases)
