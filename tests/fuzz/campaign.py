"""Run a seeded fuzz campaign against one command, in-process, and print a JSON summary.

``python tests/fuzz/campaign.py check 0 60`` mutates a fresh copy of a real published
result for each seed 0..59, runs ``joulekit check`` on it through the real CLI entry
point (:func:`joulekit.cli.main`, so its error handling is what is tested), and records
every case that

- raised or printed a traceback, exited 4 (internal error) or reported PWR900;
- ran past its time budget (a hang: a SIGALRM interrupts it);
- wrote, changed or removed any file outside its own case folder, or quoted the secret
  line a link out of the tree points to.

It runs as a child of the test so the test can cap its memory (``RLIMIT_AS``) and read
its peak RSS; a failing seed is replayed with ``campaign.py TARGET SEED SEED+1``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent)]

from fuzz.mutate import mutate  # noqa: E402
from joulekit.cli import main  # noqa: E402

REAL = HERE.parents[2] / "shared" / "fixtures" / "real"
FIXTURES = (
    REAL / "inference_results_v2.1/closed/Dell/results/XR12_A2x1_TRT_MaxQ/resnet50/Offline",
    REAL / "inference_results_v4.1/closed/UntetherAI/results/h13_u3_slim/resnet50/singlestream",
    REAL / "inference_results_v1.1/closed/Qualcomm/results/"
    "g292_z43_q16-qaic-v1.5.6-aic100/resnet50/server",
)
SECRET = "FUZZ-SECRET-OUTSIDE-THE-TREE"
BUDGET_S = {"check": 20.0, "report": 30.0, "package": 60.0, "tree": 60.0}


class Hang(BaseException):
    """Raised by SIGALRM: a BaseException so no ``except Exception`` can swallow it."""


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every entry below ``root`` except ``skip`` and what is below it: size, mtime."""
    seen: dict[str, tuple[int, int]] = {}
    for current, dirs, names in os.walk(root):
        here = Path(current)
        dirs[:] = [d for d in dirs if here / d != skip]
        for name in dirs + names:
            path = here / name
            with contextlib.suppress(OSError):
                info = os.lstat(path)
                seen[str(path)] = (info.st_size, info.st_mtime_ns)
    return seen


def _result_case(case: Path, rng: random.Random) -> tuple[Path, list[str], Path]:
    """A mutated copy of one fixture; returns its performance folder, the mutations and
    the file outside the tree that links may point to."""
    fixture = FIXTURES[rng.randrange(len(FIXTURES))]
    round_part = next(p for p in fixture.parts if p.startswith("inference_results_"))
    perf = case / "tree" / round_part / fixture.name / "performance"
    shutil.copytree(fixture / "performance", perf)
    outside = case.parent / "outside" / "secret.txt"
    return perf, mutate(rng, perf, outside), outside


def _package_case(case: Path, rng: random.Random) -> tuple[list[str], list[str]]:
    from submission.helpers import make_project, measured_result

    project = make_project(case / "project")
    scenarios = ["singlestream", "offline"]
    rng.shuffle(scenarios)
    bad = measured_result(case / "run_bad", scenarios[0])
    good = measured_result(case / "run_good", scenarios[1])
    outside = case.parent / "outside" / "secret.txt"
    done = mutate(rng, bad / "performance", outside)
    argv = ["package", str(project.folder), "--result", f"resnet50={bad}",
            "--result", f"resnet50={good}", "--out", str(case / "out" / "sub.tar.gz"),
            "--workers", "1"]
    if rng.random() < 0.5:
        argv.append("--only-valid")  # so the good result is packed whatever the bad one is
    return argv, done


def _tree_case(case: Path, rng: random.Random) -> tuple[list[str], list[str]]:
    """A whole packaged submission tree, mutated, checked as a tree."""
    from submission.helpers import packaged

    project, _ = packaged(case / "built")
    outside = case.parent / "outside" / "secret.txt"
    done = mutate(rng, project.tree, outside)
    argv = ["check", str(project.tree), "--format", "json", "-o", str(case / "out.json"),
            "--no-progress", "--jobs", "1"]
    return argv, done


def run_case(target: str, seed: int, work: Path) -> dict[str, Any]:
    rng = random.Random(f"{target}-{seed}")
    case = work / f"case-{seed}"
    case.mkdir()
    if target == "package":
        argv, done = _package_case(case, rng)
    elif target == "tree":
        argv, done = _tree_case(case, rng)
    else:
        perf, done, _ = _result_case(case, rng)
        if target == "check":
            argv = ["check", str(perf), "--format", "json", "-o", str(case / "out.json"),
                    "--no-progress", "--jobs", "1"]
        else:
            argv = ["report", str(perf), "-o", str(case / "report")]
    before = snapshot(work, case)
    out, err = io.StringIO(), io.StringIO()
    problems: list[str] = []
    rc: int | None = None
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, BUDGET_S[target])
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(argv)
    except Hang:
        problems.append(f"hang: still running after {BUDGET_S[target]} s")
    except BaseException as exc:
        problems.append(f"escaped {type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    text = out.getvalue() + err.getvalue()
    if rc == 4 or "Traceback" in text:
        problems.append(f"traceback (exit {rc}): {err.getvalue()[-800:]}")
    if rc not in (None, 0, 1, 2, 3):
        problems.append(f"exit {rc}")
    outputs = (case / "out.json", case / "out" / "sub.tar.gz", case / "report" / "index.html")
    written = [p for p in outputs if p.is_file()]
    for path in written:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        body = raw.decode("utf-8", errors="replace")
        if "PWR900" in body:
            problems.append("PWR900 (a check raised) in the report")
        text += body
    if SECRET in text:
        problems.append("quoted a line of a file outside the tree")
    after = snapshot(work, case)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        problems.append(f"changed outside its folder: {changed[:5]}")
    shutil.rmtree(case, ignore_errors=True)
    return {"seed": seed, "mutations": done, "exit": rc, "packed": len(written),
            "seconds": round(elapsed, 2), "problems": problems}


def campaign(target: str, first: int, stop: int) -> dict[str, Any]:
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as tmp:
        work = Path(tmp)
        (work / "outside").mkdir()
        (work / "outside" / "secret.txt").write_text(f"{SECRET}\n" * 4)
        cases = [run_case(target, seed, work) for seed in range(first, stop)]
        leftovers = sorted(p.name for p in work.iterdir() if p.name != "outside"
                           and not p.name.startswith("moved-"))
    exits: dict[str, int] = {}
    for case in cases:
        exits[str(case["exit"])] = exits.get(str(case["exit"]), 0) + 1
    return {
        "target": target,
        "cases": len(cases),
        "failures": [c for c in cases if c["problems"]],
        "exits": exits,
        "slowest_s": max((c["seconds"] for c in cases), default=0.0),
        "leftovers": leftovers,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


if __name__ == "__main__":
    name, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(campaign(name, start, end), indent=1))
