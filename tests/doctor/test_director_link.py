"""Client ↔ director time over protocol v3: in sync, skewed, refused, mute, wrong peer."""

from __future__ import annotations

import socket

from joulekit.doctor.director_link import check_director_time
from joulekit.doctor.result import Status

from .fake_peers import TimeOnlyDirector


def test_director_in_sync_reports_offset_and_round_trip() -> None:
    with TimeOnlyDirector(0.0) as director:
        result = check_director_time("127.0.0.1", director.port, 400.0)
    assert result.status is Status.OK, result
    assert abs(float(result.details["offset_ms"])) < 50  # type: ignore[arg-type]
    assert float(result.details["round_trip_ms"]) >= 0  # type: ignore[arg-type]


def test_director_clock_beyond_the_limit_is_an_error() -> None:
    with TimeOnlyDirector(-2.0) as director:
        result = check_director_time("127.0.0.1", director.port, 400.0)
    assert result.status is Status.ERROR
    assert "beyond the 400 ms" in result.message
    assert "same NTP server" in result.advice


def test_no_director_listening_says_how_to_start_one() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check_director_time("127.0.0.1", port, 400.0, timeout_s=1.0)
    assert result.status is Status.ERROR
    assert f"127.0.0.1:{port}" in result.message
    assert "joulekit director -c server.conf" in result.advice


def test_mute_director_times_out_with_advice() -> None:
    with TimeOnlyDirector(mute=True) as director:
        result = check_director_time("127.0.0.1", director.port, 400.0, timeout_s=0.5)
    assert result.status is Status.ERROR
    assert "stopped answering" in result.message


def test_a_peer_that_is_not_a_director_is_named() -> None:
    with TimeOnlyDirector(greeting="Hello, PTDaemon here!") as peer:
        result = check_director_time("127.0.0.1", peer.port, 400.0)
    assert result.status is Status.ERROR
    assert "PTDaemon" in result.message
    assert "protocol v3" in result.advice
