"""The director as a process: logging, analyzers probed, then protocol v3 until stopped.

What ``joulekit director`` runs once its command line has become a
:class:`~joulekit.session.config.DirectorConfig`: console lines on stderr in the
reference layout, every line also in ``director.log`` of the output folder, attached
PTDaemons probed before the first client, and SIGTERM/SIGHUP ending the session with its
files written. With ``metrics_port`` the live power metrics are served over HTTP
(Prometheus) on the director's own listen address.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from joulekit import signals
from joulekit.analyzers.factories import UrlFactory, make_factories
from joulekit.analyzers.metrics import MetricsServer, PowerMetrics
from joulekit.power_director.director.limits import ConnectionLimits
from joulekit.power_director.director.live import LiveFeed
from joulekit.power_director.director.server import Director
from joulekit.session.config import COMPLIANT_SETTLE_SECONDS, DirectorConfig
from joulekit.session.logs import SERVER_FORMAT

#: the director-wide log file in the output folder
DIRECTOR_LOG = "director.log"


def serve(
    config: DirectorConfig,
    limits: ConnectionLimits,
    on_listen: Callable[[str, int], None] | None = None,
    *,
    metrics_port: int | None = None,
    on_metrics: Callable[[str], None] | None = None,
) -> int:
    """Serve until interrupted; ``on_listen(host, port)`` once the port is open.

    ``metrics_port`` (0: a free one) serves ``/metrics`` on the listen host;
    ``on_metrics(url)`` is told its address before the director listens.
    """
    log = logging.getLogger("joulekit.director")
    log.setLevel(logging.INFO)
    log.propagate = False
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter(SERVER_FORMAT))
    log.addHandler(console)
    for warning in config.warnings:
        log.warning("%s", warning)
    if not config.settle_is_compliant:
        log.warning(
            "Settle wait is %g s instead of %g s: results are not valid for submission",
            config.settle_seconds, COMPLIANT_SETTLE_SECONDS,
        )  # fmt: skip
    director = Director(config, [], log, on_listen=on_listen, limits=limits)
    director.factories = list(make_factories(config, log, director.output_dir))
    for factory in director.factories:
        if isinstance(factory, UrlFactory):
            factory.probe()
    if config.output_dir is not None:
        file_handler = logging.FileHandler(Path(config.output_dir) / DIRECTOR_LOG)
    else:
        file_handler = logging.FileHandler(director.output_dir / DIRECTOR_LOG)
    file_handler.setFormatter(logging.Formatter(SERVER_FORMAT))
    log.addHandler(file_handler)

    signals.install()  # SIGTERM/SIGHUP: end the session, write its files, exit 143/129
    exporter: MetricsServer | None = None
    feed: LiveFeed | None = None
    try:
        if metrics_port is not None:
            metrics = PowerMetrics()
            exporter = metrics.serve(config.listen_host, metrics_port)
            feed = LiveFeed(director, metrics, log).start()
            log.info("Serving live metrics on %s", exporter.url)
            if on_metrics is not None:
                on_metrics(exporter.url)
        director.serve_forever()
    finally:
        if feed is not None:
            feed.stop()
        if exporter is not None:
            exporter.close()
        file_handler.close()
    return 0
