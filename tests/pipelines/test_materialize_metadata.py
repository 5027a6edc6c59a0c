"""Every materialization says how many rows its table holds (Dagster's ``dagster/row_count``)
and its columns with the types it was built with (``dagster/column_schema``)."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from pipelines.features.assets import customers as feature_customers
from pipelines.graph.assets import node_metrics
from pipelines.ingest.assets import source_assets
from pipelines.marts.marketing import kpi_daily
from pipelines.metadata import COLUMN_SCHEMA, ROW_COUNT
from pipelines.partitions import landing_days
from pipelines.quality.assets import quarantine
from pipelines.resources import build_resources
from tests.conftest import SAMPLE
from wealthgraph import landing
from wealthgraph.settings import Settings


@pytest.fixture(scope="module")
def materialized(sample_warehouse, tmp_path_factory):
    """A copy of the sample warehouse with a reference source's ingest, an SQL table, an SQL
    table kept by as_of, a Python table and a view materialized again: table -> metadata."""
    settings = Settings(landing=SAMPLE, database=tmp_path_factory.mktemp("md") / "wh.duckdb")
    shutil.copy(sample_warehouse.database, settings.database)
    assets = [
        *source_assets(landing.SOURCES["branches"], landing_days),
        kpi_daily,
        feature_customers,
        node_metrics,
        quarantine,
    ]
    result = dg.materialize(assets, resources=build_resources(settings))
    assert result.success
    metadata = {
        ".".join(event.asset_key.path): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    with duckdb.connect(str(settings.database), read_only=True) as con:
        yield con, metadata


def test_the_materialized_assets_are_the_ones_asked_for(materialized):
    _, metadata = materialized
    assert sorted(metadata) == [
        "core.branches",
        "features.customers",
        "graph.node_metrics",
        "marts.kpi_daily",
        "quality.quarantine",
        "raw.branches",
        "staging.branches",
    ]


def test_every_materialization_counts_its_table_and_types_its_columns(materialized):
    con, metadata = materialized
    for table, entries in metadata.items():
        (count,) = con.execute(f"select count(*) from {table}").fetchone()
        assert entries[ROW_COUNT].value == count, table
        schema = entries[COLUMN_SCHEMA].schema
        columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
        assert sorted(c.name for c in schema.columns) == sorted(columns), table
        assert all(c.type for c in schema.columns), table
        assert "rows" not in entries, table


def test_a_table_kept_by_as_of_counts_the_slice_it_wrote_too(materialized):
    con, metadata = materialized
    entries = metadata["features.customers"]
    (slice_rows,) = con.execute(
        "select count(*) from features.customers where as_of = ?", [entries["as_of"].value]
    ).fetchone()
    assert entries["as_of_rows"].value == slice_rows > 0
