"""The power figure each round's own submission checker computes for result folders.

The published results tables of a round come from its submission checker (mlcommons/
inference ``tools/submission``), whose ``check_power_dir`` / ``get_power_metric`` turns
a result folder into the published number. This runs that code, at the commit current
when the round was published (``ROUND_COMMITS``), as an external program (one process per
round reads folder paths on stdin and prints one JSON line per folder), so
``tools/validate_corpus.py --figures-from INFERENCE_GITDIR`` can say for every result
whether joulekit's figure is the round's. Nothing of it is imported here.

The scenario passed is the folder's, as the round's checker passed it (``scenario_fixed``).
SingleStream/MultiStream figures before v3.0 are in J per query (or sample); joulekit's
are mJ, so a factor of exactly 1000 counts as equal (``same_figure``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from git_snapshot import extract_tree

#: mlcommons/inference commit whose tools/submission a round was published with
ROUND_COMMITS = {
    "v1.0": ("10aa90b3", "submission-checker.py"),  # 2021-04-06, "Merge 1.0"
    "v1.1": ("b1452de4", "submission-checker.py"),  # 2021-07-29
    "v2.0": ("0ca20e70", "submission-checker.py"),  # last before publication 2022-04-06
    "v2.1": ("6fb638f8", "submission-checker.py"),  # last before publication 2022-09-08
    "v3.0": ("f7314047", "submission_checker.py"),  # last before publication 2023-04-05
    "v4.1": ("c7db1c3f", "submission_checker.py"),  # 2024-08-16 (see validate_trees.py)
    "v5.1": ("e20506b2", "submission_checker.py"),  # 2025-08-20
}

#: runs inside the round's tools/submission folder: stdin "perf_dir\tscenario" lines,
#: stdout one JSON object per line (value or error)
_DRIVER = r"""
import importlib.util, inspect, io, json, logging, os, sys, contextlib
logging.disable(logging.CRITICAL)
script, version = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
spec = importlib.util.spec_from_file_location("round_checker", script)
mod = importlib.util.module_from_spec(spec)
with contextlib.redirect_stdout(io.StringIO()):
    spec.loader.exec_module(mod)
config = None
if hasattr(mod, "Config"):
    try:
        config = mod.Config(version, {})
    except Exception:
        config = None
    if config is not None:
        config.more_power_check = False
        config.skip_power_check = True
for line in sys.stdin:
    perf, scenario = line.rstrip("\n").split("\t")
    out = {"path": perf}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            if hasattr(mod, "get_power_metric"):
                run = os.path.join(perf, "run_1")
                valid, metric, _scen, _eff = mod.get_power_metric(config, scenario, run, True, 1.0)
            else:
                args = [os.path.join(perf, "power"), os.path.join(perf, "ranging"),
                        os.path.join(perf, "run_1"), scenario]
                params = inspect.signature(mod.check_power_dir).parameters
                if "config" in params:
                    args.append(config)
                valid, metric = mod.check_power_dir(*args)[:2]
        out.update(value=float(metric), valid=bool(valid))
    except BaseException as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:200]
    print(json.dumps(out), flush=True)
"""

_FOLDER_SCENARIO = {
    "offline": "Offline",
    "server": "Server",
    "singlestream": "SingleStream",
    "multistream": "MultiStream",
    "interactive": "Interactive",
}


def extract(inference_git: Path, round_name: str, work: Path) -> Path:
    """The round's submission checker script, extracted under ``work`` (once)."""
    commit, name = ROUND_COMMITS[round_name]
    target = work / f"sc-{round_name}"
    script = target / "tools" / "submission" / name
    if not script.is_file():
        extract_tree(inference_git, commit, "tools/submission", target)
    return script


def round_figures(
    inference_git: Path, round_name: str, folders: list[Path], work: Path
) -> dict[str, dict[str, object]]:
    """perf folder path -> {"value": float, "valid": bool} or {"error": str}."""
    if round_name not in ROUND_COMMITS or not folders:
        return {}
    script = extract(inference_git, round_name, work)
    lines = "".join(
        f"{p}\t{_FOLDER_SCENARIO.get(p.parent.name.lower(), p.parent.name)}\n" for p in folders
    )
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(script), round_name],
        input=lines, capture_output=True, text=True, cwd=script.parent, timeout=3600,
    )
    table: dict[str, dict[str, object]] = {}
    for line in proc.stdout.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        table[str(row.pop("path"))] = row
    return table


def same_figure(ours: float, unit: str, theirs: float) -> bool:
    """Equal to 1e-9 relative, allowing the J -> mJ factor of the older rounds."""
    if theirs == 0:
        return ours == 0
    if abs(ours - theirs) <= 1e-9 * abs(theirs):
        return True
    return unit == "mJ" and abs(ours - 1000.0 * theirs) <= 1e-9 * abs(1000.0 * theirs)
