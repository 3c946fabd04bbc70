"""client.json / server.json of three rounds: values, byte-exact rewrite, broken copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from joulekit.formats.power_json import (
    PhasePoint,
    PowerMessage,
    PowerSummary,
    PtdMessage,
    format_power_json,
    read_power_json,
    write_power_json,
)

from ._real import RESULTS, copy_to, paths

ALL_FILES = [(name, side) for name in sorted(RESULTS) for side in ("client.json", "server.json")]


@pytest.mark.parametrize(("name", "side"), ALL_FILES)
def test_read_then_write_gives_the_published_bytes(name: str, side: str, tmp_path: Path) -> None:
    source = paths(name).power / side
    summary, issues = read_power_json(source)
    assert issues == [] and summary is not None
    assert format_power_json(summary).encode() == source.read_bytes()
    target = tmp_path / side
    write_power_json(target, summary)
    assert target.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    ("name", "session", "timezone", "messages", "ptd_messages", "device"),
    [
        ("qualcomm-v1.1-server", "2021-08-27_12-20-36", 18000, 9, 14, 77),
        ("dell-v2.1-offline", "2022-07-28_03-47-24", 0, 10, 14, 77),
        ("untether-v4.1-singlestream", "2024-07-23_11-35-08", 14400, 15, 23, 8),
    ],
)
def test_server_values(
    name: str, session: str, timezone: int, messages: int, ptd_messages: int, device: int
) -> None:
    server, issues = read_power_json(paths(name).server_json)
    client, _ = read_power_json(paths(name).client_json)
    assert issues == [] and server is not None and client is not None
    assert server.is_server and not client.is_server
    assert server.session_name == client.session_name == session
    assert server.uuid == client.uuid
    assert server.timezone == timezone
    assert len(server.messages) == len(client.messages) == messages
    assert server.messages[0] == PowerMessage(
        "mlcommons/power client v3",
        server.messages[0].cmd_time,
        "mlcommons/power server v3",
        server.messages[0].reply_time,
    )
    assert server.ptd_messages is not None and len(server.ptd_messages) == ptd_messages
    assert server.ptd_messages[0] == PtdMessage("Hello", "Hello, PTDaemon here!")
    assert server.ptd_config is not None and len(server.ptd_config) == 1
    assert server.ptd_config[0]["device_type"] == device
    assert server.ptd_config_form == "object"
    assert sorted(server.phases) == ["ranging", "testing"]
    assert all(len(points) == 4 for points in server.phases.values())
    assert server.debug is None and client.ptd_config is None


def test_untether_phase_and_results() -> None:
    server, _ = read_power_json(paths("untether-v4.1-singlestream").server_json)
    assert server is not None
    assert server.phases["testing"][1] == PhasePoint(1721749636.6533587, 419814.508255984)
    assert "run_1/ptd_out.txt" in server.results
    assert server.raw["ptd_config"]["device_port"] == "/dev/ttyUSB0"


def test_v5_list_form_is_kept_as_a_list_and_written_back(tmp_path: Path) -> None:
    doc = json.loads(paths("dell-v2.1-server").server_json.read_text())
    second = dict(doc["ptd_config"], device_port="C2PH13047V")
    doc["ptd_config"] = [doc["ptd_config"], second]
    doc["debug"] = False
    doc["joulekit"] = {"version": "0.1.0", "analyzers": []}
    text = json.dumps(doc, indent=4)
    path = tmp_path / "server.json"
    path.write_text(text)
    summary, issues = read_power_json(path)
    assert issues == [] and summary is not None
    assert summary.ptd_config_form == "list"
    assert [c["device_port"] for c in summary.ptd_config or []][1] == "C2PH13047V"
    assert summary.debug is False
    assert summary.extra == {"joulekit": {"version": "0.1.0", "analyzers": []}}
    assert format_power_json(summary) == text


def test_broken_json_is_an_issue_with_its_line(tmp_path: Path) -> None:
    path = copy_to(paths("untether-v4.1-offline").client_json, tmp_path)
    lines = path.read_text().split("\n")
    lines[20] = lines[20].rstrip(",")  # drop a comma inside "sources"
    path.write_text("\n".join(lines))
    summary, issues = read_power_json(path)
    assert summary is None
    assert len(issues) == 1 and issues[0].line == 22
    assert "broken JSON" in issues[0].message


def test_truncated_file(tmp_path: Path) -> None:
    path = copy_to(paths("qualcomm-v1.1-server").server_json, tmp_path)
    data = path.read_bytes()[:3000]
    path.write_bytes(data)
    summary, issues = read_power_json(path)
    assert summary is None
    # the cut falls inside the line after the last whole one: that line is named
    assert [(i.line, i.message) for i in issues] == [
        (data.count(b"\n") + 1, "broken JSON: Expecting value (column 9)")
    ]


def test_missing_required_key_and_wrong_type(tmp_path: Path) -> None:
    doc = json.loads(paths("dell-v2.1-offline").client_json.read_text())
    del doc["uuid"]
    doc["session_name"] = 7
    path = tmp_path / "client.json"
    path.write_text(json.dumps(doc, indent=4))
    summary, issues = read_power_json(path)
    assert summary is not None
    messages = {issue.message: issue.line for issue in issues}
    assert messages["required key 'uuid' is missing"] is None
    session_line = path.read_text().split("\n").index('    "session_name": 7,') + 1
    assert messages["'session_name' should be a string"] == session_line
    assert summary.uuid == {}


def test_bad_message_and_phase_entries(tmp_path: Path) -> None:
    doc = json.loads(paths("dell-v2.1-offline").server_json.read_text())
    doc["messages"][3] = {"cmd": "time"}
    doc["phases"]["testing"][2] = [1.0]
    doc["ptd_config"] = "wt310"
    path = tmp_path / "server.json"
    path.write_text(json.dumps(doc, indent=4))
    summary, issues = read_power_json(path)
    assert summary is not None
    texts = [issue.message for issue in issues]
    assert "'messages' entry 3 lacks cmd/cmd_time/reply/reply_time" in texts
    assert any("'testing' has a checkpoint" in text for text in texts)
    assert "'ptd_config' should be an object or a list of objects" in texts
    assert len(summary.messages) == 9


def test_non_object_non_utf8_and_missing(tmp_path: Path) -> None:
    array = tmp_path / "a.json"
    array.write_text("[1, 2]")
    summary, issues = read_power_json(array)
    assert summary is None
    assert [(i.line, i.message) for i in issues] == [(1, "power summary is not a JSON object")]
    raw = tmp_path / "b.json"
    raw.write_bytes(b'{\n"version": "1.\xff"\n}')
    summary, issues = read_power_json(raw)
    assert summary is None and issues[0].line == 2
    summary, issues = read_power_json(tmp_path / "none.json")
    assert summary is None and issues[0].message == "power summary is missing"


def test_a_summary_built_in_code_writes_the_reference_key_order(tmp_path: Path) -> None:
    summary = PowerSummary(
        session_name="2024-01-01_00-00-00",
        uuid={"client": "c", "server": "s"},
        messages=[PowerMessage("time", 1.0, "1.5", 2.0)],
        phases={"ranging": [PhasePoint(1.0, 2.0)]},
        ptd_messages=[PtdMessage("Hello", "Hello, PTDaemon here!")],
        ptd_config=[{"device_type": 49}],
        debug=True,
    )
    path = tmp_path / "server.json"
    write_power_json(path, summary)
    doc = json.loads(path.read_text())
    assert list(doc) == [
        "version",
        "timezone",
        "modules",
        "sources",
        "messages",
        "uuid",
        "session_name",
        "results",
        "phases",
        "ptd_messages",
        "ptd_config",
        "debug",
    ]
    assert doc["ptd_config"] == [{"device_type": 49}]
    assert doc["phases"] == {"ranging": [[1.0, 2.0]]}
    again, issues = read_power_json(path)
    assert issues == [] and again is not None and again.debug is True


def test_reference_client_null_ptd_config_is_not_malformed(tmp_path: Path) -> None:
    """The reference client (power-dev c4b3ad8) writes ``"ptd_config": [null]``."""
    doc = json.loads(paths("dell-v2.1-offline").client_json.read_text())
    doc["ptd_config"] = [None]
    path = tmp_path / "client.json"
    path.write_text(json.dumps(doc, indent=4))
    summary, issues = read_power_json(path)
    assert summary is not None and issues == []
    # an analyzer with nothing configured: the config rules see no device_type
    assert summary.ptd_config == [{}] and summary.ptd_config_form == "list"


def test_ptd_config_with_a_non_object_entry_is_still_malformed(tmp_path: Path) -> None:
    doc = json.loads(paths("dell-v2.1-offline").client_json.read_text())
    doc["ptd_config"] = [None, 7]
    path = tmp_path / "client.json"
    path.write_text(json.dumps(doc, indent=4))
    _, issues = read_power_json(path)
    assert [i.message for i in issues] == ["'ptd_config' should be an object or a list of objects"]
