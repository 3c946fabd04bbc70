"""The one registry of power sources, keyed by URL scheme.

A backend is a module with ``from_url(url: AnalyzerUrl, *, start: bool) -> Analyzer |
None`` (``start=False``: only check the URL, start nothing, may return None) plus one
entry in :data:`BACKENDS`. The module is imported when a URL first names its scheme, so
pyvisa or pynvml load only for the director that uses them. Adding a source (IPMI,
Redfish, SNMP …) is one module and one line here, or :func:`register_backend` from a
plug-in.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from joulekit.analyzers.base import Analyzer
from joulekit.analyzers.url import AnalyzerUrl
from joulekit.errors import UserError


class BackendModule(Protocol):
    def from_url(self, url: AnalyzerUrl, *, start: bool) -> Analyzer | None: ...


#: scheme -> the module that serves it, in the order the error message lists them
BACKENDS: dict[str, str] = {
    "ptd": "joulekit.analyzers.ptd_backend",  # a PTDaemon already running (attach)
    "sim": "joulekit.analyzers.sim_backend",  # the joulekit simulator, in-process
    "visa": "joulekit.analyzers.scpi",  # a meter over pyvisa (direct SCPI)
    "serial": "joulekit.analyzers.scpi",  # a meter over pyserial (direct SCPI)
    "nvml": "joulekit.analyzers.software",  # an NVIDIA GPU's energy counter
    "rapl": "joulekit.analyzers.software",  # a powercap RAPL zone
    "ipmi": "joulekit.analyzers.ipmi",  # a BMC's DCMI power reading (pyghmi)
    "redfish": "joulekit.analyzers.redfish",  # a BMC's chassis power over Redfish (HTTP)
    "redfish+https": "joulekit.analyzers.redfish",  # the same over HTTPS
    "snmp": "joulekit.analyzers.snmp",  # a rack PDU's outlet/bank/inlet watts (pysnmp)
}


def register_backend(scheme: str, module: str) -> None:
    """Add a scheme (a plug-in's power source); a scheme is never silently replaced."""
    scheme = scheme.lower()
    known = BACKENDS.get(scheme)
    if known is not None and known != module:
        raise ValueError(f"analyzer scheme {scheme}:// is already served by {known}")
    BACKENDS[scheme] = module


def schemes() -> tuple[str, ...]:
    return tuple(BACKENDS)


def check_analyzer_url(url: str) -> None:
    """Raise the :class:`UserError` :func:`open_analyzer` would, without starting anything
    (a ``sim://`` URL would start a simulator), so a director refuses a bad URL at
    start-up rather than at its first session."""
    _from_url(url, start=False)


def open_analyzer(url: str) -> Analyzer:
    """The backend an analyzer URL names (not yet opened: call ``open()``).

    Raises :class:`UserError` with the accepted forms when the URL is malformed.
    """
    analyzer = _from_url(url, start=True)
    assert analyzer is not None  # only a check (start=False) returns None
    return analyzer


def _from_url(text: str, *, start: bool) -> Analyzer | None:
    url = AnalyzerUrl(text)
    name = BACKENDS.get(url.scheme)
    if name is None:
        raise UserError(
            f"unknown analyzer URL {text!r}; use one of "
            + ", ".join(f"{s}://" for s in BACKENDS)
            + " (for example ptd://127.0.0.1:8888 or sim://49)"
        )
    module: BackendModule = importlib.import_module(name)  # type: ignore[assignment]
    return module.from_url(url, start=start)
