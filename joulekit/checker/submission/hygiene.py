"""Tree hygiene and cross-references, found in one walk of the tree.

A finding under a result's own folders (results/, measurements/, compliance/) is handed
to that result, so a stray file in one result fails that result and no other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from joulekit.checker.findings import Finding
from joulekit.checker.submission import rules as R
from joulekit.checker.submission.system import load_json_object
from joulekit.checker.submission.tree import ResultUnit
from joulekit.formats.layout import DIVISIONS, OPEN, RESULTS, SYSTEMS, system_json

_TOLERATED_ROOT = {"README.md", "LICENSE", "LICENSE.md", ".gitattributes", ".gitignore", ".git"}


def _f(rule: Any, message: str, path: Path, root: Path, **kw: Any) -> Finding:
    return rule.finding(message, file=str(path.relative_to(root)), **kw)  # type: ignore[no-any-return]


def walk_tree(root: Path, pack: dict[str, Any]) -> list[Finding]:
    """Hygiene findings of every file and folder below ``root``."""
    out: list[Finding] = []
    hyg = pack["hygiene"]
    limit = hyg["max_file_bytes"]
    forbidden = set(hyg["forbidden_names"])
    for entry in sorted(root.iterdir()):
        if entry.name in _TOLERATED_ROOT:
            continue
        if entry.is_dir() and entry.name not in DIVISIONS:
            out.append(_f(R.UNKNOWN_DIVISION, f"{entry.name}/ is not a division", entry, root))
        elif entry.is_dir() and entry.name not in pack["divisions"]:
            out.append(_f(R.UNKNOWN_DIVISION, f"{entry.name}/ is not a division of "
                          f"{pack['round']}", entry, root))
        elif not entry.is_dir():
            out.append(_f(R.STRAY_FILE, f"{entry.name} at the root", entry, root))
    for div in sorted(p for p in root.iterdir() if p.is_dir() and p.name in DIVISIONS):
        for entry in sorted(div.iterdir()):
            if not entry.is_dir():
                out.append(_f(R.STRAY_FILE, f"{entry.name} at the division level", entry, root))
        for dirpath, dirnames, filenames in os.walk(div):
            here = Path(dirpath)
            dirnames.sort()
            for name in [*dirnames, *filenames]:
                path = here / name
                if name in forbidden or name.startswith(".") or " " in name:
                    out.append(_f(R.BAD_NAME, f"name not allowed: {name!r}", path, root))
                if path.is_symlink() and not path.exists():
                    out.append(_f(R.BROKEN_LINK, f"{name} points to a missing target", path,
                                  root))
            for name in filenames:
                path = here / name
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if size > limit:
                    out.append(_f(R.FILE_TOO_LARGE, f"{name} is {size} bytes", path, root,
                                  expected=f"<= {limit}", found=size))
            if not dirnames and not filenames:
                out.append(_f(R.EMPTY_DIR, "empty folder", here, root))
            dirnames[:] = [d for d in dirnames if d not in forbidden]
    return out


def cross_references(root: Path, units: list[ResultUnit], pack: dict[str, Any]) -> list[Finding]:
    """Systems without results, calibration and code folders, required scenarios."""
    out: list[Finding] = []
    by_sub: dict[Path, list[ResultUnit]] = {}
    for unit in units:
        by_sub.setdefault(unit.submitter_dir, []).append(unit)
    for div in sorted(p for p in root.iterdir() if p.is_dir() and p.name in DIVISIONS):
        for sub in sorted(p for p in div.iterdir() if p.is_dir()):
            subs = by_sub.get(sub, [])
            systems = sub / SYSTEMS
            with_results = {u.system for u in subs}
            if systems.is_dir():
                for js in sorted(systems.glob("*.json")):
                    if js.stem not in with_results:
                        out.append(_f(R.SYSTEM_WITHOUT_RESULTS, f"{js.name} has no results",
                                      js, root))
            if div.name in pack["hygiene"]["calibration_required_in"] and subs:
                places = [sub / "calibration.md", sub / "documentation" / "calibration.md"]
                if not any(p.is_file() for p in places):
                    out.append(_f(R.CALIBRATION_MISSING, "no calibration.md for "
                                  f"{div.name}/{sub.name}", sub, root))
            code = sub / pack["code_folder"]
            for bench in sorted({u.benchmark for u in subs}):
                if not (code / bench).is_dir():
                    out.append(_f(R.CODE_MISSING, f"{pack['code_folder']}/{bench}/ is missing",
                                  sub, root))
            out.extend(_scenarios(root, sub, subs, pack))
    return out


def _scenarios(root: Path, sub: Path, subs: list[ResultUnit],
               pack: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    if sub.parent.name == OPEN:
        return out

    groups: dict[tuple[str, str], set[str]] = {}
    for unit in subs:
        groups.setdefault((unit.system, unit.benchmark), set()).add(unit.scenario or "")
    benches = pack["benchmarks"]
    for (system, bench_name), present in sorted(groups.items()):
        entry = benches.get(bench_name) or next(
            (b for b in benches.values() if bench_name in b.get("aliases", [])), None)
        data, _ = load_json_object(system_json(sub, system))
        if entry is None or data is None:
            continue
        kinds = str(data.get("system_type", "")).split(",")
        required: set[str] = set()
        for kind in kinds:
            required |= set(entry["scenarios"].get(kind.strip(), []))
        missing = sorted(required - present)
        if missing:
            path = sub / RESULTS / system / bench_name
            out.append(_f(R.SCENARIOS_MISSING, f"{system}/{bench_name} lacks "
                          + ", ".join(missing), path, root))
    return out
