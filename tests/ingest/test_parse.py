"""Typing landed lines: literal lines in, typed columns and the first problem out."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from wealthgraph.ingest.parse import typed_sql
from wealthgraph.landing import Source

SOURCE = Source(
    "things",
    "things",
    True,
    ("thing_id",),
    {
        "thing_id": "VARCHAR",
        "at": "TIMESTAMP",
        "n": "INTEGER",
        "x": "DECIMAL(18,2)",
        "ok": "BOOLEAN",
    },
    ("thing_id", "at"),
)


def parse(*lines: bytes) -> list[tuple]:
    con = duckdb.connect()
    lines_frame = pl.DataFrame(  # noqa: F841 - read by DuckDB by name
        {
            "partition_date": [None] * len(lines),
            "file_name": ["f"] * len(lines),
            "line_no": list(range(1, len(lines) + 1)),
            "line": pl.Series(lines, dtype=pl.Binary),
        }
    )
    con.execute("create temp table lines as select * from lines_frame")
    return con.execute(f"select thing_id, n, x, ok, problem from ({typed_sql(SOURCE)})").fetchall()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": 3, "x": 1.5, "ok": true}', None),
        (b"\xff\xfe", "bad encoding: line is not UTF-8"),
        (b"{not json", "unparsable line: not a JSON object"),
        (b'"a string"', "unparsable line: not a JSON object"),
        (b'{"at": "2026-10-01T08:00:00"}', "missing field: thing_id"),
        (b'{"thing_id": null, "at": "2026-10-01T08:00:00"}', "missing field: thing_id"),
        (b'{"thing_id": 7, "at": "2026-10-01T08:00:00"}', "wrong type: thing_id = 7"),
        (
            b'{"thing_id": "a", "at": "soon"}',
            "bad format: at = soon (expected YYYY-MM-DDTHH:MM:SS)",
        ),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": "3"}', "wrong type: n = 3"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": 1.5}', "wrong type: n = 1.5"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "ok": "yes"}', "wrong type: ok = yes"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "x": 1e30}', "wrong type: x = 1e30"),
        # one parse per line (from_json) answers as json_type and ->> per field did
        (b"", "unparsable line: not a JSON object"),
        (b"[]", "unparsable line: not a JSON object"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00"} x', "unparsable line: not a JSON object"),
        (b' \t{"thing_id": "a", "at": "2026-10-01T08:00:00"} ', None),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00"}\n', None),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": 3.0}', "wrong type: n = 3.0"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": 1E2}', "wrong type: n = 100.0"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": [1]}', "wrong type: n = [1]"),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "ok": 1}', "wrong type: ok = 1"),
        (b'{"thing_id": {"a": 1}, "at": "2026-10-01T08:00:00"}', 'wrong type: thing_id = {"a":1}'),
        (b'{"\\u0074hing_id": "a", "at": "2026-10-01T08:00:00"}', None),  # escaped key
        # the contract, enforced: one key once, one text form per type, a column's scale
        (
            b'{"at": "2026-10-01T08:00:00", "thing_id": "a", "thing_id": 7}',
            "duplicate key in JSON object",
        ),
        (
            b'{"at": "2026-10-01T08:00:00", "thing_id": "a", "thing_id": "a"}',
            "duplicate key in JSON object",
        ),
        (b'{"thing_id": "", "at": "2026-10-01T08:00:00"}', "empty field: thing_id"),
        (b'{"thing_id": "  ", "at": "2026-10-01T08:00:00"}', "empty field: thing_id"),
        (
            b'{"thing_id": " a", "at": "2026-10-01T08:00:00"}',
            'bad format: thing_id = " a" (starts with a blank)',
        ),
        *(
            (
                b'{"thing_id": "a", "at": "' + at + b'"}',
                f"bad format: at = {at.decode()} (expected YYYY-MM-DDTHH:MM:SS)",
            )
            for at in (
                b"2026-10-01T23:30:00-05:00",
                b"2026-10-01T23:30:00Z",
                b"2026/10/01 23:30:00",
                b"2026-10-01",
                b"2026-10-01 23:30:00",
                b"2026-10-01T23:30:00.5",
                b"2026-02-30T00:00:00",
            )
        ),
        (
            b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "x": 100000000.004}',
            "too many decimals: x = 100000000.004 (at most 2)",
        ),
        (b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "x": 1.10}', None),
    ],
)
def test_first_problem_of_a_line(line: bytes, problem: str | None):
    [(_, _, _, _, found)] = parse(line)
    assert found == problem


def test_valid_line_is_typed():
    [row] = parse(b'{"thing_id": "a", "at": "2026-10-01T08:00:00", "n": 3, "x": 1.5, "ok": true}')
    assert row[:4] == ("a", 3, pytest.approx(1.5), True)


@pytest.mark.parametrize(
    ("line", "thing_id"),
    [
        (b'{"thing_id": "a\\"b\\u00e9", "at": "2026-10-01T08:00:00"}', 'a"b\u00e9'),
        (b'{"thing_id": "\xe6\xb5\xb7\xe5\x8f\xa3", "at": "2026-10-01T08:00:00"}', "\u6d77\u53e3"),
    ],
)
def test_string_values_are_unescaped(line: bytes, thing_id: str):
    [(found, *_)] = parse(line)
    assert found == thing_id
