"""The workload ``joulekit run`` hands to the client: ``joulekit loadgen`` per phase.

Each phase runs LoadGen in a fresh process (LoadGen is not re-entrant) with that
phase's duration, its logs in a folder of their own under the client's LoadGen log
folder, and its console output kept in a file beside them, so a failing SUT's own words
are on disk and quoted in the error.

Ctrl-C during a phase stops LoadGen, then turns into an ordinary workload failure:
the client then stops the phase and ends the session as it does for any failure, so
the director writes what it measured and restores its ranges. Further Ctrl-C presses
are ignored until that is done, because a second one would cut the session short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from joulekit.harness.client import WorkloadContext

GRACE_S = 10.0
TAIL_LINES = 6


class WorkloadFailed(RuntimeError):
    """The LoadGen process failed or was interrupted; the message quotes its output."""


@dataclass
class LoadgenWorkload:
    """Callable workload: runs ``joulekit loadgen`` with per-phase durations."""

    loadgen_args: Sequence[str]
    #: LoadGen min duration per client mode ("ranging", "testing"), in ms
    durations_ms: dict[str, int]
    on_start: Callable[[str, subprocess.Popen[bytes]], None] | None = None
    #: Offline without a given rate: run testing at the rate ranging achieved, so both
    #: phases last as long and load the machine alike (the checker compares them)
    carry_offline_rate: bool = False
    interrupted: bool = False
    outputs: dict[str, Path] = field(default_factory=dict)

    def command(self, mode: str, log_dir: Path) -> list[str]:
        cmd = [sys.executable, "-m", "joulekit", "loadgen", *self.loadgen_args,
               "--log-dir", str(log_dir)]
        if mode in self.durations_ms:
            cmd += ["--min-duration-ms", str(self.durations_ms[mode])]
        if mode == "testing" and self.carry_offline_rate:
            rate = ranging_rate(log_dir.parent / "ranging")
            if rate:
                cmd += ["--target-qps", f"{rate:.3f}"]
        return cmd

    def __call__(self, context: WorkloadContext) -> None:
        log_dir = context.loadgen_logs / context.mode
        log_dir.mkdir(parents=True, exist_ok=True)
        out_path = log_dir.parent / f"{context.mode}-console.txt"
        self.outputs[context.mode] = out_path
        with open(out_path, "wb") as out:
            env = dict(os.environ)
            env.update(JOULEKIT_POWER_MODE=context.mode, JOULEKIT_LOADGEN_LOGS=str(log_dir),
                       JOULEKIT_SESSION_ID=context.session_id)
            proc = subprocess.Popen(self.command(context.mode, log_dir), stdout=out,
                                    stderr=subprocess.STDOUT, env=env)
            if self.on_start is not None:
                self.on_start(context.mode, proc)
            try:
                code = proc.wait()
            except KeyboardInterrupt:
                self._stop_after_interrupt(proc)
                raise WorkloadFailed("interrupted by Ctrl-C") from None
        if code != 0:
            raise WorkloadFailed(f"joulekit loadgen exited with code {code}: "
                                 + " | ".join(tail(out_path)))

    def _stop_after_interrupt(self, proc: subprocess.Popen[bytes]) -> None:
        self.interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # restored by the caller
        try:
            proc.wait(GRACE_S)  # it got the same SIGINT from the terminal
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ranging_rate(ranging_logs: Path) -> float | None:
    """Samples per second LoadGen measured in the ranging phase, if it got that far."""
    from joulekit.harness.outcome import DETAIL, LoadgenOutcome

    if not (ranging_logs / DETAIL).is_file():
        return None
    outcome = LoadgenOutcome.from_logs(ranging_logs)
    return outcome.metric_value if outcome.scenario == "Offline" else None


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last lines of a console file (for error messages)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [ln.strip() for ln in text.strip().splitlines()[-lines:] if ln.strip()]
