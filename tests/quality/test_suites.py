"""The Great Expectations suites pass on clean ingested data and fail on each kind of damage."""

from __future__ import annotations

import pytest

from wealthgraph import landing
from wealthgraph.ingest import ingest_landing
from wealthgraph.quality.suites import check_core, check_raw, check_staging
from wealthgraph.warehouse import connect


@pytest.fixture
def warehouse(one_day_landing, tmp_path):
    root, day = one_day_landing
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
