"""NTP offset check against a local responder: in sync, skewed, silent, unsynchronised."""

from __future__ import annotations

import socket

import pytest

from joulekit.doctor.ntp import check_ntp_offset, split_host_port
from joulekit.doctor.result import Status

from .ntp_responder import NtpResponder


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_offset_within_limit_is_ok() -> None:
    with NtpResponder(offset_s=0.0) as server:
        result = check_ntp_offset(server.address, 400.0)
    assert result.status is Status.OK, result
    assert abs(float(result.details["offset_ms"])) < 50  # type: ignore[arg-type]
    assert server.queries == 1


def test_offset_beyond_limit_is_an_error_with_one_line_of_advice() -> None:
    with NtpResponder(offset_s=1.5) as server:
        result = check_ntp_offset(server.address, 400.0)
    assert result.status is Status.ERROR
    assert abs(float(result.details["offset_ms"]) - 1500) < 50  # type: ignore[arg-type]
    assert "beyond the 400 ms" in result.message
    assert "ntpdate -b 127.0.0.1" in result.advice and "\n" not in result.advice


def test_offset_over_half_the_limit_warns() -> None:
    with NtpResponder(offset_s=-0.3) as server:
        result = check_ntp_offset(server.address, 400.0)
    assert result.status is Status.WARNING
    assert "more than half" in result.message


def test_unreachable_server_is_an_error_not_a_traceback() -> None:
    port = _free_udp_port()
    result = check_ntp_offset(f"127.0.0.1:{port}", 400.0, timeout_s=0.5)
    assert result.status is Status.ERROR
    assert "no NTP answer from 127.0.0.1" in result.message
    assert f"UDP port {port}" in result.advice


def test_unresolvable_server_names_dns() -> None:
    result = check_ntp_offset("ntp.invalid", 400.0, timeout_s=0.5)
    assert result.status is Status.ERROR
    assert "cannot resolve" in result.message
    assert "DNS" in result.advice


def test_unsynchronised_server_is_refused() -> None:
    with NtpResponder(offset_s=0.0, stratum=0, leap=3) as server:
        result = check_ntp_offset(server.address, 400.0)
    assert result.status is Status.ERROR
    assert "not synchronised" in result.message


def test_host_port_forms() -> None:
    assert split_host_port("pool.ntp.org", 123) == ("pool.ntp.org", 123)
    assert split_host_port("127.0.0.1:1234", 123) == ("127.0.0.1", 1234)
    assert split_host_port("[::1]:5", 123) == ("::1", 5)
    assert split_host_port("::1", 123) == ("::1", 123)


def test_a_non_ascii_digit_port_is_a_value_error_that_names_it() -> None:
    # '²'.isdigit() is True but int('²') raises: the check must say which port is wrong
    for text in ("ntp.example.org:²", "ntp.example.org:١٢٣"):
        with pytest.raises(ValueError, match="is not a number from 0 to 65535"):
            split_host_port(text, 123)
