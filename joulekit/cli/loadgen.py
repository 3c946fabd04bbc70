"""``joulekit loadgen``: LoadGen against a SUT, writing its logs to ``--log-dir``.

This is the workload ``joulekit client -w`` wraps (and what ``joulekit run`` builds
for it): one process, one LoadGen test, logs where the client will search for them,
exit status 0 only when the SUT answered every sample.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from joulekit import signals
from joulekit.errors import EXIT_USER_ERROR, UserError
from joulekit.formats.atomic import atomic_write_text, sha256_file
from joulekit.formats.layout import ACCURACY_TXT, OFFLINE
from joulekit.loadgen.command import run_command
from joulekit.loadgen.outcome import ACCURACY
from joulekit.loadgen.runner import LoadgenCrashed, LoadgenInterrupted, run_loadgen
from joulekit.loadgen.settings import SCENARIOS, LoadgenSettings, parse_seeds
from joulekit.loadgen.sut import HttpOptions, open_sut, sut_kind
from joulekit.loadgen.sut.demo import score_accuracy
from joulekit.validate import float_arg, int_arg

EXIT_SUT_FAILED = 1

#: LoadGen keeps counts and durations in unsigned 64-bit fields: a larger value wraps
_UINT64 = 2**64 - 1
_COUNT = int_arg(minimum=0, maximum=_UINT64)
#: a rate or latency: finite and positive (LoadGen turns it into integer nanoseconds)
_RATE = float_arg(positive=True, maximum=1e12)


def add_settings_arguments(parser: argparse.ArgumentParser, *, durations: bool = True) -> None:
    """The LoadGen options shared by ``loadgen`` and ``run`` (which sets durations itself)."""
    g = parser.add_argument_group("LoadGen settings (applied after mlperf.conf and user.conf)")
    g.add_argument("--scenario", default=OFFLINE, help=f"one of {', '.join(SCENARIOS)}")
    g.add_argument("--model", default=None,
                   help="benchmark name used to look keys up in the conf files "
                        "(default: demo)")
    g.add_argument("--mlperf-conf", type=Path, help="an mlperf.conf instead of LoadGen's own")
    g.add_argument("--user-conf", type=Path, help="the submitter's user.conf")
    if durations:
        g.add_argument("--min-duration-ms", type=_COUNT)
        g.add_argument("--max-duration-ms", type=_COUNT)
    g.add_argument("--min-query-count", type=_COUNT)
    g.add_argument("--max-query-count", type=_COUNT)
    g.add_argument("--target-qps", type=_RATE, help="Offline expected QPS / Server target QPS")
    g.add_argument("--target-latency-ms", type=_RATE,
                   help="Server target latency, SingleStream/MultiStream expected latency")
    g.add_argument("--samples-per-query", type=int_arg(minimum=1, maximum=_UINT64),
                   help="MultiStream samples per query")
    g.add_argument("--performance-sample-count", type=_COUNT)
    g.add_argument("--token-latencies", action="store_true",
                   help="measure TTFT/TPOT (implied by an HTTP SUT)")
    g.add_argument("--rng-seeds", metavar="QSL,SAMPLE,SCHEDULE",
                   help="LoadGen RNG seeds (default: the conf files'; 'joulekit run --round R' "
                        "sets round R's)")


def add_sut_arguments(parser: argparse.ArgumentParser, *, default: str | None) -> None:
    """The SUT options shared by ``loadgen`` and ``run``."""
    g = parser.add_argument_group("system under test")
    g.add_argument("--sut", default=default, required=default is None,
                   help="demo | noop | callable:MODULE:ATTR | http://HOST:PORT/v1/completions "
                        "| cmd:COMMAND (a harness that runs LoadGen itself)")
    g.add_argument("--batch-size", type=int_arg(minimum=1, maximum=1 << 30),
                   help="largest batch handed to the SUT")
    g.add_argument("--http-model", default="default", help="model name sent to an HTTP SUT")
    g.add_argument("--max-tokens", type=int_arg(minimum=1, maximum=1 << 20), default=64,
                   help="tokens per HTTP request")
    g.add_argument("--concurrency", type=int_arg(minimum=1, maximum=4096), default=8,
                   help="HTTP requests in flight")
    g.add_argument("--prompts", type=Path, help="prompts file for an HTTP SUT (lines or JSONL)")


def settings_from_args(args: argparse.Namespace) -> LoadgenSettings:
    """Settings from parsed options (both commands use the same names)."""
    return LoadgenSettings(
        scenario=args.scenario, mode=getattr(args, "mode", "performance"),
        model=args.model or "demo", mlperf_conf=args.mlperf_conf, user_conf=args.user_conf,
        min_duration_ms=getattr(args, "min_duration_ms", None),
        max_duration_ms=getattr(args, "max_duration_ms", None),
        min_query_count=args.min_query_count, max_query_count=args.max_query_count,
        target_qps=args.target_qps, target_latency_ms=args.target_latency_ms,
        samples_per_query=args.samples_per_query,
        performance_sample_count=args.performance_sample_count,
        token_latencies=args.token_latencies,
        rng_seeds=parse_seeds(args.rng_seeds) if getattr(args, "rng_seeds", None) else None,
    )


def sut_args_to_cli(args: argparse.Namespace) -> list[str]:
    """The SUT options again, for a ``joulekit loadgen`` subprocess."""
    out = ["--sut", args.sut]
    if args.batch_size is not None:
        out += ["--batch-size", str(args.batch_size)]
    if args.sut.startswith(("http://", "https://")):
        out += ["--http-model", args.http_model, "--max-tokens", str(args.max_tokens),
                "--concurrency", str(args.concurrency)]
        if args.prompts is not None:
            out += ["--prompts", str(args.prompts)]
    return out


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "loadgen", help="run LoadGen against a SUT (the workload the client wraps)",
        description="Run one LoadGen test against a SUT and write its logs to --log-dir.",
    )
    add_sut_arguments(parser, default="demo")
    parser.add_argument("--mode", choices=("performance", "accuracy"), default="performance")
    parser.add_argument("--log-dir", type=Path, required=True,
                        help="where LoadGen writes mlperf_log_*.txt (the client's -L)")
    add_settings_arguments(parser)
    parser.add_argument("--summary", action="store_true", help="print LoadGen's summary")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:

    settings = settings_from_args(args)
    log_dir: Path = args.log_dir.resolve()
    # SIGTERM/SIGHUP are handled like Ctrl-C (joulekit.signals, installed by the CLI), so
    # LoadGen's partial logs are reported whichever stopped it
    signals.install()
    try:
        outcome = _run(args, settings, log_dir)
    except LoadgenInterrupted as stop:
        print(f"joulekit loadgen: {stop}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # LoadGen's thread cannot be stopped from Python; leave without waiting for it
        os._exit(signals.exit_code())
    except LoadgenCrashed as crash:
        print(f"joulekit loadgen: error: {crash}", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # LoadGen's threads are left in an undefined state: interpreter teardown would abort
        os._exit(EXIT_USER_ERROR)
    print(outcome.headline(), flush=True)
    print(f"logs: {outcome.log_dir}", flush=True)
    for note in _accuracy_notes(args, settings, outcome.log_dir):
        print(note, flush=True)
    if outcome.sut_failed_samples:
        print(f"joulekit loadgen: error: the SUT failed on {outcome.sut_failed_samples} "
              f"samples (first: {outcome.sut_first_error}); logs kept in {outcome.log_dir}",
              file=sys.stderr, flush=True)
        return EXIT_SUT_FAILED
    return 0


#: the demo is small matrices on one stream; BLAS worker threads spinning beside
#: LoadGen's own threads cost it more than they give and make its latency tail ragged
_DEMO_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _run(args: argparse.Namespace, settings: LoadgenSettings, log_dir: Path) -> Any:
    untuned = not any(name in os.environ for name in _DEMO_BLAS_ENV)
    if args.sut == "demo" and "numpy" not in sys.modules and untuned:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"

    if sut_kind(args.sut) == "cmd":

        return run_command(args.sut.removeprefix("cmd:"), settings, log_dir)

    http = HttpOptions(model=args.http_model, max_tokens=args.max_tokens,
                       concurrency=args.concurrency, prompts_file=args.prompts)
    sut = open_sut(args.sut, batch_size=args.batch_size, http=http)
    print(f"SUT: {sut.describe()}; {settings.scenario} {settings.mode}; logs to {log_dir}",
          flush=True)
    try:
        return run_loadgen(sut, settings, log_dir, summary_to_stdout=args.summary)
    finally:
        sut.close()


def _accuracy_notes(args: argparse.Namespace, settings: LoadgenSettings, log_dir: Path
                    ) -> list[str]:
    """For the demo in accuracy mode, score it and write accuracy.txt as MLPerf does."""
    if settings.mode != "accuracy" or args.sut != "demo":
        return []

    log = log_dir / ACCURACY
    if not log.is_file():
        raise UserError(f"LoadGen wrote no {ACCURACY} in {log_dir}")
    share, count = score_accuracy(log)
    line = f"top-1 agreement with the float64 reference: {100 * share:.3f}% of {count} samples"
    # the classification scripts' one-line form, which submission checkers parse
    score = f"accuracy={100 * share:.3f}%, good={round(share * count)}, total={count}"
    atomic_write_text(log_dir / ACCURACY_TXT,
                      f"{score}\n{line}\nhash={sha256_file(log)}\n")
    return [line, f"accuracy: {log_dir / ACCURACY_TXT}"]


__all__ = ["EXIT_SUT_FAILED", "EXIT_USER_ERROR", "register"]
