"""Assets whose table is one SQL file: ``sql/<schema>/<name>.sql`` -> ``<schema>.<name>``.

An SQL asset's dependencies are the tables its file reads (parsed, pipelines/lineage.py), so
they cannot drift from the SQL; its parameters are the settings the file uses.
"""

from dataclasses import dataclass

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from wealthgraph.config import sql_params
from wealthgraph.sql import build_table, sql_shape
from wealthgraph.warehouse import latest_day


@dataclass(frozen=True)
class SqlAsset:
    """Where an SQL asset's lineage comes from: its file, and what it reads besides."""

    schema: str
    name: str
    extra_reads: tuple[str, ...]

    @property
    def reads(self) -> tuple[str, ...]:
        """The tables the asset depends on: its file's reads (not itself) and the extras."""
        parsed = sql_shape(self.schema, self.name).reads - {f"{self.schema}.{self.name}"}
        return tuple(sorted(parsed | set(self.extra_reads)))


# every SQL asset by key, for tests/pipelines/test_lineage.py
SQL_ASSETS: dict[dg.AssetKey, SqlAsset] = {}


def sql_asset(
    schema: str,
    name: str,
    by_as_of: bool = False,
    check_specs: list[dg.AssetCheckSpec] | None = None,
    checks=None,
    group: str | None = None,
    extra_reads: tuple[str, ...] = (),
) -> dg.AssetsDefinition:
    """An asset that (re)builds ``schema.name`` from its SQL file as of the latest landed day.

    Its description, columns and checks' descriptions come from the table's .yml beside the SQL.
    It depends on the tables the file reads, plus ``extra_reads`` (``schema.table`` names the
    asset's Python code reads, each said why where it is passed). ``checks(con, as_of)`` may
    return AssetCheckResults for ``check_specs``; ``group`` is the domain the UI lists it under
    (default: the schema).
    """
    lineage = SqlAsset(schema, name, tuple(extra_reads))

    @dg.asset(
        name=name,
        key_prefix=schema,
        group_name=group or schema,
        deps=table_keys(*lineage.reads),
        check_specs=check_specs,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            as_of = latest_day(con, run_as_of(context))
            params = {"as_of": as_of, **sql_params()}
            rows = build_table(con, schema, name, params, by_as_of=by_as_of)
            preview = con.execute(f"select * from {schema}.{name} limit 5").pl()
            results = checks(con, as_of) if checks else []
            # a table kept by as_of holds every date's slice: count it whole, and say the slice's
            table = table_metadata(con, f"{schema}.{name}", None if by_as_of else rows)
        return dg.MaterializeResult(
            metadata={
                **table,
                **({"as_of_rows": rows} if by_as_of else {}),
                "as_of": str(as_of),
                "preview": preview_metadata(preview),
            },
            check_results=results,
        )

    SQL_ASSETS[_asset.key] = lineage
    return _asset
