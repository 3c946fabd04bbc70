"""The simulator's console says what a real PTDaemon console says, line class by class.

The yardstick is a real ``ptd_logs.txt`` of the current reference director driving
PTDaemon 1.10 on a WT210 (v4.1, UntetherAI; ``../shared/fixtures/real``). The simulated
side is the same conversation (the reference director's command sequence) against a
simulated WT210. Numbers, marks and durations differ; the sequence of line classes, with
repeats collapsed, must not. The ``RL`` echo matters most: without it the reference
director's buffered tee loses the ``Completed test`` lines (issue: pipeline fidelity).
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from realdata import REPO, UNTETHER_V41_OFFLINE, UNTETHER_V41_SS

from joulekit.simulator import start_simulator

pytestmark = pytest.mark.timeout(120)


def _classes_module() -> ModuleType:
    path = REPO / "tools" / "ptd_console_classes.py"
    spec = importlib.util.spec_from_file_location("ptd_console_classes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pc = _classes_module()


def _real(tree: Path) -> list[str]:
    text = (tree / "performance/power/ptd_logs.txt").read_bytes().decode("utf-8")
    return list(pc.console_lines(text))


def _simulated(
    tmp_path: Path, phase_s: float = 1.2, restore: tuple[str, str] = ("Auto", "Auto")
) -> tuple[list[str], str]:
    stream = io.StringIO(newline="")
    with start_simulator(
        8,
        load="constant:220",
        period_ms=40,
        logfile=tmp_path / "ptd_logfile.txt",
        console=stream,
    ) as sim:
        pc.reference_conversation(sim.host, sim.port, phase_s, restore)
        deadline = time.monotonic() + 10
        while "Waiting for a connection..." not in sim.simulator.console_lines[-1]:
            assert time.monotonic() < deadline, sim.console_text()
            time.sleep(0.05)
        lines = list(sim.simulator.console_lines)
    return lines, stream.getvalue()


def _diff(a: list[str], b: list[str]) -> str:
    rows = itertools.zip_longest(a, b, fillvalue="-")
    return "\n".join(("   " if x == y else "!! ") + f"{x[:70]:70} | {y[:70]}" for x, y in rows)


@pytest.mark.parametrize("tree", [UNTETHER_V41_SS, UNTETHER_V41_OFFLINE], ids=["ss", "offline"])
def test_simulated_conversation_has_the_line_classes_of_a_real_console(
    tmp_path: Path, tree: Path
) -> None:
    real_lines = _real(tree)
    real = pc.shape(pc.conversation(real_lines))
    lines, _ = _simulated(tmp_path, restore=pc.initial_ranges(real_lines))
    simulated = pc.shape(pc.conversation(lines))
    assert simulated == real, _diff(real, simulated)


def test_rl_dump_is_echoed_in_full_in_sends_of_whole_lines_up_to_1_kib(tmp_path: Path) -> None:
    real = _real(UNTETHER_V41_SS)
    lines, _ = _simulated(tmp_path)
    for name, console in (("real", real), ("simulated", lines)):
        sends = pc.rl_sends(console)
        assert sum(1 for n, _ in sends if n > 1) >= 2, (name, sends)
        # whole lines, at most 1 KiB a send; a send is short only at the end of a dump
        assert all(size <= 1024 for _, size in sends), (name, sends)
        sizes = [size for _, size in sends]
        assert max(sizes) > 1024 - 100, (name, sends)
    dumped = sum(1 for line in lines if pc.classify(line) in ("rl-line", "reply:rl-send"))
    samples = [
        int(line.split()[-2]) for line in lines if line.endswith(" samples") and "Last" in line
    ]
    assert dumped == sum(samples) and sum(samples) > 40


def test_console_bytes_keep_the_crlf_of_what_was_sent(tmp_path: Path) -> None:
    """A real console echoes each reply with its CRLF; the tee file carries the bytes."""
    raw_real = (UNTETHER_V41_SS / "performance/power/ptd_logs.txt").read_bytes()
    _, raw_sim = _simulated(tmp_path, 0.5)
    for text in (raw_real.decode(), raw_sim):
        assert ": Response to client sent: Hello, PTDaemon here!\r\n" in text
        assert ": Completed test\n" in text
        assert "\nTime," in text and ",PF," in text
    assert raw_sim.count("Avg watts ") == 2 and ", valid " in raw_sim


def test_identity_stays_honest(tmp_path: Path) -> None:
    lines, _ = _simulated(tmp_path, 0.3)
    identify = next(line for line in lines if ",version=" in line)
    assert "version=joulekit-simulator-" in identify
    assert "PTDaemon Tool" not in "\n".join(lines)
    assert "This is NOT SPEC PTDaemon" in "\n".join(lines)
