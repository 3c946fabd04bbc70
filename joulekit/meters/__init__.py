"""Meter knowledge as data: range tables, accuracy tables and uncertainty.

Kept free of I/O so that the simulator, the PTDaemon backend (which cross-checks PTD's
own uncertainty) and the direct SCPI backend all compute per-sample uncertainty the
same way, from the ranges read back for that sample.
"""

from joulekit.meters.tables import (
    MODELS,
    Accuracy,
    MeterModel,
    model_for_device_type,
    model_for_name,
    pick_range,
)
from joulekit.meters.uncertainty import (
    UNCERTAINTY_LIMIT,
    channel_uncertainty,
    combined_uncertainty,
)

__all__ = [
    "MODELS",
    "UNCERTAINTY_LIMIT",
    "Accuracy",
    "MeterModel",
    "channel_uncertainty",
    "combined_uncertainty",
    "model_for_device_type",
    "model_for_name",
    "pick_range",
]
