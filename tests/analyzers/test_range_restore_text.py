"""The restore command repeats the RR reply's range text byte for byte.

The reference checker compares ``SR,A,<value>`` with the ``RR`` field as text, so a
restore of ``SR,A,20`` after ``Ranges,0,20.000000,…`` would be rejected there.
"""

from __future__ import annotations

import pytest

from joulekit.analyzers import open_analyzer


@pytest.mark.timeout(30)
def test_close_restores_ranges_with_the_rr_text() -> None:
    analyzer = open_analyzer("sim://49")
    analyzer.open()
    try:
        analyzer.set_ranges("Auto", "Auto")
    finally:
        analyzer.close()
    rr = next(reply for cmd, reply in analyzer.transcript if cmd == "RR")
    _, a_auto, a_text, v_auto, v_text = rr.split(",")[:5]
    assert a_auto == "0" and v_auto == "0", rr  # the simulator starts on fixed ranges
    restores = [cmd for cmd, _ in analyzer.transcript if cmd.startswith("SR,")][-2:]
    assert restores == [f"SR,V,{v_text}", f"SR,A,{a_text}"]
