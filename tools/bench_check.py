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
        --reference /tmp/pd-v5.1/compliance/check.py --distinct 80

Byte-identical result folders are checked once (``check_path``), so ``--copies`` trees,
whose copies are identical, measure the copy path, not the checks.

Target: < 25 ms per result on 2 cores. Medians of 3 runs, 200 results, 2 workers, 2 cores
with other work running (load 2.0-2.9), old and new code alternating: 25.7 ms per result
before the reader and file-sharing work, 15.4 ms after; under load 1.0-1.2, 15.8 -> 10.9 ms.

Corpus (8,485 results, 3.8 GiB, 2 workers, 2 cores, load 1.2-1.6): 131.3 s before copies
under other scenario names shared their parsed logs, 59.0-62.0 s after. 80 distinct
results: 1.53 s in one call against 11.9-18.0 s for the v5.1 reference per result
(7.8-12 x; the reference's own time varies most).
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


def bench_reference(root: Path, script: Path, jobs: int) -> None:
    """The same results: joulekit in one call, the reference checker once per result."""
    import subprocess

    from joulekit.formats.layout import find_power_results

    folders = find_power_results(root)
    start = time.perf_counter()
    check_path(root, CheckOptions(), jobs=jobs)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for perf in folders:
        subprocess.run([sys.executable, str(script), str(perf)], capture_output=True,
                       cwd=script.parent, check=False)
    theirs = time.perf_counter() - start
    print(f"results           : {len(folders)}")
    print(f"joulekit, 1 call  : {ours:.2f} s ({jobs} workers)")
    print(f"reference, each   : {theirs:.2f} s ({theirs * 1000 / len(folders):.0f} ms per result,"
          " one process per result, serial)")
    print(f"speed-up          : {theirs / ours:.1f} x")


def bench_corpus(corpus: Path, jobs: int, distinct: int, script: Path | None) -> int:
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
        bench_reference(Path(tmp), script, jobs)
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
    args = parser.parse_args()
    if args.corpus is not None:
        return bench_corpus(args.corpus, args.jobs, args.distinct, args.reference)
    if not REAL.is_dir():
        print(f"fixtures not found: {REAL}", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory(prefix="joulekit-bench-") as tmp:
        total = build_tree(Path(tmp), args.copies)
        start = time.perf_counter()
        report = check_path(tmp, CheckOptions(compat=args.compat), jobs=args.jobs)
        elapsed = time.perf_counter() - start
        if args.reference is not None:
            bench_reference(Path(tmp), args.reference, args.jobs)
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
