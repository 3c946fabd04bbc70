"""What measured a result: our own source hashes and the ``joulekit`` provenance block.

The reference records SHA-1 hashes of its own sources in ``client.json``/``server.json``
and its checker accepts only the listed set. We record the hashes of *our* files the
same way (never the reference's), and add one ``joulekit`` key that says which analyzers
measured, whether the settle waits were shortened, and why a run is not valid for
submission. Reference tools ignore the extra key.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import joulekit
from joulekit.formats.atomic import sha1_file

PACKAGE_ROOT = Path(joulekit.__file__).resolve().parent


def source_hashes(subdirs: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(sources, modules) for the given package subfolders (``power_director`` …).

    ``sources`` maps every ``.py`` path (relative to the package) to its SHA-1;
    ``modules`` maps each already imported module of those folders to its path.
    """
    sources: dict[str, str] = {}
    for sub in subdirs:
        base = PACKAGE_ROOT / sub
        files = sorted(base.rglob("*.py")) if base.is_dir() else [base]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                sources[path.relative_to(PACKAGE_ROOT).as_posix()] = sha1_file(path)
    modules: dict[str, str] = {}
    for name, module in sorted(sys.modules.items()):
        location = getattr(module, "__file__", None)
        if not name.startswith("joulekit.") or location is None:
            continue
        relative = Path(location).resolve()
        try:
            rel = relative.relative_to(PACKAGE_ROOT).as_posix()
        except ValueError:
            continue
        if rel in sources:
            modules[name] = rel
    return sources, modules


def timezone_offset() -> int:
    """Seconds west of UTC, as the reference writes ``timezone`` (−tm_gmtoff)."""
    return -int(time.localtime().tm_gmtoff)


def analyzer_kind(url: str, identity_text: str = "") -> str:
    """``ptdaemon`` | ``simulator`` | ``direct-scpi`` | ``software`` | ``node-level`` |
    ``unknown``.

    The URL scheme says how we talk to it; the identity says what answered (our
    simulator names itself in ``Identify`` even when reached as ``ptd://``). Only
    ``ptd://`` can be PTDaemon: a BMC or PDU reading (``node-level``) or a plug-in's scheme
    (``unknown``) must never pass for one, since the checker's provenance rule trusts it.
    """
    scheme = url.split(":", 1)[0].lower()
    if scheme.startswith("sim") or "simulator" in identity_text.lower():
        return "simulator"
    if scheme in ("visa", "serial"):
        return "direct-scpi"
    if scheme in ("nvml", "rapl"):
        return "software"
    if scheme in ("ipmi", "redfish", "redfish+https", "snmp"):
        return "node-level"
    if scheme == "ptd":
        return "ptdaemon"
    return "unknown"


def joulekit_block(
    analyzers: list[dict[str, Any]],
    settle_seconds: float | None,
    not_valid: list[str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``joulekit`` key of docs/internals.md "Provenance"."""
    block: dict[str, Any] = {"version": joulekit.__version__, "analyzers": analyzers}
    if settle_seconds is not None:
        block["settle_seconds"] = settle_seconds
    block["not_valid_for_submission"] = not_valid
    if extra:
        block.update(extra)
    return block
