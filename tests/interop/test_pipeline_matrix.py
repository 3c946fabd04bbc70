"""Every mix of reference and joulekit parts, each a real LoadGen run through ranging and
testing, then the reference checker (power-dev c4b3ad8, run as an external program) and
``joulekit check`` on the tree it wrote.

Directors: the reference director starting ``joulekit-ptd`` as its PTDaemon binary; our
director attached to ``joulekit-ptd`` running under ``joulekit ptd-launch`` (which serves
the console); our director starting ``joulekit-ptd`` from a reference ``server.conf``;
and our director with its in-process simulator (``sim://49``), with the reference client.
Clients: the reference client and ours. The only reference checks allowed to fail are
the identity checks, with their exact messages, and ``joulekit check`` must find the
reference's testing watts. One more pipeline, our director attached without a console
feed, must give exactly one PTD-log finding that names the cause and the fix.

The reference tools ask NTP on port 123 of the address they are given: the test binds a
responder on 127.0.0.1:123 and is skipped, with the reason, where that needs privileges.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from doctor.inifiles import free_port, joulekit_ptd
from doctor.ntp_responder import NtpResponder
from procutil import stop_tree, wait_listening
from realdata import SHARED

pytestmark = pytest.mark.timeout(500)

POWER_DEV = SHARED / "reference" / "power-dev"
REF_SERVER = POWER_DEV / "ptd_client_server"
REF_CHECK = POWER_DEV / "compliance"

#: by design: an honest simulator has no PTDaemon version and cannot print PTDaemon's
#: 'Uncertainty checking for Yokogawa...' line; our client's sources are not the reference's
IDENTITY_FAILURES = {
    "Check PTD commands and replies": "PTD version 'joulekit' is not supported. "
    "Supported versions are ['1.11.1']",
    "Check errors and warnings from PTD logs": "ptd_logs.txt: Line 'Uncertainty checking "
    "for Yokogawa... is activated' is not found.",
}
CLIENT_SOURCES = "Check client sources checksum"
SERVER_SOURCES = "Check server sources checksum"


@pytest.fixture(scope="module")
def ntp_on_123() -> Any:
    responder = NtpResponder(0.0)
    responder.sock.close()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", 123))
    except OSError as err:
        sock.close()
        pytest.skip(f"the reference tools need NTP on 127.0.0.1:123, which cannot be bound: {err}")
    sock.settimeout(0.2)
    responder.sock, responder.port = sock, 123
    with responder:
        yield responder


def _server_conf(path: Path, ptd: Path, listen: int, ptd_port: int) -> Path:
    path.write_text(
        "[server]\nntpServer: 127.0.0.1\n"
        f"listen: 127.0.0.1 {listen}\n"
        f"\n[ptd]\nptd: {ptd}\nanalyzerCount: 1\n"
        "\n[analyzer1]\ndeviceType: 49\ninterfaceFlag:\ndevicePort: /dev/ttyUSB0\n"
        f"networkPort: {ptd_port}\n"
    )
    return path


def _dense_ptd(tmp: Path, ptd: Path) -> Path:
    """``joulekit-ptd`` sampling every 100 ms whatever the Go interval says.

    The reference director loses up to 8 KiB of the console's tail (its tee is never
    flushed before the merge); a real ten-minute run prints far more than that after
    the ranging ``Completed test``, a four-second test run does not. Ten times the
    samples, echoed in full after each ``RL``, give this short run the console volume
    that keeps ``Completed test`` out of the lost tail, as a real run's does.
    """
    wrapper = tmp / "joulekit-ptd-dense"
    wrapper.write_text(f'#!/bin/sh\nexec "{ptd}" --period-ms 100 "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def _popen(argv: list[str], log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    with open(log, "wb") as handle:
        return subprocess.Popen(argv, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)


def _joulekit_director(*args: str) -> list[str]:
    return [sys.executable, "-m", "joulekit", "director", "--settle", "2",
            "--ntp-server", "127.0.0.1", *args]  # fmt: skip


def _start_director(tmp: Path, director: str) -> tuple[list[subprocess.Popen[bytes]], int, Path]:
    """The director (and the PTDaemon stand-in it attaches to); its port and log."""
    listen, ptd_port, log = free_port(), free_port(), tmp / "director.log"
    ptd = joulekit_ptd(tmp)
    started: list[subprocess.Popen[bytes]] = []
    if director == "reference":
        conf = _server_conf(tmp / "server.conf", _dense_ptd(tmp, ptd), listen, ptd_port)
        started.append(_popen([sys.executable, "server.py", "-c", str(conf)], log, REF_SERVER))
    elif director == "launching":
        conf = _server_conf(tmp / "server.conf", ptd, listen, ptd_port)
        started.append(_popen(_joulekit_director("-c", str(conf), "--output",
                                                 str(tmp / "sessions")), log))  # fmt: skip
    elif director == "simulator":  # our director's in-process simulator (sim://49)
        started.append(_popen(_joulekit_director(
            "--analyzer", "sim://49", "--listen", "127.0.0.1", str(listen),
            "--output", str(tmp / "sessions")), log))  # fmt: skip
    else:  # attached: PTDaemon's stand-in runs on its own, the director attaches to it
        ptd_argv = [str(ptd), "-l", str(tmp / "ptd.log"), "-p", str(ptd_port), "49",
                    "/dev/ttyUSB0"]  # fmt: skip
        url = f"ptd://127.0.0.1:{ptd_port}"
        if director == "attached":
            feed = free_port()
            ptd_argv = [sys.executable, "-m", "joulekit", "ptd-launch", "--quiet", "--listen",
                        "127.0.0.1", str(feed), "--console", str(tmp / "console.txt"), "--",
                        *ptd_argv]  # fmt: skip
            url += f"?console=127.0.0.1:{feed}"
        ptd_log = tmp / "ptd-launch.log"
        started.append(_popen(ptd_argv, ptd_log))
        wait_listening(started[0], ptd_port, ptd_log)
        started.append(_popen(_joulekit_director(
            "--analyzer", url, "--listen", "127.0.0.1", str(listen),
            "--output", str(tmp / "sessions")), log))  # fmt: skip
    wait_listening(started[-1], listen, log)
    return started, listen, log


def _pipeline(tmp: Path, director: str, client: str) -> tuple[Path, str]:
    """One session of ``director`` driven by ``client``; returns the tree and the log."""
    tmp.mkdir(parents=True)
    logs, out = tmp / "loadgen", tmp / "out"
    workload = (
        f"{sys.executable} -m joulekit loadgen --sut demo --scenario SingleStream "
        f"--log-dir {logs} --min-duration-ms 4000 --min-query-count 1"
    )
    started, listen, director_log = _start_director(tmp, director)
    try:
        if client == "reference":
            argv = [sys.executable, "client.py"]
            cwd: Path | None = REF_SERVER
            extra: list[str] = []
        else:
            argv = [sys.executable, "-m", "joulekit", "client"]
            cwd = None
            extra = ["--round", "v6.1", "--no-clock-step"]
        ran = subprocess.run(
            [*argv, "-a", "127.0.0.1", "-p", str(listen), "-w", workload, "-L", str(logs),
             "-o", str(out), "-T", "-n", "127.0.0.1", "-l", "interop", "-S", *extra],
            cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stdout + ran.stderr + director_log.read_text()
        started[-1].wait(30)  # -S: the director stops after the session
    finally:
        for proc in reversed(started):
            stop_tree(proc)  # and any PTDaemon stand-in a failed run left
    return out, director_log.read_text()


#: (director, client) → tree: every director with both clients, our director with its
#: in-process simulator (sim://49), and the attached director without a console feed
#: (which must give one clear finding)
MIXES = [
    (director, client)
    for director in ("reference", "attached", "launching")
    for client in ("reference", "joulekit")
] + [("simulator", "reference")]
PIPELINES = [*MIXES, ("attached-no-console", "joulekit")]


@pytest.fixture(scope="module")
def trees(ntp_on_123: NtpResponder, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every pipeline at once (the reference director waits ~40 s in settle sleeps)."""
    base = tmp_path_factory.mktemp("interop")
    results: dict[tuple[str, str], Any] = {}

    def run(director: str, client: str) -> None:
        try:
            results[director, client] = _pipeline(base / f"{director}-{client}", director, client)
        except BaseException as err:  # reported by the test that needs it
            results[director, client] = err

    threads = [threading.Thread(target=run, args=pipeline) for pipeline in PIPELINES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(360)
    return results


def _reference_check(tree: Path) -> dict[str, str | None]:
    """Each check's name → None when it passed, else its first error message."""
    ran = subprocess.run(
        [sys.executable, "check.py", str(tree)],
        cwd=REF_CHECK, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    verdicts: dict[str, str | None] = {}
    current: str | None = None
    for line in (ran.stdout + ran.stderr).splitlines():
        found = re.match(r"(?:INFO|ERROR):main:\[(x| )\] (.+)$", line)
        if found:
            current = found.group(2).strip()
            verdicts[current] = None if found.group(1) == "x" else ""
        elif (
            current is not None and verdicts.get(current) == "" and line.startswith("ERROR:main:\t")
        ):
            verdicts[current] = line.split("\t", 1)[1].strip()
    assert verdicts, ran.stdout + ran.stderr
    return verdicts


def _reference_testing_watts(tree: Path) -> float:
    """The reference checker's testing average (check.py: W > 0 strictly inside the
    LoadGen power window), computed here from its documented definition."""
    begin = end = None
    for line in (tree / "run_1" / "mlperf_log_detail.txt").read_text().splitlines():
        if '"key": "power_begin"' in line or '"key": "power_end"' in line:
            record = json.loads(line.split(":::MLLOG", 1)[1])
            stamp = datetime.strptime(record["value"], "%m-%d-%Y %H:%M:%S.%f").replace(tzinfo=UTC)
            if record["key"] == "power_begin":
                begin = stamp
            else:
                end = stamp
    assert begin is not None and end is not None
    watts = []
    for line in (tree / "run_1" / "spl.txt").read_text().splitlines():
        if not line.startswith("Time"):
            continue
        fields = line.split(",")
        stamp = datetime.strptime(fields[1], "%m-%d-%Y %H:%M:%S.%f").replace(tzinfo=UTC)
        if begin < stamp < end and float(fields[3]) > 0:
            watts.append(float(fields[3]))
    return round(sum(watts) / len(watts), 5)


def _joulekit_check(tree: Path) -> dict[str, Any]:
    checked = subprocess.run(
        [sys.executable, "-m", "joulekit", "check", str(tree), "--round", "v6.1",
         "--format", "json", "--no-progress"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in checked.stderr, checked.stderr
    result: dict[str, Any] = json.loads(checked.stdout)["results"][0]
    return result


def _tree(trees: dict[tuple[str, str], Any], director: str, client: str) -> tuple[Path, str]:
    result = trees[director, client]
    if isinstance(result, BaseException):
        raise result
    tree, director_log = result
    assert "Traceback" not in director_log
    return tree, director_log


@pytest.mark.parametrize(("director", "client"), MIXES)
def test_every_mix_fails_only_the_identity_checks(
    trees: dict[tuple[str, str], Any], director: str, client: str
) -> None:
    tree, _ = _tree(trees, director, client)
    ptd_logs = (tree / "power" / "ptd_logs.txt").read_text()
    # the ranging window is in ptd_logs.txt: through the reference director's buffered
    # tee, through our director's own tee, and through ptd-launch's feed
    assert "_ranging'" in ptd_logs and ptd_logs.count("Completed test") >= 1
    if director == "attached":  # ptd-launch told the director the command line it ran
        config = json.loads((tree / "power" / "server.json").read_text())["ptd_config"][0]
        assert Path(config["command"][0]).name == "joulekit-ptd"
        assert (config["device_type"], config["device_port"]) == (49, "/dev/ttyUSB0")
    failed = {name: msg for name, msg in _reference_check(tree).items() if msg is not None}
    expected = dict(IDENTITY_FAILURES)
    if client == "joulekit":
        assert failed.pop(CLIENT_SOURCES, None) is not None, failed
    if director != "reference":
        assert failed.pop(SERVER_SOURCES, None) is not None, failed
    assert failed == expected
    # and joulekit's own checker finds the reference's power figure on the same tree
    result = _joulekit_check(tree)
    assert round(result["power"]["watts"]["mean"], 5) == _reference_testing_watts(tree)
    errors = {f["rule"] for f in result["findings"] if f["severity"] == "error"}
    # PWR060 is the identity failure: an honest simulator names no Yokogawa driver
    assert not errors & {"PWR002", "PWR061", "PWR062", "PWR070", "PWR130"}, result


def test_attached_without_a_console_is_one_finding_with_its_fix(
    trees: dict[tuple[str, str], Any],
) -> None:
    tree, _ = _tree(trees, "attached-no-console", "joulekit")
    server = json.loads((tree / "power" / "server.json").read_text())
    console = server["joulekit"]["analyzers"][0]["console"]
    assert console["captured"] is False and "no console feed" in console["why"]
    assert server["ptd_config"][0]["device_type"] == 49
    # the reference checker's view of the same tree: the ranging window is missing
    failed = {name: msg for name, msg in _reference_check(tree).items() if msg is not None}
    assert failed["Check errors and warnings from PTD logs"] == (
        "Can not find ranging time in ptd_logs.txt."
    )
    assert "Check PTD configuration" not in failed
    result = _joulekit_check(tree)
    ptd_rules = [
        f for f in result["findings"]
        if f["rule"] in {"PWR060", "PWR061", "PWR062", "PWR063", "PWR070", "PWR130"}
    ]  # fmt: skip
    assert [f["rule"] for f in ptd_rules] == ["PWR130"], ptd_rules
    assert "ptd-launch" in ptd_rules[0]["hint"] and "no console feed" in ptd_rules[0]["message"]
    assert round(result["power"]["watts"]["mean"], 5) == _reference_testing_watts(tree)
