"""PTDaemon's driver name -> device number table (``ptd_devices.yaml``), as rule data.

The table is PTDaemon's list of meters, not our code; attach mode and the checker read
the device number a ``ptd_config`` must show from it.
"""

from __future__ import annotations

import functools
from importlib import resources

from joulekit.rules.yaml_data import parse_yaml


@functools.lru_cache(maxsize=1)
def ptd_device_table() -> tuple[dict[str, int], int]:
    """(driver name -> device number, the number added for a DC meter)."""
    document = parse_yaml(
        resources.files("joulekit.rules").joinpath("ptd_devices.yaml").read_text("utf-8")
    )
    drivers = {str(name): int(number) for name, number in document["drivers"].items()}
    return drivers, int(document["dc_offset"])
