"""PWR070-PWR071: the analyzer configuration the director started PTDaemon with.

``ptd_config`` was one object up to v4.1 and is a list (one per analyzer) from v5.0;
the reader normalises both. The reference checker expects the list and fails on the
older object, which ``--compat reference`` reproduces as an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_SERVER_JSON

_FILE = POWER_SERVER_JSON


def _channels(config: dict[str, Any]) -> list[Any]:
    channel = config.get("channel")
    if isinstance(channel, list):
        return channel
    if isinstance(channel, str):
        return [c for c in channel.split(",") if c.strip()]
    return []


def _c_flag(config: dict[str, Any]) -> str | None:
    command = config.get("command")
    if not isinstance(command, list):
        return None
    for index, arg in enumerate(command[:-1]):
        if arg == "-c":
            return str(command[index + 1])
    return None


def check_ptd_config(ctx: PowerContext) -> Iterator[Finding]:
    server = ctx.server
    if server is None:
        return
    if server.ptd_config is None:
        yield R.PTD_CONFIG.finding(
            "server.json has no ptd_config",
            file=_FILE,
            expected="ptd_config with device_type",
            found="absent",
        )
        return
    if ctx.reference and server.ptd_config_form == "object":
        yield R.PTD_CONFIG.finding(
            "ptd_config is an object; the reference checker expects a list and fails here",
            file=_FILE,
            expected="a list of analyzer configurations",
            found="an object",
        )
        return
    for index, config in enumerate(server.ptd_config, start=1):
        device = config.get("device_type")
        if not isinstance(device, int) or device not in ctx.rules.devices:
            yield R.PTD_CONFIG.finding(
                f"analyzer {index}: device_type {device!r} is not allowed in {ctx.rules.round}",
                file=_FILE,
                expected=", ".join(str(code) for code in sorted(ctx.rules.devices)),
                found=str(device),
            )
            continue
        if device in ctx.rules.two_channel_devices:
            channels = _channels(config)
            flag = _c_flag(config)
            if len(channels) != 2 or flag is None or len(flag.split(",")) != 2:
                yield R.PTD_CHANNELS.finding(
                    f"analyzer {index}: device {device} needs two channels",
                    file=_FILE,
                    expected="channel [a, b] and -c a,b",
                    found=f"channel {channels!r}, -c {flag!r}",
                )
