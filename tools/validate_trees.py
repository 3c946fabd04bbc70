"""Judge whole published submitter trees with the round's own submission checker and with
``joulekit check``, and say where they differ.

For each tree (``closed/RedHat``) of a results repository snapshot (a bare git directory,
as ``git clone --bare`` or the corpus mirror leaves it):

1. extract the submitter folder with ``git cat-file`` (a snapshot may lack some large
   blobs: they are skipped and listed, never invented), into ``WORK/<div>_<sub>/``, a
   folder whose path names no round, so joulekit has to tell the round from the tree;
2. run the round's checker (``tools/submission/submission_checker.py`` of
   mlcommons/inference at the round's publication commit, extracted from its git
   directory) as an external program with ``--version vX.Y``; a result is valid for it
   when its ``Results <path>`` line is printed;
3. run ``joulekit check TREE`` (no ``--round``) with ``--format json --summary-csv``;
4. compare verdicts per result (findings of rules named with ``--exclude-rule`` are
   ignored, as belonging to another issue) and the summary CSVs row by row, column by
   column (the round's columns; rows keyed by Location and Units).

Prints a table per tree and each disagreement with joulekit's error rule ids; ``--docs``
writes the table between markers into a docs page. Stdlib only; the checker may run under
any Python 3 (``--python``).

Example::

    python tools/validate_trees.py --round v5.1 \\
        --results-git /work/.mirror/mlcommons+inference_results_v5.1/repo \\
        --checker-git /work/.mirror/mlcommons+inference/repo \\
        --checker-commit e20506b2293e82564e1183817a889ed6258bb7dd \\
        --work /tmp/trees/t51 closed/RedHat open/Krai closed/Lenovo \\
        --docs docs/tree-verdicts.md --exclude-rule PWR002

The round's publication commit is the last one touching ``tools/submission`` before the
results repository's publication (v5.1: ``e20506b2``, 2025-08-20; v4.1: ``c7db1c3f``,
2024-08-16).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEGIN = "<!-- validate_trees:{round}:begin -->"
END = "<!-- validate_trees:{round}:end -->"
_RESULT_LINE = re.compile(r" INFO\] Results ((?:closed|open|network)/\S+)")
_NO_RESULT_LINE = re.compile(r" ERROR\] NoResults ((?:closed|open|network)/\S+)")

#: where joulekit is right and the round's checker is not: rule id -> the reference's bug
KNOWN_REFERENCE_BUGS = {
    "PWR062": "the reference adds its 0.8 s margin as 800 s and its pattern misses the "
              "multichannel uncertainty wording, so uncertainty over 1 % while testing passes",
    "PWR061": "the reference's power checker stops reading ptd_logs.txt at the first line it "
              "treats as a warning (the warning it raises ends the scan), so PTDaemon errors "
              "outside ranging after that line pass",
    "SUB-ACC-SAMPLE-COUNT": "the v5.1 reference logs an accuracy run that does not cover "
                            "the dataset as an error but leaves the result valid",
}


@dataclass
class TreeResult:
    tree: str
    missing_blobs: list[str] = field(default_factory=list)
    seen: int = 0
    power: int = 0
    ref_valid: int = 0
    jk_valid: int = 0
    agreeing: int = 0
    disagreements: list[tuple[str, str, str, str]] = field(default_factory=list)
    csv_rows_ref: int = 0
    csv_rows_equal: int = 0
    csv_diffs: list[str] = field(default_factory=list)
    #: reference rows joulekit leaves out because it rejects the result for a rule named
    #: with --exclude-rule or a named reference bug: location -> those rules
    csv_explained: dict[str, str] = field(default_factory=dict)
    round: str = ""
    round_why: str = ""
    jk_exit: int = 0


def extract(git_dir: Path, commit: str, sub: str, dest: Path) -> tuple[int, list[str]]:
    """Write every blob under ``sub`` at ``commit`` below ``dest``; blobs the snapshot lacks
    are returned, not written."""
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit,
                              sub], capture_output=True, check=True).stdout
    entries = []
    for rec in listing.split(b"\0"):
        if rec:
            meta, path = rec.split(b"\t", 1)
            mode, kind, sha = meta.decode().split()
            if kind == "blob":
                entries.append((mode, sha, path.decode()))
    missing: list[str] = []
    cat = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert cat.stdin is not None and cat.stdout is not None
    try:
        for mode, sha, path in entries:
            cat.stdin.write(sha.encode() + b"\n")
            cat.stdin.flush()
            header = cat.stdout.readline().split()
            if header[-1] == b"missing":
                missing.append(path)
                continue
            data = cat.stdout.read(int(header[2]))
            cat.stdout.read(1)
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000":
                target.symlink_to(data.decode())
            else:
                target.write_bytes(data)
                if mode == "100755":
                    target.chmod(0o755)
    finally:
        cat.stdin.close()
        cat.wait(timeout=60)
    return len(entries), missing


def checker_dir(git_dir: Path, commit: str, work: Path) -> Path:
    """``tools/submission`` of the checker repository at ``commit`` (extracted once)."""
    dest = work / f"_checker_{commit[:12]}"
    if not (dest / "tools" / "submission" / "submission_checker.py").is_file():
        data = subprocess.run(["git", "--git-dir", str(git_dir), "archive", commit,
                               "tools/submission"], capture_output=True, check=True).stdout
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(dest, filter="data")
    return dest / "tools" / "submission"


def result_folders(root: Path) -> list[str]:
    out = []
    for results in sorted(root.glob("*/*/results")):
        for scen in sorted(results.glob("*/*/*")):
            if scen.is_dir():
                out.append(scen.relative_to(root).as_posix())
    return out


def run_reference(python: str, checker: Path, tree: Path, version: str,
                  out: Path) -> tuple[set[str], Path]:
    log = out.with_suffix(".ref.log")
    ref_csv = out.with_suffix(".ref.csv")
    with log.open("w") as fh:
        subprocess.run([python, "submission_checker.py", "--input", str(tree), "--version",
                        version, "--csv", str(ref_csv)], cwd=checker, stdout=fh,
                       stderr=subprocess.STDOUT, timeout=3600, check=False)
    text = log.read_text(errors="replace")
    return set(_RESULT_LINE.findall(text)), ref_csv


def run_joulekit(tree: Path, out: Path, jobs: int) -> tuple[dict[str, object], Path, int]:
    report = out.with_suffix(".jk.json")
    jk_csv = out.with_suffix(".jk.csv")
    proc = subprocess.run([sys.executable, "-m", "joulekit", "check", str(tree), "--format",
                           "json", "-o", str(report), "--summary-csv", str(jk_csv),
                           "--no-progress", "-j", str(jobs)], cwd=REPO, capture_output=True,
                          text=True, timeout=3600, check=False)
    if not report.is_file():
        raise SystemExit(f"joulekit check failed on {tree} (exit {proc.returncode}): "
                         f"{proc.stdout.strip()[-300:]} {proc.stderr.strip()[-300:]}")
    return json.loads(report.read_text()), jk_csv, proc.returncode


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        return [], []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"))))
    if not rows:
        return [], []
    head = rows[0]
    return head, [dict(zip(head, r, strict=False)) for r in rows[1:] if r]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def compare_csv(ref: Path, jk: Path, res: TreeResult, ignore: set[str],
                rejected: dict[str, str]) -> None:
    """Row by row, column by column; ``rejected`` maps the results joulekit rejects only
    for excluded rules or named reference bugs to those rules: their rows are missing from
    joulekit's CSV by design and are listed apart, not counted as differences."""
    head, ref_rows = read_csv(ref)
    _, jk_rows = read_csv(jk)
    res.csv_rows_ref = len(ref_rows)

    def key(r: dict[str, str]) -> tuple[str, str]:
        return (r.get("Location", ""), r.get("Units", ""))

    mine = {key(r): r for r in jk_rows}
    theirs = {key(r) for r in ref_rows}
    for row in ref_rows:
        other = mine.get(key(row))
        where = row.get("Location", "")
        if other is None and where in rejected:
            res.csv_rows_ref -= 1
            res.csv_explained[where] = rejected[where]
            continue
        if other is None:
            res.csv_diffs.append(f"{row.get('Location')} [{row.get('Units')}]: row missing")
            continue
        diff = [f"{c}: {row[c]!r} vs {other.get(c)!r}" for c in head
                if c not in ignore and not _same(row[c], other.get(c, ""))]
        if diff:
            res.csv_diffs.append(f"{row.get('Location')} [{row.get('Units')}]: "
                                 + "; ".join(diff))
        else:
            res.csv_rows_equal += 1
    for k in mine:
        if k not in theirs:
            res.csv_diffs.append(f"{k[0]} [{k[1]}]: extra row in joulekit's CSV")


def validate(tree_name: str, args: argparse.Namespace, checker: Path) -> TreeResult:
    res = TreeResult(tree_name)
    slug = tree_name.replace("/", "_")
    root = args.work / slug
    marker = args.work / f"{slug}.missing.json"
    if not marker.is_file():
        _, missing = extract(args.results_git, args.results_commit, tree_name, root)
        marker.write_text(json.dumps(missing, indent=1))
    res.missing_blobs = json.loads(marker.read_text())
    out = args.work / slug
    ref_valid, ref_csv = run_reference(args.python, checker, root, args.round, out)
    report, jk_csv, res.jk_exit = run_joulekit(root, out, args.jobs)
    res.round = str(report.get("round", ""))
    entries = {str(r["path"]): r for r in report["results"]}  # type: ignore[index, union-attr]
    res.round_why = str(entries.get("(tree)", {}).get("round_reason", ""))
    excluded = set(args.exclude_rule)
    rejected: dict[str, str] = {}
    for folder in result_folders(root):
        res.seen += 1
        res.power += (root / folder / "performance" / "power").is_dir()
        entry = entries.get(folder)
        errors = sorted({f["rule"] for f in (entry or {}).get("findings", [])
                         if f["severity"] == "error"})
        counted = [e for e in errors if e not in excluded]
        jk_ok = entry is not None and not counted
        ref_ok = folder in ref_valid
        if errors and all(e in excluded or e in KNOWN_REFERENCE_BUGS for e in errors):
            rejected[folder] = ", ".join(errors)
        res.ref_valid += ref_ok
        res.jk_valid += jk_ok
        if jk_ok == ref_ok:
            res.agreeing += 1
            continue
        companions = [folder + "/"] + [folder.replace("/results/", f"/{part}/", 1) + "/"
                                       for part in ("measurements", "compliance")]
        lacks = [m for m in res.missing_blobs if any(m.startswith(c) for c in companions)]
        why = ", ".join(counted) if counted else "no joulekit error"
        note = "; ".join(KNOWN_REFERENCE_BUGS[e] for e in counted if e in KNOWN_REFERENCE_BUGS)
        if lacks:
            note = (note + "; " if note else "") + f"snapshot lacks {len(lacks)} file(s)"
        res.disagreements.append((folder, "valid" if ref_ok else "invalid",
                                  "valid" if jk_ok else "invalid", why + (f" ({note})"
                                                                           if note else "")))
    compare_csv(ref_csv, jk_csv, res, set(args.ignore_column), rejected)
    return res


def table(results: list[TreeResult], version: str, checker_commit: str) -> str:
    lines = [f"Round {version}; the round's checker: mlcommons/inference "
             f"`tools/submission` at `{checker_commit}`, run with `--version {version}`; "
             "joulekit run without `--round`.", "",
             "| tree | results seen | with power | valid (round's checker) | valid (joulekit) "
             "| agreeing | CSV rows equal | round detected | snapshot lacks |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.tree} | {r.seen} | {r.power} | {r.ref_valid} | {r.jk_valid} "
                     f"| {r.agreeing} "
                     f"| {r.csv_rows_equal}/{r.csv_rows_ref} | {r.round} "
                     f"| {len(r.missing_blobs)} files |")
    dis = [(r.tree, d) for r in results for d in r.disagreements]
    lines += ["", "Disagreements (result: round's checker / joulekit: joulekit's error rules):",
              ""]
    lines += [f"- `{d[0]}`: {d[1]} / {d[2]}: {d[3]}" for _, d in dis] or ["- none"]
    diffs = [(r.tree, d) for r in results for d in r.csv_diffs]
    lines += ["", "Summary CSV differences:", ""]
    lines += [f"- {t}: {d}" for t, d in diffs] or ["- none"]
    explained = [(w, why) for r in results for w, why in sorted(r.csv_explained.items())]
    if explained:
        lines += ["", "Rows of the round's CSV that joulekit leaves out, as it rejects the "
                  "result (an excluded rule or a named reference bug; both rows, "
                  "performance and power):", ""]
        lines += [f"- `{w}`: {why}" for w, why in explained]
    return "\n".join(lines) + "\n"


def write_docs(path: Path, version: str, text: str) -> None:
    begin, end = BEGIN.format(round=version), END.format(round=version)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = f"{begin}\n{text}{end}\n"
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end) + 1:]
    else:
        new = old + ("\n" if old and not old.endswith("\n") else "") + f"\n## {version}\n\n" \
            + block
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(new)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trees", nargs="+", help="submitter folders, e.g. closed/RedHat")
    ap.add_argument("--round", required=True, help="the round, passed to its checker")
    ap.add_argument("--results-git", type=Path, required=True)
    ap.add_argument("--results-commit", default="HEAD")
    ap.add_argument("--checker-git", type=Path, required=True)
    ap.add_argument("--checker-commit", required=True, help="the round's publication commit")
    ap.add_argument("--work", type=Path, required=True, help="outside the repository")
    ap.add_argument("--python", default="python3", help="interpreter for the round's checker")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--exclude-rule", action="append", default=[],
                    help="ignore this rule's findings (fixed under another issue)")
    ap.add_argument("--ignore-column", action="append", default=[],
                    help="leave this CSV column out of the comparison")
    ap.add_argument("--docs", type=Path, help="write the table into this markdown page")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    checker = checker_dir(args.checker_git, args.checker_commit, args.work)
    results = [validate(t, args, checker) for t in args.trees]
    text = table(results, args.round, args.checker_commit)
    print(text)
    for r in results:
        print(f"{r.tree}: joulekit exit {r.jk_exit}; round: {r.round_why}")
    if args.docs:
        write_docs(args.docs, args.round, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
