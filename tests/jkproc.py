"""Shared pieces of the run and loadgen tests: run ``joulekit`` as a real subprocess, read logs.

Exposed as fixtures (``jk``, ``detail_of``) through the conftest of tests/run and tests/loadgen."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from joulekit.loadgen.outcome import read_detail_keys

REPO = Path(__file__).resolve().parents[1]


def joulekit(*args: str, cwd: Path | None = None, timeout: float = 90,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m joulekit ARGS`` in a fresh process (LoadGen is not re-entrant)."""
    return subprocess.run(
        [sys.executable, "-m", "joulekit", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env=env, check=False,
    )


def detail(log_dir: Path) -> dict[str, Any]:
    return read_detail_keys(log_dir / "mlperf_log_detail.txt")


@pytest.fixture
def jk() -> Callable[..., subprocess.CompletedProcess[str]]:
    return joulekit


@pytest.fixture
def detail_of() -> Callable[[Path], dict[str, Any]]:
    return detail
