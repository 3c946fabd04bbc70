"""PTDaemon's statistics replies when no sample had an evaluable uncertainty.

In auto range (ranging) PTDaemon 1.10 answers ``Uncertainty,-1.0,10000000.000000,
0.000000,692,0,0,692`` (v4.1 UntetherAI ptd_logs.txt): the average -1.0 says "none", and
min/max are its start values, not measurements.
"""

from __future__ import annotations

from joulekit.power_director.analyzers.ptd_parse import parse_statistics


def test_unknown_uncertainty_gives_no_average_and_no_maximum() -> None:
    stats = parse_statistics(
        "Watts,227.459827,171.200000,231.900000,692,0,692",
        "Uncertainty,-1.0,10000000.000000,0.000000,692,0,0,692",
    )
    assert stats is not None
    assert stats.watts_avg == 227.459827 and stats.samples == 692
    assert stats.uncertainty_avg is None and stats.uncertainty_max is None


def test_known_uncertainty_is_kept() -> None:
    stats = parse_statistics(
        "Watts,227.970809,172.000000,238.000000,692,0,692",
        "Uncertainty,0.005699,0.005521,0.006962,692,0,692,0",
    )
    assert stats is not None
    assert stats.uncertainty_avg == 0.005699 and stats.uncertainty_max == 0.006962
