"""run_1/ptd_out.txt: the reference layout, parsed statistics and broken blocks."""

from __future__ import annotations

from pathlib import Path

from joulekit.formats.ptd_out import (
    PtdOutEntry,
    UncertaintyStats,
    WattsStats,
    format_ptd_out,
    read_ptd_out,
    write_ptd_out,
)

REFERENCE = (
    "Analyzer 1:\n"
    "Power: Watts,227.970809,172.000000,238.000000,692,0,692 \n"
    "Uncertainty: Uncertainty,0.005699,0.005521,0.006962,692,0,692,0\n"
    "Analyzer 2:\n"
    "Power: Watts,23.49,8.41,24.56,692,0,692 \n"
    "Uncertainty: Uncertainty,0.0063,0.0061,0.0092,692,0,692,0\n"
)


def test_reads_the_reference_layout(tmp_path: Path) -> None:
    path = tmp_path / "ptd_out.txt"
    path.write_text(REFERENCE)
    out = read_ptd_out(path)
    assert out.issues == []
    assert [entry.analyzer for entry in out.entries] == [1, 2]
    assert [entry.line for entry in out.entries] == [1, 4]
    assert out.entries[0].watts == WattsStats(227.970809, 172.0, 238.0, 692, 0, 692)
    assert out.entries[1].uncertainty == UncertaintyStats(0.0063, 0.0061, 0.0092, 692, 0, 692, 0)


def test_writes_the_reference_bytes_including_the_trailing_space(tmp_path: Path) -> None:
    entries = [
        PtdOutEntry(
            1,
            "Watts,227.970809,172.000000,238.000000,692,0,692",
            "Uncertainty,0.005699,0.005521,0.006962,692,0,692,0",
        ),
        PtdOutEntry(
            2, "Watts,23.49,8.41,24.56,692,0,692", "Uncertainty,0.0063,0.0061,0.0092,692,0,692,0"
        ),
    ]
    assert format_ptd_out(entries) == REFERENCE
    path = tmp_path / "run_1" / "ptd_out.txt"
    write_ptd_out(path, entries)
    assert [e.power_reply for e in read_ptd_out(path).entries] == [e.power_reply for e in entries]


def test_error_replies_are_kept_without_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ptd_out.txt"
    path.write_text("Analyzer 1:\nPower: Error: Meter busy \nUncertainty: Unknown command\n")
    entry = read_ptd_out(path).entries[0]
    assert entry.power_reply == "Error: Meter busy"
    assert entry.watts is None and entry.uncertainty is None


def test_missing_line_stray_line_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "ptd_out.txt"
    path.write_text("Analyzer 1:\nPower: Watts,1,1,1,1,0,1 \nAnalyzer 2:\nnoise\n")
    out = read_ptd_out(path)
    assert [(issue.line, issue.message) for issue in out.issues] == [
        (1, "Analyzer 1: no 'Uncertainty:' line"),
        (4, "unexpected line in ptd_out.txt: 'noise'"),
        (3, "Analyzer 2: no 'Power:' line"),
    ]
    assert len(out.entries) == 2
    assert read_ptd_out(tmp_path / "absent.txt").issues[0].line is None
