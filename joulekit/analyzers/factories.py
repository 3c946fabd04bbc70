"""Turn the configuration into analyzer factories (one fresh analyzer per session).

A URL (``ptd://…``, ``sim://49``, ``visa://…``) goes through ``open_analyzer``; an
``[analyzerN]`` section of the reference config starts PTDaemon with the reference argv
(``TZ=UTC``, console teed to ``layout.analyzer_console(i)``) through ``spawn_ptd``.
A factory also carries the ``ptd_config`` entry that ``server.json`` records.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from joulekit.analyzers.base import Analyzer, AnalyzerError
from joulekit.analyzers.ptd import PtdAnalyzer
from joulekit.analyzers.ptd_backend import spawn_ptd
from joulekit.analyzers.ptd_process import build_ptd_argv
from joulekit.analyzers.registry import check_analyzer_url, open_analyzer
from joulekit.errors import UserError
from joulekit.formats import layout
from joulekit.session.config import DirectorConfig, PtdAnalyzerConfig


class UrlFactory:
    """An analyzer named by a URL; ``ptd_config`` is filled from its identity later."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ptd_config: dict[str, Any] | None = None
        check_analyzer_url(url)  # a malformed URL fails at start-up, not at the first session

    def __call__(self) -> Analyzer:
        return open_analyzer(self.url)

    def probe(self) -> None:
        """At director start-up: an attached PTDaemon answers and names a known meter.

        Only ``ptd://`` is probed: other backends start or open their device per session.
        """
        if not self.url.lower().startswith("ptd:"):
            return
        analyzer = open_analyzer(self.url)
        assert isinstance(analyzer, PtdAnalyzer)
        try:
            analyzer.probe()
        except AnalyzerError as err:
            raise UserError(f"analyzer {self.url}: {err}") from None


class PtdFactory:
    """PTDaemon started by the director for one ``[analyzerN]`` section."""

    def __init__(self, binary: str, section: PtdAnalyzerConfig, workdir: Path) -> None:
        self.section = section
        self.console = workdir / layout.analyzer_console(section.index)
        self.argv = build_ptd_argv(
            binary,
            workdir / layout.analyzer_logfile(section.index),
            section.network_port,
            section.device_type,
            section.device_port,
            interface_flag=section.interface_flag,
            channel=section.channel,
            gpib_board=section.gpib_board,
            dc_flag=section.dc_flag,
        )
        self.ptd_config: dict[str, Any] | None = {
            "command": self.argv,
            "device_type": section.device_type,
            "interface_flag": section.interface_flag,
            "dc_flag": section.dc_flag,
            "device_port": section.device_port,
            "channel": list(section.channel) if section.channel else None,
        }

    def __call__(self) -> Analyzer:
        return spawn_ptd(
            self.argv,
            self.section.network_port,
            self.console,
            channels=self.section.channel or (),
            device_type=self.section.device_type,
        )


def make_factories(
    config: DirectorConfig, log: logging.Logger, workdir: Path
) -> list[UrlFactory | PtdFactory]:
    factories: list[UrlFactory | PtdFactory] = []
    if config.ptd_analyzers:
        if not config.ptd_binary:
            raise UserError("the config names analyzers but [ptd] ptd (the binary) is missing")
        for section in config.ptd_analyzers:
            factories.append(PtdFactory(config.ptd_binary, section, workdir))
    for url in config.analyzer_urls:
        factories.append(UrlFactory(url))
    log.info("%d analyzer(s) configured", len(factories))
    return factories
