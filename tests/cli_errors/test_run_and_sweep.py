"""``run`` and ``sweep``: bad input stops before a director starts or a folder is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import assert_one_line_error, joulekit

SHORT = ("--duration-s", "1", "--settle", "0.1")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("--director", "127.0.0.1:99999"), ("--director", "65535")),
        (("--director", "127.0.0.1:abc"), ("--director", "'abc'")),
        (("--sut", "nosuchsut"), ("unknown SUT 'nosuchsut'",)),
        (("--sut", "callable:no_such_module_xyz:f"), ("no_such_module_xyz",)),
        (("--sut", "http://[bad"), ("HTTP SUT",)),
        (("--round", "v9.9"), ("v9.9", "known rounds")),
        (("--scenario", "Bogus"), ("unknown scenario",)),
        (("--director", "not", "a", "url"), ("unrecognized arguments",)),
    ],
)
def test_run_rejects_bad_options_before_making_the_output(
    tmp_path: Path, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    done = joulekit("run", *args, "-o", str(out), *SHORT)
    assert_one_line_error(done, *needles)
    assert not out.exists()


def test_run_output_under_a_regular_file(junk: Path) -> None:
    done = joulekit("run", "-o", str(junk / "afile" / "sub"), *SHORT)
    assert_one_line_error(done, "under the file", "afile")
    done = joulekit("run", "-o", str(junk / "afile"), *SHORT)
    assert_one_line_error(done, "is a file")


def test_run_conf_files_that_loadgen_cannot_read(junk: Path, tmp_path: Path) -> None:
    for conf, needle in (("missing.conf", "does not exist"), ("adir", "is not a file"),
                         ("bad.conf", "LoadGen could not read")):
        out = tmp_path / f"out-{conf}"
        done = joulekit("run", "--user-conf", str(junk / conf), "-o", str(out), *SHORT)
        assert_one_line_error(done, needle)
        assert not out.exists()


def test_run_http_sut_that_refuses_connections(tmp_path: Path, refused_port: int) -> None:
    out = tmp_path / "out"
    url = f"http://127.0.0.1:{refused_port}/v1/completions"
    done = joulekit("run", "--sut", url, "-o", str(out), *SHORT)
    assert_one_line_error(done, f"127.0.0.1:{refused_port}", "start the server first")
    assert not out.exists()


def test_run_director_that_refuses_connections(tmp_path: Path, refused_port: int) -> None:
    out = tmp_path / "out"
    done = joulekit("run", "--director", f"127.0.0.1:{refused_port}", "-o", str(out), *SHORT)
    line = assert_one_line_error(done, f"127.0.0.1:{refused_port}", "nothing was measured")
    assert "outcome.json" in line
    assert not (out / "performance" / "power").exists()


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ("missing.conf", ("does not exist",)),
        ("adir", ("is a folder",)),
        ("binary.bin", ("not a text file",)),
        ("bad.conf", ("bad.conf:1:", "not a valid INI file")),
    ],
)
def test_rehearse_with_an_unusable_director_config(
    junk: Path, config: str, needles: tuple[str, ...]
) -> None:
    out = junk / "out"
    done = joulekit("run", "--rehearse", "-c", str(junk / config), "-o", str(out), *SHORT)
    assert_one_line_error(done, *needles)
    assert not out.exists()


def test_sweep_output_under_a_regular_file_and_bad_knobs(junk: Path) -> None:
    done = joulekit("sweep", "-o", str(junk / "afile" / "sw"), "--batch-size", "1", *SHORT)
    assert_one_line_error(done, "under the file")
    done = joulekit("sweep", "-o", str(junk / "sw"), "--batch-size", "a,b", *SHORT)
    assert_one_line_error(done, "--batch-size", "comma-separated")
    done = joulekit("sweep", "-o", str(junk / "sw"), "--batch-size", "1", "--sut", "nope",
                    *SHORT)
    assert_one_line_error(done, "unknown SUT")
    assert not (junk / "sw").exists()


def test_sweep_stops_at_a_director_that_refuses(tmp_path: Path, refused_port: int) -> None:
    out = tmp_path / "sw"
    done = joulekit("sweep", "-o", str(out), "--batch-size", "1,2", "--director",
                    f"127.0.0.1:{refused_port}", *SHORT)
    assert_one_line_error(done, "cannot connect to the director", "rerun the same command")
    assert not list(out.glob("points/*/point.json"))  # nothing recorded as measured
