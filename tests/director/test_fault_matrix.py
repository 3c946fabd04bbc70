"""Every simulator fault, driven through ``joulekit director`` as a real process.

A client (:func:`run_client` with a stand-in LoadGen workload) runs ranging and testing
against ``joulekit director --analyzer sim://49?fault=…``. Faults that end the session
must give the client one clear error line (and ``server.log`` one ``[ERROR]`` line),
restore the analyzer's initial ranges (the transcript ends ``SR,V``/``SR,A`` with the
``RR`` values), keep every sample taken before the fault on disk, and leave the director
serving with nothing orphaned. Faults in the data let the session complete; the samples
are kept, the director says what is wrong with them, and the checker names the rule.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from joulekit.checker.inference_power.runner import check_power_result
from joulekit.formats.spl import read_spl
from joulekit.rules import detect_round, load_pack

from .fault_procs import (
    DirectorProc,
    client_options,
    director,
    run_client_catching,
    server_json,
    spl_lines,
)

pytestmark = pytest.mark.timeout(60)

FAST = "period_ms=100"


def _initial_restore(server: dict[str, Any]) -> None:
    """The transcript ends with SR,V / SR,A repeating the first RR reply's text."""
    ptd = [(m["cmd"], m["reply"]) for m in server["ptd_messages"]]
    rr = next(reply for cmd, reply in ptd if cmd == "RR")
    _, _a_auto, amps, _v_auto, volts = rr.split(",")
    assert ptd[-2:] == [(f"SR,V,{volts}", "Range V changed"), (f"SR,A,{amps}", "Range A changed")]


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "[ERROR]" in line]


def _still_serving(d: DirectorProc) -> None:
    """The director survived the fault and owns no leftover process."""
    assert d.proc.poll() is None, d.console_text()[-2000:]
    assert psutil.Process(d.proc.pid).children(recursive=True) == []


def _rules(result: Path) -> dict[str, list[str]]:
    rnd, _why = detect_round(result)
    report = check_power_result(result, load_pack(rnd))
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.severity != "notice":
            found.setdefault(finding.rule, []).append(finding.message)
    return found


# ---------------------------------------------------------------- faults that end a session

ENDING = [
    pytest.param(
        "refuse-start", "start,ranging",
        r"analyzer 1 \(sim://49.*\) failed to start: simulated start-up failure \(refuse-start\)",
        id="refuse-start",
    ),
    pytest.param(
        "slow-start:seconds=10.5", "start,ranging",
        r"failed to start: the PTDaemon simulator did not start within 10 s",
        id="slow-start-beyond-timeout",
    ),
    pytest.param(
        "drop-rl:times=99,after=1", "stop,ranging",
        r"failed to stop measuring: lost the link to the joulekit simulator .* during 'RL' "
        r"4 times; \d+ sample\(s\) kept",
        id="drop-mid-rl",
    ),
    pytest.param(
        "error:cmd=Go", "start,ranging",
        r"failed to start measuring: .* answered 'Go,1000,0,\S+_ranging' with 'Error'$",
        id="error-on-go",
    ),
    pytest.param(
        "error:cmd=SR", "start,ranging",
        r"failed to set ranges: .* answered 'SR,V,Auto' with 'Error'$",
        id="error-on-sr",
    ),
    pytest.param(
        "busy:cmd=Go", "start,ranging",
        r"failed to start measuring: .* with 'Meter busy'; the meter is busy, retry later$",
        id="meter-busy-on-go",
    ),
    pytest.param(
        "error:cmd=Stop,times=99", "stop,ranging",
        r"failed to stop measuring: .* answered 'Stop' with 'Error'; \d+ sample\(s\) kept$",
        id="error-on-stop",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "refused", "message"), ENDING)
def test_fault_ends_the_session_cleanly(
    tmp_path: Path, fault: str, refused: str, message: str
) -> None:
    with director(tmp_path, [f"sim://49?{FAST}&fault={fault}"]) as d:
        result, error = run_client_catching(client_options(tmp_path, d.port))
        assert result is None and error is not None
        session = d.session()
        server = server_json(session)
        _still_serving(d)
    # the client: one line, naming the refused command and the analyzer's own words
    assert "\n" not in error
    assert f"refused 'session,{session.name},{refused}': Error: " in error, error
    assert "the session was ended" in error
    reason = server["joulekit"]["end_reason"]
    assert reason in error
    assert re.search(message, reason), reason
    # server.log: exactly one [ERROR] line, the same sentence
    log = (session / "power" / "server.log").read_text()
    errors = _error_lines(log)
    assert len(errors) == 1 and errors[0].endswith(reason), errors
    assert "Traceback" not in log and "exception" not in reason.lower()
    # ranges restored wherever the analyzer was reached
    if any(m["cmd"] == "RR" for m in server["ptd_messages"]):
        _initial_restore(server)
    # every sample the analyzer delivered before the fault is on disk
    ranging = spl_lines(session / "ranging" / "spl.txt")
    if fault.startswith(("drop-rl", "error:cmd=Stop")):
        kept = int(re.search(r"(\d+) sample\(s\) kept", reason).group(1))  # type: ignore[union-attr]
        # a meter that refuses Stop keeps measuring until the session ends: later
        # samples are fetched too
        assert kept >= 1
        assert len(ranging) == kept if fault.startswith("drop-rl") else len(ranging) >= kept
        assert all(line.endswith("_ranging") for line in ranging)
    assert server["phases"].get("testing") is None
    assert (session / "power" / "ptd_logs.txt").is_file()


def test_cli_client_prints_one_error_line(tmp_path: Path) -> None:
    with director(tmp_path, [f"sim://49?{FAST}&fault=error:cmd=Go"]) as d:
        done = subprocess.run(
            [sys.executable, "-m", "joulekit", "client", "-a", "127.0.0.1", "-p", str(d.port),
             "-w", "true", "-L", str(tmp_path / "logs"), "-o", str(tmp_path / "out"), "-T",
             "--no-clock-step"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        server = server_json(d.session())
        _still_serving(d)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    final = [line for line in lines if line.startswith("joulekit client: error:")]
    assert len(final) == 1 and _error_lines(done.stderr) == [], done.stderr[-3000:]
    assert server["joulekit"]["end_reason"] in final[0]
    client_log = (tmp_path / "out" / "power" / "client.log").read_text()
    assert len(_error_lines(client_log)) == 1
    _initial_restore(server)


def test_slow_start_within_the_timeout_completes(tmp_path: Path) -> None:
    with director(tmp_path, [f"sim://49?{FAST}&fault=slow-start:seconds=1.5"]) as d:
        result, error = run_client_catching(client_options(tmp_path, d.port))
        assert error is None and result is not None
        server = server_json(d.session())
        _still_serving(d)
    ranging = server["phases"]["ranging"]
    assert ranging[1][1] - ranging[0][1] >= 1.5  # the wait happened before the Go
    assert "end_reason" not in server["joulekit"]
    _initial_restore(server)
    assert len(spl_lines(tmp_path / "out" / "run_1" / "spl.txt")) >= 5


def test_busy_stop_is_retried_and_the_session_completes(tmp_path: Path) -> None:
    with director(tmp_path, [f"sim://49?{FAST}&fault=busy:cmd=Stop,times=2"]) as d:
        result, error = run_client_catching(client_options(tmp_path, d.port))
        assert error is None and result is not None
        server = server_json(d.session())
    stops = [m["reply"] for m in server["ptd_messages"] if m["cmd"] == "Stop"]
    assert stops[:3] == ["Meter busy", "Meter busy", "Stopping untimed measurement"], stops
    watts = next(m["reply"] for m in server["ptd_messages"] if m["cmd"] == "Watts")
    assert len(spl_lines(tmp_path / "out" / "ranging" / "spl.txt")) == int(watts.split(",")[4])
    _initial_restore(server)


def test_recovered_drop_mid_rl_keeps_every_sample(tmp_path: Path) -> None:
    with director(tmp_path, [f"sim://49?{FAST}&fault=drop-rl:times=1,after=2"]) as d:
        result, error = run_client_catching(client_options(tmp_path, d.port))
        assert error is None and result is not None
        server = server_json(d.session())
    warnings = server["joulekit"]["analyzer_warnings"]
    assert any("ranging: lost the link" in w and "reconnected" in w for w in warnings), warnings
    watts = next(m["reply"] for m in server["ptd_messages"] if m["cmd"] == "Watts")
    assert len(spl_lines(tmp_path / "out" / "ranging" / "spl.txt")) == int(watts.split(",")[4])
    _initial_restore(server)


# ---------------------------------------------------------------- faults in the data

DATA = [
    pytest.param(
        f"{FAST}&fault=nan:at=3", (1.0, 1.0),
        r"^1 invalid reading\(s\) \(NaN or over-range\) kept as -1", {"PWR061"}, id="nan",
    ),
    pytest.param(
        f"{FAST}&fault=overrange:at=3,count=2", (1.0, 1.0),
        r"^2 invalid reading\(s\) \(NaN or over-range\) kept as -1", {"PWR061"}, id="overrange",
    ),
    pytest.param(
        f"{FAST}&fault=uncertainty-high:at=3", (1.0, 2.0),
        r"\d+ sample\(s\) above the 1 % uncertainty limit", {"PWR062", "PWR063"},
        id="uncertainty-above-1pc",
    ),
    pytest.param(
        "fault=miss:at=1,count=2", (1.0, 4.0),
        r"missed 2 sample\(s\) \(gaps in the timestamps\)", {"PWR101", "PWR063"}, id="missed",
    ),
    pytest.param(
        f"{FAST}&fault=duplicate:at=3", (1.0, 1.0),
        r"sent 1 duplicated sample\(s\) \(same timestamp\); kept one of each", set(),
        id="duplicated",
    ),
    pytest.param(
        f"{FAST}&fault=clock-offset:seconds=5", (1.0, 1.0),
        r"clock is about \+5\.", {"PWR100"}, id="clock-offset",
    ),
    pytest.param(
        "fault=drift:ppm=80000", (1.0, 1.5),
        r"samples every 10[5-9]\d ms instead of 1000 ms", set(), id="clock-drift",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("query", "seconds", "warning", "rules"), DATA)
def test_data_fault_completes_and_is_marked(
    tmp_path: Path, query: str, seconds: tuple[float, float], warning: str, rules: set[str]
) -> None:
    ranging_s, testing_s = seconds
    from .fault_procs import loadgen_workload

    workloads = {"ranging": loadgen_workload(ranging_s), "testing": loadgen_workload(testing_s)}
    with director(tmp_path, [f"sim://49?{query}"]) as d:
        result, error = run_client_catching(
            client_options(tmp_path, d.port, workload=lambda ctx: workloads[ctx.mode](ctx))
        )
        assert error is None and result is not None, error
        session = d.session()
        server = server_json(session)
        _still_serving(d)
    out = tmp_path / "out"
    assert "end_reason" not in server["joulekit"]
    _initial_restore(server)
    # the director says what is wrong, in server.log and server.json, per phase
    warnings = server["joulekit"]["analyzer_warnings"]
    testing_notes = [w.removeprefix("analyzer 1, testing: ") for w in warnings]
    assert any(re.search(warning, w) for w in testing_notes if w not in warnings), warnings
    log = (out / "power" / "server.log").read_text()
    assert re.search(warning.lstrip("^"), log) and _error_lines(log) == []
    # every sample the analyzer returned is on disk, invalid ones as -1
    for phase, folder in (("ranging", "ranging"), ("testing", "run_1")):
        spl = read_spl(out / folder / "spl.txt")
        assert spl.issues == [] and len(spl.lines) >= 1, phase
        assert (session / folder / "spl.txt").read_text() == (out / folder / "spl.txt").read_text()
    testing = read_spl(out / "run_1" / "spl.txt").lines
    if "invalid reading" in warning:
        bad = int(warning[1])
        assert sum(1 for line in testing if line.watts == -1) == bad
    if "duplicated" in warning:
        stamps = [line.time for line in testing]
        assert len(stamps) == len(set(stamps))
    if "clock is about" in warning:
        go = server["phases"]["testing"][1][0]
        assert testing[0].time.timestamp() - go > 4.5
    found = _rules(out)
    assert rules <= set(found), found


# ---------------------------------------------------------------- the director is stopped


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_testing_ends_session_restores_and_writes(tmp_path: Path, sig: int) -> None:
    holder: dict[str, DirectorProc] = {}

    def on_phase(mode: str, step: str) -> None:
        if mode == "testing" and step == "workload":
            time.sleep(0.5)
            holder["d"].proc.send_signal(sig)

    with director(tmp_path, [f"sim://49?{FAST}"]) as d:
        holder["d"] = d
        result, error = run_client_catching(
            client_options(tmp_path, d.port, seconds=1.5, on_phase=on_phase)
        )
        code = d.proc.wait(timeout=20)
        session = d.session()
    assert result is None and error is not None and "\n" not in error
    # mid-workload the client notices the closed connection at once (joulekit.lost)
    assert "closed the connection during the testing workload" in error \
        or "stopped answering" in error, error
    assert code in (0, 1, 130, 128 + sig, -sig), code  # it exited on its own, promptly
    server = server_json(session, timeout=1)
    assert "interrupted" in server["joulekit"]["end_reason"], server["joulekit"]
    _initial_restore(server)
    testing = spl_lines(session / "run_1" / "spl.txt")
    assert len(testing) >= 3 and all(line.endswith("_testing") for line in testing)
    assert (session / "run_1" / "ptd_out.txt").is_file()
    assert len(spl_lines(session / "ranging" / "spl.txt")) >= 5
    assert "interrupted; what was measured is kept" in d.console_text()
