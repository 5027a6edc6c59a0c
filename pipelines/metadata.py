"""What the Dagster UI says about a table: its description, columns and checks, all read from
``sql/<schema>/<name>.yml`` (wealthgraph.catalog), and a preview of its rows."""

from __future__ import annotations

import dagster as dg
import duckdb
import polars as pl

from pipelines.lineage import key_table
from wealthgraph import catalog

COLUMN_SCHEMA = "dagster/column_schema"
ROW_COUNT = "dagster/row_count"


def preview_metadata(frame: pl.DataFrame) -> dg.MetadataValue:
    """A few rows as a Markdown table for the Dagster UI (callers drop personal data first)."""
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * frame.width + "\n"
    rows = "\n".join("| " + " | ".join(map(str, row)) + " |" for row in frame.iter_rows())
    return dg.MetadataValue.md(header + rows)


def column_schema(table: str, types: dict[str, str] | None = None) -> dg.TableSchema:
    """The table's columns with their descriptions (and DuckDB types once it is built)."""
    types = types or {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(column, types.get(column, ""), text)
            for column, text in catalog.table(table).columns.items()
        ]
    )


def built_schema(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dg.TableSchema]:
    """Materialization metadata: the column schema with the types the table was built with."""
    schema, name = table.split(".")
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    )
    return {COLUMN_SCHEMA: column_schema(table, types)}


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, rows: int | None = None
) -> dict[str, dg.MetadataValue | dg.TableSchema]:
    """Materialization metadata of a built table (or view): its row count as Dagster's standard
    ``dagster/row_count`` (``rows`` when the caller has just counted the whole table, else
    counted here) and its column schema with the types it was built with."""
    if rows is None:
        (rows,) = con.execute(f"select count(*) from {table}").fetchone()
    return {ROW_COUNT: dg.MetadataValue.int(int(rows)), **built_schema(con, table)}


def describe(spec: dg.AssetSpec) -> dg.AssetSpec:
    """``spec`` with the description and column schema of its table's .yml; assets that are not
    a table (serving.published) keep their own."""
    table = key_table(spec.key)
    if table not in catalog.tables():
        return spec
    return spec.replace_attributes(description=catalog.table(table).description).merge_attributes(
        metadata={COLUMN_SCHEMA: column_schema(table)}
    )


def check_specs(table: str, blocking: bool = True, **more) -> list[dg.AssetCheckSpec]:
    """An AssetCheckSpec for every check the table's .yml lists, described as it says there."""
    key = dg.AssetKey(table.split("."))
    return [
        dg.AssetCheckSpec(name, asset=key, blocking=blocking, description=text, **more)
        for name, text in catalog.table(table).checks.items()
    ]
