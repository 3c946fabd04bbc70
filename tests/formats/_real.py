"""The five published power results as ResultPaths, and helpers to mutate copies."""

from __future__ import annotations

import shutil
from pathlib import Path

from realdata import (
    DELL_V21_OFFLINE,
    DELL_V21_SERVER,
    QUALCOMM_V11_SERVER,
    REAL,
    UNTETHER_V41_OFFLINE,
    UNTETHER_V41_SS,
)

from joulekit.formats.layout import ResultPaths

RESULTS = {
    "qualcomm-v1.1-server": QUALCOMM_V11_SERVER,
    "dell-v2.1-offline": DELL_V21_OFFLINE,
    "dell-v2.1-server": DELL_V21_SERVER,
    "untether-v4.1-singlestream": UNTETHER_V41_SS,
    "untether-v4.1-offline": UNTETHER_V41_OFFLINE,
}


def paths(name: str) -> ResultPaths:
    return ResultPaths.from_performance_dir(RESULTS[name] / "performance")


def copy_to(source: Path, tmp_path: Path) -> Path:
    """A private copy of a fixture file (fixtures are never edited in place)."""
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


__all__ = ["REAL", "RESULTS", "copy_to", "paths"]
