"""The session state machine: order, idempotence, and ranges restored on every exit."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from joulekit.power_director.director.session import Session, SessionError, SessionInfo, State
from joulekit.session.config import DirectorConfig

from .fakes import FakeAnalyzer, running_director
from .test_protocol_transcript import _handshake


def _session(tmp_path: Path, fake: FakeAnalyzer, **config_kw: object) -> Session:
    config = DirectorConfig(settle_seconds=0.0, **config_kw)  # type: ignore[arg-type]
    info = SessionInfo("2025-01-02_03-04-05_t", "t", "cu", "su", tmp_path / "s")
    info.workdir.mkdir()
    return Session(info, config, [lambda: fake], logging.getLogger("t"), [], lambda: "",
                   threading.Event())  # fmt: skip


def test_states_advance_in_order_and_repeat_is_ok(tmp_path: Path) -> None:
    session = _session(tmp_path, FakeAnalyzer())
    with pytest.raises(SessionError, match="cannot stop ranging in state INITIAL"):
        session.stop_ranging()
    assert session.start_ranging() == "OK" and session.state is State.RANGING
    assert session.start_ranging() == "OK"
    with pytest.raises(SessionError, match="cannot start testing in state RANGING"):
        session.start_testing()
    session.stop_ranging()
    assert session.state.value == "RANGING_DONE"
    with pytest.raises(SessionError, match="cannot start ranging"):
        session.start_ranging()
    session.start_testing()
    session.stop_testing()
    assert session.state.value == "TESTING_DONE"
    assert session.end(None) == [] and session.state.value == "DONE"


def test_max_mode_sets_the_table_range_once(tmp_path: Path) -> None:
    fake = FakeAnalyzer(device_type=52)
    session = _session(tmp_path, fake, ranging_mode="MAX")
    session.start_ranging()
    assert [c for c in fake.calls if c.startswith("SR,A")] == ["SR,A,20.0"]


def test_manual_testing_from_initial_is_marked(tmp_path: Path) -> None:
    fake = FakeAnalyzer()
    session = _session(tmp_path, fake)
    session.start_testing((230.0, 3.0))
    assert "SR,V,230.0" in fake.calls and "SR,A,3.0" in fake.calls
    session.stop_testing()
    session.end(None)
    server = json.loads((tmp_path / "s" / "power" / "server.json").read_text())
    assert any("by hand" in r for r in server["joulekit"]["not_valid_for_submission"])


def test_drop_mid_ranging_keeps_samples_and_restores(tmp_path: Path) -> None:
    fake = FakeAnalyzer(samples=5)
    session = _session(tmp_path, fake)
    session.start_ranging()
    session.end("the client disconnected")
    assert fake.closed == 1 and fake.calls[-2:] == ["Stop", "close"]
    spl = (tmp_path / "s" / "ranging" / "spl.txt").read_text().splitlines()
    assert len(spl) == 5
    server = json.loads((tmp_path / "s" / "power" / "server.json").read_text())
    assert server["joulekit"]["end_reason"] == "the client disconnected"


def test_analyzer_error_drops_session_and_restores(tmp_path: Path) -> None:
    fake = FakeAnalyzer(fail_on="Go")
    with running_director(tmp_path, [fake]) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        sid = wire.ask("new,x,u").decode().split()[1].split(",")[0]
        reply = wire.ask(f"session,{sid},start,ranging").decode()
        assert reply.startswith("Error: analyzer 1 (fake://1) failed to start measuring:")
        wire.close()
    assert fake.closed == 1


def test_client_drop_over_tcp_restores_and_keeps_samples(tmp_path: Path) -> None:
    fake = FakeAnalyzer(samples=4)
    with running_director(tmp_path, [fake]) as director:
        assert director.address is not None
        wire = _handshake(director.address[1])
        sid = wire.ask("new,x,u").decode().split()[1].split(",")[0]
        assert wire.ask(f"session,{sid},start,ranging") == b"OK\r\n"
        wire.close()  # the client vanishes mid-ranging
        deadline = threading.Event()
        for _ in range(100):
            if fake.closed:
                break
            deadline.wait(0.05)
    assert fake.closed == 1
    assert len((director.output_dir / sid / "ranging" / "spl.txt").read_text().splitlines()) == 4
