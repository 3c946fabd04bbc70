"""The real MLPerf Training power fixtures (../shared, tests only) and tmp copies of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from realdata import SHARED

REAL_TRAINING = SHARED / "fixtures" / "real-training"
SMC_ROOT = REAL_TRAINING / "training_results_v4.0"
SMC_BENCH = SMC_ROOT / "smc-dc-power/results/8xSMC-H100-SXM-80GB/llama2_70b_lora"
DELL_ROOT = REAL_TRAINING / "training_results_v4.1"
DELL_BENCH = DELL_ROOT / "Dell/results/8xXE9680x8H100-SXM-80GB-POWER/llama2_70b_lora"
DELL_RUN0 = DELL_BENCH / "power/result_0"


def copy_org(bench: Path, dest: Path) -> Path:
    """Copy a benchmark's organisation folder (systems/ and results/) below ``dest``;
    returns the copied benchmark folder."""
    org = bench.parents[2]
    target = dest / org.name
    shutil.copytree(org, target)
    return target / bench.relative_to(org)


def smc_run_dirs(bench: Path) -> list[Path]:
    return sorted(p for p in (bench / "power").iterdir() if p.is_dir())
