"""Tell which round a result belongs to, and say why.

The round decides every threshold, so a guess must be visible: ``detect_round`` returns
the reason next to the round, and the checker prints it. Evidence, strongest first:
a path component naming the round (``inference_results_v4.1``, ``v4.1``), then the date
of the run (LoadGen's ``power_begin``) against the rounds' submission deadlines, cross-
checked with the PTDaemon version and the ``ptd_config`` shape in ``server.json``.

A whole submission tree (:func:`detect_tree_round`) is dated by what every tree holds,
power or not: the layout generation (``measurements/`` beside ``results/`` up to v5.1),
the LoadGen seeds of its runs (each round publishes its own), the benchmark names its
closed results use, and the runs' ``test_datetime`` against the deadlines; the LoadGen
version is reported but not trusted (v5.1 runs used LoadGen 4.1 to 5.1). When the
evidence leaves several rounds, the guess names them and says it is a guess.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.formats.layout import (
    MEASUREMENTS_JSON,
    OPEN,
    RESULTS,
    ResultPaths,
    find_power_results,
    has_legacy_folders,
    result_detail_logs,
    submitter_dirs,
    tree_root,
)
from joulekit.formats.mllog import read_detail
from joulekit.formats.power_json import read_power_json
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
    direct = ResultPaths.find(path)
    if direct is not None:
        return direct.performance_dir
    found = find_power_results(path)
    return found[0] if found else None


def _round_by_date(day: date, rounds: list[str]) -> str:
    for name in rounds:
        deadline = date.fromisoformat(str(load_pack(name).power["submission_deadline"]))
        if day <= deadline:
            return name
    return rounds[-1]


def _round_from_data(perf_dir: Path, rounds: list[str]) -> tuple[str, str] | None:
    paths = ResultPaths(perf_dir)
    detail = read_detail(paths.run_1_detail)
    if detail.power_begin is None:
        return None
    day = detail.power_begin.date()
    chosen = _round_by_date(day, rounds)
    reasons = [f"the run is dated {day.isoformat()} (power_begin), before the {chosen} deadline"]
    summary, _ = read_power_json(paths.server_json)
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


@dataclass(frozen=True)
class RoundGuess:
    """The round of a tree, why, and the rounds the evidence left (one: not a guess)."""
    round: str
    why: str
    candidates: tuple[str, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


_SEED_KEYS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
_LOADGEN = re.compile(r"^(\d+)\.(\d+)")
#: run logs read to date a tree (sorted, so the same tree always gives the same answer)
MAX_LOGS = 24


def _layout(subs: list[Path]) -> str | None:
    """``v6`` (measurements and audits inside the result folder, ``src/``), ``pre-v6``
    (``measurements/`` and ``compliance/`` beside ``results/``), or None if unclear."""
    votes: Counter[str] = Counter()
    for sub in subs:
        if has_legacy_folders(sub):
            votes["pre-v6"] += 1
        for scen in sorted((sub / RESULTS).glob("*/*/*"))[:4]:
            if (scen / MEASUREMENTS_JSON).is_file():
                votes["v6"] += 1
    return votes.most_common(1)[0][0] if votes else None


def _run_logs(subs: list[Path]) -> list[Path]:
    logs: list[Path] = []
    for sub in subs:
        logs.extend(result_detail_logs(sub))
    if len(logs) <= MAX_LOGS:
        return logs
    step = len(logs) / MAX_LOGS
    return [logs[int(i * step)] for i in range(MAX_LOGS)]


def _log_facts(paths: list[Path]) -> list[dict[str, Any]]:
    facts = []
    for path in paths:
        try:
            detail = read_detail(path)
        except (OSError, ValueError):
            continue
        facts.append({"seeds": tuple(detail.get(f"effective_{k}") for k in _SEED_KEYS),
                      "date": str(detail.get("test_datetime") or "")[:10],
                      "loadgen": str(detail.get("loadgen_version") or "")})
    return facts


def _benchmarks_known(pack: dict[str, Any], names: set[str]) -> bool:
    benches: dict[str, Any] = pack["benchmarks"]
    aliases = {a for e in benches.values() for a in e.get("aliases", [])}
    return all(n in benches or n in aliases for n in names)


def detect_tree_round(path: str | Path) -> RoundGuess:
    """The round of a submission tree (or a submitter folder in one), from the tree itself.

    Never raises for a tree: with no evidence at all it names every round as a candidate
    and picks the latest one.
    """
    target = Path(path)
    rounds = available_rounds()
    from_path = _round_from_path(target, rounds)
    if from_path is not None:
        return RoundGuess(from_path[0], from_path[1], (from_path[0],))
    root = tree_root(target) or target
    subs = submitter_dirs(root)
    if target != root:
        subs = [s for s in subs if s == target or s in target.parents or target in s.parents]
    packs = {r: load_pack(r).submission for r in rounds}
    candidates = list(rounds)
    reasons: list[str] = []

    def narrow(keep: list[str], why: str) -> None:
        nonlocal candidates
        if keep and keep != candidates:
            candidates = keep
            reasons.append(why)

    layout = _layout(subs)
    if layout is not None:
        narrow([r for r in candidates if packs[r]["layout"] == layout],
               f"the {layout} layout")
    facts = _log_facts(_run_logs(subs))
    seeds = Counter(f["seeds"] for f in facts if None not in f["seeds"])
    if seeds:
        common, count = seeds.most_common(1)[0]
        fit = [r for r in candidates
               if tuple(packs[r]["seeds"][k] for k in _SEED_KEYS) == common]
        narrow(fit, f"the LoadGen seeds of {count} of {len(facts)} runs read are "
               + ("those of " + " and ".join(fit) if fit else "no round's"))
    closed = {b.name for s in subs if s.parent.name != OPEN
              for b in (s / RESULTS).glob("*/*") if b.is_dir()}
    if closed:
        narrow([r for r in candidates if _benchmarks_known(packs[r], closed)],
               "the closed benchmark names (" + ", ".join(sorted(closed)) + ")")
    dates = sorted(f["date"] for f in facts if re.match(r"\d{4}-\d\d-\d\d$", f["date"]))
    chosen = candidates[-1]
    if dates:
        last = date.fromisoformat(dates[-1])
        by_date = _round_by_date(last, candidates)
        chosen = by_date
        reasons.append(f"the latest run is dated {last.isoformat()} (test_datetime), "
                       f"before the {by_date} deadline")
    elif not facts:
        perf_dir = _first_power_result(root)
        from_data = _round_from_data(perf_dir, candidates) if perf_dir is not None else None
        if from_data is not None:
            chosen = from_data[0]
            reasons.append(from_data[1])
        else:
            reasons.append("no run log to date it")
    versions = Counter(m.group(0) for f in facts if (m := _LOADGEN.match(f["loadgen"])))
    if versions:
        reasons.append("LoadGen " + ", ".join(f"{v} ({n})" for v, n in
                                              sorted(versions.items())))
    if len(candidates) > 1:
        reasons.append("candidates " + ", ".join(candidates) + f"; checked as {chosen}")
    return RoundGuess(chosen, "; ".join(reasons), tuple(candidates))


def detect_round(path: str | Path) -> tuple[str, str]:
    """``(round, why)`` for a performance folder, a result folder or a tree.

    Raises :class:`UserError` when nothing in the path or the data dates the result
    (never for a submission tree: see :func:`detect_tree_round`).
    """
    target = Path(path)
    rounds = available_rounds()
    from_path = _round_from_path(target, rounds)
    if from_path is not None:
        return from_path
    if target.is_dir() and submitter_dirs(tree_root(target) or target):
        guess = detect_tree_round(target)
        return guess.round, guess.why
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
