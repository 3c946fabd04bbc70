"""Tell which round a result belongs to, and say why.

The round decides every threshold, so a guess must be visible: ``detect_round`` returns
the reason next to the round, and the checker prints it. Evidence, strongest first:
a path component naming the round (``inference_results_v4.1``, ``v4.1``), then the date
of the run (LoadGen's ``power_begin``) against the rounds' submission deadlines, cross-
checked with the PTDaemon version and the ``ptd_config`` shape in ``server.json``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from joulekit.errors import UserError
from joulekit.rules.pack import available_rounds, load_pack, round_key

_PATH_ROUND = re.compile(r"^(?:.*[_-])?(v\d+\.\d+)$")
_PTD_VERSION = re.compile(r"version=(\d+\.\d+\.\d+)")


def _round_from_path(path: Path, rounds: list[str]) -> tuple[str, str] | None:
    for part in reversed(path.resolve().parts):
        match = _PATH_ROUND.match(part)
        if match and match.group(1) in rounds:
            return match.group(1), f"the path names it ({part})"
    return None


def _first_power_result(path: Path) -> Path | None:
    from joulekit.formats.layout import find_power_results

    if (path / "power").is_dir():
        return path
    if (path / "performance" / "power").is_dir():
        return path / "performance"
    found = find_power_results(path)
    return found[0] if found else None


def _round_by_date(day: date, rounds: list[str]) -> str:
    for name in rounds:
        deadline = date.fromisoformat(str(load_pack(name).power["submission_deadline"]))
        if day <= deadline:
            return name
    return rounds[-1]


def _round_from_data(perf_dir: Path, rounds: list[str]) -> tuple[str, str] | None:
    from joulekit.formats.mllog import read_detail
    from joulekit.formats.power_json import read_power_json

    detail = read_detail(perf_dir / "run_1" / "mlperf_log_detail.txt")
    if detail.power_begin is None:
        return None
    day = detail.power_begin.date()
    chosen = _round_by_date(day, rounds)
    reasons = [f"the run is dated {day.isoformat()} (power_begin), before the {chosen} deadline"]
    summary, _ = read_power_json(perf_dir / "power" / "server.json")
    if summary is not None:
        for message in summary.ptd_messages or []:
            if message.cmd == "Identify":
                match = _PTD_VERSION.search(message.reply)
                if match:
                    reasons.append(f"PTDaemon {match.group(1)}")
                break
        raw_config = summary.raw.get("ptd_config") if isinstance(summary.raw, dict) else None
        if isinstance(raw_config, dict):
            reasons.append("ptd_config is an object (rounds up to v4.1)")
        elif isinstance(raw_config, list):
            reasons.append("ptd_config is a list (rounds from v5.0)")
            if round_key(chosen) < round_key("v5.0") and "v5.0" in rounds:
                chosen = "v5.0"
    return chosen, "; ".join(reasons)


def detect_round(path: str | Path) -> tuple[str, str]:
    """``(round, why)`` for a performance folder, a result folder or a tree.

    Raises :class:`UserError` when nothing in the path or the data dates the result.
    """
    target = Path(path)
    rounds = available_rounds()
    from_path = _round_from_path(target, rounds)
    if from_path is not None:
        return from_path
    if target.is_dir():
        perf_dir = _first_power_result(target)
        if perf_dir is not None:
            from_data = _round_from_data(perf_dir, rounds)
            if from_data is not None:
                return from_data
    raise UserError(
        f"cannot tell the round of {target}: no round in the path and no dated power result "
        "below it; pass --round (for example --round v5.1)"
    )
