"""Assets whose table is one SQL file: ``sql/<schema>/<name>.sql`` -> ``<schema>.<name>``.

An SQL asset's dependencies are the tables its file reads (parsed, pipelines/lineage.py), so
they cannot drift from the SQL; its parameters are the settings the file uses.
"""

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import duckdb

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import landing_days, run_as_of
from pipelines.resources import Warehouse
from wealthgraph.config import sql_params
from wealthgraph.sql import build_days, build_months, build_table, sql_shape
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


# single-run backfills (BackfillPolicy) are beta; they let one run write a range of days
warnings.filterwarnings("ignore", category=dg.BetaWarning)

# every SQL asset by key, for tests/pipelines/test_lineage.py
SQL_ASSETS: dict[dg.AssetKey, SqlAsset] = {}
# the tables kept per landed day ("schema.table" -> day column), which a replay copies up to its
# cutoff instead of rebuilding
BY_DAY: dict[str, str] = {}
# the per-day tables built in Python, not from an SQL file ("schema.table" -> the tables it
# reads, and a function (con, first, last) that builds those days), which a replay builds this
# way when it cannot copy them
DAY_BUILDERS: dict[
    str, tuple[tuple[str, ...], Callable[[duckdb.DuckDBPyConnection, dt.date, dt.date], int]]
] = {}
# the tables kept per month ("schema.table" -> month column), which a replay copies before its
# cutoff's month and builds from there
BY_MONTH: dict[str, str] = {}


def sql_asset(
    schema: str,
    name: str,
    by_as_of: bool = False,
    check_specs: list[dg.AssetCheckSpec] | None = None,
    checks=None,
    group: str | None = None,
    extra_reads: tuple[str, ...] = (),
    by_day: str | None = None,
    by_month: str | None = None,
) -> dg.AssetsDefinition:
    """An asset that (re)builds ``schema.name`` from its SQL file as of the latest landed day.

    With ``by_day`` (the table's day column) the table is kept per landed day, partitioned like
    ingest: a run rewrites only its own days (:func:`wealthgraph.sql.build_days`), one day in
    a daily run, every day in a full one. With ``by_month`` (the table's month column) the
    table is kept per month and partitioned the same way: a run rewrites the months from its
    first day's on (:func:`wealthgraph.sql.build_months`).

    Its description, columns and checks' descriptions come from the table's .yml beside the SQL.
    It depends on the tables the file reads, plus ``extra_reads`` (``schema.table`` names the
    asset's Python code reads, each said why where it is passed). ``checks(con, as_of)`` may
    return AssetCheckResults for ``check_specs``; ``group`` is the domain the UI lists it under
    (default: the schema).
    """
    lineage = SqlAsset(schema, name, tuple(extra_reads))

    partitioning = {}
    if by_day or by_month:
        partitioning = {
            "partitions_def": landing_days,
            "backfill_policy": dg.BackfillPolicy.single_run(),
        }

    @dg.asset(
        name=name,
        key_prefix=schema,
        group_name=group or schema,
        deps=table_keys(*lineage.reads),
        check_specs=check_specs,
        **partitioning,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            as_of = latest_day(con, run_as_of(context))
            params = {"as_of": as_of, **sql_params()}
            if by_day or by_month:
                days = context.partition_key_range
                first, last = (dt.date.fromisoformat(k) for k in (days.start, days.end))
            if by_day:
                rows = build_days(con, schema, name, by_day, first, last, params)
            elif by_month:
                rows = build_months(con, schema, name, by_month, first, params)
            else:
                rows = build_table(con, schema, name, params, by_as_of=by_as_of)
            preview = con.execute(f"select * from {schema}.{name} limit 5").pl()
            results = checks(con, as_of) if checks else []
            # a table kept by as_of (or by day, or month) holds every date's slice: count it
            # whole, and say the slice's (the run's days' or months')
            kept = by_as_of or by_day or by_month
            table = table_metadata(con, f"{schema}.{name}", None if kept else rows)
        return dg.MaterializeResult(
            metadata={
                **table,
                **({"as_of_rows": rows} if by_as_of else {}),
                **({"days_rows": rows} if by_day else {}),
                **({"months_rows": rows} if by_month else {}),
                "as_of": str(as_of),
                "preview": preview_metadata(preview),
            },
            check_results=results,
        )

    SQL_ASSETS[_asset.key] = lineage
    if by_day:
        BY_DAY[f"{schema}.{name}"] = by_day
    if by_month:
        BY_MONTH[f"{schema}.{name}"] = by_month
    return _asset
