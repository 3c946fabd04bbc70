"""joulekit: measure the energy of ML inference the MLPerf Power way.

The package is split into parts that each own one concept (see README, "Architecture"):
``formats`` (every on-disk format), ``rules`` (per-round rule packs), ``power_director``
(protocol v3, director, analyzers, simulator), ``harness`` (LoadGen, SUT adapters, client,
``joulekit run``), ``checker`` (named rules and reports), ``submission_template``
(scaffold and packaging) and ``insight`` (reports, sweeps, recommendations).
"""

__version__ = "0.1.0"
