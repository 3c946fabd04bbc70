"""``joulekit package``: assemble, truncate, check, then pack deterministically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.findings import Finding
from joulekit.checker.submission import SubmissionReport, check_submission, to_json, write_csv
from joulekit.checker.submission.result import ResultVerdict
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import output_file, prepare_output_dir
from joulekit.rules import load_pack
from joulekit.submission_template.assemble import Measured, assemble
from joulekit.submission_template.project import Project
from joulekit.submission_template.rehearsal import STAMP, describe, tolerated
from joulekit.submission_template.tarball import build_tarball, refuse_unsafe_tree
from joulekit.submission_template.truncate import truncate_tree


@dataclass
class PackageResult:
    report: SubmissionReport
    tarball: Path | None = None
    sha256: str = ""
    included: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: packed with ``rehearsal=True``: findings of the rehearsal rules did not count
    rehearsal: bool = False

    def blocking(self) -> list[tuple[str, Finding]]:
        """The errors that refuse the package (all of them, or outside the rehearsal set)."""
        return [(label, f) for label, f in self.report.all_findings()
                if f.severity == "error" and not (self.rehearsal and tolerated(f))]


def _passes(verdict: ResultVerdict, rehearsal: bool) -> bool:
    if not rehearsal:
        return verdict.valid
    return not any(f.severity == "error" and not tolerated(f) for f in verdict.findings)


def _included_paths(project: Project, report: SubmissionReport, only_valid: bool,
                    rehearsal: bool = False) -> list[Path]:
    """Every path of the tree to pack: all of it, or without the failing results."""
    tree = project.tree
    everything = sorted(tree.rglob("*"))
    if not only_valid:
        return everything
    excluded: list[Path] = []
    valid_systems = {v.unit.system for v in report.results if _passes(v, rehearsal)}
    for v in report.results:
        if not _passes(v, rehearsal):
            excluded += [v.unit.path, v.unit.measurements_dir, v.unit.compliance_dir]
    for v in report.results:
        if v.unit.system not in valid_systems:
            excluded.append(v.unit.system_json)
    keep = [p for p in everything
            if not any(p == e or e in p.parents for e in excluded)]
    # drop folders left empty by the exclusion
    files = [p for p in keep if p.is_file()]
    dirs = {d for f in files for d in f.relative_to(tree).parents if str(d) != "."}
    return [p for p in keep if p.is_file() or p.relative_to(tree) in dirs]


def package(project: Project, measured: list[Measured], out: Path, *, only_valid: bool = False,
            workers: int | None = None, rehearsal: bool = False) -> PackageResult:
    """Assemble, truncate, check and pack. ``rehearsal`` tolerates the rules a simulated,
    shortened demo fails by design (:data:`REHEARSAL_RULES`) and stamps what it writes."""
    output_file(out, "--out")
    refuse_unsafe_tree(project.tree, "the submission tree")
    for m in measured:  # before copying: a link would be copied as its target
        refuse_unsafe_tree(m.source, f"the result folder of {m.benchmark}")
    pack = load_pack(project.round).submission
    if measured:
        assemble(project, measured, pack)
    truncate_tree(project.tree)
    report = check_submission(project.tree, project.round, workers=workers)
    result = PackageResult(report=report, rehearsal=rehearsal)
    passing = [v for v in report.results if _passes(v, rehearsal)]
    result.included = [v.unit.label for v in report.results
                       if not only_valid or _passes(v, rehearsal)]
    result.dropped = [v.unit.label for v in report.results
                      if only_valid and not _passes(v, rehearsal)]
    tree_errors = [f for f in report.tree_findings if f.severity == "error"
                   and not (rehearsal and tolerated(f))]
    if not only_valid and result.blocking():
        return result
    if only_valid and not passing:
        raise UserError("no result passes the checks; nothing to pack")
    if only_valid and tree_errors:
        return result
    prepare_output_dir(out.parent, "--out folder", must_be_empty=False)
    name = out.name.removesuffix(".gz").removesuffix(".tar")
    write_csv(report, out.with_name(f"{name}.summary.csv"))
    atomic_write_text(out.with_name(f"{name}.check.json"), _report_json(report, rehearsal))
    result.sha256 = build_tarball(project.tree, out,
                                  include=_included_paths(project, report, only_valid,
                                                          rehearsal),
                                  stamp=STAMP if rehearsal else None)
    result.tarball = out
    return result


def _report_json(report: SubmissionReport, rehearsal: bool) -> str:
    if not rehearsal:
        return to_json(report) + "\n"
    data = json.loads(to_json(report))
    stamped = {"stamp": STAMP, "rehearsal": True,
               "rehearsal_rules": describe(),
               "errors_outside_rehearsal_rules": sum(
                   1 for _, f in report.all_findings()
                   if f.severity == "error" and not tolerated(f)),
               **data}
    return json.dumps(stamped, indent=2, ensure_ascii=False) + "\n"
