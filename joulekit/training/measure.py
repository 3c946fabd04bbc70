"""One measured training run: sources opened, start marks, the command, stop marks, files.

The output folder is a training benchmark folder (``<org>/results/<system>/<benchmark>/``):
run ``i`` writes ``result_<i>.txt`` and ``power/result_<i>/node_<j>.txt`` / ``sw_<k>.txt``
(names from :mod:`joulekit.formats.layout`), plus our record
``joulekit-train-power/result_<i>.json`` (each source, its clock offset, gaps, lateness,
the energy of each log) and ``joulekit-train-power/result_<i>.console.txt`` (what the
command printed).

The result log: a training command that prints MLLOG records (as the MLPerf reference
implementations do, on stdout or stderr) and among them ``run_start`` and ``run_stop``
gets exactly those records as ``result_<i>.txt``. A command that prints no such pair
gets ours: ``run_start`` just after it was started and ``run_stop`` just after it ended
(``status`` ``success`` for exit 0, else ``aborted``), around whatever MLLOG records it
did print.

The command runs in a process group of its own (``process_group=0``); Ctrl-C, SIGTERM or
SIGHUP stops it and all it started (:func:`joulekit.signals.stop_child`), then the stop
marks are written and every file is renamed into place before the interrupt goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from joulekit import __version__, signals
from joulekit.analyzers.metrics import MetricsServer, PowerMetrics
from joulekit.analyzers.polled import PolledSource, open_polled_source
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.formats.layout import (
    TRAINING_RECORD_DIR,
    TrainingRun,
    training_power_dir,
    training_result_file,
)
from joulekit.formats.training_power import (
    INTERVAL_END,
    INTERVAL_START,
    MLLOG_TOKEN,
    RUN_START,
    RUN_STOP,
    PowerLogWriter,
    format_power_record,
)
from joulekit.inputs import prepare_output_dir
from joulekit.training.collector import (
    DEFAULT_DROP_AFTER,
    NODE,
    SWITCH,
    Collector,
    Timeline,
    Track,
    close_sources,
    log_path,
    open_sources,
)

#: our own record beside the official files (not a name of the official tree)
#: seconds between readings: under the 1 s the rules allow, so jitter never exceeds it
DEFAULT_INTERVAL_S = 0.9
#: how long a stopped command may take to write its logs before it is terminated
GRACE_S = 10.0


@dataclass(frozen=True)
class TrainPowerConfig:
    nodes: tuple[str, ...]
    command: tuple[str, ...]
    output: Path
    switches: tuple[str, ...] = ()
    interval: float = DEFAULT_INTERVAL_S
    conversion_eff: float | None = None
    measurement_type: str = "AC"
    run_index: int | None = None
    #: intervals without a reading after which a source is reported dropped mid-run
    drop_after: int = DEFAULT_DROP_AFTER
    #: serve every source's live metrics (Prometheus) on this port while the run goes on
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"


@dataclass
class TrainPowerOutcome:
    result_file: Path
    power_dir: Path
    record: Path
    exit_code: int | None
    interrupted: bool
    result_from_command: bool
    start_ms: float
    stop_ms: float
    run_start_ms: float | None
    run_stop_ms: float | None
    tracks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def time_to_train_s(self) -> float | None:
        if self.run_start_ms is None or self.run_stop_ms is None:
            return None
        return (self.run_stop_ms - self.run_start_ms) / 1000


def next_run_index(benchmark_dir: Path) -> int:
    """The first ``i`` with neither ``result_<i>.txt`` nor ``power/result_<i>/``."""
    i = 0
    while True:
        result = training_result_file(benchmark_dir, i)
        if not result.exists() and not TrainingRun(result).power_dir.exists():
            return i
        i += 1


def _sources(config: TrainPowerConfig) -> list[tuple[str, int, PolledSource]]:
    if not config.nodes:
        raise UserError("give at least one --node URL (each node of the job is measured)")
    if not config.command:
        raise UserError("give the training command after --, for example "
                        "joulekit train-power --node URL --output DIR -- ./run.sh")
    made = [(NODE, j, open_polled_source(u)) for j, u in enumerate(config.nodes)]
    made += [(SWITCH, k, open_polled_source(u)) for k, u in enumerate(config.switches)]
    return made


class _Console:
    """Echo the command's output line by line and keep its MLLOG records."""

    def __init__(self, stream: IO[bytes], echo: Callable[[str], None], path: Path) -> None:
        self.records: list[str] = []
        self._stream, self._echo, self._path = stream, echo, path
        self._thread = threading.Thread(target=self._pump, daemon=True, name="train console")
        self._thread.start()

    def _pump(self) -> None:
        with open(self._path, "w", encoding="utf-8", errors="replace") as copy:
            for raw in iter(self._stream.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self._echo(line)
                copy.write(line + "\n")
                copy.flush()
                if MLLOG_TOKEN in line:
                    self.records.append(line)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def has_window(self) -> bool:
        keys = {_key(r) for r in self.records}
        return RUN_START in keys and RUN_STOP in keys


def _key(line: str) -> str | None:
    try:
        value = json.loads(line.split(MLLOG_TOKEN)[-1]).get("key")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


#: the phases of the live metrics' ``joulekit_phase`` of a training run
IDLE, MEASURING = "idle", "measuring"


def _serve_metrics(config: TrainPowerConfig, tracks: list[Track],
                   say: Callable[[str], None]) -> MetricsServer | None:
    """With ``--metrics-port``: one metrics source per log (``node_0``, ``sw_0`` …), served
    until the run's files are written (docs/usage-training.md, "Live metrics")."""
    if config.metrics_port is None:
        return None
    metrics = PowerMetrics(phases=(IDLE, MEASURING))
    for track in tracks:
        track.metrics = metrics.source(track.name, url=track.source.url,
                                       kind=track.source.kind, interval_s=config.interval)
        track.metrics.set_phase(IDLE)
    server = metrics.serve(config.metrics_host, config.metrics_port)
    say(f"metrics on {server.url}")
    return server


def _set_phase(tracks: list[Track], phase: str) -> None:
    for track in tracks:
        if track.metrics is not None:
            track.metrics.set_phase(phase)


def train_power(config: TrainPowerConfig, *, say: Callable[[str], None],
                echo: Callable[[str], None]) -> TrainPowerOutcome:
    """Measure one run of ``config.command``; see the module docstring. Raises
    :class:`UserError` before anything starts (bad URL, a source that does not answer,
    a run folder already there); :class:`signals.Interrupted` after an interrupt, once
    every file is written."""
    if not config.interval > 0:
        raise UserError("--interval must be a positive number of seconds")
    if config.drop_after < 1:
        raise UserError("--drop-after must be a whole number of intervals, at least 1")
    made = _sources(config)
    bench = prepare_output_dir(config.output, "--output", must_be_empty=False)
    index = next_run_index(bench) if config.run_index is None else config.run_index
    result_file = training_result_file(bench, index)
    power_dir = training_power_dir(bench, result_file.stem)
    if result_file.exists() or power_dir.exists():
        raise UserError(f"run {index} is already in {bench} ({result_file.name} or "
                        f"{power_dir.relative_to(bench)}); give another --run or leave it out")
    problems = open_sources([s for _, _, s in made])
    if problems:
        close_sources([s for _, _, s in made])
        raise UserError(f"{len(problems)} source(s) did not answer, nothing was started: "
                        + "; ".join(problems))
    record_dir = bench / TRAINING_RECORD_DIR
    record_dir.mkdir(exist_ok=True)
    timeline = Timeline()
    tracks = [Track(role, i, source, PowerLogWriter(log_path(power_dir, role, i),
                                                    host=f"{'node' if role == NODE else 'sw'}_{i}"))
              for role, i, source in made]
    try:
        metrics = _serve_metrics(config, tracks, say)
    except BaseException:
        close_sources([t.source for t in tracks])
        raise
    collector = Collector(tracks, interval=config.interval,
                          conversion_eff=config.conversion_eff,
                          measurement_type=config.measurement_type, say=say, timeline=timeline,
                          drop_after=config.drop_after)
    console_path = record_dir / f"{result_file.stem}.console.txt"
    exit_code: int | None = None
    interrupted = False
    run_start_ms = run_stop_ms = None
    console: _Console | None = None
    try:
        start_ms = collector.start()
        _set_phase(tracks, MEASURING)
        try:
            proc = subprocess.Popen(list(config.command), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    process_group=0, env=_command_env(index, bench))
        except OSError as err:
            collector.abandon()
            raise UserError(f"the training command could not start: {err}") from None
        run_start_ms = timeline.ms()
        assert proc.stdout is not None
        console = _Console(proc.stdout, echo, console_path)
        try:
            exit_code = proc.wait()
        except KeyboardInterrupt:
            interrupted = True
            signals.ignore_ctrl_c()  # a second press would leave the command running
            signals.stop_child(proc, GRACE_S)
            exit_code = proc.returncode
        run_stop_ms = timeline.ms()
        console.join(5.0)
        stop_ms = collector.stop()
    except BaseException:
        collector.abandon()  # every reading taken stays, under the final names
        close_sources([t.source for t in tracks])
        if metrics is not None:
            metrics.close()
        raise
    _set_phase(tracks, IDLE)
    close_sources([t.source for t in tracks])
    if metrics is not None:
        metrics.close()
    from_command = console.has_window()
    status = "success" if exit_code == 0 and not interrupted else "aborted"
    _write_result(result_file, console.records, from_command, run_start_ms, run_stop_ms,
                  status)
    outcome = TrainPowerOutcome(
        result_file=result_file, power_dir=power_dir,
        record=record_dir / f"{result_file.stem}.json", exit_code=exit_code,
        interrupted=interrupted, result_from_command=from_command, start_ms=start_ms,
        stop_ms=stop_ms, run_start_ms=run_start_ms, run_stop_ms=run_stop_ms,
        tracks=[_track_summary(t, collector, run_start_ms, run_stop_ms, config) for t in tracks])
    _write_record(outcome, config)
    if interrupted:
        raise signals.Interrupted(
            f"interrupted ({signals.describe()}); the command was stopped and the readings "
            f"so far are kept in {power_dir}")
    return outcome


def _command_env(index: int, bench: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JOULEKIT_TRAIN_RUN"] = str(index)
    env["JOULEKIT_TRAIN_OUTPUT"] = str(bench)
    env.setdefault("PYTHONUNBUFFERED", "1")  # a Python command's records arrive as printed
    return env


def _write_result(path: Path, records: Sequence[str], from_command: bool,
                  run_start_ms: float | None, run_stop_ms: float | None, status: str) -> None:
    if from_command:
        lines = list(records)
    else:
        lines = [format_power_record(RUN_START, None, run_start_ms or 0.0,
                                     event_type=INTERVAL_START, metadata={})]
        lines += list(records)
        lines.append(format_power_record(RUN_STOP, None, run_stop_ms or 0.0,
                                         event_type=INTERVAL_END,
                                         metadata={"status": status}))
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def _track_summary(track: Track, collector: Collector, run_start_ms: float | None,
                   run_stop_ms: float | None, config: TrainPowerConfig) -> dict[str, Any]:
    """The sidecar entry of one log, with its energy as the official v3 formula takes it
    (time-weighted mean over the power window, times the run's time-to-train)."""
    summary = track.to_json()
    start, stop = collector.start_ms or 0.0, collector.stop_ms or 0.0
    mean = track.area_wms / (stop - start) if stop > start else None
    summary["mean_watts"] = None if mean is None else round(mean, 3)
    if mean is not None and run_start_ms is not None and run_stop_ms is not None:
        eff = config.conversion_eff if config.conversion_eff is not None else 1.0
        summary["energy_j"] = round(eff * mean * (run_stop_ms - run_start_ms) / 1000, 3)
    else:
        summary["energy_j"] = None
    return summary


def _write_record(outcome: TrainPowerOutcome, config: TrainPowerConfig) -> None:
    doc = {
        "joulekit": __version__,
        "command": list(config.command),
        "exit_code": outcome.exit_code,
        "interrupted": outcome.interrupted,
        "interval_s": config.interval,
        "drop_after_intervals": config.drop_after,
        "conversion_eff": config.conversion_eff,
        "measurement_type": config.measurement_type,
        "timeline": "this host's UTC clock read once at the start, advanced by its "
                    "monotonic clock; each reading at the instant its request was sent",
        "power_measurement_start_ms": round(outcome.start_ms),
        "power_measurement_stop_ms": round(outcome.stop_ms),
        "run_start_ms": None if outcome.run_start_ms is None else round(outcome.run_start_ms),
        "run_stop_ms": None if outcome.run_stop_ms is None else round(outcome.run_stop_ms),
        "result_log": "the command's own MLLOG records" if outcome.result_from_command
        else "run_start/run_stop written by joulekit around the command",
        "sources": outcome.tracks,
    }
    atomic_write_text(outcome.record, json.dumps(doc, indent=2) + "\n")


def print_line(text: str) -> None:
    """Echo one line of the command's output (stdout, flushed)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
