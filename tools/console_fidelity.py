"""Print a real PTDaemon console beside the simulator's, as line classes and counts.

    python tools/console_fidelity.py REAL_PTD_LOGS [--phase-s 1.5]

The simulated side is the reference director's conversation (``ptd_console_classes.
reference_conversation``) against a simulated WT210 (device type 8) with the ranges
the real console's director restored. Prints a Markdown table: each collapsed class of
the conversation, and how many raw lines of that class each console holds.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ptd_console_classes as pc

from joulekit.simulator import start_simulator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real", type=Path)
    parser.add_argument("--phase-s", type=float, default=1.5)
    args = parser.parse_args()
    real_lines = pc.console_lines(args.real.read_bytes().decode("utf-8", "replace"))
    with (
        tempfile.TemporaryDirectory() as tmp,
        start_simulator(
            8, load="constant:220", period_ms=40, logfile=Path(tmp) / "ptd_logfile.txt"
        ) as sim,
    ):
        pc.reference_conversation(sim.host, sim.port, args.phase_s, pc.initial_ranges(real_lines))
        time.sleep(0.5)
        sim_lines = list(sim.simulator.console_lines)
    real_cls, sim_cls = pc.conversation(real_lines), pc.conversation(sim_lines)
    rc, sc = Counter(real_cls), Counter(sim_cls)
    for counter in (rc, sc):
        counter["rl-dump"] = counter["rl-line"] + counter["reply:rl-send"]
    print("| # | real console | simulated console | real lines | simulated lines |")
    print("|---|---|---|---|---|")
    rows = itertools.zip_longest(pc.shape(real_cls), pc.shape(sim_cls), fillvalue="—")
    for i, (a, b) in enumerate(rows, 1):
        key = a.strip("()+").split(" | ")[0]
        mark = "" if a == b else " **≠**"
        print(f"| {i} | `{a}` | `{b}`{mark} | {rc.get(key, '')} | {sc.get(key, '')} |")
    same = pc.shape(real_cls) == pc.shape(sim_cls)
    print(
        f"\nsequences equal: {same}; RL sends (lines, bytes) real {pc.rl_sends(real_lines)[:2]}"
        f" simulated {pc.rl_sends(sim_lines)[:2]}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
