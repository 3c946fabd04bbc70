"""Finding the LoadGen logs a phase produced, and copying them into the result tree.

A workload folder often holds logs of earlier runs. The detail log that belongs to a
phase is the one whose ``power_begin`` and ``power_end`` both lie strictly inside the
window in which the workload ran (the client's phase 1 → phase 2); that is also what
the checker will require, so an out-of-window log fails here, early, with the windows
named, instead of at submission time.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_bytes
from joulekit.formats.layout import DETAIL_LOG, SUMMARY_LOG
from joulekit.formats.mllog import read_detail
from joulekit.formats.timefmt import format_mlperf_time, from_epoch

DETAIL = DETAIL_LOG
SUMMARY = SUMMARY_LOG


@dataclass(frozen=True)
class FoundLog:
    detail: Path
    summary: Path
    begin: datetime
    end: datetime


def check_dirs(loadgen_logs: Path, output: Path, force: bool) -> None:
    """INDIR must differ from OUTDIR and not contain it; ``force`` empties INDIR first."""
    indir, outdir = loadgen_logs.resolve(), output.resolve()
    if indir == outdir or indir in outdir.parents:
        raise UserError(
            f"the LoadGen log folder {loadgen_logs} must not be or contain the output "
            f"folder {output}; choose another -o"
        )
    if force and indir.exists():
        shutil.rmtree(indir)
    indir.mkdir(parents=True, exist_ok=True)


def find_log(loadgen_logs: Path, start: float, stop: float, mode: str) -> FoundLog:
    """The detail log of this phase; a :class:`UserError` that lists what was seen."""
    begin_w, end_w = from_epoch(start), from_epoch(stop)
    seen: list[str] = []
    matches: list[FoundLog] = []
    for detail_path in sorted(loadgen_logs.rglob(DETAIL)):
        detail = read_detail(detail_path)
        begin, end = detail.power_begin, detail.power_end
        if begin is None or end is None:
            seen.append(f"{detail_path} (no power_begin/power_end)")
            continue
        if begin_w < begin and end < end_w:
            summary = detail_path.with_name(SUMMARY)
            if not summary.is_file():
                seen.append(f"{detail_path} (in window, but {SUMMARY} is missing beside it)")
                continue
            matches.append(FoundLog(detail_path, summary, begin, end))
        else:
            seen.append(
                f"{detail_path} (power {format_mlperf_time(begin)} … {format_mlperf_time(end)})"
            )
    if matches:
        return max(matches, key=lambda found: found.detail.stat().st_mtime)
    window = f"{format_mlperf_time(begin_w)} … {format_mlperf_time(end_w)} UTC"
    if not seen:
        raise UserError(
            f"the {mode} workload left no {DETAIL} under {loadgen_logs}; make it write "
            "its LoadGen logs there (-L)"
        )
    raise UserError(
        f"no {DETAIL} under {loadgen_logs} has its power window inside the {mode} "
        f"workload window {window}; found: {'; '.join(seen)}"
    )


def copy_logs(found: FoundLog, target: Path) -> None:
    for source in (found.detail, found.summary):
        atomic_write_bytes(target / source.name, source.read_bytes())
