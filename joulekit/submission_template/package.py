"""``joulekit package``: assemble, truncate, check, then pack deterministically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from joulekit.checker.submission import SubmissionReport, check_submission, to_json, write_csv
from joulekit.errors import UserError
from joulekit.formats.atomic import atomic_write_text
from joulekit.inputs import prepare_output_dir
from joulekit.submission_template.assemble import Measured, assemble
from joulekit.submission_template.project import Project
from joulekit.submission_template.tarball import build_tarball
from joulekit.submission_template.truncate import truncate_tree


@dataclass
class PackageResult:
    report: SubmissionReport
    tarball: Path | None = None
    sha256: str = ""
    included: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _included_paths(project: Project, report: SubmissionReport, only_valid: bool) -> list[Path]:
    """Every path of the tree to pack: all of it, or without the failing results."""
    tree = project.tree
    everything = sorted(tree.rglob("*"))
    if not only_valid:
        return everything
    excluded: list[Path] = []
    valid_systems = {v.unit.system for v in report.results if v.valid}
    for v in report.results:
        if not v.valid:
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
            workers: int | None = None) -> PackageResult:
    from joulekit.rules import load_pack

    pack = load_pack(project.round).submission
    if measured:
        assemble(project, measured, pack)
    truncate_tree(project.tree)
    report = check_submission(project.tree, project.round, workers=workers)
    result = PackageResult(report=report)
    result.included = [v.unit.label for v in report.results if v.valid or not only_valid]
    result.dropped = [v.unit.label for v in report.results if only_valid and not v.valid]
    if not only_valid and report.error_count:
        return result
    if only_valid and not result.included:
        raise UserError("no result passes the checks; nothing to pack")
    if only_valid and any(f.severity == "error" for f in report.tree_findings):
        return result
    prepare_output_dir(out.parent, "--out folder", must_be_empty=False)
    name = out.name.removesuffix(".gz").removesuffix(".tar")
    write_csv(report, out.with_name(f"{name}.summary.csv"))
    atomic_write_text(out.with_name(f"{name}.check.json"), to_json(report) + "\n")
    result.sha256 = build_tarball(project.tree, out,
                                  include=_included_paths(project, report, only_valid))
    result.tarball = out
    return result
