"""Benchmark ``joulekit check`` on N copies of the real power results in one call.

Copies the published fixtures N times into a temporary tree (keeping the round in the
path), checks the whole tree once with the process pool, and prints results per second
and milliseconds per result (wall time, amortised over all results and workers).

    .venv/bin/python tools/bench_check.py --copies 40 --jobs 2

With ``--corpus DIR`` it checks a whole corpus (``corpus-build`` output) in one call and,
with ``--reference CHECK_PY``, times ``--distinct`` different corpus results (copied, so
none is a byte-identical copy of another) against that reference checker run once per
result::

    .venv/bin/python tools/bench_check.py --corpus /work/corpus --jobs 2 \
        --reference ../shared/reference/power-dev/compliance/check.py --distinct 80 --repeat 3

Byte-identical result folders are checked once (``check_path``), so ``--copies`` trees,
whose copies are identical, measure the copy path, not the checks. "joulekit check" is
the same 80 through the command in a fresh process (imports, numpy and the pack
included), for what a user waits.

Figures, 2026-12-06, this machine (2 cores shared with other work), 2 workers,
``--repeat 3`` (ours and the reference alternate; medians compared); ``--reference``
is power-dev's compliance/check.py as shared/reference holds it:

* whole corpus (8,485 results): 22.7-36.2 s over three runs (2026-12-04: 31.3 s;
  target < 60 s: met);
* 80 distinct results in one call, three runs of ``--repeat 3``: 0.45 s (0.42-0.50)
  against 9.56 s for the reference per result, 21.5 x; 0.52 s against 11.39 s, 22.0 x;
  0.46 s against 11.47 s, 25.2 x (2026-12-04: 0.74 s, 14.1 x; target >= 20 x: met);
  the command in a fresh process 0.91-1.10 s (10.3-12.6 x: about 0.5 s of it is
  Python start-up and imports);
* serial CPU for the same 80 (min of 7): 15 ms -> 8.2 ms per result.

Where the 8 ms go now (80 distinct v1.0 results, serial): spl.txt about 2 ms for the
testing and ranging files (numpy over the bytes, see formats/_bytescan), ptd_logs.txt
1.5 ms (mostly slicing out 4,500 messages), the two detail logs 1.4 ms (JSON scanning
of 90 records each), PWR050 hashing 1.3 ms (SHA-1 of about 1 MB and 20 opens), the
other checks about 1.5 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from joulekit.checker import CheckOptions, check_path

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "real"


def build_tree(root: Path, copies: int) -> int:
    """N copies of every published power result below ``root``; returns the count."""
    from joulekit.formats.layout import find_power_results

    sources = find_power_results(REAL)
    count = 0
    for index in range(copies):
        for perf in sources:
            round_dir = next(p for p in perf.parts if p.startswith("inference_results_"))
            target = root / round_dir / f"copy{index:04d}" / perf.parent.name / "performance"
            shutil.copytree(perf, target)
            count += 1
    return count


def bench_reference(root: Path, script: Path, jobs: int, repeat: int = 1) -> None:
    """The same results: joulekit in one call, the reference checker once per result;
    with ``repeat`` > 1 each is timed that many times, alternating, and the medians are
    compared (a shared 2-core machine varies by 10-20 % from minute to minute)."""
    import statistics
    import subprocess

    from joulekit.formats.layout import find_power_results

    folders = find_power_results(root)
    check_path(root, CheckOptions(), jobs=jobs)  # the page cache warm for both
    ours_runs: list[float] = []
    theirs_runs: list[float] = []
    command_runs: list[float] = []
    report = root.parent / f"{root.name}-report.json"
    for _round in range(repeat):
        start = time.perf_counter()
        check_path(root, CheckOptions(), jobs=jobs)
        ours_runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        for perf in folders:
            subprocess.run([sys.executable, str(script), str(perf)], capture_output=True,
                           cwd=script.parent, check=False)
        theirs_runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "joulekit", "check", str(root), "--jobs",
                               str(jobs), "--format", "json", "--output", str(report),
                               "--no-progress"], capture_output=True, check=False)
        command_runs.append(time.perf_counter() - start)
        report.unlink(missing_ok=True)
        if done.returncode not in (0, 1, 2):  # 1 and 2: the results have errors or warnings
            print(f"joulekit check failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    ours = statistics.median(ours_runs)
    theirs = statistics.median(theirs_runs)
    command = statistics.median(command_runs)
    listed = ", ".join(f"{t:.2f}" for t in ours_runs)
    runs = f" (median of {repeat}: {listed})" if repeat > 1 else ""
    print(f"results           : {len(folders)}")
    print(f"joulekit, 1 call  : {ours:.2f} s ({jobs} workers){runs}")
    print(f"joulekit check    : {command:.2f} s (the command in a fresh process, start-up"
          " included)")
    print(f"reference, each   : {theirs:.2f} s ({theirs * 1000 / len(folders):.0f} ms per result,"
          " one process per result, serial)")
    print(f"speed-up          : {theirs / ours:.1f} x ({theirs / command:.1f} x for the command)")


def bench_corpus(
    corpus: Path, jobs: int, distinct: int, script: Path | None, repeat: int = 1
) -> int:
    """Whole corpus in one call; with ``--reference``, ``distinct`` different corpus
    results (copied, so no two are byte-identical) against the reference per result."""
    start = time.perf_counter()
    report = check_path(corpus, CheckOptions(), jobs=jobs)
    elapsed = time.perf_counter() - start
    crashed = sum(1 for r in report.results for f in r.findings if f.rule == "PWR900")
    print(f"corpus            : {corpus}")
    print(f"results checked   : {len(report.results)} in one call, {jobs} workers")
    print(f"wall time         : {elapsed:.1f} s ({len(report.results) / elapsed:.0f} results/s)")
    print(f"internal errors   : {crashed}")
    if script is None:
        return 0
    from joulekit.checker.inference_power.runner import _fingerprint

    seen: set[str] = set()
    picked: list[Path] = []
    options = CheckOptions()
    for result in report.results:
        key = _fingerprint((result.path, options, str(corpus.resolve())))
        if key is None or key.split("|")[-1] in seen:
            continue
        seen.add(key.split("|")[-1])
        picked.append(Path(result.path))
        if len(picked) == distinct:
            break
    with tempfile.TemporaryDirectory(prefix="joulekit-bench-") as tmp:
        for perf in picked:
            relative = perf.relative_to(corpus)
            shutil.copytree(perf, Path(tmp) / relative)
        bench_reference(Path(tmp), script, jobs, repeat)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="copies of each fixture")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--compat", choices=["correct", "reference"], default="correct")
    parser.add_argument("--corpus", type=Path, help="check this corpus (corpus-build output)")
    parser.add_argument("--reference", type=Path,
                        help="a round's power-dev compliance/check.py: time it per result "
                             "against joulekit on the same results")
    parser.add_argument("--distinct", type=int, default=80,
                        help="with --corpus and --reference: this many distinct results")
    parser.add_argument("--repeat", type=int, default=1,
                        help="with --reference: time each side this many times, compare medians")
    args = parser.parse_args()
    if args.corpus is not None:
        return bench_corpus(args.corpus, args.jobs, args.distinct, args.reference, args.repeat)
    if not REAL.is_dir():
        print(f"fixtures not found: {REAL}", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="joulekit-bench-") as tmp:
        total = build_tree(Path(tmp), args.copies)
        start = time.perf_counter()
        report = check_path(tmp, CheckOptions(compat=args.compat), jobs=args.jobs)
        elapsed = time.perf_counter() - start
        if args.reference is not None:
            bench_reference(Path(tmp), args.reference, args.jobs, args.repeat)
    assert len(report.results) == total
    crashed = sum(1 for r in report.results for f in r.findings if f.rule == "PWR900")
    print(f"results checked : {total} ({args.copies} copies x {total // args.copies} fixtures)")
    print(f"workers         : {args.jobs}")
    print(f"wall time       : {elapsed:.3f} s")
    print(f"results/s       : {total / elapsed:.1f}")
    print(f"ms per result   : {elapsed * 1000 / total:.2f} (amortised)")
    print(f"internal errors : {crashed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
