"""Copies of the real published power results, for tests that mutate them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ._fixtures import round_of


@pytest.fixture
def copy_result(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a result folder under tmp_path, keeping the round in the path; returns the
    copy's performance folder."""

    def copy(result: Path) -> Path:
        target = tmp_path / f"inference_results_{round_of(result)}" / result.name
        shutil.copytree(result / "performance", target / "performance")
        return target / "performance"

    return copy
