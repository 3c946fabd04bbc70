"""PWR110 and the ``joulekit.lost`` contract: a peer lost mid-run is kept and reported.

Real processes: a ``joulekit ptd-sim`` simulator, a ``joulekit director`` talking to it
over ``ptd://``, the real ``joulekit client`` subprocess; the simulator or the director
is killed mid-testing. Then the checker on what was kept. And the reference checker,
run as an external program, reads a real published tree the same with the key added.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from joulekit.session import protocol as p
from tests.client.procs import free_port, workload_command
from tests.director.hostile import Peer
from tests.procutil import wait_listening
from tests.realdata import DELL_V21_OFFLINE, REPO, SHARED

#: a traceback frame in joulekit itself (the stand-in workload's own on SIGINT is fine)
PRODUCT_FRAME = f'File "{REPO / "joulekit"}'
REF_CHECK = SHARED / "reference" / "power-dev" / "compliance"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
#: ranging short, testing long: the kill lands in testing
WORKLOAD = ('if [ "$JOULEKIT_POWER_MODE" = ranging ]; then {ranging}; else {testing}; fi')


def joulekit(*args: str) -> list[str]:
    return [sys.executable, "-m", "joulekit", *args]


@contextlib.contextmanager
def process(argv: list[str], log: Path, port: int | None = None
            ) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        if port is not None:
            wait_listening(proc, port, log, timeout=30)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def workload_running(client: subprocess.Popen[bytes], command: str) -> bool:
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(client.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if " ".join(child.cmdline()) == command:
                    return True
    return False


def wait_testing(client: subprocess.Popen[bytes], command: str) -> None:
    deadline = time.monotonic() + 60
    while not workload_running(client, command):
        assert client.poll() is None, f"the client exited with {client.returncode}"
        assert time.monotonic() < deadline, "testing never started"
        time.sleep(0.1)


def check_json(path: Path, *extra: str) -> dict[str, Any]:
    done = subprocess.run(joulekit("check", str(path), "--format", "json", "--scope", "power",
                                   "-j", "1", *extra), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode in (0, 1, 2), done.stdout + done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def findings(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for r in report["results"] for f in r["findings"] if f["rule"] == rule]


def assert_entry(entry: dict[str, Any], what: str, phase: str) -> None:
    assert set(entry) == {"what", "peer", "phase", "time", "message"}, entry
    assert entry["what"] == what and entry["phase"] == phase, entry
    assert ISO_UTC.match(entry["time"]), entry["time"]
    assert entry["peer"] and entry["message"], entry


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A simulator and a director that polls it every 0.5 s; yields their processes."""
    sim_port, dir_port = free_port(), free_port()
    with (
        process(joulekit("ptd-sim", "--device", "49", "--port", str(sim_port),
                         "-l", str(tmp_path / "sim.log")), tmp_path / "sim.console",
                sim_port) as sim,
        process(joulekit("director", "--listen", "127.0.0.1", str(dir_port), "--settle", "0.3",
                         "--output", str(tmp_path / "director"), "--keep-sessions",
                         "--analyzer-watch", "0.5", "--analyzer", f"ptd://127.0.0.1:{sim_port}"),
                tmp_path / "director.console", dir_port) as director,
    ):
        yield {"sim": sim, "director": director, "port": dir_port}


def start_client(tmp: Path, port: int) -> tuple[list[str], str]:
    logs = tmp / "logs"
    testing = workload_command(logs, 60.0)
    shell = WORKLOAD.format(ranging=workload_command(logs, 0.5), testing=testing)
    return joulekit("client", "-a", "127.0.0.1", "-p", str(port), "-w", shell, "-L", str(logs),
                    "-o", str(tmp / "out"), "-T", "--no-clock-step"), testing


@pytest.mark.timeout(150)
def test_simulator_killed_mid_testing_stops_the_phase_and_keeps_the_samples(
    tmp_path: Path, rig: dict[str, Any]
) -> None:
    argv, testing = start_client(tmp_path, rig["port"])
    with process(argv, tmp_path / "client.console") as client:
        wait_testing(client, testing)
        time.sleep(3.0)  # a few polls fetch testing samples
        rig["sim"].kill()
        rig["sim"].wait(10)
        code = client.wait(60)  # long before the 60 s workload would have ended
    console = (tmp_path / "client.console").read_text()
    assert code == 3, console
    assert PRODUCT_FRAME not in console, console  # (the stand-in workload's own may show)
    errors = [ln for ln in console.splitlines() if ln.startswith("joulekit client: error")]
    assert len(errors) == 1 and "closed the connection during the testing workload" in \
        errors[0], console
    assert not workload_running(client, testing)
    # the director: the analyzer's loss, the samples it had polled, ranges not restorable
    (session,) = [p for p in (tmp_path / "director").iterdir() if p.is_dir()]
    server = json.loads((session / "power" / "server.json").read_text())
    (lost,) = server["joulekit"]["lost"]
    assert_entry(lost, "analyzer", "testing")
    assert lost["peer"].startswith("ptd://127.0.0.1:")
    assert "lost the link" in lost["message"], lost
    spl = (session / "run_1" / "spl.txt").read_text().splitlines()
    assert len(spl) >= 2 and all(line.endswith("_testing") for line in spl), spl
    assert len((session / "ranging" / "spl.txt").read_text().splitlines()) >= 1
    assert rig["director"].poll() is None  # the director lives on for the next session
    # the client: the director's loss
    out = tmp_path / "out"
    client_json = json.loads((out / "power" / "client.json").read_text())
    (gone,) = client_json["joulekit"]["lost"]
    assert_entry(gone, "director", "testing")
    assert gone["peer"] == f"127.0.0.1:{rig['port']}"
    # assembled as the hint says (the director's files fetched by hand), the tree says both
    for rel in ("power/server.json", "run_1/spl.txt", "ranging/spl.txt", "power/server.log"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(session / rel, out / rel)
    lost_findings = findings(check_json(out, "--round", "v5.1"), "PWR110")
    assert {f["file"] for f in lost_findings} == {"power/server.json", "power/client.json"}
    assert all(f["severity"] == "error" and f["hint"] for f in lost_findings)
    assert any("the analyzer ptd://127.0.0.1:" in f["message"] and "during testing" in
               f["message"] for f in lost_findings), lost_findings


@pytest.mark.timeout(150)
def test_director_killed_mid_testing_stops_the_workload_and_keeps_the_client_side(
    tmp_path: Path, rig: dict[str, Any]
) -> None:
    argv, testing = start_client(tmp_path, rig["port"])
    with process(argv, tmp_path / "client.console") as client:
        wait_testing(client, testing)
        time.sleep(1.0)
        os.kill(rig["director"].pid, signal.SIGKILL)
        code = client.wait(60)
    console = (tmp_path / "client.console").read_text()
    assert code == 3 and PRODUCT_FRAME not in console, console
    assert "closed the connection during the testing workload" in console
    assert not workload_running(client, testing)
    out = tmp_path / "out"
    assert (out / "ranging" / "mlperf_log_detail.txt").is_file()  # what was measured
    client_json = json.loads((out / "power" / "client.json").read_text())
    (gone,) = client_json["joulekit"]["lost"]
    assert_entry(gone, "director", "testing")
    assert any("lost during testing" in r for r in
               client_json["joulekit"]["not_valid_for_submission"])
    (finding,) = findings(check_json(out, "--round", "v5.1"), "PWR110")
    assert finding["file"] == "power/client.json" and "the director 127.0.0.1:" in \
        finding["message"]


def _reference_verdicts(tree: Path) -> list[str]:
    done = subprocess.run([sys.executable, "check.py", str(tree)], cwd=REF_CHECK,
                          capture_output=True, text=True, timeout=120)
    return [ln for ln in (done.stdout + done.stderr).splitlines() if re.match(
        r"(INFO|ERROR):main:\[(x| )\]", ln)]


def test_reference_checker_reads_a_tree_with_lost_entries_unchanged(tmp_path: Path) -> None:
    """The reference checker reads only the keys it knows: ``joulekit.lost`` in both
    power JSON files changes none of its verdicts; ours reports each entry."""
    tree = tmp_path / "Offline"
    shutil.copytree(DELL_V21_OFFLINE, tree)
    before = _reference_verdicts(tree / "performance")
    assert len(before) >= 10, before
    for name, what in (("server.json", "analyzer"), ("client.json", "director")):
        path = tree / "performance" / "power" / name
        document = json.loads(path.read_text())
        document.setdefault("joulekit", {})["lost"] = [{
            "what": what, "peer": "127.0.0.1:4950", "phase": "testing",
            "time": "2022-08-01T10:00:00.000Z", "message": f"the {what} went away",
        }]  # fmt: skip
        path.write_text(json.dumps(document, indent=2))
    assert _reference_verdicts(tree / "performance") == before
    report = check_json(tree / "performance")
    messages = sorted(f["message"] for f in findings(report, "PWR110"))
    assert messages == [
        "client.json: the director 127.0.0.1:4950 was lost during testing at "
        "2022-08-01T10:00:00.000Z: the director went away",
        "server.json: the analyzer 127.0.0.1:4950 was lost during testing at "
        "2022-08-01T10:00:00.000Z: the analyzer went away",
    ]


@pytest.mark.timeout(90)
def test_client_gone_mid_ranging_is_recorded_by_the_director(
    tmp_path: Path, rig: dict[str, Any]
) -> None:
    """A client whose link resets with a session open: the director ends the session,
    keeps the ranging samples and records the client as lost in server.json."""
    peer = Peer(rig["port"]).handshake()
    reply = peer.ask(f"new,gone,{'0' * 8}-0000-0000-0000-{'0' * 12}")
    session_id = reply[3:].partition(",")[0]
    assert peer.ask(f"session,{session_id},start,ranging") == p.REPLY_OK
    time.sleep(2.0)
    local = f"127.0.0.1:{peer.sock.getsockname()[1]}"
    peer.reset()
    server_json = tmp_path / "director" / session_id / "power" / "server.json"
    deadline = time.monotonic() + 30
    while not server_json.is_file():
        assert time.monotonic() < deadline, "the session was never ended"
        time.sleep(0.2)
    time.sleep(0.5)  # written atomically; the folder's other files come with it
    server = json.loads(server_json.read_text())
    (lost,) = server["joulekit"]["lost"]
    assert_entry(lost, "client", "ranging")
    assert lost["peer"] == local and "disconnected" in lost["message"], lost
    spl = (tmp_path / "director" / session_id / "ranging" / "spl.txt").read_text()
    assert spl.splitlines() and all(ln.endswith("_ranging") for ln in spl.splitlines())
    assert rig["director"].poll() is None


@pytest.mark.timeout(120)
def test_run_whose_director_dies_stops_loadgen_at_once(tmp_path: Path) -> None:
    """``joulekit run``: the local director killed mid-ranging stops LoadGen now, not at
    the end of its 30 s, and the run keeps client.json with the loss."""
    out = tmp_path / "out"
    with process(joulekit("run", "--duration-s", "30", "--settle", "0.2", "--output",
                          str(out)), tmp_path / "run.console") as run:
        deadline = time.monotonic() + 60
        director = loadgen = None
        while director is None or loadgen is None:
            assert run.poll() is None and time.monotonic() < deadline, "ranging never started"
            for child in psutil.Process(run.pid).children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    line = " ".join(child.cmdline())
                    if "joulekit.cli.watched" in line:
                        director = child
                    elif "joulekit loadgen" in line:
                        loadgen = child
            time.sleep(0.2)
        time.sleep(1.0)
        started = time.monotonic()
        director.kill()
        code = run.wait(60)
        took = time.monotonic() - started
    console = (tmp_path / "run.console").read_text()
    assert code != 0 and PRODUCT_FRAME not in console, console
    assert took < 25, f"the run took {took:.1f} s to stop after its director died"
    flat = " ".join(console.split())  # the summary is wrapped to the terminal width
    assert "closed the connection during the ranging workload" in flat, console
    with contextlib.suppress(psutil.Error):
        assert not loadgen.is_running() or loadgen.status() == psutil.STATUS_ZOMBIE
    outcome = json.loads((out / "outcome.json").read_text())
    assert "closed the connection during the ranging workload" in outcome["error"]
    client_json = json.loads((out / "performance" / "power" / "client.json").read_text())
    (gone,) = client_json["joulekit"]["lost"]
    assert_entry(gone, "director", "ranging")
