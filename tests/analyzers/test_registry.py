"""The analyzer registry: every URL form and message kept, a plug-in scheme is one module
plus one registration, and heavy backends load only when a URL names them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from joulekit.analyzers import (
    PtdAnalyzer,
    check_analyzer_url,
    open_analyzer,
    register_backend,
    registry,
    schemes,
)
from joulekit.analyzers.scpi import ScpiAnalyzer
from joulekit.analyzers.software import NvmlSource, RaplSource
from joulekit.errors import UserError


def test_the_schemes_in_their_documented_order() -> None:
    assert schemes()[:6] == ("ptd", "sim", "visa", "serial", "nvml", "rapl")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "unknown analyzer URL 'ftp://x'; use one of ptd://, sim://, visa://, serial://,"
                    " nvml://, rapl://, ipmi://, redfish://, redfish+https://, snmp:// (for "
                    "example ptd://127.0.0.1:8888 or sim://49)"),
        ("ptd://[::1", "analyzer URL 'ptd://[::1' is malformed (Invalid IPv6 URL); for example "
                       "ptd://127.0.0.1:8888 or ptd://[::1]:8888"),
        ("ptd://host", "analyzer URL 'ptd://host' needs HOST:PORT, for example ptd://127.0.0.1:8888"),
        ("ptd://h:1?colour=red", "unknown option(s) colour in analyzer URL 'ptd://h:1?colour=red'"),
        ("ptd://h:1?channels=a", "channels must look like 1 or 1,2, got 'a'"),
        ("ptd://h:1?console=nope",
         "analyzer URL 'ptd://h:1?console=nope': console='nope' needs HOST:PORT, the address "
         "'joulekit ptd-launch --listen' serves the console on"),
        ("sim://49?period_ms=0", "analyzer URL 'sim://49?period_ms=0': period_ms"),
        ("sim://49?x=1&y=2", "unknown option(s) x, y in analyzer URL 'sim://49?x=1&y=2'"),
        ("visa://?dialect=wt300e",
         "analyzer URL 'visa://?dialect=wt300e' names no resource or device"),
        ("visa://GPIB0::1?dialect=", "unknown meter dialect ''"),
        ("serial:///dev/ttyS0?baud=0", "analyzer URL 'serial:///dev/ttyS0?baud=0': baud"),
        ("nvml://0?x=1", "unknown option(s) x in analyzer URL 'nvml://0?x=1'"),
        ("rapl://intel-rapl:0?root=/x&y=1", "unknown option(s) y in analyzer URL"),
    ],
)
def test_each_bad_url_gets_its_one_line_message(url: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        check_analyzer_url(url)
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_each_scheme_builds_its_backend_unopened(tmp_path: Path) -> None:
    ptd = open_analyzer("ptd://127.0.0.1:8888?channels=1,2&device_type=77&reply_timeout=3")
    assert isinstance(ptd, PtdAnalyzer)
    assert (ptd.host, ptd.port, ptd.url) == ("127.0.0.1", 8888, ptd.url)
    assert isinstance(open_analyzer("ptd://[::1]:8888"), PtdAnalyzer)
    assert isinstance(open_analyzer("visa://GPIB0::1::INSTR?dialect=wt210"), ScpiAnalyzer)
    assert isinstance(open_analyzer("serial:///dev/ttyS0?dialect=wt210&baud=9600"), ScpiAnalyzer)
    nvml = open_analyzer("nvml://1")
    assert isinstance(nvml, NvmlSource) and nvml.index == 1
    rapl = open_analyzer(f"rapl://intel-rapl:1?root={tmp_path}")
    assert isinstance(rapl, RaplSource) and rapl.zone_dir == tmp_path / "intel-rapl:1"


def test_a_checked_sim_url_starts_no_simulator() -> None:
    check_analyzer_url("sim://49?load=constant:90&period_ms=100")
    sim = open_analyzer("sim://49?period_ms=100")
    try:
        assert isinstance(sim, PtdAnalyzer) and sim.simulator is not None
    finally:
        sim.close()


def test_a_plugin_scheme_is_one_module_and_one_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "powercap_plugin.py").write_text(
        "from pathlib import Path\n"
        "from joulekit.analyzers.software import RaplSource\n"
        "def from_url(url, *, start):\n"
        "    root = url.option('root')\n"
        "    url.finish()\n"
        "    return RaplSource(url.text, url.netloc, None if root is None else Path(root))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "BACKENDS", dict(registry.BACKENDS))
    register_backend("powercap", "powercap_plugin")
    register_backend("powercap", "powercap_plugin")  # the same registration again is fine
    source = open_analyzer(f"PowerCap://zone0?root={tmp_path}")
    assert isinstance(source, RaplSource) and source.zone_dir == tmp_path / "zone0"
    assert "powercap" in schemes()
    with pytest.raises(UserError, match="unknown option"):
        open_analyzer("powercap://zone0?colour=red")
    with pytest.raises(ValueError, match=r"already served by joulekit\.analyzers\.ptd_backend"):
        register_backend("ptd", "powercap_plugin")


def test_pyvisa_and_pynvml_load_only_for_their_schemes() -> None:
    code = (
        "import sys\n"
        "from joulekit.analyzers import open_analyzer\n"
        "open_analyzer('ptd://127.0.0.1:1')\n"
        "print(sorted(m for m in ('pyvisa', 'pynvml') if m in sys.modules))\n"
        "open_analyzer('visa://GPIB0::1::INSTR')\n"
        "print('pyvisa' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["[]", "True"]
