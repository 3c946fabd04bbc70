"""The reference server.conf layout, the stale template layout, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from joulekit.errors import UserError
from joulekit.session.config import load_config

GOOD = """[server]
ntpServer: pool.ntp.org
listen: 10.0.0.5 4951
rangingMode: MAX

[ptd]
ptd: /opt/ptd/ptd-linux-x86
analyzerCount: 2

[analyzer1]
deviceType: 49
interfaceFlag: -y
devicePort: C2PH13047V

[analyzer2]
deviceType: 77
interfaceFlag: -n
devicePort: 10.0.0.9
networkPort: 8889
channel: 1,2
"""


def test_reference_layout(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text(GOOD)
    config = load_config(path)
    assert (config.listen_host, config.listen_port, config.ranging_mode) == (
        "10.0.0.5",
        4951,
        "MAX",
    )
    first, second = config.ptd_analyzers
    assert (first.device_type, first.interface_flag, first.network_port) == (49, "-y", 8888)
    assert second.channel == (1, 2) and second.network_port == 8889
    assert config.warnings == []


def test_stale_template_layout_warns_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text("[server]\nntpServer = x\n[ptd]\nptd = /ptd\ndeviceType = 8\n"
                    "interfaceFlag =\ndevicePort = /dev/ttyUSB0\n")  # fmt: skip
    config = load_config(path)
    assert config.ptd_analyzers[0].device_type == 8
    assert "move them to a new [analyzer1] section" in config.warnings[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ptd]\nptd=x\n", r"needs a \[server\] section"),
        ("[server]\nntpServer=x\nrangingMode=HUGE\n", "rangingMode must be AUTO or MAX"),
        (
            "[server]\nntpServer=x\n[ptd]\nptd=x\n[analyzer1]\ndeviceType=77\ninterfaceFlag=\n"
            "devicePort=p\n",
            "needs channel with 2",
        ),
        ("[server]\nntpServer=x\nlisten=nowhere\n", "listen must be 'ADDRESS PORT'"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.conf"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_config(path)


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"director config .* does not exist"):
        load_config(tmp_path / "nope.conf")


def test_config_that_is_a_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder; give the file"):
        load_config(tmp_path)
