"""A PTDaemon command line read back into the ``ptd_config`` entry the reference records
(what a director attached through ``joulekit ptd-launch`` writes into server.json)."""

from __future__ import annotations

import json

import pytest
from realdata import SHARED

from joulekit.analyzers.ptd_process import build_ptd_argv, ptd_config_from_argv

REAL = SHARED / "fixtures" / "real"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"device_type": 49, "device_port": "/dev/ttyUSB0"},
        {"device_type": 77, "device_port": "C2WL21005V", "interface_flag": "-y", "channel": "1,2"},
        {"device_type": 508, "device_port": "COM3", "dc_flag": "-D"},
        {"device_type": 8, "device_port": "3", "interface_flag": "-g", "gpib_board": 0},
    ],
)
def test_build_then_read_back(kwargs: dict[str, object]) -> None:
    argv = build_ptd_argv("/opt/ptd/ptd-linux-x86", "/tmp/ptd.log", 8888, **kwargs)  # type: ignore[arg-type]
    config = ptd_config_from_argv(argv)
    assert config is not None
    assert config["command"] == argv
    assert config["device_type"] == kwargs["device_type"]
    assert config["device_port"] == kwargs["device_port"]
    assert config["interface_flag"] == kwargs.get("interface_flag", "")
    assert config["dc_flag"] == kwargs.get("dc_flag")
    channel = kwargs.get("channel")
    assert config["channel"] == ([1, 2] if channel else None)


def test_published_ptd_configs_are_read_back_exactly() -> None:
    """Every real server.json with a ptd_config: its command gives the same entry."""
    seen = 0
    for path in sorted(REAL.rglob("server.json")):
        entries = json.loads(path.read_text()).get("ptd_config")
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict) or not entry.get("command"):
                continue
            back = ptd_config_from_argv(entry["command"])
            assert back is not None, path
            for key in ("command", "device_type", "interface_flag", "device_port", "channel"):
                assert back[key] == entry[key], (path, key)
            seen += 1
    assert seen >= 3


@pytest.mark.parametrize(
    "argv",
    [[], ["ptd"], ["ptd", "-p", "8888"], ["python", "-m", "joulekit", "ptd-sim", "49", "x"],
     ["ptd", "-c", "one,two", "77", "x"], ["ptd", "-p", "8888", "WT310", "/dev/ttyUSB0"]],
)  # fmt: skip
def test_a_line_that_is_not_a_ptd_command_gives_none(argv: list[str]) -> None:
    assert ptd_config_from_argv(argv) is None
