"""Meter knowledge as data: range tables, accuracy tables, SCPI dialects and uncertainty.

Kept free of I/O so that the simulator, the PTDaemon backend (which cross-checks PTD's
own uncertainty) and the direct SCPI backend all compute per-sample uncertainty the
same way, from the ranges read back for that sample. Rooms: ``tables`` and ``dialects``
(the types), one data module per family (``yokogawa``), ``registry`` (every model and
dialect by name), ``uncertainty`` (the vendor formula).
"""

from joulekit.meters.registry import (
    DIALECTS,
    MODELS,
    dialect,
    model_for_device_type,
    model_for_name,
)
from joulekit.meters.tables import Accuracy, MeterModel, pick_range
from joulekit.meters.uncertainty import (
    UNCERTAINTY_LIMIT,
    channel_uncertainty,
    combined_uncertainty,
)

__all__ = [
    "DIALECTS",
    "MODELS",
    "UNCERTAINTY_LIMIT",
    "Accuracy",
    "MeterModel",
    "channel_uncertainty",
    "combined_uncertainty",
    "dialect",
    "model_for_device_type",
    "model_for_name",
    "pick_range",
]
