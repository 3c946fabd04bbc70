"""Host checks: ports, output folders, clock-step permission, LoadGen, the round."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from joulekit.doctor.host import check_clock_step, check_loadgen
from joulekit.doctor.ports import check_port_free
from joulekit.doctor.result import Status
from joulekit.doctor.rounds import check_round
from joulekit.doctor.storage import LogEstimate, check_folders_apart, check_output_folder


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


def test_free_port_is_ok() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check_port_free("127.0.0.1", port, "PTDaemon of analyzer 1", "networkPort")
    assert result.status is Status.OK


def test_taken_ptd_port_names_the_holder_and_the_setting_to_change() -> None:
    holder = _listener()
    try:
        port = holder.getsockname()[1]
        result = check_port_free(
            "0.0.0.0", port, "PTDaemon of analyzer 1", "networkPort in [analyzer1]"
        )
    finally:
        holder.close()
    assert result.status is Status.ERROR
    assert f"{port} is already taken by pid {os.getpid()}" in result.message
    assert "networkPort in [analyzer1]" in result.advice
    assert "\n" not in result.advice


def test_missing_folder_under_writable_parent_is_ok(tmp_path: Path) -> None:
    result = check_output_folder(tmp_path / "a" / "b", "client output (-o)", LogEstimate(600, 1))
    assert result.status is Status.OK, result
    assert "will be created" in result.message
    assert not (tmp_path / "a").exists()  # the probe leaves nothing behind
    assert list(tmp_path.iterdir()) == []


def test_folder_below_a_regular_file_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    result = check_output_folder(blocker / "run", "client output (-o)", LogEstimate(600, 1))
    assert result.status is Status.ERROR
    assert f"{blocker} is a file" in result.message
    assert "choose an output folder" in result.advice


def test_read_only_file_system_is_caught_even_for_root() -> None:
    # /proc is read-only for everybody, root included, while os.access says "writable"
    # to root for many paths; the probe really tries to create a file.
    result = check_output_folder(Path("/proc/joulekit-out"), "LoadGen logs (-L)", LogEstimate(1, 1))
    assert result.status is Status.ERROR
    assert "cannot write in /proc" in result.message
    assert "writable LoadGen logs (-L) folder" in result.advice


def test_not_enough_room_is_an_error(tmp_path: Path) -> None:
    # a 13-hour-per-phase run on 10**9 analyzers needs more than any disk
    result = check_output_folder(tmp_path, "client output (-o)", LogEstimate(46800, 10**9))
    assert result.status is Status.ERROR
    assert "MiB free" in result.message
    assert "free space" in result.advice


def test_loadgen_folder_must_not_contain_the_output(tmp_path: Path) -> None:
    bad = check_folders_apart(tmp_path, tmp_path / "out")
    assert bad.status is Status.ERROR
    assert "separate folders" in bad.advice
    good = check_folders_apart(tmp_path / "logs", tmp_path / "out")
    assert good.status is Status.OK


def test_root_with_a_tool_may_step_the_clock() -> None:
    result = check_clock_step(euid=0, which=lambda name: f"/usr/sbin/{name}")
    assert result.status is Status.OK
    assert "root" in result.message and "ntpdate" in result.message


def test_user_without_passwordless_sudo_is_warned() -> None:
    result = check_clock_step(euid=1000, which=lambda name: "/usr/sbin/x", sudo_ok=lambda: False)
    assert result.status is Status.WARNING
    assert "passwordless sudo" in result.advice


def test_no_clock_tool_is_warned() -> None:
    result = check_clock_step(euid=1000, which=lambda name: None, sudo_ok=lambda: True)
    assert result.status is Status.WARNING
    assert "ntpdate is not on PATH" in result.message
    assert "install" in result.advice


def test_loadgen_imports_with_its_version() -> None:
    result = check_loadgen()
    assert result.status is Status.OK
    assert result.message.startswith("mlperf_loadgen ")


def test_missing_loadgen_is_an_error() -> None:
    result = check_loadgen(module="mlperf_loadgen_not_here")
    assert result.status is Status.ERROR
    assert "pip install mlcommons-loadgen" in result.advice


def test_known_round_loads_its_pack() -> None:
    result, pack = check_round("v5.0")
    assert result.status is Status.OK and pack is not None
    assert pack.round == "v5.0"


def test_newest_round_is_the_default() -> None:
    result, pack = check_round(None)
    assert result.status is Status.OK and pack is not None
    assert "newest pack" in result.message


@pytest.mark.parametrize("name", ["v9.9", "4.1", "latest"])
def test_unknown_round_is_an_error_with_advice(name: str) -> None:
    result, pack = check_round(name)
    assert pack is None
    assert result.status is Status.ERROR
    assert "--round" in result.advice and "joulekit rules" in result.advice


def test_a_result_prints_as_one_line_with_its_advice() -> None:
    result = check_clock_step(euid=1000, which=lambda name: None, sudo_ok=lambda: False)
    text = str(result)
    assert text.startswith("clock may be stepped: not root")
    assert "→ run as root" in text and "\n" not in text
