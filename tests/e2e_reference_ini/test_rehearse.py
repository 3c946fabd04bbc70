"""``rehearse()``: the user's real server.conf (pointing at a real PTDaemon path), the
simulator substituted for every analyzer, a real LoadGen workload, then the checker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from doctor.inifiles import free_port, write_server_conf
from doctor.ntp_responder import NtpResponder
from procutil import child_commands

from joulekit.checker.catalog import PROVENANCE
from joulekit.doctor.result import Status
from joulekit.errors import UserError
from joulekit.run.rehearse import rehearse

pytestmark = pytest.mark.timeout(300)


def _real_ptd_stand_in(tmp_path: Path) -> Path:
    """Where the user's licensed PTDaemon lives; a rehearsal must never start it."""
    binary = tmp_path / "opt" / "ptd-linux-x86"
    binary.parent.mkdir()
    marker = tmp_path / "real-ptd-was-started"
    binary.write_text(f"#!/bin/sh\ntouch {marker}\nexit 3\n")
    binary.chmod(0o755)
    return binary


def test_rehearsal_runs_the_workflow_on_simulators_and_checks(tmp_path: Path) -> None:
    logs, out = tmp_path / "loadgen", tmp_path / "result"
    workload = (
        f"{sys.executable} -m joulekit loadgen --sut demo --scenario SingleStream "
        f"--log-dir {logs} --min-duration-ms 3000 --min-query-count 1"
    )
    with NtpResponder(0.0) as ntp:
        conf = write_server_conf(
            tmp_path / "server.conf",
            _real_ptd_stand_in(tmp_path),
            ntp=ntp.address,
            listen_port=free_port(),
            ptd_ports=(free_port(), free_port()),
        )
        result = rehearse(
            conf,
            workload,
            output=out,
            loadgen_logs=logs,
            round="v6.1",
            work_dir=tmp_path / "rehearsal",
            echo=False,
        )
    assert not (tmp_path / "real-ptd-was-started").exists()
    assert result.client_error is None
    assert result.result_dir is not None
    for folder in ("power", "ranging", "run_1"):
        assert (result.result_dir / folder).is_dir()
    checks = {r.check: r.status for r in result.preflight}
    assert checks["config.layout"] is Status.OK and checks["ptd.binary"] is Status.OK
    assert "analyzer1.reachable" not in checks  # the meter is left alone
    assert PROVENANCE.id in {rule for rule, _, _ in result.by_design}
    assert [p for p in result.problems if p[1] == "error"] == []
    assert result.ready, (result.preflight_errors, result.problems)
    rehearsal_conf = (tmp_path / "rehearsal" / "server.conf").read_text()
    assert "ptd = " + str(tmp_path / "rehearsal" / "ptd-sim") in rehearsal_conf
    assert "deviceType = 77" in rehearsal_conf and "channel = 1,2" in rehearsal_conf
    assert not [line for line in child_commands() if "joulekit" in line]


def test_rehearsal_with_a_broken_config_stops_with_one_message(tmp_path: Path) -> None:
    conf = tmp_path / "server.conf"
    conf.write_text("[server]\nlisten: 127.0.0.1 4950\n")
    with pytest.raises(UserError, match="ntpServer"):
        rehearse(conf, "true", output=tmp_path / "o", loadgen_logs=tmp_path / "l", echo=False)
