"""Power sources behind one interface, chosen by a URL-like string.

========================================  ==================================================
URL                                       backend (module)
========================================  ==================================================
``ptd://HOST:PORT``                       a PTDaemon already running (attach); add
                                          ``?console=HOST:PORT`` where ``joulekit
                                          ptd-launch`` serves its console (``ptd_backend``)
``sim://DEVICE[?options]``                the joulekit simulator, in-process, over real TCP
                                          (``sim_backend``)
``visa://RESOURCE?dialect=wt300e``        a Yokogawa meter over pyvisa (direct SCPI, ``scpi``)
``serial://DEVICE?dialect=wt210&baud=..`` a Yokogawa meter over pyserial (``scpi``)
``nvml://INDEX``                          an NVIDIA GPU's energy counter (``software``)
``rapl://ZONE``                           a powercap RAPL zone (``software``)
========================================  ==================================================

The schemes live in one registry (:mod:`joulekit.analyzers.registry`): a new source is
one module with ``from_url(url, *, start)`` and one entry there. A PTDaemon that the
director starts itself is built with :func:`spawn_ptd` from the argv of
:func:`build_ptd_argv`; :func:`make_factories` turns a director configuration into one
fresh analyzer per session, exactly as the director and ``doctor`` need them.
"""

from __future__ import annotations

from joulekit.analyzers.base import (
    Analyzer,
    AnalyzerError,
    Identity,
    Range,
    Ranges,
    Sample,
    Statistics,
)
from joulekit.analyzers.factories import PtdFactory, UrlFactory, make_factories
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.ptd_backend import spawn_ptd
from joulekit.analyzers.ptd_process import PtdProcess, build_ptd_argv
from joulekit.analyzers.registry import (
    check_analyzer_url,
    open_analyzer,
    register_backend,
    schemes,
)

__all__ = [
    "Analyzer",
    "AnalyzerError",
    "Identity",
    "PtdAnalyzer",
    "PtdFactory",
    "PtdProcess",
    "Range",
    "Ranges",
    "Sample",
    "Statistics",
    "UrlFactory",
    "build_ptd_argv",
    "check_analyzer_url",
    "make_factories",
    "open_analyzer",
    "register_backend",
    "schemes",
    "spawn_ptd",
]
