"""Paths of the real published power results and helpers to mutate copies of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"
CHECKSUMS = REAL.parent / "reference-checksums"

QUALCOMM_V11_SERVER = (
    REAL / "inference_results_v1.1/closed/Qualcomm/results/"
    "g292_z43_q16-qaic-v1.5.6-aic100/resnet50/server"
)
DELL_V21 = REAL / "inference_results_v2.1/closed/Dell/results/XR12_A2x1_TRT_MaxQ/resnet50"
DELL_V21_OFFLINE = DELL_V21 / "Offline"
DELL_V21_SERVER = DELL_V21 / "Server"
UNTETHER_V41 = REAL / "inference_results_v4.1/closed/UntetherAI/results/h13_u3_slim/resnet50"
UNTETHER_V41_SS = UNTETHER_V41 / "singlestream"
UNTETHER_V41_OFFLINE = UNTETHER_V41 / "offline"

ALL_RESULTS = (
    QUALCOMM_V11_SERVER,
    DELL_V21_OFFLINE,
    DELL_V21_SERVER,
    UNTETHER_V41_SS,
    UNTETHER_V41_OFFLINE,
)

#: the sources list each fixture round's runs match (see reference-checksums/README.md)
SOURCES_LIST = {
    "v1.1": CHECKSUMS / "branch_r1.1.json",
    "v2.1": CHECKSUMS / "branch_r2.1.json",
    "v4.1": CHECKSUMS / "master_5a7dfd9_2024-01-09_inference4.0.json",
}


def round_of(result: Path) -> str:
    return next(p for p in result.parts if p.startswith("inference_results_")).split("_")[-1]


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=4))


def edit_lines(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    raw = path.read_bytes().decode()
    newline = "\r\n" if "\r\n" in raw else "\n"
    lines = raw.splitlines()
    path.write_text(newline.join(change(lines)) + newline)
