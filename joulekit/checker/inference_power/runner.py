"""Run the power checks on one result or on every power result below a path.

A checker must never crash: an exception inside one check becomes a PWR900 error on
that result only, and the other checks and results go on. Many results are checked in
a process pool (one result per task, all cores), because parsing is CPU-bound.
"""

from __future__ import annotations

import hashlib
import os
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power import CHECKS, PowerContext
from joulekit.checker.inference_power.context import ResultFiles
from joulekit.checker.options import CheckOptions
from joulekit.checker.registry import REGISTRY
from joulekit.checker.report import CheckReport, ResultReport
from joulekit.errors import UserError
from joulekit.formats.layout import PERFORMANCE, POWER, find_power_results
from joulekit.formats.safe_files import current_input_root, input_root
from joulekit.rules import PowerRules, RulePack, available_rounds, detect_round, load_pack

#: below this many results the pool's start-up costs more than it saves
_POOL_THRESHOLD = 4
#: a folder with a file larger than this is checked on its own, never fingerprinted
_FINGERPRINT_MAX_BYTES = 256 * 1024 * 1024


def _run_checks(ctx: PowerContext) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check(ctx))
        except Exception as exc:  # a bug or an unforeseen file shape: report, go on
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            findings.append(
                R.INTERNAL.finding(
                    f"{check.__name__} raised {type(exc).__name__}: {exc} "
                    f"({Path(frame.filename).name}:{frame.lineno})",
                )
            )
    return findings


def _verdicts(findings: list[Finding]) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for finding in findings:
        if finding.severity != "notice":
            table.setdefault(finding.rule, set()).add(finding.severity)
    return table


def check_power_result(
    perf_dir: str | Path,
    pack: RulePack,
    options: CheckOptions | None = None,
    *,
    round_reason: str = "",
    root: str | Path | None = None,
    files: ResultFiles | None = None,
) -> ResultReport:
    """Check one ``performance/`` folder under ``pack``; never raises for bad data.

    With ``options.compat == "reference"`` the reference checker's verdicts are
    reproduced (it is not round-aware, so today's thresholds apply) and the rules whose
    verdict differs from the default mode are listed in ``compat_differences``.
    """
    options = options or CheckOptions()
    folder = Path(perf_dir)
    if root is None and current_input_root() is None:
        root = folder  # nothing wider given: the result's own folder is the tree
    if root is not None:
        with input_root(root):
            return check_power_result(
                folder, pack, options, round_reason=round_reason, files=files
            )
    rules = PowerRules.from_pack(pack)
    if files is None:
        files = ResultFiles(folder)
    if options.compat == "reference":
        reference_rules = PowerRules.from_pack(load_pack(available_rounds()[-1]))
        ctx = PowerContext(folder, pack, reference_rules, options, files)
    else:
        ctx = PowerContext(folder, pack, rules, options, files)
    findings = _run_checks(ctx)
    try:
        figure = ctx.figure
        scenario = ctx.scenario
    except Exception as exc:
        figure, scenario = None, None
        findings.append(R.INTERNAL.finding(f"power figure raised {type(exc).__name__}: {exc}"))
    report = ResultReport(
        path=str(folder),
        round=pack.round,
        round_reason=round_reason,
        scenario=scenario,
        figure=figure,
        findings=findings,
        compat=options.compat,
    )
    if options.compat == "reference":
        correct_options = options.__class__(
            compat="correct",
            round=options.round,
            sources_sets=options.sources_sets,
            sources_file=options.sources_file,
        )
        # the same files under the round's own rules: read once, checked twice
        correct = _run_checks(PowerContext(folder, pack, rules, correct_options, files))
        mine, theirs = _verdicts(correct), _verdicts(findings)
        report.compat_differences = sorted(
            rule for rule in set(mine) | set(theirs) if mine.get(rule) != theirs.get(rule)
        )
        report.compat_notes = {
            rule: _reference_note(rule, mine.get(rule), theirs.get(rule))
            for rule in sorted(set(mine) | set(theirs))
        }
    return report


def _reference_note(rule_id: str, mine: set[str] | None, theirs: set[str] | None) -> str:
    """One finding's standing with the reference checker: it raises the same problem,
    misses it (our rule is stricter, or the reference has a bug, named from the rule's
    ``reference`` note), raises it alone, or would crash on it."""
    rule = REGISTRY.get(rule_id)
    why = rule.reference if rule is not None else ""
    if mine == theirs:
        return "the reference raises it too"
    if "crash" in why:
        return f"the reference would crash: {why}"
    if theirs is None:
        if why == "absent":
            return "the reference misses it: it has no such check (our rule is stricter)"
        return "the reference misses it" + (f": {why}" if why else " (our rule is stricter)")
    if mine is None:
        return "only the reference raises it" + (f": {why}" if why else "")
    return (
        f"the reference says {'/'.join(sorted(theirs))} where joulekit says "
        f"{'/'.join(sorted(mine))}" + (f": {why}" if why else "")
    )


def find_results(path: str | Path) -> list[Path]:
    """Performance folders to check: ``path`` itself, its ``performance/``, or a tree."""
    target = Path(path)
    if not target.exists():
        raise UserError(f"{target} does not exist")
    if (target / POWER).is_dir():
        return [target]
    if (target / PERFORMANCE / POWER).is_dir():
        return [target / PERFORMANCE]
    found = find_power_results(target)
    if not found:
        raise UserError(
            f"no power result below {target} (looked for {PERFORMANCE}/ folders with {POWER}/)"
        )
    return found


def _check_one(task: tuple[str, CheckOptions, str]) -> ResultReport:
    """Worker entry: detect the round, check, and turn any escape into a finding.

    The third item is the tree the user named: no file is read through a link that
    leaves it."""
    path, options, root = task
    with input_root(root):
        return _check_one_inside(path, options)[0]


#: a check task in the pool: path, options, the tree named, the round already detected
#: for the path (round, reason) or None, and the SHA-1 of each file hashed already
_Task = tuple[str, CheckOptions, str, tuple[str, str] | None, dict[str, str]]


def _check_group(group: list[_Task]) -> list[ResultReport]:
    """Worker entry for folders whose files are byte-identical (scenario folders a run
    was copied into): each is checked, the logs parsed once (``ResultFiles.rebased``)."""
    reports: list[ResultReport] = []
    source: ResultFiles | None = None
    for path, options, root, detected, digests in group:
        with input_root(root):
            report, files = _check_one_inside(path, options, source, detected, digests)
        reports.append(report)
        source = source or files
    return reports


def _check_one_inside(
    path: str,
    options: CheckOptions,
    source: ResultFiles | None = None,
    detected: tuple[str, str] | None = None,
    digests: dict[str, str] | None = None,
) -> tuple[ResultReport, ResultFiles | None]:
    round_name = options.round or ""
    reason = "given with --round" if options.round else ""
    try:
        if not options.round:
            round_name, reason = detected or detect_round(path)
        files = source.rebased(Path(path)) if source is not None else None
        files = files or ResultFiles(Path(path))
        if digests:
            files.digests.update(digests)  # hashed while fingerprinting: not read again
        report = check_power_result(
            path, load_pack(round_name), options, round_reason=reason, files=files
        )
        return report, files
    except UserError as err:
        finding = R.ROUND.finding(str(err)) if not round_name else R.INTERNAL.finding(str(err))
    except Exception as exc:
        finding = R.INTERNAL.finding(f"checking raised {type(exc).__name__}: {exc}")
    report = ResultReport(
        path, round_name or "unknown", reason, None, None, [finding], compat=options.compat
    )
    return report, None


def _pooled(tasks: list[tuple[str, CheckOptions, str]], jobs: int) -> Iterator[ResultReport]:
    """Check in a pool; folders whose files are byte-identical are read once.

    Published trees hold many copies (a submitter copies one run into several scenario
    folders, or several systems' folders): in the public record only about 3,550 of
    8,485 power results are distinct. A copy under the same scenario folder name gets
    the original's report with its own path, which is exact because every verdict
    depends only on the files, the folder's scenario name and the round, and all three
    are in the fingerprint. Copies under other scenario names (whose metric differs)
    go to one worker together and are checked each, on logs parsed once.

    Only folders that could be copies are hashed: two byte-identical folders have the
    same round and the same file names and sizes, so a folder whose listing no other
    folder shares is checked on its own without reading its bytes twice.
    """
    _warm_for_fork(tasks)
    chunk = max(1, len(tasks) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        walked = list(pool.map(_listing, tasks, chunksize=chunk))
        listings = [listing for listing, _detected in walked]
        shared = Counter(listing for listing in listings if listing is not None)
        suspects = [i for i, listing in enumerate(listings) if listing and shared[listing] > 1]
        hashed = pool.map(_fingerprint_files, [tasks[i] for i in suspects],
                          chunksize=max(1, len(suspects) // (jobs * 8)))
        keys: list[str | None] = [None] * len(tasks)
        digests: list[dict[str, str]] = [{} for _ in tasks]
        for index, (key, files) in zip(suspects, hashed, strict=True):
            keys[index], digests[index] = key, files
        first: dict[str, int] = {}
        groups: dict[str, list[int]] = {}
        singles: list[list[int]] = []
        for index, key in enumerate(keys):
            if key is None:
                singles.append([index])
            elif key not in first:
                first[key] = index
                content = f"{key.partition('|')[0]}|{key.rpartition('|')[2]}"  # no scenario
                groups.setdefault(content, []).append(index)
        work = singles + list(groups.values())
        chunk = max(1, len(work) // (jobs * 32))
        checked: dict[int, ResultReport] = {}
        batches = pool.map(
            _check_group,
            [[(*tasks[i], walked[i][1], digests[i]) for i in g] for g in work],
            chunksize=chunk,
        )
        for group, reports in zip(work, batches, strict=True):
            checked.update(zip(group, reports, strict=True))
    for index, key in enumerate(keys):
        report = checked.get(index)
        if report is None:
            assert key is not None
            report = replace(checked[first[key]], path=tasks[index][0])
        yield report


_PATH_ROUND = re.compile(r"(?:^|[/_-])(v\d+\.\d+)(?=/|$)")


def _warm_for_fork(tasks: list[tuple[str, CheckOptions, str]]) -> None:
    """Load once, before the workers fork, what each would otherwise load for itself:
    numpy (the log readers' arrays) and the packs of the rounds the paths name. Only a
    head start: a worker loads whatever is still missing, so a wrong guess costs time,
    never a verdict."""
    import numpy  # noqa: F401  # loaded here so that the forked workers share it

    rounds = set(available_rounds())
    named = {options.round for _path, options, _root in tasks if options.round}
    for path, _options, _root in tasks:
        named.update(m for m in _PATH_ROUND.findall(path) if m in rounds)
    for round_name in sorted(named & rounds):
        load_pack(round_name)


def _listing(task: tuple[str, CheckOptions, str]) -> tuple[str | None, tuple[str, str] | None]:
    """Round, and each entry's name and size (a folder's bytes may be equal to another's
    only if this is), None for a folder :func:`_fingerprint` would not share; and the
    detected (round, reason), so the check need not detect it again."""
    detected: list[tuple[str, str]] = []
    return _walk(task, content=False, detected=detected), (detected[0] if detected else None)


def _fingerprint(task: tuple[str, CheckOptions, str]) -> str | None:
    """Round, scenario folder name and SHA-1 over every file's name and bytes; None (never
    shared) when the folder holds anything but plain folders and regular files, or when
    anything cannot be read: those get a check of their own, which says why."""
    return _walk(task, content=True)


def _fingerprint_files(task: tuple[str, CheckOptions, str]) -> tuple[str | None, dict[str, str]]:
    """:func:`_fingerprint`, and the SHA-1 of each file (relative path -> hex digest), which
    PWR050 then need not compute again."""
    files: dict[str, str] = {}
    key = _walk(task, content=True, files=files)
    return key, files if key is not None else {}


def _walk(
    task: tuple[str, CheckOptions, str],
    *,
    content: bool,
    detected: list[tuple[str, str]] | None = None,
    files: dict[str, str] | None = None,
) -> str | None:
    path, options, root = task
    digest = hashlib.sha1()
    try:
        if not (os.path.realpath(path) + os.sep).startswith(root.rstrip(os.sep) + os.sep):
            return None  # reached through a linked folder: its own check says so
        if options.round:
            round_name = options.round
        else:
            with input_root(root):
                round_name, reason = detect_round(path)
            if detected is not None:
                detected.append((round_name, reason))
        stack = [(path, "")]  # (folder, its path relative to ``path`` with a "/")
        while stack:
            folder, prefix = stack.pop()
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
            for entry in listed:
                if entry.is_symlink():
                    return None
                relative = prefix + entry.name  # what os.path.relpath gives, for less
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, relative + "/"))
                    digest.update(f"D{relative}\0".encode("utf-8", "surrogateescape"))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    return None
                size = entry.stat(follow_symlinks=False).st_size
                if size > _FINGERPRINT_MAX_BYTES:
                    return None
                digest.update(f"F{relative}\0{size}\0".encode("utf-8", "surrogateescape"))
                if not content:
                    continue
                with open(entry.path, "rb") as handle:
                    file_digest = hashlib.file_digest(handle, "sha1")
                digest.update(file_digest.digest())  # equal digests: equal bytes
                if files is not None:
                    files[relative] = file_digest.hexdigest()
    except (OSError, UserError, ValueError):
        return None
    if not content:
        return f"{round_name}|{digest.hexdigest()}"
    return f"{round_name}|{Path(path).parent.name}|{digest.hexdigest()}"


def check_path(
    path: str | Path,
    options: CheckOptions | None = None,
    *,
    jobs: int | None = None,
    progress: Callable[[ResultReport], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> CheckReport:
    """Check every power result at or below ``path`` (in parallel when there are many)."""
    options = options or CheckOptions()
    if options.round:
        load_pack(options.round)  # an unknown round is the user's error, said once
    folders = find_results(path)
    root = str(Path(path).resolve())
    tasks = [(str(folder), options, root) for folder in folders]
    if on_total is not None:
        on_total(len(tasks))
    workers = jobs or os.cpu_count() or 1
    stream: Iterator[ResultReport]
    if workers > 1 and len(tasks) >= _POOL_THRESHOLD:
        stream = _pooled(tasks, min(workers, len(tasks)))
    else:
        stream = map(_check_one, tasks)
    results: list[ResultReport] = []
    for report in stream:
        results.append(report)
        if progress is not None:
            progress(report)
    rounds = sorted({r.round for r in results})
    return CheckReport(results=results, round=rounds[0] if len(rounds) == 1 else "mixed")
