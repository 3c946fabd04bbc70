"""The session core's small contracts: the ``joulekit.lost`` entry and source hashing."""

from __future__ import annotations

import re

import pytest

from joulekit.formats.atomic import sha1_file
from joulekit.session.lost import LOST_WHAT, lost_entry
from joulekit.session.provenance import PACKAGE_ROOT, analyzer_kind, source_hashes


def test_lost_entry_shape_and_utc_time() -> None:
    entry = lost_entry("analyzer", "ptd://127.0.0.1:8888", "testing", "no reply")
    assert list(entry) == ["what", "peer", "phase", "time", "message"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert LOST_WHAT == ("director", "analyzer", "client")
    with pytest.raises(AssertionError):
        lost_entry("meter", "x", "testing", "no reply")


def test_source_hashes_cover_the_session_folder() -> None:
    import joulekit.session.protocol  # noqa: F401  (imported: it must be listed in modules)

    sources, modules = source_hashes(("session",))
    assert "session/protocol.py" in sources and "session/lost.py" in sources
    assert sources["session/protocol.py"] == sha1_file(PACKAGE_ROOT / "session" / "protocol.py")
    assert modules["joulekit.session.protocol"] == "session/protocol.py"
    assert all(path.startswith("session/") for path in sources)


@pytest.mark.parametrize(
    ("url", "identity", "kind"),
    [("ptd://h:1", "YOKOGAWA WT310E", "ptdaemon"), ("ptd://h:1", "joulekit simulator", "simulator"),
     ("sim://49", "", "simulator"), ("visa://GPIB0::1", "", "direct-scpi"),
     ("serial:///dev/ttyS0", "", "direct-scpi"), ("nvml://0", "", "software"),
     ("rapl://intel-rapl:0", "", "software"), ("ipmi://u:p@h", "", "node-level"),
     ("redfish+https://h/", "", "node-level"), ("snmp://public@h/apc/outlet/1", "", "node-level"),
     ("plugin://x", "", "unknown")],
)
def test_analyzer_kind_by_scheme_and_identity(url: str, identity: str, kind: str) -> None:
    assert analyzer_kind(url, identity) == kind
