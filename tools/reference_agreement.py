"""Run each round's own reference power checker on a corpus and compare, per reference
check, its verdict with joulekit's findings.

The round-era checker is power-dev's ``compliance/check.py`` on the round's release
branch (``r1.0`` ... ``r3.0``; master from v4.1) at the round's submission deadline
(``ROUND_COMMITS``), extracted with ``git archive`` from a power-dev git directory and run
as an external program, one process per distinct result folder (identical copies, which
many submitters made for several scenario folders, are run once). Its ``[ ] <check>``
lines are its failures; a traceback after one is a crash.

Run::

    .venv/bin/python tools/reference_agreement.py /work/corpus \\
        --power-dev /work/.mirror/mlcommons+power-dev/repo --round v1.0
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from git_snapshot import extract_tree

#: power-dev commit current at each round's submission deadline (compliance/check.py)
ROUND_COMMITS = {
    "v1.0": "813b60b",  # branch r1.0 at the deadline, 2021-03-19
    "v1.1": "41e7d51",  # branch r1.1, 2021-08-10 (deadline 2021-08-13)
    "v2.0": "f7b3b51",  # branch r2.0, 2022-02-07 (deadline 2022-02-25)
    "v2.1": "e2baedb",  # branch r2.1, 2022-07-28 (deadline 2022-08-05)
    "v3.0": "678c23d",  # branch r3.0, 2023-02-08 (deadline 2023-03-03)
    "v4.1": "f5ee305",  # master, 2024-01-26 (deadline 2024-08-02)
    "v5.1": "c4b3ad8",  # master, 2025-02-21 (deadline 2025-08-01)
}

#: the reference check each joulekit rule answers to (rules absent here are ours only)
RULE_TO_CHECK = {
    "PWR010": "sources checksum",
    "PWR020": "PTD commands and replies",
    "PWR021": "PTD commands and replies",
    "PWR022": "PTD commands and replies",
    "PWR023": "PTD commands and replies",
    "PWR024": "PTD commands and replies",
    "PWR030": "UUID",
    "PWR031": "session name",
    "PWR032": "client server messages",
    "PWR033": "client server messages",
    "PWR034": "debug disabled",
    "PWR040": "time difference",
    "PWR041": "time difference",
    "PWR043": "time difference",
    "PWR140": "time difference",
    "PWR050": "results checksum",
    "PWR060": "PTD logs",
    "PWR061": "PTD logs",
    "PWR062": "PTD logs",
    "PWR070": "PTD configuration",
    "PWR071": "PTD configuration",
}

_CHECK_NAMES = {
    "Check client sources checksum": "sources checksum",
    "Check server sources checksum": "sources checksum",
    "Check PTD commands and replies": "PTD commands and replies",
    "Check UUID": "UUID",
    "Check session name": "session name",
    "Check time difference": "time difference",
    "Check client server messages": "client server messages",
    "Check results checksum": "results checksum",
    "Check errors and warnings from PTD logs": "PTD logs",
    "Check PTD configuration": "PTD configuration",
    "Check debug is disabled on server-side": "debug disabled",
}
CHECKS = sorted(set(_CHECK_NAMES.values()))
#: ``[ ] <check>``, printed bare (v1.0-v3.0) or through logging (``ERROR:main:[ ] ...``)
_FAILED = re.compile(r"^(?:[A-Z]+:[\w.]+:)?\[ \] (.+)$")


@dataclass(frozen=True)
class Verdict:
    """What the reference said about one result: failed checks and crashed checks."""

    failed: frozenset[str]
    crashed: frozenset[str]


def extract_checker(power_dev: Path, round_name: str, work: Path) -> Path:
    """``check.py`` of the round's commit, extracted under ``work`` (once)."""
    commit = ROUND_COMMITS[round_name]
    target = work / f"pd-{round_name}"
    script = target / "compliance" / "check.py"
    if script.is_file():
        return script
    extract_tree(power_dev, commit, "compliance", target)
    return script


def folder_key(perf: Path) -> str:
    """SHA-1 over the relative names and bytes of every file: equal keys, equal verdicts."""
    digest = hashlib.sha1()
    for path in sorted(p for p in perf.rglob("*") if p.is_file()):
        digest.update(path.relative_to(perf).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_reference(script: Path, perf: Path, timeout: float = 120.0) -> Verdict:
    try:
        proc = subprocess.run(
            [sys.executable, str(script), str(perf)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            timeout=timeout, cwd=script.parent,
        )
        out = proc.stdout
    except subprocess.TimeoutExpired:
        return Verdict(frozenset(), frozenset({"(timeout)"}))
    failed: set[str] = set()
    crashed: set[str] = set()
    lines = out.splitlines()
    for index, line in enumerate(lines):
        match = _FAILED.match(line)
        if not match or match.group(1) == "Check release version":
            continue  # the dev-branch "not yet released" guard says nothing about the data
        name = _CHECK_NAMES.get(match.group(1), match.group(1))
        # the check's own message, or "Unhandled exeception" (sic) and a traceback
        crash = False
        for line_after in lines[index + 1 :]:
            if "[x] " in line_after or "[ ] " in line_after:
                break
            crash = crash or "Unhandled exe" in line_after
        (crashed if crash else failed).add(name)
    return Verdict(frozenset(failed), frozenset(crashed))


def run_many(
    script: Path, folders: Iterable[Path], jobs: int
) -> tuple[dict[str, Verdict], int]:
    """Reference verdict per folder path (each distinct folder content run once), and
    how many distinct folders there were."""
    by_key: dict[str, list[Path]] = {}
    for perf in folders:
        by_key.setdefault(folder_key(perf), []).append(perf)
    firsts = [group[0] for group in by_key.values()]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        verdicts = list(pool.map(lambda p: run_reference(script, p), firsts))
    table: dict[str, Verdict] = {}
    for group, verdict in zip(by_key.values(), verdicts, strict=True):
        for perf in group:
            table[str(perf)] = verdict
    return table, len(firsts)


@dataclass
class Agreement:
    """Per reference check: results where both fail, both pass, only one side fails."""

    both_fail: Counter[str] = field(default_factory=Counter)
    both_pass: Counter[str] = field(default_factory=Counter)
    only_reference: Counter[str] = field(default_factory=Counter)
    only_ours: Counter[str] = field(default_factory=Counter)
    crashed: Counter[str] = field(default_factory=Counter)
    accepted_but_ours_error: int = 0
    rejected_but_ours_pass: int = 0
    results: int = 0
    distinct: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, our_errors: set[str], verdict: Verdict) -> None:
        self.results += 1
        ours = {RULE_TO_CHECK[r] for r in our_errors if r in RULE_TO_CHECK}
        for check in CHECKS:
            if check in verdict.crashed:
                self.crashed[check] += 1
                continue
            theirs = check in verdict.failed
            mine = check in ours
            if theirs and mine:
                self.both_fail[check] += 1
            elif theirs:
                self.only_reference[check] += 1
                self._example(f"only reference: {check}", path)
            elif mine:
                self.only_ours[check] += 1
                self._example(f"only ours: {check}", path)
            else:
                self.both_pass[check] += 1
        rejected = bool(verdict.failed or verdict.crashed)
        if not rejected and our_errors:
            self.accepted_but_ours_error += 1
            self._example("accepted, ours error: " + ",".join(sorted(our_errors)), path)
        if rejected and not our_errors:
            self.rejected_but_ours_pass += 1
            self._example("rejected, ours pass: " + ",".join(sorted(verdict.failed)), path)

    def _example(self, kind: str, path: str) -> None:
        listed = self.examples.setdefault(kind, [])
        if len(listed) < 3:
            listed.append(path)


def print_agreement(round_name: str, agreement: Agreement) -> None:
    print(f"\n{round_name}: reference = power-dev {ROUND_COMMITS[round_name]} compliance/check.py;"
          f" {agreement.results} results ({agreement.distinct} distinct folders run)")
    print(f"  {'reference check':<26} {'both fail':>9} {'both pass':>9} {'only ref':>8} "
          f"{'only ours':>9} {'ref crash':>9}")
    for check in CHECKS:
        print(f"  {check:<26} {agreement.both_fail[check]:>9} {agreement.both_pass[check]:>9} "
              f"{agreement.only_reference[check]:>8} {agreement.only_ours[check]:>9} "
              f"{agreement.crashed[check]:>9}")
    accepted, rejected = agreement.accepted_but_ours_error, agreement.rejected_but_ours_pass
    print(f"  accepted by the reference, an error for joulekit: {accepted}")
    print(f"  rejected by the reference, passed by joulekit:    {rejected}")
    for kind, paths in sorted(agreement.examples.items()):
        print(f"    e.g. {kind}: {paths[0]}")


def main() -> int:
    import argparse

    from joulekit.checker import CheckOptions, check_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--power-dev", required=True, help="power-dev git directory")
    parser.add_argument("--round", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", default="/tmp/joulekit-reference")
    args = parser.parse_args()
    for round_dir in sorted(Path(args.corpus).glob("inference_results_v*")):
        name = round_dir.name.removeprefix("inference_results_")
        if (args.round and name not in args.round) or name not in ROUND_COMMITS:
            continue
        script = extract_checker(Path(args.power_dev), name, Path(args.work))
        ours = check_path(round_dir, CheckOptions(), jobs=args.jobs)
        verdicts, distinct = run_many(script, [Path(r.path) for r in ours.results], args.jobs)
        agreement = Agreement(distinct=distinct)
        for report in ours.results:
            errors = {f.rule for f in report.findings if f.severity == "error"}
            agreement.add(report.path, errors, verdicts[report.path])
        print_agreement(name, agreement)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
