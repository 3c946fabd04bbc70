"""The PTDaemon exchanges of a published session, read from its ``server.log``.

The reference director logs every command it sends PTDaemon and every reply
(``Sending to ptd: '...'`` / ``Reply from ptd: '...'``, Python reprs; an RL reply's
sample lines are one repr joined by ``\\n``). These are real PTDaemon 1.10.0 replies
from a Yokogawa WT210, which transcript tests replay to our analyzer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from realdata import UNTETHER_V41_SS

POWER = UNTETHER_V41_SS / "performance" / "power"
RANGING_SPL = UNTETHER_V41_SS / "performance" / "ranging" / "spl.txt"
TESTING_SPL = UNTETHER_V41_SS / "performance" / "run_1" / "spl.txt"

_LINE = re.compile(r"\[INFO\] (Sending to|Reply from) ptd: (.*)$")


def ptd_exchanges(server_log: Path = POWER / "server.log") -> list[tuple[str, list[str]]]:
    """(command, reply lines) in the order the reference director exchanged them.

    An RL header and its sample lines are logged as two replies: they are joined.
    """
    pairs: list[tuple[str, list[str]]] = []
    for line in server_log.read_text(encoding="utf-8").splitlines():
        match = _LINE.search(line)
        if match is None:
            continue
        text = ast.literal_eval(match.group(2))
        if match.group(1) == "Sending to":
            pairs.append((text, []))
        else:
            pairs[-1][1].extend(text.rstrip("\n").split("\n"))
    return pairs


def reply(pairs: list[tuple[str, list[str]]], command: str, occurrence: int = 0) -> list[str]:
    """The reply lines of the ``occurrence``-th ``command``."""
    found = [lines for sent, lines in pairs if sent == command]
    return found[occurrence]
