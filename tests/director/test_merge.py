"""Several analyzers merged by timestamp, not by line index."""

from __future__ import annotations

from joulekit.formats.spl import read_spl
from joulekit.power_director.director.merge import merge_by_time

from .fakes import FakeAnalyzer


def test_offset_analyzers_pair_by_time_and_gaps_are_reported() -> None:
    first = list(FakeAnalyzer(samples=6).stop())
    second = list(FakeAnalyzer(samples=6, offset_s=0.3, skip=[2]).stop())
    merged = merge_by_time([first, second])
    assert len(merged.rows) == 5
    for row in merged.rows:
        delta = (row.samples[1].utc - row.samples[0].utc).total_seconds()
        assert abs(delta - 0.3) < 1e-6  # never paired with a neighbour's second
    assert len(merged.gaps) == 1 and merged.gaps[0].startswith("analyzer 2: no sample near")
    # index pairing would have summed sample 3 of analyzer 1 with sample 4 of analyzer 2
    row3 = next(r for r in merged.rows if r.samples[0].watts == 103.0)
    assert row3.watts == 103.0 + 103.0


def test_merged_spl_reads_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import logging

    from joulekit.power_director.director.bank import AnalyzerBank
    from joulekit.power_director.director.outputs import write_phase

    first = list(FakeAnalyzer(samples=3).stop())
    second = list(FakeAnalyzer(samples=3, offset_s=-0.2).stop())
    bank = AnalyzerBank([], logging.getLogger("t"))
    gaps = write_phase(tmp_path, "ranging", "s_ranging", [first, second], bank,
                       logging.getLogger("t"))  # fmt: skip
    assert gaps == []
    spl = read_spl(tmp_path / "ranging" / "spl.txt")
    assert not spl.issues and len(spl.lines) == 3
    assert spl.lines[0].watts == 200.0 and len(spl.lines[0].analyzers) == 2
    assert (tmp_path / "ranging" / "spl_analyzer_2.txt").is_file()
