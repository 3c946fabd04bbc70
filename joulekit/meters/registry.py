"""The one registry of meters: models keyed by name, their SCPI dialects keyed by name.

Each family is a data module (``MODELS``, ``DIALECTS``, ``ALIASES``) listed in
:data:`FAMILIES`; adding a family is one module and one entry here. The simulator, the
PTDaemon backend (which names the meter behind a device type or an ``Identify``), the
direct SCPI backend and ``doctor`` all look meters up here.
"""

from __future__ import annotations

from types import ModuleType

from joulekit.errors import UserError
from joulekit.meters import yokogawa
from joulekit.meters.dialects import Dialect
from joulekit.meters.tables import MeterModel

#: the meter families joulekit knows
FAMILIES: tuple[ModuleType, ...] = (yokogawa,)

MODELS: dict[str, MeterModel] = {m.name: m for f in FAMILIES for m in f.MODELS}
DIALECTS: dict[str, Dialect] = {d.name: d for f in FAMILIES for d in f.DIALECTS}
_ALIASES: dict[str, str] = {k: v for f in FAMILIES for k, v in f.ALIASES.items()}


def model_for_name(text: str) -> MeterModel | None:
    """The model named in an IDN or PTD driver name (longest match wins: WT310E over WT310)."""
    upper = text.upper().replace(" ", "")
    for name in sorted(MODELS, key=len, reverse=True):
        if name in upper:
            return MODELS[name]
    for fragment, name in _ALIASES.items():
        if fragment in upper:
            return MODELS[name]
    return None


def model_for_device_type(device_type: int) -> MeterModel | None:
    """The meter family behind a PTDaemon device type (DC types are 500 + the AC type)."""
    for model in MODELS.values():
        if device_type in model.ptd_types:
            return model
    if device_type >= 500:
        return model_for_device_type(device_type - 500)
    return None


def dialect(name: str) -> Dialect:
    """A dialect by name (``wt300e``), as ``?dialect=`` names it."""
    try:
        return DIALECTS[name.lower()]
    except KeyError:
        raise UserError(
            f"unknown meter dialect {name!r}; use one of {', '.join(DIALECTS)}"
        ) from None
