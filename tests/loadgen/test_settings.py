"""LoadGen settings: conf files in order, command-line overrides last, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.loadgen.settings import LoadgenSettings, normalize_scenario


def test_builtin_mlperf_conf_then_user_conf_then_overrides(tmp_path: Path) -> None:
    user = tmp_path / "user.conf"
    user.write_text("*.Offline.min_duration = 1234\nresnet50.Offline.target_qps = 55\n")
    ts = LoadgenSettings(scenario="offline", model="resnet50", user_conf=user).build()
    assert ts.min_duration_ms == 1234
    assert ts.offline_expected_qps == 55
    assert ts.min_query_count == 24576  # resnet50.Offline in LoadGen's own mlperf.conf
    ts = LoadgenSettings(scenario="Offline", model="resnet50", user_conf=user,
                         min_duration_ms=200, min_query_count=5, target_qps=9.5).build()
    assert (ts.min_duration_ms, ts.min_query_count, ts.offline_expected_qps) == (200, 5, 9.5)


def test_custom_mlperf_conf_replaces_the_builtin_one(tmp_path: Path) -> None:
    conf = tmp_path / "mlperf.conf"
    conf.write_text("*.Server.target_latency = 42\n")
    ts = LoadgenSettings(scenario="Server", mlperf_conf=conf).build()
    assert ts.server_target_latency_ns == 42_000_000
    assert ts.min_duration_ms == 10_000  # LoadGen's default, not the built-in 600000


def test_scenario_specific_overrides_land_in_the_right_field() -> None:
    ts = LoadgenSettings(scenario="Server", target_qps=300, target_latency_ms=7).build()
    assert ts.server_target_qps == 300 and ts.server_target_latency_ns == 7_000_000
    ts = LoadgenSettings(scenario="MultiStream", samples_per_query=4, target_latency_ms=2).build()
    assert ts.multi_stream_samples_per_query == 4
    assert ts.multi_stream_expected_latency_ns == 2_000_000
    ts = LoadgenSettings(scenario="SingleStream", target_latency_ms=0.5).build()
    assert ts.single_stream_expected_latency_ns == 500_000


def test_cli_args_round_trip() -> None:
    s = LoadgenSettings(scenario="Server", mode="accuracy", target_qps=12.5, token_latencies=True)
    assert s.to_cli_args() == ["--scenario", "Server", "--mode", "accuracy", "--model",
                               "resnet50", "--target-qps", "12.5", "--token-latencies"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenario": "Interactive2"}, "unknown scenario"),
        ({"scenario": "SingleStream", "target_qps": 5.0}, "applies to Offline and Server"),
        ({"scenario": "Offline", "target_latency_ms": 5.0}, "does not apply to Offline"),
        ({"scenario": "Server", "samples_per_query": 2}, "MultiStream only"),
        ({"min_duration_ms": -1}, "must not be negative"),
        ({"user_conf": Path("/nonexistent/user.conf")}, "does not exist"),
    ],
)
def test_user_mistakes_are_one_line_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        LoadgenSettings(**kwargs).build()  # type: ignore[arg-type]


def test_unparsable_conf_is_a_user_error(tmp_path: Path) -> None:
    conf = tmp_path / "user.conf"
    conf.write_text("*.Offline.min_duration = soon\n")
    with pytest.raises(UserError, match="could not read"):
        LoadgenSettings(user_conf=conf).build()


def test_scenario_names_accept_any_case() -> None:
    assert normalize_scenario("single-stream") == "SingleStream"
    assert normalize_scenario("OFFLINE") == "Offline"
