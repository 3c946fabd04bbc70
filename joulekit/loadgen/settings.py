"""LoadGen test settings from mlperf.conf, user.conf and command-line overrides.

The order mirrors how a submission is configured: the round's ``mlperf.conf`` (the
copy built into LoadGen unless another is given), then the submitter's ``user.conf``,
then what the command line says. Overrides come last so a short demo or a sweep can
shorten a run without editing the conf files a real submission keeps.

``mlperf_loadgen`` is imported lazily so that reading settings (for ``--help`` or a
dry check) does not pay for the extension module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from joulekit.errors import UserError
from joulekit.formats.layout import MULTI_STREAM, OFFLINE, SERVER, SINGLE_STREAM
from joulekit.rules import load_pack
from joulekit.validate import check_float

if TYPE_CHECKING:
    import mlperf_loadgen

SCENARIOS: tuple[str, ...] = (OFFLINE, SERVER, SINGLE_STREAM, MULTI_STREAM)
Mode = Literal["performance", "accuracy"]

#: FromConfig's ``conf_type``: 0 reads LoadGen's built-in mlperf.conf (the path is
#: ignored), 2 reads exactly the file given. Type 1 ("user.conf, after the built-in
#: mlperf.conf") keeps a process-wide counter and logs an error on its second use, so a
#: process that runs LoadGen twice (the benchmark) would write an invalid log; we load
#: the two files ourselves with types 0/2 instead, which yields the same settings.
_CONF_BUILTIN = 0
_CONF_FILE = 2


def normalize_scenario(text: str) -> str:
    """Accept any capitalisation (``offline``, ``singlestream``) and return LoadGen's name."""
    for name in SCENARIOS:
        if text.replace("-", "").replace("_", "").lower() == name.lower():
            return name
    raise UserError(f"unknown scenario {text!r}; choose one of {', '.join(SCENARIOS)}")


@dataclass(frozen=True)
class LoadgenSettings:
    """What to ask LoadGen for. ``None`` means "leave what the conf files say"."""

    scenario: str = OFFLINE
    mode: Mode = "performance"
    #: model name used to look keys up in the conf files (``resnet50.Offline.…``)
    model: str = "resnet50"
    mlperf_conf: Path | None = None
    user_conf: Path | None = None
    min_duration_ms: int | None = None
    max_duration_ms: int | None = None
    min_query_count: int | None = None
    max_query_count: int | None = None
    #: Offline expected QPS or Server target QPS
    target_qps: float | None = None
    #: Server target latency or the SingleStream/MultiStream expected latency
    target_latency_ms: float | None = None
    samples_per_query: int | None = None
    performance_sample_count: int | None = None
    #: let LoadGen measure time to first token and time per output token
    token_latencies: bool = False
    #: (qsl, sample index, schedule) RNG seeds; None keeps the conf files' (the round's)
    rng_seeds: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", normalize_scenario(self.scenario))
        if self.mode not in ("performance", "accuracy"):
            raise UserError(f"unknown mode {self.mode!r}; choose performance or accuracy")
        for name in ("min_duration_ms", "max_duration_ms", "min_query_count", "max_query_count",
                     "samples_per_query", "performance_sample_count"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UserError(f"--{name.replace('_', '-')} must not be negative, got {value}")
        for name in ("target_qps", "target_latency_ms"):
            value = getattr(self, name)
            if value is not None:
                check_float(value, f"--{name.replace('_', '-')}", positive=True, maximum=1e12)
        for label, path in (("--mlperf-conf", self.mlperf_conf), ("--user-conf", self.user_conf)):
            if path is not None and not Path(path).is_file():
                raise UserError(f"{label} {path} does not exist or is not a file")

    def with_overrides(self, **changes: Any) -> LoadgenSettings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_cli_args(self) -> list[str]:
        """The ``joulekit loadgen`` options that reproduce these settings in a subprocess."""
        args = ["--scenario", self.scenario, "--mode", self.mode, "--model", self.model]
        flags: list[tuple[str, object]] = [
            ("--mlperf-conf", self.mlperf_conf), ("--user-conf", self.user_conf),
            ("--min-duration-ms", self.min_duration_ms),
            ("--max-duration-ms", self.max_duration_ms),
            ("--min-query-count", self.min_query_count),
            ("--max-query-count", self.max_query_count),
            ("--target-qps", self.target_qps), ("--target-latency-ms", self.target_latency_ms),
            ("--samples-per-query", self.samples_per_query),
            ("--performance-sample-count", self.performance_sample_count),
        ]
        for flag, value in flags:
            if value is not None:
                args += [flag, str(value)]
        if self.token_latencies:
            args.append("--token-latencies")
        if self.rng_seeds is not None:
            args += ["--rng-seeds", ",".join(map(str, self.rng_seeds))]
        return args

    def build(self) -> mlperf_loadgen.TestSettings:
        """A ``TestSettings`` with conf files then overrides applied."""
        # why: LoadGen's C extension is loaded only when a run starts (the CLI starts fast)
        import mlperf_loadgen as lg

        ts = lg.TestSettings()
        ts.scenario = getattr(lg.TestScenario, self.scenario)
        ts.mode = (lg.TestMode.AccuracyOnly if self.mode == "accuracy"
                   else lg.TestMode.PerformanceOnly)
        if self.mlperf_conf is not None:
            _load_conf(ts, str(self.mlperf_conf), self.model, self.scenario, _CONF_FILE)
        else:
            _load_conf(ts, "", self.model, self.scenario, _CONF_BUILTIN)
        if self.user_conf is not None:
            _load_conf(ts, str(self.user_conf), self.model, self.scenario, _CONF_FILE)
        self._apply_overrides(ts)
        return ts

    def _apply_overrides(self, ts: mlperf_loadgen.TestSettings) -> None:
        if self.min_duration_ms is not None:
            ts.min_duration_ms = self.min_duration_ms
        if self.max_duration_ms is not None:
            ts.max_duration_ms = self.max_duration_ms
        if self.min_query_count is not None:
            ts.min_query_count = self.min_query_count
        if self.max_query_count is not None:
            ts.max_query_count = self.max_query_count
        if self.performance_sample_count is not None:
            ts.performance_sample_count_override = self.performance_sample_count
        if self.token_latencies:
            ts.use_token_latencies = True
        if self.rng_seeds is not None:
            ts.qsl_rng_seed, ts.sample_index_rng_seed, ts.schedule_rng_seed = self.rng_seeds
        if self.target_qps is not None:
            if self.scenario == SERVER:
                ts.server_target_qps = self.target_qps
            elif self.scenario == OFFLINE:
                ts.offline_expected_qps = self.target_qps
            else:
                raise UserError(f"--target-qps applies to Offline and Server, not {self.scenario}")
        if self.target_latency_ms is not None:
            ns = int(self.target_latency_ms * 1_000_000)
            if self.scenario == SERVER:
                ts.server_target_latency_ns = ns
            elif self.scenario == SINGLE_STREAM:
                ts.single_stream_expected_latency_ns = ns
            elif self.scenario == MULTI_STREAM:
                ts.multi_stream_expected_latency_ns = ns
            else:
                raise UserError("--target-latency-ms does not apply to Offline")
        if self.samples_per_query is not None:
            if self.scenario != MULTI_STREAM:
                raise UserError("--samples-per-query applies to MultiStream only")
            ts.multi_stream_samples_per_query = self.samples_per_query


def parse_seeds(text: str) -> tuple[int, int, int]:
    """``QSL,SAMPLE_INDEX,SCHEDULE`` -> three unsigned 64-bit seeds."""
    try:
        values = tuple(int(v.strip()) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or not all(0 <= v < 2**64 for v in values):
        raise UserError(f"--rng-seeds {text!r} must be three integers QSL,SAMPLE_INDEX,SCHEDULE")
    return values[0], values[1], values[2]


def round_seeds(round_name: str) -> tuple[int, int, int]:
    """The RNG seeds a round's submissions must use (its rule pack)."""

    seeds = load_pack(round_name).submission["seeds"]
    return (int(seeds["qsl_rng_seed"]), int(seeds["sample_index_rng_seed"]),
            int(seeds["schedule_rng_seed"]))


def _load_conf(ts: Any, path: str, model: str, scenario: str, conf_type: int) -> None:
    rc = int(ts.FromConfig(path, model, scenario, conf_type))
    if rc != 0:
        what = path or "the built-in mlperf.conf"
        raise UserError(
            f"LoadGen could not read {what} (code {rc}); every line must be "
            "'model.scenario.key = number'"
        )
