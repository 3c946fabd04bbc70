"""The sweep table: one row per measured configuration, shared by sweep and recommend.

Column names live here once so that the writer (``joulekit sweep``), the reader
(``joulekit recommend``) and the docs cannot drift apart. Energy is always per sample
(per query for SingleStream, whose queries hold one sample) in joules, taken from the
checker's power metric of that run; latencies are in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from joulekit.errors import UserError

#: the knobs a sweep varies (a row leaves a knob empty when the sweep did not vary it)
KNOB_COLUMNS = ("batch_size", "concurrency", "target_qps", "power_limit_w")

POINT = "point"
STATUS = "status"  # "ok" or "failed"
ENERGY = "energy_per_sample_j"
SAMPLES_PER_JOULE = "samples_per_joule"
AVG_POWER = "avg_power_w"
THROUGHPUT = "throughput_sps"

#: latency metrics a constraint can name: column -> what it is
LATENCY_COLUMNS: dict[str, str] = {
    "latency_p50_ms": "median query latency",
    "latency_p90_ms": "90th-percentile query latency",
    "latency_p99_ms": "99th-percentile query latency",
    "ttft_p90_ms": "90th-percentile time to first token",
    "ttft_p99_ms": "99th-percentile time to first token",
    "tpot_p90_ms": "90th-percentile time per output token",
    "tpot_p99_ms": "99th-percentile time per output token",
}


def read_table(path: Path) -> pd.DataFrame:
    """Read a sweep table (``.csv`` or ``.parquet``), or a sweep folder holding one."""
    if path.is_dir():
        for name in ("sweep.parquet", "sweep.csv"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            raise UserError(f"{path} holds no sweep.parquet or sweep.csv; run 'joulekit sweep'")
    if not path.is_file():
        raise UserError(f"{path}: no such sweep table")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as err:
        raise UserError(f"{path}: cannot read the sweep table ({err})") from None
    if ENERGY not in frame.columns:
        raise UserError(f"{path}: no {ENERGY} column; is this a joulekit sweep table?")
    return frame


#: compact names of the knobs for plot annotations
SHORT_KNOB = {"batch_size": "bs", "concurrency": "conc", "target_qps": "qps", "power_limit_w": "pl"}


def knob_label(row: pd.Series, *, short: bool = False) -> str:
    """A human label of a configuration: ``batch_size=8 power_limit_w=300`` (or ``bs=8 pl=300``)."""
    parts = []
    for knob in KNOB_COLUMNS:
        value = row.get(knob)
        if value is None or pd.isna(value):
            continue
        number = float(value)
        name = SHORT_KNOB[knob] if short else knob
        parts.append(f"{name}={int(number) if number.is_integer() else number:g}")
    return " ".join(parts) or str(row.get(POINT, "?"))
