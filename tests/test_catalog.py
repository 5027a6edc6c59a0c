"""Every table is described once, in sql/<schema>/<name>.yml, and the description is true to the
table the sample builds: its columns in order, its grain, its checks."""

from __future__ import annotations

import pytest

from wealthgraph import catalog
from wealthgraph.landing import SOURCES
from wealthgraph.warehouse import table_columns


def test_every_table_of_the_sample_is_described_column_by_column(con):
    built = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select distinct schema_name, table_name from duckdb_columns() "
            "where database_name = current_database() and not internal"
        ).fetchall()
    }
    assert sorted(built - set(catalog.tables())) == [], "tables with no sql/<schema>/<name>.yml"
    assert sorted(set(catalog.tables()) - built) == [], ".yml files for tables nothing builds"
    wrong = {
        table: (list(described.columns), table_columns(con, table))
        for table, described in catalog.tables().items()
        if list(described.columns) != table_columns(con, table)
    }
    assert wrong == {}, "described columns differ from the built ones (described, built)"


def test_every_description_is_one_filled_line():
    for table in catalog.tables().values():
        texts = {"description": table.description, **table.columns, **table.checks}
        empty = [what for what, text in texts.items() if not text]
        assert empty == [], f"{table.name}: nothing said about {empty}"
        assert all("\n" not in text for text in texts.values()), table.name
        assert set(table.grain) <= set(table.columns), f"{table.name}: grain is not its columns"


def test_the_grain_of_every_table_identifies_its_rows(con):
    shared = []
    for table in catalog.tables().values():
        if table.grain:
            key = ", ".join(f'"{c}"' for c in table.grain)
            rows, keys = con.execute(
                f"select count(*), count(distinct ({key})) from {table.name}"
            ).fetchone()
            if rows != keys:
                shared.append(f"{table.name}: {rows - keys} rows share a key")
    assert shared == []


def test_the_grain_of_a_landing_table_is_its_contract_key():
    for source in SOURCES.values():
        assert catalog.table(f"core.{source.name}").grain == source.key


def test_raw_and_staging_are_described_once_for_every_source():
    staging = catalog.table("staging.events")
    assert staging.column("amount") == catalog.table("core.events").column("amount")
    assert "customers" in catalog.table("raw.customers").description


def test_a_table_without_a_description_is_named_with_the_file_to_write():
    with pytest.raises(catalog.CatalogError, match=r"sql/marts/nothing\.yml"):
        catalog.table("marts.nothing")


def test_a_broken_description_file_names_itself(tmp_path, monkeypatch):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "broken.yml").write_text("description: x\ncolumns: {}\n")
    monkeypatch.setattr(catalog, "SQL", tmp_path)
    monkeypatch.setattr(catalog, "ROOT", tmp_path.parent)
    with pytest.raises(catalog.CatalogError, match=r"broken\.yml misses grain"):
        catalog._read(tmp_path / "marts" / "broken.yml")
