"""Paths to the real published submissions in ../shared (tests only; never the product)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REAL = SHARED / "fixtures" / "real"
REFERENCE_CHECKSUMS = SHARED / "fixtures" / "reference-checksums"

#: the four published power results with the figures we must reproduce (OFFICIAL.md)
QUALCOMM_V11_SERVER = (
    REAL / "inference_results_v1.1/closed/Qualcomm/results/"
    "g292_z43_q16-qaic-v1.5.6-aic100/resnet50/server"
)
_DELL = REAL / "inference_results_v2.1/closed/Dell/results/XR12_A2x1_TRT_MaxQ/resnet50"
_UNTETHER = REAL / "inference_results_v4.1/closed/UntetherAI/results/h13_u3_slim/resnet50"
DELL_V21_OFFLINE = _DELL / "Offline"
DELL_V21_SERVER = _DELL / "Server"
UNTETHER_V41_SS = _UNTETHER / "singlestream"
UNTETHER_V41_OFFLINE = _UNTETHER / "offline"
