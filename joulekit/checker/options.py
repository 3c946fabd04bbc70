"""What a check run is told: the mode, the round override and the sources list.

Options are frozen and picklable so the same object travels to every worker process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from joulekit.errors import UserError

Compat = Literal["correct", "reference"]


@dataclass(frozen=True)
class CheckOptions:
    """``compat="reference"`` reproduces the reference power checker's verdicts.

    ``sources_sets`` is the list of allowed director source-hash sets (None: the
    sources check is reported as not checked). ``round`` forces a round; None detects it.
    """

    compat: Compat = "correct"
    round: str | None = None
    sources_sets: tuple[dict[str, str], ...] | None = None
    sources_file: str | None = None
    #: LoadGen error texts the caller waives in a submission tree (only those the round's
    #: pack lists as ``loadgen_errors.waivable`` are honoured)
    waive_errors: tuple[str, ...] = ()


def load_sources_checksums(path: str | Path) -> tuple[dict[str, str], ...]:
    """Read a ``sources_checksums.json``: one set (an object) or a list of sets."""
    file = Path(path)
    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"sources checksums file not found: {file}") from None
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read sources checksums {file}: {err}") from None
    sets = [data] if isinstance(data, dict) else data
    if not isinstance(sets, list) or not all(
        isinstance(s, dict) and all(isinstance(v, str) for v in s.values()) for s in sets
    ):
        raise UserError(
            f"{file} is not a sources checksums list (an object or a list of objects "
            "mapping file path to SHA-1)"
        )
    return tuple(dict(s) for s in sets)
