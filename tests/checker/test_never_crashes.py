"""No mutation of a real result makes a check raise: every run ends in a report."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from joulekit.checker import CheckOptions, check_path, check_power_result
from joulekit.rules import load_pack

from ._fixtures import ALL_RESULTS, round_of

FILES = (
    "run_1/mlperf_log_detail.txt", "run_1/spl.txt", "ranging/spl.txt",
    "ranging/mlperf_log_detail.txt", "power/server.json", "power/client.json",
    "power/ptd_logs.txt",
)  # fmt: skip


def _truncate(path: Path, rng: random.Random) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: rng.randrange(len(data))])


def _flip(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(20):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _empty(path: Path, rng: random.Random) -> None:
    path.write_bytes(b"")


def _blank_lines(path: Path, rng: random.Random) -> None:
    path.write_bytes(path.read_bytes() + b"\n \r\n\n")


MUTATIONS: dict[str, Callable[[Path, random.Random], None]] = {
    "truncate": _truncate, "flip": _flip, "empty": _empty, "blank-lines": _blank_lines,
}  # fmt: skip


@pytest.mark.parametrize("result", ALL_RESULTS, ids=lambda p: f"{round_of(p)}-{p.name}")
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutated_copies_give_a_report_and_never_an_internal_error(
    copy_result: Callable[[Path], Path], result: Path, mutation: str
) -> None:
    perf = copy_result(result)
    rng = random.Random(f"{result.name}-{mutation}")
    for index, name in enumerate(FILES):
        original = (perf / name).read_bytes()
        MUTATIONS[mutation](perf / name, rng)
        for compat in ("correct", "reference")[: 1 + index % 2]:
            report = check_power_result(
                perf,
                load_pack(round_of(result)),
                CheckOptions(compat=compat),  # type: ignore[arg-type]
            )
            crashes = [f.message for f in report.findings if f.rule == "PWR900"]
            assert crashes == [], f"{mutation} {name}: {crashes}"
            report.to_json()
        (perf / name).write_bytes(original)


def test_result_with_every_file_removed_still_reports(copy_result: Callable[[Path], Path]) -> None:
    perf = copy_result(ALL_RESULTS[0])
    for name in FILES:
        (perf / name).unlink()
    report = check_path(perf).results[0]
    assert not report.valid and "PWR900" not in {f.rule for f in report.findings}
