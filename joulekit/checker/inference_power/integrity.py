"""PWR010 and PWR050: director sources and result files are what the run recorded.

The allowed source hashes change with every director release, and the product must
not ship a list that would silently pass or fail other rounds: without a user-supplied
list the check says "not checked" (a notice), never "passed".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.layout import POWER_CLIENT_JSON, POWER_SERVER_JSON
from joulekit.formats.safe_files import inspect_input


def check_sources(ctx: PowerContext) -> Iterator[Finding]:
    sets = ctx.options.sources_sets
    if sets is None:
        yield R.SOURCES.finding(
            "not checked: no allowed sources list given (--sources-checksums FILE)",
            severity="notice",
            file=POWER_SERVER_JSON,
        )
        return
    for name, summary in ((POWER_CLIENT_JSON, ctx.client), (POWER_SERVER_JSON, ctx.server)):
        if summary is None:
            continue
        if any(summary.sources == allowed for allowed in sets):
            continue
        closest = min(sets, key=lambda allowed: _distance(summary.sources, allowed))
        differing = sorted(
            key
            for key in set(closest) | set(summary.sources)
            if closest.get(key) != summary.sources.get(key)
        )
        shown = ", ".join(differing[:5]) + (" ..." if len(differing) > 5 else "")
        yield R.SOURCES.finding(
            f"{name} sources match none of the {len(sets)} allowed sets; "
            f"closest set differs in {len(differing)} file(s): {shown}",
            file=name,
            expected=f"one of {len(sets)} sets from {ctx.options.sources_file or 'the list'}",
            found=f"{len(differing)} file(s) differ",
        )


def _distance(found: dict[str, str], allowed: dict[str, str]) -> int:
    return sum(1 for key in set(found) | set(allowed) if found.get(key) != allowed.get(key))


def _required_session_files(ctx: PowerContext) -> list[str]:
    layout = ctx.rules.power_files.items()
    names = [f"{folder}/{name}" for folder, files in layout for name in files]
    return [n for n in names if n not in (POWER_CLIENT_JSON, POWER_SERVER_JSON)]


def check_results_checksum(ctx: PowerContext) -> Iterator[Finding]:
    client, server = ctx.client, ctx.server
    if client is None or server is None:
        return
    recorded: dict[str, str] = {}
    for key, digest in list(client.results.items()) + list(server.results.items()):
        previous = recorded.setdefault(key, digest)
        if previous != digest:
            yield R.RESULTS_CHECKSUM.finding(
                f"client.json and server.json record different hashes for {key}",
                file=key,
                expected=previous,
                found=digest,
            )
    base = str(ctx.perf_dir)
    for relative in sorted(set(_required_session_files(ctx)) | set(recorded)):
        path = os.path.join(base, relative)  # a string: ~20 names a result, most no Path
        try:
            inspect_input(path)  # never hash through a link out of the tree or a FIFO
        except (OSError, ValueError):
            # missing: required ones are PWR001, and recorded extras (ptd_out.txt) are
            # not published; a folder, link out, FIFO or oversized file: PWR120-PWR122;
            # a recorded name with a NUL in it names no file at all
            continue
        expected = recorded.get(relative)
        if expected is None:
            yield R.RESULTS_CHECKSUM.finding(
                f"{relative} is not recorded in client.json or server.json results",
                file=relative,
                expected="a recorded SHA-1",
                found="not recorded",
            )
            continue
        actual = ctx.files.sha1(relative, path)
        if actual == expected:
            continue
        endings = None if ctx.reference else line_endings_only(Path(path), expected)
        if endings is not None:
            yield R.RESULTS_CHECKSUM.finding(
                f"{relative}: the recorded SHA-1 matches the file with {endings} line endings: "
                "re-committed with other line endings (a repository's text conversion); "
                "content intact",
                file=relative,
                expected=expected,
                found=actual,
                severity="notice",
            )
            continue
        yield R.RESULTS_CHECKSUM.finding(
            f"{relative} changed after the run (SHA-1 differs from the recorded one, "
            "and not only by line endings)",
            file=relative,
            expected=expected,
            found=actual,
        )


def line_endings_only(path: Path, expected: str) -> str | None:
    """``"CRLF"`` or ``"LF"`` when converting the file's line endings gives the recorded
    hash, else None.

    The director writes spl.txt with CRLF on a Windows host; a repository that stores
    text with LF (git's autocrlf, the v2.0 results repository) changes the bytes but not
    one reading, and that deserves a notice, not the error of a tampered file."""
    data = path.read_bytes()
    lf = data.replace(b"\r\n", b"\n")
    candidates = (("CRLF", lf.replace(b"\n", b"\r\n")), ("LF", lf))
    for name, variant in candidates:
        if variant != data and hashlib.sha1(variant).hexdigest() == expected:
            return name
    return None
