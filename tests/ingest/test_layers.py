"""Raw and staging keep rows for rejected lines only; raw.landed_files keeps each file's line
count, so rows in = accepted (core) + quarantined (staging) still holds file by file."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import cut_landing, sample_days
from tests.ingest.test_quarantine import corruptions
from wealthgraph import landing
from wealthgraph.ingest import file_counts, ingest_landing, ingest_source, layers
from wealthgraph.warehouse import connect

TABLES = [
    *(f"{layer}.{s}" for layer in ("raw", "staging", "core") for s in landing.SOURCES),
    "raw.landed_files",
]


def _lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).split(b"\n")[:-1]


def _append(path: Path, lines: list[bytes]) -> None:
    data = gzip.decompress(path.read_bytes()) + b"".join(line + b"\n" for line in lines)
    path.write_bytes(gzip.compress(data))


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in TABLES}


@pytest.fixture
def dirty(one_day_landing, tmp_path) -> tuple[Path, dt.date, int, duckdb.DuckDBPyConnection]:
    """The one-day sample with every kind of bad events line appended, ingested.

    Returns the landing folder, the day, how many events lines were appended (all rejected)
    and the open warehouse.
    """
    root, day = one_day_landing
    events = landing.source_path(root, landing.EVENTS, day)
    bad = [line for line, _ in corruptions(json.loads(_lines(events)[0]), day.isoformat())]
    _append(events, bad)
    con = connect(tmp_path / "wh.duckdb")
    ingest_landing(con, root, [day])
    yield root, day, len(bad), con
    con.close()


def test_accepted_lines_leave_no_raw_or_staging_rows(dirty):
    root, day, bad, con = dirty
    events = _lines(landing.source_path(root, landing.EVENTS, day))
    rejected = list(range(len(events) - bad + 1, len(events) + 1))
    raw = con.execute("select line_no, line from raw.events order by line_no").fetchall()
    assert [n for n, _ in raw] == rejected
    assert all(line == events[n - 1] for n, line in raw)
    staged = con.execute(
        "select line_no, reject_reason from staging.events order by line_no"
    ).fetchall()
    assert [n for n, _ in staged] == rejected
    assert all(reason for _, reason in staged)
    # the clean sources keep nothing line by line
    for source in landing.SOURCES:
        if source != "events":
            for layer in ("raw", "staging"):
                rows = con.execute(f"select count(*) from {layer}.{source}").fetchone()[0]
                assert rows == 0, f"{layer}.{source}"


def test_every_landed_file_has_its_line_count(dirty):
    root, day, _, con = dirty
    counted = {
        file_name: (source, partition_date, rows_in)
        for source, partition_date, file_name, rows_in in con.execute(
            "select source, partition_date, file_name, rows_in from raw.landed_files"
        ).fetchall()
    }
    expected = {}
    for source in landing.SOURCES.values():
        path = landing.source_path(root, source, day if source.daily else None)
        expected[str(path.relative_to(root))] = (
            source.name,
            day if source.daily else None,
            len(_lines(path)),
        )
    assert counted == expected


def test_a_dirty_file_balances_from_its_line_count(dirty):
    root, day, bad, con = dirty
    lines = len(_lines(landing.source_path(root, landing.EVENTS, day)))
    [events] = file_counts(con, landing.EVENTS, [day])
    assert events == layers.FileCounts(
        f"events/{day.isoformat()}.jsonl.gz", lines, lines - bad, bad
    )
    assert events.balanced
    accepted = con.execute("select count(*) from core.events").fetchone()[0]
    assert accepted == lines - bad


def test_running_a_batch_again_leaves_identical_tables(dirty):
    root, day, _, con = dirty
    before = _tables(con)
    counts = ingest_landing(con, root, [day])
    assert _tables(con) == before
    assert all(c.balanced for c in counts)


def test_a_batch_whose_file_vanished_leaves_no_rows_and_no_count(dirty):
    root, day, _, con = dirty
    landing.source_path(root, landing.EVENTS, day).unlink()
    assert ingest_source(con, landing.EVENTS, root, [day]) == []
    for table in ("raw.events", "staging.events", "core.events"):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    files = con.execute("select source from raw.landed_files order by all").fetchall()
    assert ("events",) not in files
    assert ("snapshots",) in files


def test_a_failed_write_keeps_the_previous_rows_and_counts(dirty, monkeypatch):
    root, day, _, con = dirty
    before = _tables(con)
    _append(landing.source_path(root, landing.EVENTS, day), [b"one more bad line"])

    def broken(source: landing.Source) -> dict[str, str]:
        return {"no_such_column": "INTEGER"}

    monkeypatch.setattr(layers, "core_columns", broken)
    with pytest.raises(duckdb.Error):
        ingest_source(con, landing.EVENTS, root, [day])
    assert _tables(con) == before


def test_a_warehouse_with_a_row_per_line_is_migrated(dirty, tmp_path):
    """A warehouse written before raw.landed_files (a raw and a staging row for every line)
    gets its line counts from raw and keeps only the rejected lines in raw and staging."""
    _, _, _, con = dirty
    expected = _tables(con)
    for source in landing.SOURCES:
        # the former layout: accepted lines in raw without bytes, in staging without a reason
        lines = f"""
            select f.partition_date, f.file_name, n::integer as line_no
            from raw.landed_files f, range(1, f.rows_in + 1) t(n)
            where f.source = '{source}'
            and n not in (select line_no from raw.{source} r where r.file_name = f.file_name)
        """
        con.execute(f"insert into raw.{source} by name {lines}")
        con.execute(f"insert into staging.{source} by name {lines}")
    con.execute("drop table raw.landed_files")
    con.close()

    migrated = connect(con_path := tmp_path / "wh.duckdb")
    try:
        assert _tables(migrated) == expected
    finally:
        migrated.close()
    # the next connection finds nothing to migrate
    again = connect(con_path)
    try:
        assert _tables(again) == expected
    finally:
        again.close()


def test_a_batch_of_several_files_names_each_rejected_line_by_its_own_file(tmp_path):
    """Lines of every file of one batch keep their file, day and line number, whether Arrow
    (bulk) or SQL typed them: rows are told apart by file within the batch."""
    days = sample_days()[:2]
    root = cut_landing(tmp_path / "landing", days)
    planted = {}
    for number, day in enumerate(days):
        path = landing.source_path(root, landing.EVENTS, day)
        valid = json.loads(_lines(path)[0])
        bad = [
            # read by Arrow, rejected by the rules (bulk path)
            json.dumps({**valid, "event_id": f"B{number}", "device": "nokia"}).encode(),
            # not JSON: typed by SQL (rest path)
            f'{{"event_id": "S{number}", '.encode(),
        ]
        _append(path, bad)
        lines = len(_lines(path))
        name = str(path.relative_to(root))
        planted[(day, name, lines - 1)] = "unknown device"
        planted[(day, name, lines)] = "unparsable line"
    con = connect(tmp_path / "wh.duckdb")
    try:
        for source in landing.REFERENCE_SOURCES:
            ingest_source(con, source, root)
        assert list(layers.batches(root, landing.EVENTS, days)) == [days]  # one batch
        counts = ingest_source(con, landing.EVENTS, root, days)
        assert [c.rows_quarantined for c in counts] == [2, 2]
        assert all(c.balanced for c in counts)
        staged = con.execute(
            "select partition_date, file_name, line_no, reject_reason from staging.events"
        ).fetchall()
        assert {row[:3]: row[3].split(":")[0] for row in staged} == planted
        raw = con.execute("select partition_date, file_name, line_no from raw.events").fetchall()
        assert sorted(raw) == sorted(planted)
        accepted = con.execute(
            "select partition_date, count(*) from core.events group by all order by all"
        ).fetchall()
        assert accepted == [(c_day, c.rows_accepted) for c_day, c in zip(days, counts, strict=True)]
    finally:
        con.close()
