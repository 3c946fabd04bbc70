"""The byte-level spl reader gives what the string readers give, value for value.

:func:`joulekit.formats.spl._byte_columns` reads the usual ``spl.txt`` from its bytes
(:mod:`joulekit.formats._bytescan`); it must accept only files the string reader
:func:`joulekit.formats.spl._columns` accepts, with the same arrays, and leave every
other file to it. The decimals are pinned against ``float`` on random texts, and each
shape that must fall back is tried.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from joulekit.formats import _bytescan
from joulekit.formats._scan import split_rows
from joulekit.formats.spl import SplColumns, _byte_columns, _columns, read_spl

from ._real import RESULTS, paths
from .test_whole_file_readers import LINE, _same_as_lines


def _decimals(texts: list[str]) -> np.ndarray | None:
    data = ",".join(texts).encode() + b"\n"
    table = _bytescan.field_table(data)
    assert table is not None and table.rows == 1
    return _bytescan.decimals(table.codes, table.start[0], table.end[0])


def _same(found: np.ndarray, texts: list[str]) -> None:
    expected = [float(text) for text in texts]
    assert found.tolist() == expected
    assert np.signbit(found).tolist() == [np.signbit(v) for v in expected]  # -0.0 kept


def test_decimals_are_what_float_reads() -> None:
    rng = random.Random(7)
    for places in range(0, 8):
        texts = []
        for _ in range(3000):
            whole = rng.randrange(1, 16 - places)
            digits = "".join(rng.choice("0123456789") for _ in range(whole + places))
            sign = "-" if rng.random() < 0.3 else ""
            texts.append(f"{sign}{digits[:whole]}.{digits[whole:]}")
        texts += [f"{'9' * (15 - places)}.{'9' * places}", f"-0.{'0' * places}"]
        found = _decimals(texts)
        assert found is not None, places
        _same(found, texts)


def test_decimals_read_block_after_block() -> None:
    rng = random.Random(9)
    count = 2 * _bytescan.BLOCK_FIELDS + 17  # three blocks, the last one short
    texts = [f"{rng.randrange(10**6)}.{rng.randrange(10**6):06d}" for _ in range(count)]
    texts[-1] = "7.000000"  # the last block's fields narrower than the first's
    found = _decimals(texts)
    assert found is not None
    _same(found, texts)
    for bad in ("1e5", "1.5", "x.000000"):  # in the last block only
        assert _decimals([*texts[:-1], bad]) is None


@pytest.mark.parametrize(
    "texts",
    [
        ["1.000000", "22.50"],  # another number of decimals: not one matrix column
        ["1234567890123456.0"],  # 16 digits: no longer an exact integer
        ["1e5"], ["1.5e5"], ["nan"], ["inf"], [" 1.5"], ["1.5 "], ["+1.5"], ["1_0.5"],
        ["1.2.3"], ["-.5"], [".5"], ["5"], ["--1.0"], ["1-.0"], ["-"], ["."], ["1.\u0661"],
    ],
)
def test_decimals_leave_every_other_text_to_float(texts: list[str]) -> None:
    data = ",".join(texts).encode("utf-8") + b"\n"
    table = _bytescan.field_table(data)
    if not data.isascii():
        assert table is None  # refused before any number is looked at
        return
    assert table is not None
    assert _bytescan.decimals(table.codes, table.start[0], table.end[0]) is None


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\nc\n",  # a line short of a field
        b"a,b\nc,d,e\nf\n",  # one line more and one fewer: the same number of commas
        b"a,b\rc,d\n",  # a lone CR is a line end of its own
        b"a,b\r\r\nc,d\n",  # CR CR LF: the line splitter's business
        b"a,b\nc,d",  # the last line not ended
        b"a,\xc3\xa9\nc,d\n",  # not ASCII
    ],
)
def test_field_table_refuses_what_the_line_splitter_must_read(data: bytes) -> None:
    assert _bytescan.field_table(data) is None


def test_field_table_gives_each_field_without_its_line_end() -> None:
    data = b"ab,c\r\nd,ef\n"
    table = _bytescan.field_table(data)
    assert table is not None and (table.rows, table.width) == (2, 2)
    fields = [data[s:e] for s, e in zip(table.start.ravel(), table.end.ravel(), strict=True)]
    assert fields == [b"ab", b"c", b"d", b"ef"]


def _equal(a: SplColumns, b: SplColumns) -> None:
    for name in ("time_us", "watts", "volts", "amps", "pf", "ch_watts", "ch_volts",
                 "ch_amps", "ch_pf", "line"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype and left.shape == right.shape, name
        assert left.tobytes() == right.tobytes(), name  # bit for bit, -0.0 and nan too


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_published_spl_files_read_from_bytes_as_from_lines(name: str) -> None:
    for path in (paths(name).run_1_spl, paths(name).ranging_spl):
        data = path.read_bytes()
        rows = split_rows(str(path), data)
        assert rows is not None
        from_lines = _columns(rows.lines)
        from_bytes = _byte_columns(data)
        assert from_bytes is not None and from_lines is not None, path
        _equal(from_bytes, from_lines)


@pytest.mark.parametrize(
    ("edit", "from_bytes"),
    [
        (lambda t: t.replace("172.900000", "nan"), False),  # float reads it: the lines do
        (lambda t: t.replace("172.900000", "1_72.9"), False),
        (lambda t: t.replace("172.900000", "-0.000000"), True),
        (lambda t: t.replace("172.900000", "172.9"), False),  # fewer decimals than the rest
        (lambda t: t.replace("172.900000", "1e2"), False),
        (lambda t: t.replace("Watts,172", "Watt,172"), False),
        (lambda t: t.replace("Watts,172", "Wattsx,172"), False),
        (lambda t: t.replace("Time,", "Tim,"), False),
        (lambda t: t.replace("Mark,", "Mar,"), False),
        (lambda t: t.replace("172.900000", "17x"), False),
        (lambda t: t.replace("15:47", "15:4x"), False),
        (lambda t: t.replace("Mark,run_testing", "Mark,"), True),  # an empty mark is a mark
        (lambda t: t + ",extra", False),
        (lambda t: t.replace("Mark,run_testing", "Mark,r\u00e9n"), False),
        (lambda t: t + "\r", True),  # a CRLF line among LF lines
        (lambda t: t.replace("118.000000", "-118.000000"), True),
    ],
)
def test_odd_fields_read_from_bytes_only_as_the_lines_read(
    tmp_path: Path, edit: object, from_bytes: bool
) -> None:
    later = edit(LINE.replace("16.858", "17.858"))  # type: ignore[operator]
    data = (LINE + "\n" + later + "\n").encode()
    rows = split_rows("spl.txt", data)
    assert rows is not None
    from_lines = _columns(rows.lines)
    columns = _byte_columns(data)
    assert (columns is not None) is from_bytes
    if columns is not None:
        assert from_lines is not None
        _equal(columns, from_lines)
    path = tmp_path / "spl.txt"
    path.write_bytes(data)
    _same_as_lines(path)


def test_multichannel_groups_read_from_bytes(tmp_path: Path) -> None:
    source = paths("qualcomm-v1.1-server").run_1_spl
    data = source.read_bytes()
    columns = _byte_columns(data)
    assert columns is not None and columns.ch_watts.shape[1] == 3
    path = tmp_path / "spl.txt"
    path.write_bytes(data)
    spl = read_spl(path)
    assert spl.columns is not None and len(spl.lines) == len(spl.columns)  # lines on demand
    _same_as_lines(path)


@pytest.mark.parametrize(
    ("tail", "read_from_bytes"),
    [("\n", True), ("\n\n", True), ("\n\n\n", True), ("\r\n", True), ("\r\n\r\n", True),
     ("\n\r\n", True), ("\n \n", False), ("\r\n\r", False), ("\n\r\r\n", False)],
)
def test_blank_lines_at_the_end_read_from_bytes_as_from_lines(
    tmp_path: Path, tail: str, read_from_bytes: bool
) -> None:
    data = (LINE + "\n" + LINE.replace("16.858", "17.858") + tail).encode()
    path = tmp_path / "spl.txt"
    path.write_bytes(data)
    rows = split_rows("spl.txt", data)
    from_bytes = _byte_columns(data)
    assert (from_bytes is not None) is read_from_bytes
    if from_bytes is not None:
        assert rows is not None
        from_lines = _columns(rows.lines)
        assert from_lines is not None
        _equal(from_bytes, from_lines)
    assert read_spl(path).columns is not None
    _same_as_lines(path)
