"""Names a director sends, and the paths the client makes of them.

The session name in the director's ``new`` reply becomes a folder under the client's
output folder, and downloads land in that folder. A rogue or broken director must not
be able to steer either outside it (``../..``, an absolute path, a NUL byte, a name
that is only dots), so a name is accepted only as one path component of a small
alphabet — what both the reference director and ours produce (a local time stamp,
``_`` and a label of letters, digits, ``-`` and ``_``) — and every download target is
resolved and checked to lie inside the output folder before anything is opened.
"""

from __future__ import annotations

import re
from pathlib import Path

from joulekit.errors import UserError

#: one path component: letters, digits, '.', '-', '_', not starting with a dot
SAFE_NAME_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
MAX_NAME_CHARS = 128
#: how much of a refused name the message quotes
QUOTE_CHARS = 80


def _quote(name: str) -> str:
    shown = name if len(name) <= QUOTE_CHARS else name[:QUOTE_CHARS] + "…"
    return repr(shown)


def check_session_name(name: str, peer: str) -> str:
    """``name`` if it is a safe folder name; else a UserError naming ``peer``."""
    if len(name) <= MAX_NAME_CHARS and SAFE_NAME_RE.fullmatch(name) and ".." not in name:
        return name
    raise UserError(
        f"the director at {peer} sent the session name {_quote(name)}, which is not a "
        f"safe folder name (one path component of letters, digits, '.', '-' and '_', at "
        f"most {MAX_NAME_CHARS} characters); nothing was written for it",
        hint="check -a/-p: that peer is not a protocol v3 director joulekit can trust",
    )


def target_inside(root: Path, relpath: str, what: str) -> Path:
    """``root / relpath`` once it is certain to resolve inside ``root``.

    ``relpath`` is one of our own names, but the folders on the way may be links left
    in an output folder reused: resolving catches those too. ``what`` names the file
    for the message (``the download of run_1/spl.txt from the director at HOST:PORT``).
    """
    target = root / relpath
    base = root.resolve()
    resolved = target.resolve()
    if base not in resolved.parents:
        raise UserError(
            f"{what} would land in {resolved}, outside the output folder {base}; "
            "nothing was written there",
            hint="remove the links in the output folder, or choose an empty one with -o",
        )
    return target
