"""Reference files with more than one line for a key: the correction wins, the rest is superseded.

The rule is ``wealthgraph.landing.CORRECTION_ORDER``: customers by the latest
``risk_assessed_at``, then line order; every other reference source by line order (the later
line wins). Only the lines that pass every other rule compete, so rows in = accepted +
quarantined still holds with one accepted row per key.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from wealthgraph import landing
from wealthgraph.ingest import ingest_landing
from wealthgraph.warehouse import connect

Ingest = Callable[[], duckdb.DuckDBPyConnection]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def _write(path: Path, rows: list[dict | bytes]) -> dict[int, int]:
    """Write ``rows`` (bytes: a line as is) as the file; return each row's line number, by
    the row's ``id()``."""
    lines = (row if isinstance(row, bytes) else json.dumps(row).encode() for row in rows)
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))
    return {id(row): line_no for line_no, row in enumerate(rows, start=1)}


def _days_later(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _reassessed(row: dict, tolerance: str, days: int) -> dict:
    """``row`` assessed again as ``tolerance``, ``days`` after its assessment."""
    assessed = _days_later(row["risk_assessed_at"], days)
    return {**row, "risk_tolerance": tolerance, "risk_assessed_at": assessed}


def _quarantined(con: duckdb.DuckDBPyConnection, source: landing.Source) -> dict[int, str]:
    return dict(
        con.execute(
            f"select line_no, reject_reason from staging.{source.name} "
            "where reject_reason is not null"
        ).fetchall()
    )


@pytest.fixture
def reference(
    one_day_landing: tuple[Path, dt.date], tmp_path: Path
) -> Iterator[tuple[Path, Ingest]]:
    """The sample's reference files, and a function that ingests them all into a fresh file.

    The function checks what must hold whatever the file holds: rows in = accepted +
    quarantined per file, and one row per key in core.
    """
    root, _ = one_day_landing
    opened: list[duckdb.DuckDBPyConnection] = []

    def ingest() -> duckdb.DuckDBPyConnection:
        con = connect(tmp_path / "wh.duckdb")
        opened.append(con)
        counts = ingest_landing(con, root, [])  # no days: the reference files only
        assert len(counts) == len(landing.REFERENCE_SOURCES)
        assert all(c.balanced for c in counts), counts
        for source in landing.REFERENCE_SOURCES:
            key = ", ".join(source.key)
            repeated = con.execute(
                f"select count(*) from (select {key} from core.{source.name} "
                "group by all having count(*) > 1)"
            ).fetchone()[0]
            assert repeated == 0, f"core.{source.name}: a key accepted more than once"
        return con

    yield root, ingest
    for con in opened:
        con.close()


def _risk(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str | None]]:
    """customer_id -> (risk_tolerance, risk_assessed_at) in core."""
    rows = con.execute(
        "select customer_id, risk_tolerance, risk_assessed_at::varchar from core.customers"
    ).fetchall()
    return {cid: (tolerance, assessed) for cid, tolerance, assessed in rows}


def test_the_latest_risk_assessment_wins_wherever_it_is_in_the_file(reference) -> None:
    root, ingest = reference
    path = landing.source_path(root, landing.CUSTOMERS)
    rows = _rows(path)
    first, second, third, fourth = [r for r in rows if r["risk_tolerance"] in ("C3", "C4")][:4]
    # a re-assessment put at the top of the file
    on_top = _reassessed(first, "C1", 1)
    # the usual correction: appended, later assessment
    appended = _reassessed(second, "C1", 1)
    # a stale re-send appended: an older assessment does not win by coming later
    stale = _reassessed(third, "C5", -30)
    # a line without an assessment loses to one with, even when it comes later
    unassessed = {**fourth, "risk_tolerance": None, "risk_assessed_at": None}
    line = _write(path, [on_top, *rows, appended, stale, unassessed])

    con = ingest()

    risk = _risk(con)
    for winner in (on_top, appended, third, fourth):
        assert risk[winner["customer_id"]] == (winner["risk_tolerance"], winner["risk_assessed_at"])
    assert _quarantined(con, landing.CUSTOMERS) == {
        line[id(first)]: f"superseded: {first['customer_id']} by line 1",
        line[id(second)]: f"superseded: {second['customer_id']} by line {line[id(appended)]}",
        line[id(stale)]: f"superseded: {third['customer_id']} by line {line[id(third)]}",
        line[id(unassessed)]: f"superseded: {fourth['customer_id']} by line {line[id(fourth)]}",
    }


def test_with_the_same_assessment_date_the_later_line_wins(reference) -> None:
    root, ingest = reference
    path = landing.source_path(root, landing.CUSTOMERS)
    rows = _rows(path)
    original = next(r for r in rows if r["risk_tolerance"] == "C5")
    same_day = {**original, "risk_tolerance": "C2", "industry": "retail"}
    again = {**same_day, "risk_tolerance": "C1"}  # corrected twice on the same day
    line = _write(path, [*rows, same_day, again])

    con = ingest()

    cid = original["customer_id"]
    assert _risk(con)[cid] == ("C1", original["risk_assessed_at"])
    assert _quarantined(con, landing.CUSTOMERS) == {
        line[id(original)]: f"superseded: {cid} by line {line[id(again)]}",
        line[id(same_day)]: f"superseded: {cid} by line {line[id(again)]}",
    }


def test_an_invalid_correction_does_not_hide_the_valid_lines(reference) -> None:
    root, ingest = reference
    path = landing.source_path(root, landing.CUSTOMERS)
    rows = _rows(path)
    alone, corrected = [r for r in rows if r["risk_tolerance"] == "C5"][:2]
    assessed = alone["risk_assessed_at"]
    # the only correction of `alone` is invalid: the original line stays, not superseded
    invalid = {**_reassessed(alone, "C1", 5), "branch_id": "B999"}
    # `corrected` has a valid correction and a later invalid one: the valid correction wins
    valid = _reassessed(corrected, "C2", 1)
    unknown = _reassessed(valid, "C9", 1)
    # a blank line among repeated keys (once failed the ingest in DuckDB's scan of Arrow tables)
    blank = b""
    line = _write(path, [*rows, invalid, valid, blank, unknown])

    con = ingest()

    risk = _risk(con)
    assert risk[alone["customer_id"]] == ("C5", assessed)
    assert risk[corrected["customer_id"]] == ("C2", valid["risk_assessed_at"])
    quarantined = _quarantined(con, landing.CUSTOMERS)
    assert quarantined.pop(line[id(blank)], "").startswith("unparsable line")
    assert quarantined == {
        line[id(invalid)]: "unknown branch_id: B999",
        line[id(corrected)]: f"superseded: {corrected['customer_id']} by line {line[id(valid)]}",
        line[id(unknown)]: "unknown risk_tolerance: C9",
    }


# per reference source: a field a correction changes and its new value (valid by every rule)
CHANGES: dict[str, tuple[str, object]] = {
    "branches": ("name", "corrected branch"),
    "managers": ("capacity", 7),
    "customers": ("industry", "corrected industry"),  # same risk_assessed_at: line order decides
    "products": ("expected_yield_pct", 9.75),
    "articles": ("title", "corrected title"),
    "groups": ("name", "corrected group"),
    "group_members": ("joined_at", "2020-01-02"),
    "friendships": ("since", "2020-01-02"),
}


@pytest.mark.parametrize("source", landing.REFERENCE_SOURCES, ids=lambda s: s.name)
def test_every_reference_source_takes_the_later_line(reference, source: landing.Source) -> None:
    assert set(CHANGES) == set(landing.CORRECTION_ORDER)  # a new reference source needs a case
    root, ingest = reference
    path = landing.source_path(root, source)
    rows = _rows(path)
    field, value = CHANGES[source.name]
    original = rows[len(rows) // 2]
    correction = {**original, field: value}
    where = " and ".join(f"{k} = ?" for k in source.key)
    params = [original[k] for k in source.key]
    if source is landing.FRIENDSHIPS:
        # the pair is undirected: the correction may name it the other way round
        correction |= {"customer_id": original["friend_id"], "friend_id": original["customer_id"]}
        where = "least(customer_id, friend_id) = ? and greatest(customer_id, friend_id) = ?"
        params = sorted(params)
    line = _write(path, [*rows, correction])

    con = ingest()

    accepted = con.execute(
        f"select {field}::varchar from core.{source.name} where {where}", params
    ).fetchall()
    assert accepted == [(str(value),)]
    key_text = "/".join(original[k] for k in source.key)
    assert _quarantined(con, source) == {
        line[id(original)]: f"superseded: {key_text} by line {line[id(correction)]}"
    }
