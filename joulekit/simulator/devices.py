"""Device personalities of the simulator: what each PTDaemon device type looks like.

A personality fixes the ranges, the accuracy table (so uncertainty depends on the
ranges set), the channel count (multichannel types answer ``RL,*,*``), whether it is a
DC type (which answers ``DC-RL`` only) and the names it reports. Every name says
"joulekit simulator": nothing the simulator prints can pass as a PTDaemon identity.
"""

from __future__ import annotations

from dataclasses import dataclass

from joulekit.errors import UserError
from joulekit.meters.registry import MODELS
from joulekit.meters.tables import MeterModel

SIMULATOR_NAME = "joulekit simulator"


@dataclass(frozen=True)
class Personality:
    """One simulated device type."""

    device_type: int
    title: str  # e.g. "Yokogawa WT310E"
    model: MeterModel
    channels: int
    dc: bool = False

    @property
    def multichannel(self) -> bool:
        return self.channels > 1

    @property
    def driver_name(self) -> str:
        """Identify field 1: says simulator first, then the meter it imitates."""
        base = self.title.replace(" ", "")
        suffix = "_multichannel" if self.multichannel else ""
        dc = "_DC" if self.dc else ""
        return f"JoulekitSimulator-{base}{suffix}{dc}"

    @property
    def idn(self) -> str:
        """Identify field 19 (PTD writes the meter IDN with ';' for ',')."""
        return f"JOULEKIT;SIMULATED-{self.model.name};SIM{self.device_type:05d};0"


_BASE: dict[int, tuple[str, str, int]] = {
    0: ("Dummy", "WT310E", 1),
    8: ("Yokogawa WT210", "WT210", 1),
    49: ("Yokogawa WT310E", "WT310E", 1),
    52: ("Yokogawa WT330", "WT333E", 1),
    77: ("Yokogawa WT330", "WT333E", 3),
    35: ("Yokogawa WT500", "WT500", 1),
    48: ("Yokogawa WT500", "WT500", 3),
}

_ALIASES: dict[str, int] = {
    "dummy": 0,
    "wt210": 8,
    "wt310": 49,
    "wt310e": 49,
    "wt330": 52,
    "wt333e": 77,
    "wt330-multichannel": 77,
    "wt500": 35,
    "wt500-multichannel": 48,
}


def personality(device: int | str) -> Personality:
    """The personality for a PTD device type number (``49``, ``549``) or a name (``wt310``)."""
    text = str(device).strip().lower()
    if text in _ALIASES:
        number = _ALIASES[text]
    else:
        try:
            number = int(text)
        except ValueError:
            raise UserError(
                f"unknown simulated device {device!r}; use a PTDaemon device type "
                f"({', '.join(str(k) for k in sorted(_BASE))}, or 500 + one for DC) "
                f"or one of {', '.join(sorted(_ALIASES))}"
            ) from None
    dc = number >= 500
    base = number - 500 if dc else number
    if base not in _BASE:
        raise UserError(
            f"the simulator has no personality for device type {number}; supported: "
            f"{', '.join(str(k) for k in sorted(_BASE))} and their DC variants (500 + type)"
        )
    title, model_name, channels = _BASE[base]
    return Personality(number, title, MODELS[model_name], channels, dc)
