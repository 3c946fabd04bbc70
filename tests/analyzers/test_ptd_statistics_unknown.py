"""PTDaemon's statistics replies when no sample had an evaluable uncertainty.

In auto range (ranging) PTDaemon 1.10 answers ``Uncertainty,-1.0,10000000.000000,
0.000000,692,0,0,692`` (v4.1 UntetherAI ptd_logs.txt): the average -1.0 says "none", and
min/max are its start values, not measurements.
"""

from __future__ import annotations

from joulekit.analyzers.ptd_parse import parse_statistics


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


def test_identify_gives_the_ptdaemon_device_number() -> None:
    """Attach mode: ptd_config's device_type comes from PTDaemon's own Identify reply."""
    from joulekit.analyzers.ptd_parse import parse_identify

    real_v41 = (
        "YokogawaWT210,1000,1,1,1,1,0,0,1,version=1.10.0-ed9a21d2-20220817,OS=Linux 5.15.0,"
        "mode=power,1,1,1,0,0,no_cal_date,YOKOGAWA;760401;0;F1.12"
    )
    assert parse_identify(real_v41).device_type == 8
    multichannel = "YokogawaWT330_multichannel,1000,1,1,1,1,0,0,1,version=1.9.2-3976349f-20201208"
    assert parse_identify(multichannel).device_type == 77
    simulated = "JoulekitSimulator-YokogawaWT310E,1000,1,1,1,1,0,0,0,version=joulekit-simulator-0.1"
    assert parse_identify(simulated).device_type == 49
    assert parse_identify("SomeOtherMeter,1000,version=1.0").device_type is None


def test_every_simulated_device_identifies_with_its_own_device_number() -> None:
    """The table in joulekit/rules/ptd_devices.yaml covers every meter the simulator
    imitates, AC and DC, so attach mode never refuses our own simulator."""
    from joulekit.analyzers.ptd_parse import device_type_for_driver
    from joulekit.simulator.devices import personality

    for device_type in (8, 49, 52, 77, 35, 48, 508, 549, 552):
        device = personality(device_type)
        assert device_type_for_driver(device.driver_name) == device_type, device.driver_name
