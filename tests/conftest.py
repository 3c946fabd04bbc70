"""Shared test fixtures: the real published submissions in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from realdata import REAL


@pytest.fixture(scope="session")
def real_root() -> Path:
    if not REAL.is_dir():
        pytest.fail(f"real fixtures missing: {REAL} (CI must have ../shared beside the checkout)")
    return REAL
