"""The per-request timeline of an LLM serving run, the input of the steady-state figure.

LoadGen's logs hold latency percentiles, not when each request streamed its tokens,
so the serving harness that has those times writes them as JSON lines, one request
per line, times in UTC epoch seconds on the same clock as the power analyzer::

    {"first_token": 1721742220.51, "finished": 1721742231.02, "output_tokens": 212}

``token_times`` (a list of epoch seconds, one per output token) may be added; without
it tokens are assumed to stream evenly between the first token and completion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from joulekit.errors import UserError
from joulekit.inputs import read_text_input
from joulekit.insight.steady_state import RequestTiming


def _request(obj: Any, where: str) -> RequestTiming:
    if not isinstance(obj, dict):
        raise UserError(f"{where}: expected a JSON object per line")
    try:
        first = float(obj["first_token"])
        finished = float(obj["finished"])
        tokens = int(obj["output_tokens"])
        raw_times = obj.get("token_times")
        times = None if raw_times is None else tuple(float(x) for x in raw_times)
    except KeyError as err:
        raise UserError(f"{where}: missing {err.args[0]!r}") from None
    except (TypeError, ValueError):
        raise UserError(
            f"{where}: first_token, finished and output_tokens must be numbers"
        ) from None
    if finished < first or tokens < 0:
        raise UserError(f"{where}: finished before the first token, or negative token count")
    return RequestTiming(first, finished, tokens, times)


def read_requests(path: Path) -> list[RequestTiming]:
    """Read a requests file; any malformed line is a one-line UserError naming it."""
    lines = read_text_input(path, "requests file").splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{path}:{number}: not JSON ({err.msg})") from None
        out.append(_request(obj, f"{path}:{number}"))
    if not out:
        raise UserError(f"{path}: no request in the file")
    return out
