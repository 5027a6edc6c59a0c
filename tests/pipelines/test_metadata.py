"""The Dagster UI says what sql/<schema>/<name>.yml says: descriptions, columns and checks."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.lineage import key_table
from pipelines.metadata import COLUMN_SCHEMA
from wealthgraph import catalog
from wealthgraph.settings import Settings

# assets that are not a table: publishing, and building a customer shard (its own file)
NOT_TABLES = {"serving.published", "shards.customer_tables"}
# tables that are not an asset: every landing source's ingest op writes its files' line counts
# there, in the transaction of its raw, staging and core rows (wealthgraph.ingest.layers), and
# each reference source's ingest its key (wealthgraph.ingest.unchanged)
NOT_ASSETS = {"raw.landed_files", "raw.reference_keys"}


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    root = tmp_path_factory.mktemp("defs")
    defs = build_definitions(Settings(landing=root, database=root / "wh.duckdb"))
    return defs.resolve_asset_graph()


def test_every_asset_is_a_described_table(graph):
    tables = {key_table(key) for key in graph.get_all_asset_keys()} - NOT_TABLES
    assert sorted(tables - set(catalog.tables())) == []
    assert sorted(set(catalog.tables()) - tables - NOT_ASSETS) == []


def test_assets_take_description_and_columns_from_the_yml(graph):
    for key in graph.get_all_asset_keys():
        table = key_table(key)
        if table in NOT_TABLES:
            continue
        node = graph.get(key)
        described = catalog.table(table)
        assert node.description == described.description, table
        schema = node.metadata[COLUMN_SCHEMA]
        assert [(c.name, c.description) for c in schema.columns] == list(
            described.columns.items()
        ), table


def test_checks_are_the_ones_the_yml_lists(graph):
    found: dict[str, dict[str, str]] = {}
    for check in graph.asset_check_keys:
        spec = graph.get_check_spec(check)
        found.setdefault(key_table(check.asset_key), {})[check.name] = spec.description
    listed = {name: t.checks for name, t in catalog.tables().items() if t.checks}
    assert found == listed


def test_a_built_table_reports_its_column_types():
    from pipelines.metadata import column_schema

    schema = column_schema("marts.kpi_daily", {"day": "DATE"})
    assert isinstance(schema, dg.TableSchema)
    assert schema.columns[0].name == "day" and schema.columns[0].type == "DATE"
