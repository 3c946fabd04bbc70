"""Every number, port and URL a user gives is checked before anything starts.

Each case was a traceback (``nan`` reaching ``int()``, a ``%`` reaching configparser's
interpolation, ``urlsplit`` refusing ``[::1:8888``) or was silently accepted (a NaN
settle time, a port past 65535, a negative settle): now one line, exit 3.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.validate import float_arg, int_arg, parse_float, parse_int, parse_port
from tests.cli_errors.helpers import assert_one_line_error, joulekit

#: a director that wrongly accepts its input starts listening; it must not get that far
DIRECTOR_TIMEOUT_S = 30

LISTEN = ["--listen", "127.0.0.1", "0"]


def _conf(tmp_path: Path, server_lines: str) -> str:
    path = tmp_path / "server.conf"
    path.write_text(f"[server]\nntpServer = pool.ntp.org\n{server_lines}\n"
                    "[analyzer1]\nurl = sim://49\n")
    return str(path)


@pytest.mark.parametrize(("line", "needles"), [
    ("settleSeconds = ten", ("settleSeconds", "'ten'")),
    ("settleSeconds = nan", ("settleSeconds", "finite")),
    ("settleSeconds = inf", ("settleSeconds", "finite")),
    ("settleSeconds = -1", ("settleSeconds", "at least 0")),
    ("sharedKey = 50%off", ("[server] sharedKey", "%%")),
    ("listen = 127.0.0.1 99999", ("listen port", "65535")),
    ("listen = 127.0.0.1 ٣٣", ("listen port", "whole number")),
])
def test_director_config_value_is_one_line(tmp_path: Path, line: str,
                                           needles: tuple[str, ...]) -> None:
    done = joulekit("director", "-c", _conf(tmp_path, line), *LISTEN,
                    timeout=DIRECTOR_TIMEOUT_S)
    assert_one_line_error(done, "server.conf", *needles)


def test_percent_in_an_analyzer_section_names_it(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text("[server]\nntpServer = x\n[ptd]\nptd = /bin/ptd\n[analyzer1]\n"
                    "deviceType = 49\ninterfaceFlag = -y\ndevicePort = C3YD%21\n")
    done = joulekit("director", "-c", str(path), *LISTEN, timeout=DIRECTOR_TIMEOUT_S)
    assert_one_line_error(done, "[analyzer1] devicePort", "%%")


def test_network_port_out_of_range_in_ini(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text("[server]\nntpServer = x\n[ptd]\nptd = /bin/ptd\n[analyzer1]\n"
                    "deviceType = 49\ninterfaceFlag = -y\ndevicePort = C3YD21\n"
                    "networkPort = 99999\n")
    done = joulekit("director", "-c", str(path), *LISTEN, timeout=DIRECTOR_TIMEOUT_S)
    assert_one_line_error(done, "networkPort", "65535")


@pytest.mark.parametrize(("url", "needles"), [
    ("ptd://[::1:8888", ("malformed", "[::1]:8888")),
    ("ptd://127.0.0.1:8888?reply_timeout=x", ("reply_timeout", "'x'")),
    ("ptd://127.0.0.1:8888?reply_timeout=nan", ("reply_timeout", "finite")),
    ("ptd://127.0.0.1:8888?connect_timeout=-3", ("connect_timeout", "more than 0")),
    ("ptd://127.0.0.1:8888?device_type=x", ("device_type", "whole number")),
    ("ptd://127.0.0.1:99999", ("port", "65535")),
    ("ptd://127.0.0.1:0", ("port", "at least 1")),
    ("sim://49?period_ms=fast", ("period_ms", "whole number")),
    ("sim://49?reply_timeout=inf", ("reply_timeout", "finite")),
    ("visa://GPIB0::1::INSTR?timeout_ms=soon", ("timeout_ms", "whole number")),
])
def test_analyzer_url_is_one_line(url: str, needles: tuple[str, ...]) -> None:
    done = joulekit("director", "--analyzer", url, *LISTEN, timeout=DIRECTOR_TIMEOUT_S)
    assert_one_line_error(done, *needles)


@pytest.mark.parametrize("args", [
    ("director", "--analyzer", "sim://49", "--settle", "nan", *LISTEN),
    ("director", "--analyzer", "sim://49", "--settle", "-1", *LISTEN),
    ("director", "--analyzer", "sim://49", "--listen", "127.0.0.1", "99999"),
    ("run", "--duration-s", "nan"),
    ("run", "--duration-s", "inf"),
    ("run", "--duration-s", "1e999"),
    ("run", "--duration-s", "0"),
    ("run", "--settle", "nan"),
    ("run", "--settle", "-2"),
    ("run", "--target-qps", "nan"),
    ("run", "--batch-size", "0"),
    ("run", "--director", "127.0.0.1:99999"),
    ("loadgen", "--log-dir", "L", "--target-qps", "inf"),
    ("loadgen", "--log-dir", "L", "--target-qps", "nan"),
    ("loadgen", "--log-dir", "L", "--target-latency-ms", "-5"),
    ("loadgen", "--log-dir", "L", "--min-duration-ms", "1e3"),
    ("loadgen", "--log-dir", "L", "--min-query-count", "-1"),
    ("loadgen", "--log-dir", "L", "--max-query-count", str(2**64)),
    ("loadgen", "--log-dir", "L", "--concurrency", "0"),
    ("client", "-a", "127.0.0.1", "-p", "99999", "-w", "true", "-L", "L", "-o", "O"),
    ("client", "-a", "127.0.0.1", "-w", "true", "-L", "L", "-o", "O", "-A", "nan"),
    ("client", "-a", "127.0.0.1", "-w", "true", "-L", "L", "-o", "O", "--max-offset-ms", "inf"),
    ("sweep", "-o", "S", "--batch-size", "1,nan"),
    ("sweep", "-o", "S", "--batch-size", "1.5"),
    ("sweep", "-o", "S", "--target-qps", "0"),
    ("sweep", "-o", "S", "--batch-size", "1", "--duration-s", "inf"),
    ("sweep", "-o", "S", "--batch-size", "1", "--settle", "nan"),
    ("check", ".", "--jobs", "0"),
    ("report", ".", "--batch-size", "-1"),
    ("recommend", "S", "--p99-ms", "nan"),
])
def test_command_line_value_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = joulekit(*args, cwd=tmp_path, timeout=DIRECTOR_TIMEOUT_S)
    assert_one_line_error(done)
    assert not list(tmp_path.iterdir()), "nothing is created for a refused command line"


def test_noop_offline_runs_instead_of_crashing_loadgen(tmp_path: Path) -> None:
    """The no-work SUT times at a billion samples/s; that rate sized LoadGen's Offline
    query at over a billion samples: std::bad_alloc, then a segfault (exit -11/139)."""
    done = joulekit("loadgen", "--sut", "noop", "--scenario", "Offline",
                    "--min-duration-ms", "200", "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "capped" in done.stdout
    assert (tmp_path / "logs" / "mlperf_log_detail.txt").is_file()


def test_offline_query_larger_than_memory_is_refused_before_loadgen(tmp_path: Path) -> None:
    done = joulekit("loadgen", "--sut", "noop", "--scenario", "Offline",
                    "--target-qps", "1e12", "--log-dir", str(tmp_path / "logs"))
    assert_one_line_error(done, "Offline query", "GiB", "--target-qps")


# the shared validators, in-process

@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e999", "", "ten", "٣",
                                  "1_0", "x" * 500])
def test_parse_float_refuses(text: str) -> None:
    with pytest.raises(UserError, match="settle"):
        parse_float(text, "settle")


def test_parse_float_bounds() -> None:
    assert parse_float(" 2.5 ", "x", minimum=0) == 2.5
    with pytest.raises(UserError, match="at least 0"):
        parse_float("-0.1", "x", minimum=0)
    with pytest.raises(UserError, match="more than 0"):
        parse_float("0", "x", positive=True)
    with pytest.raises(UserError, match="at most 10"):
        parse_float("11", "x", maximum=10)


@pytest.mark.parametrize("text", ["٣", "²", "1.0", "0x10", "", " ", "1e3", "9" * 40])
def test_parse_int_refuses(text: str) -> None:
    with pytest.raises(UserError):
        parse_int(text, "n")


def test_ports() -> None:
    assert parse_port("65535", "p") == 65535
    assert parse_port("0", "p", allow_zero=True) == 0
    for bad in ("0", "65536", "-1", "http"):
        with pytest.raises(UserError):
            parse_port(bad, "p")


def test_argparse_types_raise_argument_type_errors() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="finite"):
        float_arg()("nan")
    with pytest.raises(argparse.ArgumentTypeError, match="at least 1"):
        int_arg(minimum=1)("0")
    assert float_arg(positive=True)("3") == 3.0
