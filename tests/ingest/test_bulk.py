"""The bulk reader (Arrow) and the exact SQL path give the same tables, line for line."""

from __future__ import annotations

import gzip
import json

import duckdb
import numpy as np
import pytest

from tests.ingest.test_quarantine import corruptions
from wealthgraph import landing
from wealthgraph.ingest import bulk, ingest_landing
from wealthgraph.ingest.lines import line_offsets
from wealthgraph.warehouse import connect

TABLES = [
    *(f"{layer}.{s}" for layer in ("raw", "staging", "core") for s in landing.SOURCES),
    "raw.landed_files",
]


def _lines(path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).split(b"\n")[:-1]


def _write(path, lines: list[bytes]) -> None:
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))


def _insert_middle(path, bad: list[bytes]) -> list[int]:
    """Put ``bad`` lines among the file's lines, spread out; return their line numbers."""
    lines = _lines(path)
    numbers = []
    step = max(1, len(lines) // (len(bad) + 1))
    for i, line in enumerate(bad):
        at = min(len(lines), step * (i + 1) + i)
        lines.insert(at, line)
        numbers.append(at + 1)
    _write(path, lines)
    return numbers


def _tables(database) -> dict[str, list]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def damaged_landing(one_day_landing):
    """One day of the sample with bad lines in the middle of its daily files.

    Returns the landing folder, the day, and per planted events line its line number and the
    start of its reject reason (None: it is accepted).
    """
    root, day = one_day_landing
    events = landing.source_path(root, landing.EVENTS, day)
    valid = json.loads(_lines(events)[0])
    planted = corruptions(valid, day.isoformat())
    planted += [
        (b"", "unparsable line"),
        (b"   ", "unparsable line"),
        (b'  {"event_id": "X20"}', "missing field: ts"),  # leading space: SQL reads it
        (b'{"event_id": "X21", "event_id": "X22"}', "duplicate key in JSON object"),
        (b'{"event_id": "X23"} {"event_id": "X24"}', "unparsable line"),  # two objects
        (b'{"event_id": "X28", "amount": NaN}', "unparsable line: not strict JSON"),
        (json.dumps({**valid, "event_id": "X26", "rating": 3.0}).encode(), "wrong type: rating"),
        # the contract, not DuckDB's leniency: no rounding 1.005 to 1.01, no space for the T
        (
            json.dumps({**valid, "event_id": "X25", "amount": 1.005}).encode(),
            "too many decimals: amount",
        ),
        (
            json.dumps({**valid, "event_id": "X27", "ts": f"{day} 08:00:00"}).encode(),
            "bad format: ts",
        ),
        (json.dumps({**valid, "event_id": "X29", "device": "nokia"}).encode(), "unknown device"),
        (json.dumps({**valid, "event_id": "X30", "channel": "fax"}).encode(), "unknown channel"),
        (json.dumps({**valid, "event_id": "", "ts": f"{day}T08:00:00"}).encode(), "empty field"),
        (
            json.dumps({**valid, "event_id": "X31", "city": "上海"}, ensure_ascii=False).encode(
                "gbk"
            ),
            "bad encoding",
        ),
    ]
    numbers = _insert_middle(events, [line for line, _ in planted])
    snapshots = landing.source_path(root, landing.SNAPSHOTS, day)
    snap = json.loads(_lines(snapshots)[0])
    _insert_middle(
        snapshots,
        [
            json.dumps({**snap, "account_id": "BAD1", "balance": -100}).encode(),
            json.dumps({**snap, "account_id": "BAD2", "balance": "100.00"}).encode(),
            json.dumps({**snap, "account_id": "BAD3", "balance": 12.345}).encode(),
            json.dumps({**snap, "account_id": "BAD4", "opened_at": "yesterday"}).encode(),
            json.dumps({**snap, "account_id": "BAD5", "as_of": None}).encode(),
        ],
    )
    return root, day, dict(zip(numbers, (reason for _, reason in planted), strict=True))


def test_bulk_and_sql_paths_give_the_same_tables(damaged_landing, tmp_path, monkeypatch):
    root, day, _ = damaged_landing
    # small runs, so that bad lines make the bulk reader halve runs and fall back
    monkeypatch.setattr(bulk, "BULK_LINES", 256)
    monkeypatch.setattr(bulk, "MIN_LINES", 8)
    tables = {}
    for enabled in (True, False):
        monkeypatch.setattr(bulk, "ENABLED", enabled)
        database = tmp_path / f"bulk_{enabled}.duckdb"
        con = connect(database)
        counts = ingest_landing(con, root, [day])
        con.close()
        assert all(c.balanced for c in counts)
        tables[enabled] = _tables(database)
    for table in TABLES:
        assert tables[True][table] == tables[False][table], table


def test_bad_lines_in_the_middle_keep_their_line_numbers(damaged_landing, tmp_path, monkeypatch):
    root, day, planted = damaged_landing
    monkeypatch.setattr(bulk, "BULK_LINES", 256)
    monkeypatch.setattr(bulk, "MIN_LINES", 8)
    con = connect(tmp_path / "wh.duckdb")
    counts = ingest_landing(con, root, [day])
    lines = _lines(landing.source_path(root, landing.EVENTS, day))
    rejected = {
        line_no: (text, reason)
        for line_no, text, reason in con.execute(
            "select line_no, line_text, reject_reason from staging.events"
        ).fetchall()
    }
    raw = dict(con.execute("select line_no, line from raw.events").fetchall())
    leaked = con.execute("select count(*) from core.events where event_id like 'X%'").fetchone()
    con.close()

    expected = {n: reason for n, reason in planted.items() if reason is not None}
    assert sorted(rejected) == sorted(expected), [
        (n, lines[n - 1][:150]) for n in set(expected) ^ set(rejected)
    ]
    for line_no, reason in expected.items():
        text, found = rejected[line_no]
        assert found.startswith(reason), (line_no, found)
        assert raw[line_no] == lines[line_no - 1]  # the landed bytes, newline stripped
        if reason != "bad encoding":
            assert text.encode() == lines[line_no - 1]
    assert leaked == (0,)
    assert sorted(raw) == sorted(expected)  # a raw row per rejected line only
    [events] = [c for c in counts if c.file_name.startswith("events/")]
    assert (events.rows_in, events.rows_quarantined) == (len(lines), len(expected))


def test_read_bulk_leaves_lines_it_cannot_read_exactly_to_sql():
    schema = bulk.bulk_schema(landing.TRANSACTIONS)
    good = {
        "txn_id": "T1",
        "ts": "2026-10-02T00:00:00",
        "customer_id": "C1",
        "account_id": "A1",
        "direction": "credit",
        "amount": 12.5,
        "category": "salary",
        "balance_after": 100,
    }
    lines = [json.dumps({**good, "txn_id": f"T{i}"}).encode() for i in range(40)]
    lines[3] = json.dumps({**good, "amount": 1.005}).encode()  # more decimals than the column
    lines[7] = b""
    lines[20] = json.dumps({**good, "amount": "12.50"}).encode()  # a string for a number
    lines[33] = json.dumps({**good, "balance_after": 1e300}).encode()
    data = b"".join(line + b"\n" for line in lines)
    read = bulk.read_bulk(data, line_offsets(data), schema, {"amount": 2, "balance_after": 2})
    typed_lines = read.typed["line_no"].to_pylist()
    assert sorted(typed_lines + read.rest.tolist()) == list(range(1, 41))
    assert {4, 8, 21, 34} <= set(read.rest.tolist())
    ids = read.typed["txn_id"].to_pylist()
    assert all(ids[i] == f"T{n - 1}" for i, n in enumerate(typed_lines))  # rows stay aligned


def test_exact_decimals_accepts_only_what_the_cast_gives_back():
    import pyarrow as pa

    values = pa.chunked_array([[1.5, 9588.58, 1.005, 0.125, None, float("nan"), 1e12, -0.01]])
    assert bulk._exact_decimals(values, 2).tolist() == [
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        True,
    ]
    assert np.all(bulk._exact_decimals(pa.chunked_array([[3.0, 100.0]]), 0))
