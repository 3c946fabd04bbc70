"""One LoadGen run of an in-process SUT, with its logs written where the client looks.

LoadGen keeps process-wide state and is not re-entrant, so a process runs one test at
a time; ``joulekit loadgen`` (what the client wraps) is that process. LoadGen's
``StartTest`` blocks in C++, where Ctrl-C cannot reach it, so the test runs on its own
thread and the main thread stays free to notice an interrupt and say so: the detail
log LoadGen has flushed so far stays on disk.

When the user gives no Offline expected QPS or Server target QPS, the SUT is timed
for a moment first and the rate set from what it can do: LoadGen sizes an Offline
query from that rate, and a query sized from the conf file's placeholder of 1 QPS
would end at once and fail the duration rule.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.layout import MULTI_STREAM, OFFLINE, SERVER, SINGLE_STREAM
from joulekit.loadgen.dispatch import Dispatcher
from joulekit.loadgen.outcome import DETAIL, LoadgenOutcome
from joulekit.loadgen.settings import LoadgenSettings
from joulekit.loadgen.sut.base import Sut

#: calibrated Server load: this share of what the SUT sustains, at most this many QPS
SERVER_LOAD_SHARE = 0.5
SERVER_MAX_CALIBRATED_QPS = 1000.0
#: SingleStream/MultiStream: LoadGen stops at min_duration when queries are left over,
#: but fails the run when it runs out of pre-generated ones, so under-estimate latency
LATENCY_SHARE = 0.25
#: bounds on the queries LoadGen pre-generates from the calibrated latency: at least
#: this many (so one timing disturbed by a busy machine cannot end the run early) and at
#: most that many (LoadGen holds them all in memory)
MIN_PREGENERATED = 100_000
MAX_PREGENERATED = 250_000
#: timing windows; the median counts, so one window disturbed by another process on a
#: busy machine does not set the rate of the whole run
CALIBRATION_WINDOWS = 5
CALIBRATION_SECONDS = 0.1
#: the conf files' placeholder rate ("These fields should be defined by user.conf")
_PLACEHOLDER_QPS = 1.0
#: LoadGen sizes its one Offline query as expected QPS x 1.1 x min_duration and keeps
#: about this much memory per sample (measured: 5.5 M samples took 2.4 GB of RSS)
LOADGEN_BYTES_PER_SAMPLE = 440
#: a calibrated (not user-chosen) Offline rate never plans more samples than this: a SUT
#: that does no work (``noop``) times at a billion samples/s, which would ask LoadGen for
#: hundreds of GB and crash it; the harness itself sustains a few hundred thousand
MAX_CALIBRATED_OFFLINE_SAMPLES = 1_000_000


class LoadgenCrashed(UserError):
    """LoadGen failed inside ``StartTest`` (out of memory, say); its threads may still hold
    state, so the process should leave at once after saying so."""


def offline_query_samples(ts: Any) -> int:
    """How many samples LoadGen will put in its one Offline query for these settings."""
    planned = ts.offline_expected_qps * 1.1 * ts.min_duration_ms / 1000.0
    return int(max(float(ts.min_query_count), planned))


def physical_memory_bytes() -> int | None:
    """This machine's RAM, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_offline_size(ts: Any, scenario: str) -> None:
    """Refuse an Offline query that cannot fit in this machine's memory, before LoadGen
    tries (it dies with ``std::bad_alloc`` and takes the process down)."""
    if scenario != OFFLINE:
        return
    samples = offline_query_samples(ts)
    ram = physical_memory_bytes()
    need = samples * LOADGEN_BYTES_PER_SAMPLE
    if ram is not None and need > ram:
        raise UserError(
            f"an Offline query of {samples:,} samples (expected QPS "
            f"{ts.offline_expected_qps:,.0f} x 1.1 x min duration {ts.min_duration_ms} ms) "
            f"needs about {need / 2**30:,.1f} GiB of LoadGen memory, more than this "
            f"machine's {ram / 2**30:,.1f} GiB",
            hint="give a lower --target-qps or a shorter --min-duration-ms",
        )


class LoadgenInterrupted(Exception):
    """Ctrl-C arrived while LoadGen was running; its partial logs are in ``log_dir``."""

    def __init__(self, log_dir: Path) -> None:
        super().__init__(f"interrupted; LoadGen's partial logs are in {log_dir}")
        self.log_dir = log_dir


def measure_capacity(sut: Sut, seconds: float = CALIBRATION_SECONDS) -> float:
    """Samples per second the SUT sustains at its largest batch: the median of a few
    short, untimed windows."""
    batch = list(range(min(max(1, sut.max_batch), sut.performance_samples, 256)))
    sut.load_samples(batch)
    rates = []
    for _ in range(CALIBRATION_WINDOWS):
        done = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            sut.run_batch(batch, None)
            done += len(batch)
            now = time.perf_counter()
            if now >= deadline:
                break
        rates.append(done / max(now - start, 1e-9))
    rate = sorted(rates)[len(rates) // 2]
    return rate * sut.workers if sut.workers > 1 else rate


def measure_latency(sut: Sut, samples: int, seconds: float = CALIBRATION_SECONDS) -> float:
    """Fastest seconds to answer one query of ``samples`` samples, cut as LoadGen's would
    be (the fastest, because under-estimating latency is the safe side, see above)."""
    size = max(1, sut.max_batch)
    indices = [i % sut.performance_samples for i in range(samples)]
    chunks = [indices[i:i + size] for i in range(0, samples, size)]
    sut.load_samples(sorted(set(indices)))
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while not times or time.perf_counter() < deadline:
        start = time.perf_counter()
        for chunk in chunks:
            sut.run_batch(chunk, None)
        times.append(time.perf_counter() - start)
    return min(times)


def audit_logs_responses(folder: Path | None = None) -> bool:
    """An ``audit.config`` in the working folder (LoadGen reads it) asks for responses to be
    logged in performance mode."""
    path = (folder or Path.cwd()) / "audit.config"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith(".accuracy_log_sampling_target") and value.strip() not in ("", "0"):
            return True
    return False


def _builtin(settings: LoadgenSettings) -> Any:
    """What LoadGen's own mlperf.conf alone gives, to tell a placeholder from a choice."""
    return LoadgenSettings(scenario=settings.scenario, model=settings.model).build()


def calibrate(settings: LoadgenSettings, ts: Any, sut: Sut, echo: Callable[[str], None]) -> None:
    """Set the rate or expected latency from the SUT's speed when nobody chose one.

    A value counts as chosen when it came from the command line or differs from LoadGen's
    built-in mlperf.conf (so a user.conf or custom mlperf.conf setting is respected).
    """
    scenario = settings.scenario
    if scenario in (OFFLINE, SERVER) and settings.target_qps is None:
        base = _builtin(settings)
        if scenario == OFFLINE and ts.offline_expected_qps == base.offline_expected_qps:
            rate = measure_capacity(sut)
            span_s = 1.1 * max(ts.min_duration_ms, 1) / 1000.0
            ceiling = MAX_CALIBRATED_OFFLINE_SAMPLES / span_s
            capped = not math.isfinite(rate) or rate > ceiling
            rate = ceiling if capped else rate
            ts.offline_expected_qps = rate
            echo(f"Offline expected QPS set to {rate:,.0f} from a short timing of the SUT"
                 + (f" (capped: at most {MAX_CALIBRATED_OFFLINE_SAMPLES:,} samples in the "
                    "query)" if capped else "")
                 + " (give --target-qps to fix it)")
        elif scenario == SERVER and ts.server_target_qps == base.server_target_qps:
            rate = min(measure_capacity(sut) * SERVER_LOAD_SHARE, SERVER_MAX_CALIBRATED_QPS)
            ts.server_target_qps = rate
            echo(f"Server target QPS set to {rate:,.0f} from a short timing of the SUT "
                 "(give --target-qps to fix it)")
    elif scenario in (SINGLE_STREAM, MULTI_STREAM) and settings.target_latency_ms is None:
        base = _builtin(settings)
        attr = ("single_stream_expected_latency_ns" if scenario == SINGLE_STREAM
                else "multi_stream_expected_latency_ns")
        if getattr(ts, attr) == getattr(base, attr):
            per_query = 1 if scenario == SINGLE_STREAM else ts.multi_stream_samples_per_query
            measured = measure_latency(sut, per_query) * 1e9
            span_ns = 1.1 * ts.min_duration_ms * 1e6  # LoadGen plans 1.1 x min_duration
            ceiling, floor = span_ns / MIN_PREGENERATED, span_ns / MAX_PREGENERATED
            latency_ns = max(1, int(max(floor, min(ceiling, measured * LATENCY_SHARE))))
            setattr(ts, attr, latency_ns)
            echo(f"{scenario} expected latency set to {latency_ns / 1e6:.3f} ms from a short "
                 "timing of the SUT (give --target-latency-ms to fix it)")


def run_loadgen(
    sut: Sut,
    settings: LoadgenSettings,
    log_dir: Path,
    *,
    echo: Callable[[str], None] = print,
    summary_to_stdout: bool = False,
) -> LoadgenOutcome:
    """Run one LoadGen test of ``sut``; returns what its logs say."""
    # why: LoadGen's C extension is loaded only when a run starts (the CLI starts fast)
    import mlperf_loadgen as lg

    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create the log folder {log_dir}: {err.strerror}") from err
    if settings.token_latencies is False and sut.streams_tokens:
        settings = settings.with_overrides(token_latencies=True)
    ts = settings.build()
    notes: list[str] = []

    def note(line: str) -> None:
        notes.append(line)
        echo(line)

    if settings.mode == "performance":  # accuracy mode runs every sample once, untimed
        try:
            calibrate(settings, ts, sut, note)
        except (UserError, KeyboardInterrupt):
            raise
        except Exception as err:  # the user's model or server, before LoadGen started
            raise UserError(
                f"the SUT {sut.describe()} failed when timed before LoadGen started: "
                f"{type(err).__name__}: {err}",
                hint="check that it runs and answers at that address",
            ) from None

    check_offline_size(ts, settings.scenario)
    log_settings = lg.LogSettings()
    log_settings.log_output.outdir = str(log_dir)
    log_settings.log_output.copy_summary_to_stdout = summary_to_stdout
    log_settings.enable_trace = False

    # responses reach LoadGen in accuracy mode, and in a compliance run whose audit.config
    # asks LoadGen to log a sample of them (TEST01); otherwise only their sizes matter
    dispatcher = Dispatcher(sut, accuracy=settings.mode == "accuracy" or audit_logs_responses(),
                            token_latencies=settings.token_latencies)
    sut_handle = lg.ConstructSUT(dispatcher.issue, dispatcher.flush)
    qsl_handle = lg.ConstructQSL(
        sut.total_samples, min(sut.performance_samples, sut.total_samples),
        sut.load_samples, sut.unload_samples,
    )
    failure: list[BaseException] = []

    def body() -> None:
        try:
            lg.StartTestWithLogSettings(sut_handle, qsl_handle, ts, log_settings)
        except BaseException as err:  # reported on the main thread
            failure.append(err)

    thread = threading.Thread(target=body, name="loadgen", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        raise LoadgenInterrupted(log_dir) from None
    dispatcher.close()
    lg.DestroyQSL(qsl_handle)
    lg.DestroySUT(sut_handle)
    if failure:
        crash = failure[0]
        if isinstance(crash, MemoryError):
            raise LoadgenCrashed(
                f"LoadGen ran out of memory ({crash}); logs so far in {log_dir}",
                hint="give a lower --target-qps or a shorter --min-duration-ms",
            ) from None
        raise crash
    if not (log_dir / DETAIL).is_file():
        raise UserError(f"LoadGen wrote no {DETAIL} in {log_dir}; is the folder writable?")
    return LoadgenOutcome.from_logs(
        log_dir, failed=dispatcher.stats.failed_samples,
        first_error=dispatcher.stats.first_error, notes=tuple(notes),
    )
