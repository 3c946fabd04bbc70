"""Turn the configuration into analyzer factories (one fresh analyzer per session).

A URL (``ptd://…``, ``sim://49``, ``visa://…``) goes through ``open_analyzer``; an
``[analyzerN]`` section of the reference config goes to the PTDaemon supervisor with
the reference argv.
"""

from __future__ import annotations

import logging

from joulekit.errors import UserError
from joulekit.power_director.analyzers.base import Analyzer
from joulekit.power_director.config import DirectorConfig, PtdAnalyzerConfig
from joulekit.power_director.director.bank import AnalyzerFactory


def _url_factory(url: str) -> AnalyzerFactory:
    from joulekit.power_director.analyzers import open_analyzer

    def make() -> Analyzer:
        return open_analyzer(url)

    return make


def _ptd_factory(binary: str, section: PtdAnalyzerConfig) -> AnalyzerFactory:
    from joulekit.power_director.analyzers import ptd_supervised

    def make() -> Analyzer:
        return ptd_supervised(binary, section)

    return make


def make_factories(config: DirectorConfig, log: logging.Logger) -> list[AnalyzerFactory]:
    factories: list[AnalyzerFactory] = []
    if config.ptd_analyzers:
        if not config.ptd_binary:
            raise UserError("the config names analyzers but [ptd] ptd (the binary) is missing")
        for section in config.ptd_analyzers:
            factories.append(_ptd_factory(config.ptd_binary, section))
    for url in config.analyzer_urls:
        factories.append(_url_factory(url))
    log.info("%d analyzer(s) configured", len(factories))
    return factories
