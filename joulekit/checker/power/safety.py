"""PWR120-PWR122: every file of the result is one the checker may open.

Auditors run the checker on trees strangers assembled. A link that leaves the tree
(``spl.txt -> /etc/shadow``), a FIFO or device in place of a log (opening it hangs or
has side effects), or a file far larger than any measurement (a 1 GiB sparse
``spl.txt``) is reported here, by name, and never read: the readers refuse the same
files through :func:`joulekit.inputs.read_input_bytes`, so no later check quotes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from joulekit.checker import catalog as R
from joulekit.checker.findings import Finding
from joulekit.checker.power.context import PowerContext
from joulekit.inputs import UnsafeInputError, current_input_root, inspect_input

#: a result folder holds a few dozen files; a tree of millions is not walked to the end
MAX_ENTRIES = 10_000

_RULES = {"symlink": R.UNSAFE_LINK, "special": R.UNSAFE_SPECIAL, "size": R.UNSAFE_SIZE}


def unsafe_files(perf_dir: Path) -> dict[str, UnsafeInputError]:
    """Each file below ``perf_dir`` (relative POSIX path) that may not be read, and why.

    Walks without following linked folders; a link to a folder is judged by where it
    points, like a link to a file.
    """
    found: dict[str, UnsafeInputError] = {}
    seen = 0
    for current, dirs, names in os.walk(perf_dir, followlinks=False):
        dirs.sort()
        for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(current, d))]:
            seen += 1
            if seen > MAX_ENTRIES:
                return found
            path = Path(current, name)
            try:
                if os.path.isdir(path):  # a linked folder: only where it points matters
                    _check_dir_link(path)
                else:
                    inspect_input(path)
            except UnsafeInputError as err:
                found[path.relative_to(perf_dir).as_posix()] = err
            except OSError:
                continue  # a broken link or a file gone meanwhile: PWR001/PWR002 say so
    return found


def _check_dir_link(path: Path) -> None:
    root = current_input_root()
    target = Path(os.path.realpath(path))
    if root is not None and not target.is_relative_to(root):
        raise UnsafeInputError(
            path, "symlink", f"is a symbolic link to {target}, outside the checked tree"
        )


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
