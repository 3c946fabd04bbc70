"""``loadgen``, ``report``, ``recommend``, ``init``, ``package``, ``rules``, ``doctor``,
``ptd-sim`` and ``joulekit-ptd`` given what a user might give them by mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from realdata import UNTETHER_V41_SS

from .helpers import TIMEOUT_S, assert_one_line_error, joulekit


def test_loadgen_http_sut_that_refuses(tmp_path: Path, refused_port: int) -> None:
    done = joulekit("loadgen", "--sut", f"http://127.0.0.1:{refused_port}/v1/completions",
                    "--log-dir", str(tmp_path / "logs"), "--min-duration-ms", "100")
    assert_one_line_error(done, f"127.0.0.1:{refused_port}", "ConnectionRefusedError")


@pytest.mark.parametrize(
    ("prompts", "needle"),
    [("adir", "is a folder"), ("binary.bin", "not a text file"), ("bad.json", "bad.json:1:")],
)
def test_loadgen_prompts_files(junk: Path, prompts: str, needle: str) -> None:
    done = joulekit("loadgen", "--sut", "http://127.0.0.1:1/v1/completions", "--prompts",
                    str(junk / prompts), "--log-dir", str(junk / "logs"))
    assert_one_line_error(done, needle)


def test_report_output_under_a_file_and_bad_round(junk: Path) -> None:
    # a real result, so each refusal is the one named here and not "no power result"
    done = joulekit("report", str(junk / "missing"))
    assert_one_line_error(done, "does not exist")
    done = joulekit("report", str(UNTETHER_V41_SS), "-o", str(junk / "afile" / "x"))
    assert_one_line_error(done, f"-o {junk / 'afile' / 'x'} is under the file {junk / 'afile'}")
    done = joulekit("report", str(UNTETHER_V41_SS), "-o", str(junk / "out"), "--round", "v9.9")
    assert_one_line_error(done, "no rule pack for round 'v9.9'", "known rounds")
    assert not (junk / "out").exists()


def test_report_of_a_folder_without_results(junk: Path) -> None:
    done = joulekit("report", str(junk), "-o", str(junk / "out"))
    assert_one_line_error(done, f"no power result below {junk}")


def test_report_requests_file_that_is_a_folder(junk: Path) -> None:
    done = joulekit("report", str(UNTETHER_V41_SS), "-o", str(junk / "out"),
                    "--requests", str(junk / "adir"), "--batch-size", "4")
    assert_one_line_error(done, f"requests file {junk / 'adir'} is a folder")
    assert not (junk / "out").exists()


@pytest.mark.parametrize(
    ("table", "needle"),
    [("missing", "missing: no such sweep table"),
     ("afile", "afile: no energy_per_sample_j column"),
     ("adir", "adir holds no sweep.parquet or sweep.csv"),
     ("bad.json", "bad.json: no energy_per_sample_j column")],
)
def test_recommend_without_a_sweep_table(junk: Path, table: str, needle: str) -> None:
    assert_one_line_error(joulekit("recommend", str(junk / table)), needle)


def test_init_into_a_regular_file(junk: Path) -> None:
    base = ("--round", "v6.1", "--submitter", "ACME", "--system", "box")
    assert_one_line_error(joulekit("init", str(junk / "afile"), *base), "is a file")
    assert_one_line_error(joulekit("init", str(junk / "afile" / "x"), *base), "under the file")
    assert (junk / "afile").read_text() == "x\n"


def test_package_of_a_file_and_of_a_broken_project(junk: Path) -> None:
    assert_one_line_error(joulekit("package", str(junk / "afile")), "not a joulekit submission")
    (junk / "adir" / "joulekit-submission.json").write_text('{"round": ')
    assert_one_line_error(joulekit("package", str(junk / "adir")), "not valid JSON")


@pytest.mark.parametrize(
    ("args", "needle"),
    [(("rules", "show", "PWR001", "--section", "power"), "--section selects a section"),
     (("rules", "bogus"), "invalid choice: 'bogus'"),
     (("rules", "show", "v9.9"), "no rule pack for round 'v9.9'"),
     (("nosuchcmd",), "unknown command 'nosuchcmd'")],
)
def test_usage_errors_are_one_line_and_exit_3(args: tuple[str, ...], needle: str) -> None:
    assert_one_line_error(joulekit(*args), needle)


def test_doctor_port_out_of_range() -> None:
    assert_one_line_error(joulekit("doctor", "-a", "127.0.0.1", "-p", "99999"), "65535")


@pytest.mark.parametrize(("config", "needle"), [("adir", "is a folder"),
                                                ("binary.bin", "not a text file"),
                                                ("bad.conf", "bad.conf:1:")])
def test_doctor_reports_an_unreadable_config_as_one_finding(
    junk: Path, config: str, needle: str
) -> None:
    done = joulekit("doctor", "-c", str(junk / config), "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "check itself failed" not in done.stdout
    assert needle in done.stdout


def test_ptd_sim_port_taken_or_out_of_range(taken_port: int) -> None:
    assert_one_line_error(joulekit("ptd-sim", "--device", "49", "--port", str(taken_port)), "taken")
    assert_one_line_error(joulekit("ptd-sim", "--device", "49", "--port", "99999"), "65535")
    done = subprocess.run([sys.executable, "-m", "joulekit.cli.ptd_sim",
                           "-p", str(taken_port), "49", "/dev/null"],
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert_one_line_error(done, "taken")
    done = subprocess.run([sys.executable, "-m", "joulekit.cli.ptd_sim",
                           "-p", "x", "49", "/dev/null"],
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert_one_line_error(done, "-p")


def test_ptd_sim_log_file_it_cannot_write(junk: Path) -> None:
    done = joulekit("ptd-sim", "--device", "49", "--port", "0", "-l", str(junk / "afile" / "x.log"))
    assert_one_line_error(done, "-l file", "afile")
    done = joulekit("ptd-sim", "--device", "49", "--port", "0", "--host", "no.such.host.invalid")
    assert_one_line_error(done, "--host")
