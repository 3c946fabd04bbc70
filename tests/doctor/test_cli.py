"""``joulekit doctor`` as a user runs it: a subprocess, JSON or a table, exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from .ntp_responder import NtpResponder

TIMEOUT = 60


def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joulekit", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def as_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def by_check(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["check"]: r for r in document["results"]}


def test_clean_sut_host_exits_zero(tmp_path: Path) -> None:
    with NtpResponder(0.0) as ntp:
        done = doctor(
            "-n", ntp.address, "-o", str(tmp_path / "out"), "-L", str(tmp_path / "logs"),
            "--round", "v6.1", "--format", "json",
        )  # fmt: skip
    document = as_json(done)
    statuses = {r["check"]: r["status"] for r in document["results"]}
    # the one check this host decides: whether it may step its clock (CI runs as root
    # without ntpdate: a warning); everything the test set up is clean
    clock = statuses.pop("clock.step")
    assert statuses == {
        "round.pack": "ok", "loadgen.import": "ok", "ntp.offset": "ok",
        "folder.client": "ok", "folder.loadgen": "ok", "folder.apart": "ok",
    }  # fmt: skip
    assert clock in ("ok", "warning")
    assert done.returncode == (0 if clock == "ok" else 2), document
    assert document["exit_code"] == done.returncode


def test_unknown_round_fails_with_advice_and_exit_one(tmp_path: Path) -> None:
    done = doctor("--round", "v0.7", "--format", "json")
    document = as_json(done)
    assert done.returncode == 1
    pack = by_check(document)["round.pack"]
    assert pack["status"] == "error"
    assert "v0.7" in pack["message"]
    assert pack["advice"].startswith("pass --round with a known round")


def test_ntp_offset_beyond_limit_fails(tmp_path: Path) -> None:
    with NtpResponder(2.0) as ntp:
        done = doctor("-n", ntp.address, "--format", "json")
    result = by_check(as_json(done))["ntp.offset"]
    assert done.returncode == 1
    assert result["status"] == "error" and "beyond the 400 ms" in result["message"]
    assert "ntpdate -b" in result["advice"]


def test_unreachable_ntp_server_fails(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = doctor("-n", f"127.0.0.1:{port}", "--timeout", "0.5", "--format", "json")
    result = by_check(as_json(done))["ntp.offset"]
    assert done.returncode == 1
    assert result["status"] == "error" and "no NTP answer" in result["message"]
    assert "UDP port" in result["advice"]


def test_read_only_output_folder_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    done = doctor("-o", str(blocker / "out"), "--format", "json")
    result = by_check(as_json(done))["folder.client"]
    assert done.returncode == 1
    assert result["status"] == "error" and "is a file" in result["message"]


def test_table_output_shows_the_advice_line(tmp_path: Path) -> None:
    done = doctor("--round", "v0.7")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "FAIL" in done.stdout
    assert "→ pass --round" in done.stdout


def test_missing_config_file_is_one_error_not_a_traceback(tmp_path: Path) -> None:
    done = doctor("-c", str(tmp_path / "nope.conf"), "--format", "json")
    document = as_json(done)
    assert done.returncode == 1
    layout = by_check(document)["config.layout"]
    assert "does not exist" in layout["message"]
    assert by_check(document)["director"]["status"] == "skipped"
