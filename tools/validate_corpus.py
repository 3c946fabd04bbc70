"""Check a corpus of published power results in one call and print a table per round.

The corpus is what ``../shared/tools/corpus-build SNAPSHOTS OUT`` writes: one folder per
results repository (``OUT/inference_results_v1.0/...``), each holding every published
``performance/`` folder that has ``power/``. The tool exists because an auditor judges a
checker first by what it says about results the rounds already accepted: every error
printed here is either a rule the round had (with its evidence) or a bug of ours.

Per round it prints: results; results with errors; results with errors that the round's
reference checker accepted (``only ours``: with ``--power-dev`` the round's own power-dev
``compliance/check.py``, run per distinct folder by ``tools/reference_agreement.py``,
else the ``--compat reference`` pass); figures computed; figures in the wrong unit for
the scenario the result is submitted under (its folder); no figure; figures equal to the
round's (with ``--figures-from``, the figure the round's own submission checker computes
for the folder, see ``tools/round_figures.py``; or a ``summary_results.json`` given with
``--published``); results per error rule id; wall time; with ``--power-dev`` the
agreement per reference check.

    .venv/bin/python tools/validate_corpus.py /work/corpus --jobs 2 \
        --power-dev /work/.mirror/mlcommons+power-dev/repo \
        --figures-from /work/.mirror/mlcommons+inference/repo
    .venv/bin/python tools/validate_corpus.py /work/corpus --round v1.0 --no-reference

A round is a subfolder ``inference_results_vX.Y``; ``--round`` keeps only the named ones.
``--json FILE`` writes one line per result (path, round, unit, value, error rule ids).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joulekit.checker import CheckOptions, check_path
from joulekit.checker.report import ResultReport

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_agreement as ra  # a sibling tool, not a package
import round_figures as rf

#: the unit each scenario folder is published in, whatever scenario LoadGen ran
FOLDER_UNIT = {
    "offline": "W",
    "server": "W",
    "interactive": "W",
    "singlestream": "mJ",
    "multistream": "mJ",
}


@dataclass
class RoundTable:
    """The counts of one round."""

    name: str
    results: int = 0
    with_errors: int = 0
    errors_only_ours: int = 0
    figures: int = 0
    wrong_unit: int = 0
    no_figure: int = 0
    published: int = 0
    figure_exact: int = 0
    internal: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    warnings_per_rule: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    agreement: ra.Agreement | None = None
    figure_examples: list[str] = field(default_factory=list)


def _error_rules(report: ResultReport) -> set[str]:
    return {f.rule for f in report.findings if f.severity == "error"}


def _warning_rules(report: ResultReport) -> set[str]:
    return {f.rule for f in report.findings if f.severity == "warning"}


def _location(path: str) -> str:
    """``closed/<sub>/results/<sys>/<bench>/<scenario>`` of a performance folder."""
    parts = Path(path).parts
    for index, part in enumerate(parts):
        if part in ("closed", "open", "network") and "results" in parts[index:]:
            return "/".join(parts[index:-1])
    return str(Path(path).parent)


def load_published(files: list[str]) -> dict[str, tuple[float, str]]:
    """Location -> (power figure, unit) from ``summary_results.json`` files."""
    table: dict[str, tuple[float, str]] = {}
    for name in files:
        rows = json.loads(Path(name).read_text(encoding="utf-8"))
        for row in rows:
            if not isinstance(row, dict) or not row.get("has_power"):
                continue
            value, unit = row.get("Power_Result"), str(row.get("Power_Units", ""))
            if isinstance(value, int | float) and row.get("Location"):
                table[str(row["Location"])] = (float(value), unit)
    return table


def _same_figure(ours: float, unit: str, theirs: tuple[float, str]) -> bool:
    value, published_unit = theirs
    if ("mJ" in published_unit) != (unit == "mJ"):
        return False
    # published tables round to 2-3 significant decimals
    return abs(ours - value) <= max(0.005, abs(value) * 5e-4)


def judge_round(
    round_dir: Path,
    jobs: int,
    reference: bool,
    published: dict[str, tuple[float, str]],
    lines: list[dict[str, Any]],
    power_dev: Path | None = None,
    figures_from: Path | None = None,
) -> RoundTable:
    table = RoundTable(round_dir.name.removeprefix("inference_results_"))
    start = time.perf_counter()
    report = check_path(round_dir, CheckOptions(), jobs=jobs)
    table.wall_s = time.perf_counter() - start
    theirs_by_path: dict[str, dict[str, object]] = {}
    if figures_from is not None:
        theirs_by_path = rf.round_figures(
            figures_from, table.name, [Path(r.path) for r in report.results],
            Path("/tmp/joulekit-reference"),
        )
    ref_errors: dict[str, set[str]] = {}
    if power_dev is not None and table.name in ra.ROUND_COMMITS:
        # the round's own reference checker, as an external program
        script = ra.extract_checker(power_dev, table.name, Path("/tmp/joulekit-reference"))
        verdicts, distinct = ra.run_many(script, [Path(r.path) for r in report.results], jobs)
        agreement = ra.Agreement(distinct=distinct)
        for result in report.results:
            verdict = verdicts[result.path]
            agreement.add(result.path, _error_rules(result), verdict)
            ref_errors[result.path] = set(verdict.failed | verdict.crashed)
        table.agreement = agreement
    elif reference:
        ref = check_path(round_dir, CheckOptions(compat="reference"), jobs=jobs)
        ref_errors = {r.path: _error_rules(r) for r in ref.results}
    for result in report.results:
        table.results += 1
        errors = _error_rules(result)
        if "PWR900" in errors:
            table.internal += 1
        if errors:
            table.with_errors += 1
            table.per_rule.update(errors)
            if reference and not ref_errors.get(result.path):
                table.errors_only_ours += 1
        table.warnings_per_rule.update(_warning_rules(result))
        folder = Path(result.path).parent.name.lower()
        figure = result.figure
        if figure is None:
            table.no_figure += 1
        else:
            table.figures += 1
            if FOLDER_UNIT.get(folder) not in (None, figure.unit):
                table.wrong_unit += 1
            theirs = published.get(_location(result.path))
            round_value = theirs_by_path.get(result.path, {}).get("value")
            if isinstance(round_value, float):
                table.published += 1
                if rf.same_figure(figure.value, figure.unit, round_value):
                    table.figure_exact += 1
                elif len(table.figure_examples) < 5:
                    table.figure_examples.append(
                        f"{result.path}: ours {figure.value!r} {figure.unit}, "
                        f"round's checker {round_value!r}"
                    )
            elif theirs is not None:
                table.published += 1
                if _same_figure(figure.value, figure.unit, theirs):
                    table.figure_exact += 1
        lines.append(
            {
                "path": result.path,
                "round": table.name,
                "unit": figure.unit if figure else None,
                "value": figure.value if figure else None,
                "errors": sorted(errors),
                "reference_errors": sorted(ref_errors.get(result.path, ())),
            }
        )
    return table


def print_tables(tables: list[RoundTable], reference: bool) -> None:
    header = (
        f"{'round':<6} {'results':>7} {'errors':>7} {'only ours':>9} {'figures':>7} "
        f"{'wrong unit':>10} {'no figure':>9} {'published':>9} {'exact':>6} "
        f"{'PWR900':>6} {'wall s':>7}"
    )
    print(header)
    print("-" * len(header))
    for t in tables:
        ours = str(t.errors_only_ours) if reference else "-"
        print(
            f"{t.name:<6} {t.results:>7} {t.with_errors:>7} {ours:>9} {t.figures:>7} "
            f"{t.wrong_unit:>10} {t.no_figure:>9} {t.published:>9} {t.figure_exact:>6} "
            f"{t.internal:>6} {t.wall_s:>7.1f}"
        )
    total = RoundTable("all")
    for t in tables:
        for name in ("results", "with_errors", "errors_only_ours", "figures", "wrong_unit",
                     "no_figure", "published", "figure_exact", "internal", "wall_s"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    if len(tables) > 1:
        ours = str(total.errors_only_ours) if reference else "-"
        print(
            f"{'all':<6} {total.results:>7} {total.with_errors:>7} {ours:>9} "
            f"{total.figures:>7} {total.wrong_unit:>10} {total.no_figure:>9} "
            f"{total.published:>9} {total.figure_exact:>6} {total.internal:>6} "
            f"{total.wall_s:>7.1f}"
        )
    print()
    for t in tables:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(t.per_rule.items())) or "none"
        warned = ", ".join(f"{r} {n}" for r, n in sorted(t.warnings_per_rule.items())) or "none"
        print(f"{t.name}: results with an error, per rule: {rules}")
        print(f"{t.name}: results with a warning, per rule: {warned}")
    for t in tables:
        for example in t.figure_examples:
            print(f"{t.name}: figure differs: {example}")
    for t in tables:
        if t.agreement is not None:
            ra.print_agreement(t.name, t.agreement)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder holding inference_results_vX.Y/ folders")
    parser.add_argument("--round", action="append", default=[], help="only this round (vX.Y)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the --compat reference pass (no 'only ours' column)")
    parser.add_argument("--published", action="append", default=[],
                        help="a summary_results.json with the published figures")
    parser.add_argument("--json", help="write one JSON line per result here")
    parser.add_argument("--power-dev", type=Path,
                        help="power-dev git directory: judge 'only ours' against each "
                             "round's own reference checker (run per distinct folder)")
    parser.add_argument("--figures-from", type=Path,
                        help="mlcommons/inference git directory: compare every figure with "
                             "the one the round's submission checker computes")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    rounds = sorted(p for p in corpus.glob("inference_results_v*") if p.is_dir())
    if args.round:
        rounds = [p for p in rounds if p.name.removeprefix("inference_results_") in args.round]
    if not rounds:
        print(f"no inference_results_vX.Y folder in {corpus}", file=sys.stderr)
        return 3
    published = load_published(args.published)
    lines: list[dict[str, Any]] = []
    tables = [
        judge_round(r, args.jobs, not args.no_reference, published, lines, args.power_dev,
                    args.figures_from)
        for r in rounds
    ]
    print_tables(tables, not args.no_reference)
    if args.json:
        Path(args.json).write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
