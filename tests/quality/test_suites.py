"""The Great Expectations suites pass on clean ingested data and fail on each kind of damage."""

from __future__ import annotations

import gzip

import pytest

from wealthgraph import landing
from wealthgraph.ingest import ingest_landing
from wealthgraph.quality.suites import check_core, check_raw, check_staging
from wealthgraph.warehouse import connect


@pytest.fixture
def warehouse(one_day_landing, tmp_path):
    root, day = one_day_landing
    # raw and staging keep rejected lines only: two, for the damage below to act on
    events = landing.source_path(root, landing.EVENTS, day)
    events.write_bytes(gzip.compress(gzip.decompress(events.read_bytes()) + b"[1]\n{\n"))
    con = connect(tmp_path / "suites.duckdb")
    counts = ingest_landing(con, root, [day])
    assert counts and all(c.balanced for c in counts)
    yield con, day
    con.close()


def test_every_suite_passes_on_the_sample(warehouse):
    con, day = warehouse
    for source in landing.SOURCES.values():
        days = [day] if source.daily else []
        for check in (check_raw, check_staging, check_core):
            outcome = check(con, source, days)
            assert outcome.passed, (source.name, check.__name__, outcome.failures)
            assert outcome.evaluated >= 2


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("insert into core.events select * from core.events limit 1", "unique(event_id)"),
        ("update core.events set event_type = 'teleport' where rowid = 0", "in_set(event_type)"),
        ("update core.events set user_id = 'C9999999' where rowid = 0", "in_set(user_known)"),
        ("update core.events set ts = ts - interval 3 day where rowid = 0", "in_set(in_partition)"),
        ("update core.events set event_id = null where rowid = 0", "not_be_null(event_id)"),
        ("update core.events set amount = -5 where amount is not null", "between(amount)"),
    ],
)
def test_core_events_suite_catches_damage(warehouse, damage, expected):
    con, day = warehouse
    con.execute(damage)
    outcome = check_core(con, landing.EVENTS, [day])
    assert not outcome.passed
    assert any(
        f.startswith(f"expect_column_values_to_{expected}")
        or f.startswith(f"expect_column_values_to_be_{expected}")
        for f in outcome.failures
    ), outcome.failures


def test_staging_suite_catches_a_lost_line(warehouse):
    con, day = warehouse
    con.execute("delete from staging.events where rowid = 0")
    assert not check_staging(con, landing.EVENTS, [day]).passed


def test_snapshot_suite_catches_a_negative_balance(warehouse):
    con, day = warehouse
    con.execute("update core.snapshots set balance = -1 where rowid = 0")
    outcome = check_core(con, landing.SNAPSHOTS, [day])
    assert not outcome.passed
    assert any("balance" in f for f in outcome.failures)


def test_raw_suite_catches_a_repeated_line(warehouse):
    con, day = warehouse
    con.execute("insert into raw.events select * from raw.events limit 1")
    outcome = check_raw(con, landing.EVENTS, [day])
    assert not outcome.passed
    assert any("compound_columns_to_be_unique" in f for f in outcome.failures), outcome.failures


def test_compound_key_suite_catches_a_repeated_membership(warehouse):
    con, _ = warehouse
    con.execute("insert into core.group_members select * from core.group_members limit 1")
    outcome = check_core(con, landing.SOURCES["group_members"], [])
    assert not outcome.passed
    assert any("compound_columns_to_be_unique" in f for f in outcome.failures), outcome.failures


def test_every_expectation_reports_its_result_in_the_suites_order(warehouse):
    con, day = warehouse
    con.execute("update core.events set event_type = 'teleport' where rowid = 0")
    outcome = check_core(con, landing.EVENTS, [day])
    assert len(outcome.results) == outcome.evaluated
    # the key's expectations first, then the values' in _CORE_COLUMNS' order
    assert [(r.expectation, r.column) for r in outcome.results[:3]] == [
        ("expect_column_values_to_not_be_null", "event_id"),
        ("expect_column_values_to_be_unique", "event_id"),
        ("expect_column_values_to_be_in_set", "event_type"),
    ]
    [failed] = outcome.failed
    assert failed.column == "event_type" and not failed.success
    assert failed.unexpected == 1 and "teleport" in failed.examples
    assert "value_set=" in failed.kwargs
    assert all(r.success for r in outcome.results if r is not failed)


def test_the_check_lists_every_expectation_and_describes_the_failing_one(warehouse):
    from pipelines.ingest.assets import expectations_check

    con, day = warehouse
    con.execute("update core.events set amount = -5 where amount is not null")
    result = expectations_check("core", con, landing.EVENTS, [[day]], blocking=True)
    assert not result.passed
    assert result.check_name == "core_expectations"
    outcome = check_core(con, landing.EVENTS, [day])
    assert result.metadata["expectations_evaluated"].value == outcome.evaluated
    assert result.metadata["expectations_failed"].value == 1
    table = result.metadata["expectations"].value.splitlines()
    rows = [line for line in table if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == outcome.evaluated
    [failing] = [row for row in rows if "**failed**" in row]
    assert failing.startswith("| column_values_to_be_between | amount | ")
    assert "1 of" in result.description
    assert "expect_column_values_to_be_between(amount)" in result.description
    assert "event_type" not in result.description


def test_a_clean_check_says_every_expectation_held(warehouse):
    from pipelines.ingest.assets import expectations_check

    con, _ = warehouse
    result = expectations_check("core", con, landing.SOURCES["customers"], [None], blocking=True)
    assert result.passed
    assert (
        result.description
        == f"all {result.metadata['expectations_evaluated'].value} expectations held"
    )
    assert "**failed**" not in result.metadata["expectations"].value
