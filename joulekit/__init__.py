"""joulekit: measure the energy of ML inference the MLPerf Power way.

The package is a house of parts, each owning one concept (``docs/internals.md`` has the
map): ``formats`` (every on-disk format and the result-tree layout), ``rules`` (the rule
catalog and per-round packs), ``session`` (protocol v3, clocks, logs, provenance),
``analyzers``/``meters``/``simulator`` (power sources), ``power_director``, ``loadgen``
and ``run`` (the LoadGen side and ``joulekit run``), ``checker``, ``doctor``,
``insight`` and ``submission_template``, and ``cli``.

The public API is :func:`check` and :func:`measure` (``joulekit.api``, ``docs/api.md``).
They are loaded on first use, so ``import joulekit`` stays cheap for the CLI and for
every process that only needs ``__version__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: what ``from joulekit import X`` offers, each from ``joulekit.api``
_API = ("check", "measure", "CheckResult", "Measurement", "Figure")
__all__ = ["CheckResult", "Figure", "Measurement", "__version__", "check", "measure"]

if TYPE_CHECKING:
    from joulekit.api import CheckResult, Figure, Measurement, check, measure


def __getattr__(name: str) -> Any:
    if name in _API:
        # loaded on first use: the API pulls in the checker and the run part
        from joulekit import api

        return getattr(api, name)
    raise AttributeError(f"module 'joulekit' has no attribute {name!r}")
