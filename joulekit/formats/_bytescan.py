"""Comma-separated files read as arrays straight from their bytes.

The common ``spl.txt`` (every line the same number of fields, every number a plain
decimal such as ``287.400000``) is mostly Python string objects when it is split with
``str.split``: one per field, 80,000 for a 2,048-line eight-channel file, and most of
the 10 ms that file took. Here the file stays one byte array: numpy finds the
separators, each field is a (start, end) pair of offsets, a label is compared as bytes
and a plain decimal becomes its value by integer arithmetic.

Exactness of :func:`decimals`: a field ``-?`` digits ``.`` digits, 1 to 15 digits in
all, is the integer m of its digits over 10**k (k the digits after the point). Both are
exact doubles (m < 10**15 < 2**53, 10**k with k <= 15), so the IEEE division m / 10**k
is the correctly rounded value of the decimal, which is what ``float`` (correctly rounded
as well) returns for the same text, ``-0.0`` included. m itself is a sum of products of
a digit and a power of ten, all integers below 2**53, so it is exact in any order of
addition (a matrix product here). Anything else (no point, an exponent, ``nan``, a
space, a plus sign, more digits, fields with different numbers of decimals) returns
None and the caller parses the text with ``float``.

numpy is imported by the first call (see :mod:`joulekit.formats._scan`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: digits a field may hold for :func:`decimals` (10**15 < 2**53: the integer is exact)
MAX_DIGITS = 15
_ZERO, _NINE, _DOT, _MINUS, _COMMA, _LF, _CR = 48, 57, 46, 45, 44, 10, 13


class FieldTable(NamedTuple):
    """A file of ``rows`` lines of ``width`` comma-separated fields each: ``codes`` its
    bytes, ``start``/``end`` (rows, width) offsets of each field (end exclusive, a CR
    before the LF not included)."""

    codes: npt.NDArray[np.uint8]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]

    @property
    def rows(self) -> int:
        return int(self.start.shape[0])

    @property
    def width(self) -> int:
        return int(self.start.shape[1])


def field_table(data: bytes) -> FieldTable | None:
    """The fields of ``data``, or None unless it is ASCII, ends in a line end, every CR
    sits right before an LF and every line has as many commas as the first."""
    import numpy as np  # see the module notes

    if not data.endswith(b"\n") or not data.isascii():
        return None
    codes = np.frombuffer(data, dtype=np.uint8)
    line_feed = codes == _LF
    rows = int(np.count_nonzero(line_feed))
    separators = np.flatnonzero(line_feed | (codes == _COMMA))
    width = int(np.searchsorted(separators, data.index(b"\n"))) + 1
    if len(separators) != rows * width:
        return None
    table = separators.reshape(rows, width)
    line_ends = table[:, -1]
    if not bool(line_feed[line_ends].all()):
        return None  # some line has more commas and another fewer
    start = np.empty_like(separators)
    start[0] = 0
    start[1:] = separators[:-1] + 1
    end = table.copy()
    if b"\r" in data:
        carriage_returns = np.flatnonzero(codes == _CR)
        # + 1 stays inside: the file ends in an LF, so no CR is its last byte
        if not bool(line_feed[carriage_returns + 1].all()):
            return None
        end[:, -1] -= codes[np.maximum(line_ends - 1, 0)] == _CR
    return FieldTable(codes, start.reshape(rows, width), end)


def columns_hold(
    table: FieldTable, labels: dict[int, bytes], prefixes: dict[int, bytes] | None = None
) -> bool:
    """Whether, in every row, field c is exactly ``labels[c]`` and field p begins with
    ``prefixes[p]`` (one gather and one comparison for all of them)."""
    import numpy as np  # see the module notes

    prefixes = prefixes or {}
    exact = np.array(list(labels), dtype=np.int64)
    sizes = np.array([len(label) for label in labels.values()], dtype=np.int64)
    lengths = table.end[:, exact] - table.start[:, exact]
    if not bool((lengths == sizes).all()):
        return False
    begun = np.array(list(prefixes), dtype=np.int64)
    if len(begun):
        least = np.array([len(prefix) for prefix in prefixes.values()], dtype=np.int64)
        if not bool((table.end[:, begun] - table.start[:, begun] >= least).all()):
            return False
    wanted = {**labels, **prefixes}
    columns = np.array(
        [column for column, text in wanted.items() for _ in text], dtype=np.int64
    )
    offsets = np.array([i for text in wanted.values() for i in range(len(text))], dtype=np.int64)
    expected = np.frombuffer(b"".join(wanted.values()), dtype=np.uint8)
    found = table.codes[table.start[:, columns] + offsets]
    return bool((found == expected).all())


def fixed_width(table: FieldTable, column: int, size: int) -> npt.NDArray[np.uint8] | None:
    """The (rows, size) bytes of field ``column``, or None unless each is ``size`` long."""
    import numpy as np  # see the module notes

    start, end = table.start[:, column], table.end[:, column]
    if not bool((end - start == size).all()):
        return None
    found: npt.NDArray[np.uint8] = table.codes[start[:, None] + np.arange(size)]
    return found


def decimals(
    codes: npt.NDArray[np.uint8], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64] | None:
    """``float`` of each field ``codes[start:end]`` (1-D offsets), or None unless every
    one is a plain decimal of at most :data:`MAX_DIGITS` digits, all with as many digits
    after the point (see the module notes).

    The fields are laid out right-aligned in a (fields, widest) byte matrix, so the
    point of every field falls in one column and each column's digits share a power of
    ten: the check is a few comparisons of that matrix, the value one matrix product.
    A block of :data:`BLOCK_FIELDS` fields at a time: the float matrix of a whole
    eight-channel file is megabytes of fresh pages, each a page fault (3 of the 4.7 ms
    such a file took), where blocks reuse the same memory.
    """
    import numpy as np  # see the module notes

    if not len(start):
        return np.empty(0, dtype=np.float64)
    first = codes[start[0] : end[0]].tobytes()
    point = first.find(b".")
    if point < 0:
        return None
    places = len(first) - point - 1
    widest = int((end - start).max())
    padded = np.concatenate((np.zeros(widest, dtype=np.uint8), codes))
    parts = []
    for at in range(0, len(start), BLOCK_FIELDS):
        part = _block(
            padded, widest, start[at : at + BLOCK_FIELDS], end[at : at + BLOCK_FIELDS], places
        )
        if part is None:
            return None
        parts.append(part)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


#: fields :func:`decimals` reads at a time (a float matrix of about 350 KB)
BLOCK_FIELDS = 4096


def _block(
    padded: npt.NDArray[np.uint8],
    pad: int,
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    places: int,
) -> npt.NDArray[np.float64] | None:
    """:func:`decimals` of some fields; ``padded`` is the codes after ``pad`` zeros (so
    a window of up to ``pad`` bytes before any field's end starts inside the array)."""
    import numpy as np  # see the module notes
    from numpy.lib.stride_tricks import sliding_window_view  # numpy: see the module notes

    length = end - start
    negative = padded[start + pad] == _MINUS
    digits = length - 1 - negative
    widest = int(length.max())
    if int((digits - places).min()) < 1 or int(digits.max()) > MAX_DIGITS:
        return None  # no digit before the point, or too many digits for an exact integer
    matrix = sliding_window_view(padded, widest)[end + (pad - widest)]  # the bytes before end
    point_column = widest - 1 - places
    if not bool((matrix[:, point_column] == _DOT).all()):
        return None
    values = matrix - np.uint8(_ZERO)  # a digit's value; anything else wraps past 9
    is_digit = values <= 9
    inside = np.arange(widest) >= (widest - length)[:, None]
    allowed = is_digit | ~inside
    allowed[:, point_column] = True
    signed = np.flatnonzero(negative)
    allowed[signed, (widest - length)[signed]] = True
    if not bool(allowed.all()):
        return None
    weights = np.zeros(widest)
    for column in range(widest):
        if column != point_column:
            power = widest - 1 - column - (column < point_column)
            weights[column] = float(10**power)
    mantissa = np.where(is_digit & inside, values, 0).astype(np.float64) @ weights
    result: npt.NDArray[np.float64] = mantissa / float(10**places)
    return np.where(negative, -result, result)
