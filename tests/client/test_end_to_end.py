"""Client ↔ director ↔ simulator as real processes over real TCP (protocol v3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .procs import NtpResponder, director, simulator, workload_command

PHASE_FILES = {
    "power": {"client.json", "client.log", "ptd_logs.txt", "server.json", "server.log"},
    "ranging": {"mlperf_log_detail.txt", "mlperf_log_summary.txt", "spl.txt"},
    "run_1": {"mlperf_log_detail.txt", "mlperf_log_summary.txt", "spl.txt", "ptd_out.txt"},
}


def test_cli_client_director_simulator_produce_the_result_tree(tmp_path: Path) -> None:
    ntp = NtpResponder()
    try:
        with (
            simulator(tmp_path) as sim_port,
            director(tmp_path, [f"ptd://127.0.0.1:{sim_port}?device_type=49"]) as (
                port,
                _out,
                _proc,
            ),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "joulekit", "client", "-a", "127.0.0.1", "-p", str(port),
                 "-w", workload_command(tmp_path / "logs", 2.5), "-L", str(tmp_path / "logs"),
                 "-o", str(tmp_path / "out"), "-n", ntp.address, "-l", "e2e", "-T"],
                capture_output=True, text=True, timeout=90,
            )  # fmt: skip
    finally:
        ntp.close()
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    for folder, names in PHASE_FILES.items():
        assert names <= {p.name for p in (out / folder).iterdir()}, folder
    client = json.loads((out / "power" / "client.json").read_text())
    server = json.loads((out / "power" / "server.json").read_text())
    assert [m["cmd"] for m in client["messages"]] == [m["cmd"] for m in server["messages"]]
    assert client["uuid"] == server["uuid"] and client["session_name"].endswith("_e2e")
    assert client["messages"][0]["reply"] == "mlcommons/power server v3"
    # ranging then testing, 4 checkpoints each, and the workload ran inside 1..2
    for mode in ("ranging", "testing"):
        assert len(client["phases"][mode]) == 4 and len(server["phases"][mode]) == 4
    assert any("simulator" in r for r in server["joulekit"]["not_valid_for_submission"])
    assert server["joulekit"]["analyzers"][0]["kind"] == "simulator"
    assert server["ptd_config"][0]["device_type"] == 49
    spl = (out / "run_1" / "spl.txt").read_text().splitlines()
    assert len(spl) >= 2 and all(line.endswith("_e2e_testing") for line in spl)
    ptd = [m["cmd"] for m in server["ptd_messages"]]
    assert ptd.count("SR,A,Auto") == 1 + ptd[-1:].count("SR,A,Auto")  # no duplicate SR,A,Auto
    assert sum(1 for c in ptd if c.startswith("Go,1000,0,")) == 2
    assert "Identify" in ptd
    for rel, _digest in client["results"].items():
        assert (out / rel).is_file(), rel
    assert "power/client.log" in client["results"]
