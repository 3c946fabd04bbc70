"""The workload ``joulekit run`` hands to the client: ``joulekit loadgen`` per phase.

Each phase runs LoadGen in a fresh process (LoadGen is not re-entrant) with that
phase's duration, its logs in a folder of their own under the client's LoadGen log
folder, and its console output kept in a file beside them, so a failing SUT's own words
are on disk and quoted in the error.

Ctrl-C during a phase stops LoadGen, then turns into an ordinary workload failure:
the client then stops the phase and ends the session as it does for any failure, so
the director writes what it measured and restores its ranges. Further Ctrl-C presses
are ignored until that is done, because a second one would cut the session short.
SIGTERM and SIGHUP take the same path (:mod:`joulekit.signals`). LoadGen runs in a
process group of its own, so the stop reaches it, and whatever it started, from us
— not from the terminal — whichever signal it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from joulekit import signals
from joulekit.formats.layout import DETAIL_LOG, OFFLINE, RANGING, SHORT_ATTEMPT_DETAIL
from joulekit.loadgen.outcome import DETAIL, LoadgenOutcome, read_detail_keys
from joulekit.run.client import WorkloadContext
from joulekit.run.client.workload import wait_unless

GRACE_S = 10.0
TAIL_LINES = 6
#: Offline testing starts at the rate ranging achieved times this margin: the testing
#: query is sized from it, and a SUT that runs faster than planned ends early
OFFLINE_RATE_MARGIN = 1.2
#: an Offline phase that ends before its min duration runs again with its LoadGen rate
#: raised to this factor times the larger of the rate achieved and the rate planned ...
OFFLINE_RETRY_FACTOR = 1.3
#: ... at most this many times more
OFFLINE_RETRIES = 3


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
    #: working folder of each LoadGen process (LoadGen reads ``audit.config`` from it)
    cwd: Path | None = None
    #: Offline whose rate joulekit chose (not the user): a phase that ends before its
    #: min duration runs again at a higher rate, see :meth:`_rerun_rate`
    offline_retry: bool = False
    interrupted: bool = False
    outputs: dict[str, Path] = field(default_factory=dict)
    #: the Offline rate each mode's latest attempt ran with, when joulekit raised it
    offline_rates: dict[str, float] = field(default_factory=dict)
    #: attempts moved aside because LoadGen ended them before the min duration
    short_attempts: list[Path] = field(default_factory=list)

    def command(self, mode: str, log_dir: Path) -> list[str]:
        cmd = [sys.executable, "-m", "joulekit", "loadgen", *self.loadgen_args,
               "--log-dir", str(log_dir)]
        if mode in self.durations_ms:
            cmd += ["--min-duration-ms", str(self.durations_ms[mode])]
        rate = self.offline_rates.get(mode)
        if rate is None and mode == "testing" and self.carry_offline_rate:
            ranged = ranging_rate(log_dir.parent / RANGING)
            rate = ranged * OFFLINE_RATE_MARGIN if ranged else None
        if rate:
            cmd += ["--target-qps", f"{rate:.3f}"]
        return cmd

    def __call__(self, context: WorkloadContext) -> None:
        log_dir = context.loadgen_logs / context.mode
        out_path = log_dir.parent / f"{context.mode}-console.txt"
        self.outputs[context.mode] = out_path
        attempt = 0
        while True:
            self._run_once(context, log_dir, out_path, append=attempt > 0)
            rate = self._rerun_rate(log_dir) if self.offline_retry else None
            if rate is None or attempt >= OFFLINE_RETRIES:
                return
            attempt += 1
            # the short attempt leaves the phase's log folder, so the folder the client
            # searches holds exactly one run: the one that lasted the min duration
            aside = log_dir.parent / f"{context.mode}-short-attempt-{attempt}"
            if aside.exists():
                shutil.rmtree(aside)
            log_dir.rename(aside)
            detail = aside / DETAIL_LOG
            if detail.is_file():
                detail.rename(aside / SHORT_ATTEMPT_DETAIL)
            self.short_attempts.append(aside)
            self.offline_rates[context.mode] = rate
            with open(out_path, "ab") as out:
                out.write(f"\n== LoadGen ended before the min duration; logs moved to "
                          f"{aside.name}; running again at {rate:,.1f} samples/s ==\n\n"
                          .encode())

    def _rerun_rate(self, log_dir: Path) -> float | None:
        """A higher Offline rate when LoadGen reports the min duration not met, else None."""

        if not (log_dir / DETAIL).is_file():
            return None
        keys = read_detail_keys(log_dir / DETAIL)
        if keys.get("effective_scenario") != OFFLINE or \
                keys.get("result_min_duration_met") is not False:
            return None
        achieved = keys.get("result_samples_per_second")
        expected = keys.get("effective_target_qps")
        rates = [float(v) for v in (achieved, expected) if isinstance(v, int | float) and v > 0]
        if not rates:
            return None
        # LoadGen sizes the query as rate x min duration x 1.1; the SUT outran that rate
        rate = max(rates) * OFFLINE_RETRY_FACTOR
        return rate

    def _run_once(self, context: WorkloadContext, log_dir: Path, out_path: Path, *,
                  append: bool) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(out_path, "ab" if append else "wb") as out:
            env = dict(os.environ)
            env.update(JOULEKIT_POWER_MODE=context.mode, JOULEKIT_LOADGEN_LOGS=str(log_dir),
                       JOULEKIT_SESSION_ID=context.session_id)
            if self.cwd is not None:
                # a callable SUT's module stays importable from the folder run started in
                env["PYTHONPATH"] = os.pathsep.join(
                    p for p in (os.getcwd(), env.get("PYTHONPATH", "")) if p)
            proc = subprocess.Popen(self.command(context.mode, log_dir.resolve()), stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, cwd=self.cwd, process_group=0)
            try:
                if self.on_start is not None:
                    self.on_start(context.mode, proc)
                code = wait_unless(proc, context.cancelled)
            except KeyboardInterrupt:
                self._stop_after_interrupt(proc)
                raise WorkloadFailed(f"interrupted by {signals.describe()}") from None
            if code is None:
                signals.stop_child(proc, GRACE_S)
                raise WorkloadFailed("LoadGen was stopped: the director is gone")
        if code != 0:
            raise WorkloadFailed(f"joulekit loadgen exited with code {code}: "
                                 + " | ".join(tail(out_path)))

    def _stop_after_interrupt(self, proc: subprocess.Popen[bytes]) -> None:
        self.interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # restored by the caller
        signals.stop_child(proc, GRACE_S)


def ranging_rate(ranging_logs: Path) -> float | None:
    """Samples per second LoadGen measured in the ranging phase, if it got that far."""

    if not (ranging_logs / DETAIL).is_file():
        return None
    outcome = LoadgenOutcome.from_logs(ranging_logs)
    return outcome.metric_value if outcome.scenario == OFFLINE else None


def tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last lines of a console file (for error messages)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [ln.strip() for ln in text.strip().splitlines()[-lines:] if ln.strip()]
