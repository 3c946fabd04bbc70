"""PWR120-PWR122: every file of the result is one the checker may open.

Auditors run the checker on trees strangers assembled. A link that leaves the tree
(``spl.txt -> /etc/shadow``), a FIFO or device in place of a log (opening it hangs or
has side effects), or a file far larger than any measurement (a 1 GiB sparse
``spl.txt``) is reported here, by name, and never read: the readers refuse the same
files through :func:`joulekit.formats.safe_files.read_input_bytes`, so no later check quotes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.inference_power.context import PowerContext
from joulekit.formats.safe_files import scan_tree
from joulekit.inputs import UnsafeInputError

_RULES = {"symlink": R.UNSAFE_LINK, "special": R.UNSAFE_SPECIAL, "size": R.UNSAFE_SIZE}


def unsafe_files(perf_dir: Path) -> dict[str, UnsafeInputError]:
    """Each file below ``perf_dir`` (relative POSIX path) that may not be read, and why."""
    return scan_tree(perf_dir)


def check_safe_files(ctx: PowerContext) -> Iterator[Finding]:
    for relative, err in ctx.files.unsafe.items():
        yield _RULES[err.kind].finding(
            f"{relative} {err.reason}; not read",
            file=relative,
            expected=_EXPECTED[err.kind],
            found=err.reason,
        )


_EXPECTED = {
    "symlink": "a file inside the tree",
    "special": "a regular file",
    "size": "a file within the size limit",
}
