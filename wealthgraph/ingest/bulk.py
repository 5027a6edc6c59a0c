"""Type well-formed lines in bulk with Arrow's JSON reader, leaving every other line to SQL.

Arrow's reader is strict exactly where our rules are: it refuses a run of lines when one is
not a JSON object, has a duplicate key, or gives a field a value of another JSON kind than its
column (a number for a string, a string for a number, 1.5 or 3.0 for an integer,
an object or array for anything). It does not check that strings are UTF-8, so a run is first
checked for that (Arrow's SIMD validation, on the whole file once, per run only when the file
fails). So when it reads a run of lines that all start with ``{``
without error and returns one row per line, every line of the run is a JSON object whose
fields have the right kinds, and its values are the ones SQL would read. What is left to check
row by row (missing required fields, dates and timestamps that do not cast) is cheap, and SQL
does it (parse.bulk_typed_sql). A refused run is halved until the halves read, down to
MIN_LINES; the lines of a refused run of that size go to the exact SQL path (parse.typed_sql),
which names their problems. Clean files never take that path.

Reading a line with Arrow costs about a third of what typing it in SQL does, and it runs in
the reader thread, beside DuckDB writing the previous batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from wealthgraph.landing import Source

ENABLED = True  # False: every line takes the SQL path (tests compare the two)
BULK_LINES = 1 << 17  # lines per Arrow read
MIN_LINES = 256  # a refused run is halved down to this many lines
_BLOCK_BYTES = 4 << 20  # Arrow parses a read in blocks of this size, in parallel
_OPEN_BRACE = ord("{")
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
# the Arrow type that reads each column type exactly; dates and timestamps are read as strings
# and cast by SQL, with SQL's rules
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.string(),
    "TIMESTAMP": pa.string(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
}


def decimal_scale(kind: str) -> int | None:
    match = _DECIMAL.match(kind)
    return int(match.group(2)) if match else None


def bulk_schema(source: Source) -> pa.Schema | None:
    """The Arrow schema that reads ``source`` in bulk, or None when a column type has no exact
    bulk reading (DOUBLE: Arrow's and DuckDB's number parsing may differ in the last bit).

    DECIMAL(p, s) is read as a double and kept only when it is the double nearest to a number
    of at most ``s`` decimals (see ``_exact_decimals``), which the cast to DECIMAL gives back.
    """
    if not ENABLED:
        return None
    fields = []
    for name, kind in source.fields.items():
        if kind in _ARROW_TYPES:
            fields.append((name, _ARROW_TYPES[kind]))
        elif decimal_scale(kind) is not None:
            fields.append((name, pa.float64()))
        else:
            return None
    return pa.schema(fields)


def _exact_decimals(column: pa.ChunkedArray, scale: int) -> np.ndarray:
    """Per row: null, or a finite double below 10**(13 - scale) in magnitude that is the double
    nearest to k / 10**scale for an integer k.

    Then the landed number rounds to k / 10**scale too (it is within an ulp of it, far less
    than half a unit of the last decimal), so casting the double to DECIMAL(p, scale) gives
    what casting the landed text would.
    """
    values = column.to_numpy(zero_copy_only=False)  # nulls become NaN
    present = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    factor = 10.0**scale
    with np.errstate(invalid="ignore", over="ignore"):
        exact = (
            np.isfinite(values)
            & (np.abs(values) < 10.0 ** (13 - scale))
            & (np.round(values * factor) / factor == values)
        )
    return ~present | exact


@dataclass(frozen=True)
class BulkLines:
    """What the bulk reader made of one file: typed rows, and the lines left to SQL."""

    typed: pa.Table  # line_no, then the source's fields in Arrow types (see bulk_schema)
    rest: np.ndarray  # line numbers (1-based, int32) for the exact SQL path


def _read(data: memoryview, schema: pa.Schema) -> pa.Table | None:
    try:
        return pajson.read_json(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pajson.ReadOptions(use_threads=True, block_size=_BLOCK_BYTES),
            parse_options=pajson.ParseOptions(
                explicit_schema=schema,
                unexpected_field_behavior="ignore",
                newlines_in_values=False,
            ),
        )
    except (pa.ArrowException, ValueError):  # ValueError: the message itself is not UTF-8
        return None


def is_utf8(data: memoryview | bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow validates a binary -> string cast, without a copy)."""
    bounds = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 1, [None, bounds, pa.py_buffer(data)]
    )
    try:
        array.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def read_bulk(
    data: bytes, offsets: np.ndarray, schema: pa.Schema, decimals: dict[str, int]
) -> BulkLines:
    """Read lines ``offsets[i]:offsets[i+1]`` of ``data`` with Arrow, in runs of BULK_LINES.

    ``decimals`` names the float64 columns that stand for DECIMAL(p, scale), with their scale.
    """
    lines = len(offsets) - 1
    buffer = np.frombuffer(data, dtype=np.uint8)
    view = memoryview(data)
    starts_object = buffer[offsets[:-1]] == _OPEN_BRACE if lines else np.empty(0, dtype=bool)
    # a string that is not UTF-8 would reach DuckDB and fail the whole write
    utf8_file = is_utf8(view)
    typed: list[pa.Table] = []
    rest: list[np.ndarray] = []
    # runs of lines first..last-1 (0-based) still to read, the next one last
    runs = [(first, min(first + BULK_LINES, lines)) for first in range(0, lines, BULK_LINES)]
    runs.reverse()
    while runs:
        first, last = runs.pop()
        table = None
        run = view[offsets[first] : offsets[last]]
        if starts_object[first:last].all() and (utf8_file or is_utf8(run)):
            table = _read(run, schema)
        if table is not None and table.num_rows == last - first:
            line_no = pa.array(np.arange(first + 1, last + 1, dtype=np.int32))
            table = table.add_column(0, "line_no", line_no)
            keep = np.ones(last - first, dtype=bool)
            for name, scale in decimals.items():
                keep &= _exact_decimals(table[name], scale)
            if not keep.all():
                rest.append(np.flatnonzero(~keep).astype(np.int32) + first + 1)
                table = table.filter(pa.array(keep))
            typed.append(table)
        elif last - first <= MIN_LINES:
            rest.append(np.arange(first + 1, last + 1, dtype=np.int32))
        else:
            middle = (first + last) // 2
            runs += [(middle, last), (first, middle)]
    table = (
        pa.concat_tables(typed)
        if typed
        else pa.table(
            [pa.array([], pa.int32())] + [pa.array([], f.type) for f in schema],
            names=["line_no", *schema.names],
        )
    )
    return BulkLines(table, np.concatenate(rest) if rest else np.empty(0, dtype=np.int32))
