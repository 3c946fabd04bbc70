"""PWR001-PWR003: the session's files are there, readable and complete.

These run first and last: presence first (so later checks can be terse about a missing
file), readability last (every reader a check used has run by then, so each malformed
line is reported once, under one rule).
"""

from __future__ import annotations

from collections.abc import Iterator

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_CLIENT_JSON, POWER_SERVER_JSON
from joulekit.formats.power_json import REQUIRED_KEYS


def check_files_present(ctx: PowerContext) -> Iterator[Finding]:
    for folder, names in ctx.rules.power_files.items():
        if not ctx.path(folder).is_dir():
            yield R.FILES.finding(
                f"folder {folder}/ is missing", file=folder, expected="present", found="absent"
            )
            continue
        for name in names:
            relative = f"{folder}/{name}"
            if relative in ctx.files.unsafe:
                continue  # there but not readable: PWR120-PWR122 say why
            if not ctx.path(relative).is_file():
                yield R.FILES.finding(
                    f"{relative} is missing", file=relative, expected="present", found="absent"
                )


def check_json_keys(ctx: PowerContext) -> Iterator[Finding]:
    for name, summary in ((POWER_CLIENT_JSON, ctx.client), (POWER_SERVER_JSON, ctx.server)):
        if summary is None:
            continue  # missing (PWR001) or unreadable (PWR002)
        missing = [key for key in REQUIRED_KEYS if key not in summary.raw]
        if missing:
            yield R.JSON_KEYS.finding(
                f"{name} lacks {', '.join(missing)}",
                file=name,
                expected=", ".join(REQUIRED_KEYS),
                found=f"missing {', '.join(missing)}",
            )


def check_readable(ctx: PowerContext) -> Iterator[Finding]:
    ctx.files.read_all()  # so each file's problems are known even if no check used it
    unsafe = {str(ctx.path(relative)) for relative in ctx.files.unsafe}
    for issue in ctx.loaded_issues():
        if issue.file in unsafe:
            continue  # PWR120-PWR122 name it and say why it was not read
        if "required key" in issue.message:
            continue  # PWR003 reports these with the expected key list
        yield R.MALFORMED.finding(
            issue.message,
            file=ctx.rel(issue.file),
            line=issue.line,
            severity=issue.severity,
        )
