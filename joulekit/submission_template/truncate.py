"""Truncate accuracy logs the way the submission rules require.

The full ``mlperf_log_accuracy.json`` can be gigabytes; the tree keeps its first and
last 4 KiB and ``accuracy.txt`` records ``hash=<sha256>`` of the original, so a
reviewer who asks for the full log can verify the copy they receive.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from joulekit.formats.atomic import atomic_write_bytes, atomic_write_text
from joulekit.formats.layout import ACCURACY, ACCURACY_LOG, ACCURACY_TXT, is_compliance_test
from joulekit.rules import threshold

KEEP = 4096
_HASH = re.compile(r"^hash=[0-9a-fA-F]{64}\s*$", re.MULTILINE)
#: compliance tests whose accuracy/ folder is truncated too
TRUNCATED_TESTS = ("TEST01", "TEST06", "TEST07", "TEST09")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def truncate_accuracy_folder(folder: Path) -> bool:
    """Hash and truncate one ``accuracy/`` folder in place; True when it changed."""
    log = folder / ACCURACY_LOG
    acc = folder / ACCURACY_TXT
    if not log.is_file():
        return False
    text = acc.read_text(encoding="utf-8", errors="replace") if acc.is_file() else ""
    hashed = _HASH.search(text) is not None
    size = log.stat().st_size
    limit = threshold("accuracy_log_max_bytes")
    if hashed and size <= limit:
        return False
    if not hashed:
        line = f"hash={sha256_of(log)}\n"
        atomic_write_text(acc, text + ("" if not text or text.endswith("\n") else "\n") + line)
    if size > limit:
        with log.open("rb") as fh:
            head = fh.read(KEEP)
            fh.seek(size - KEEP)
            tail = fh.read(KEEP)
        atomic_write_bytes(log, head + b"\n\n...\n\n" + tail)
    return True


def truncate_tree(root: Path) -> list[Path]:
    """Every result and compliance ``accuracy/`` folder below ``root``; the changed ones."""
    changed = []
    for folder in sorted(root.rglob(ACCURACY)):
        if not folder.is_dir():
            continue
        parent = folder.parent.name
        in_test = is_compliance_test(parent)
        if in_test and parent not in TRUNCATED_TESTS:
            continue
        if truncate_accuracy_folder(folder):
            changed.append(folder)
    return changed
