"""Replay the derived layers as of an earlier day, for honest offline evaluation.

The replay copies ``core`` up to the cutoff into a scratch DuckDB file and materializes every
derived asset there with the production code, so a model evaluated "as of the cutoff" sees
exactly what production would have seen that day and nothing after it. The tables kept per
landed day (``sql_asset(by_day=...)``) are copied up to the cutoff rather than rebuilt: a day's
rows depend on that day's events only. Those kept per month (``by_month``) are copied before
the cutoff's month and built from there as production would have built them that day.
"""

import datetime as dt
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.features import assets as feature_assets
from pipelines.features import risk as risk_features
from pipelines.graph import assets as graph_assets
from pipelines.marts import assets as mart_assets
from pipelines.marts import risk as risk_marts
from pipelines.marts import wealth as wealth_marts
from pipelines.recommend import assets as recommend_assets
from pipelines.resources import Warehouse
from pipelines.sql_asset import BY_DAY, BY_MONTH, DAY_BUILDERS
from wealthgraph import landing
from wealthgraph.config import sql_params
from wealthgraph.sql import build_days, build_months, sql_shape
from wealthgraph.warehouse import connect, latest_day, table_exists

# what a daily source's rows are dated by, to cut them at the cutoff
_DATED_BY = {"events": "partition_date", "snapshots": "as_of", "transactions": "partition_date"}
# the replay's own Dagster console: warnings and errors only (its ~120 DEBUG lines would bury
# the run's output); ``wealthgraph run --verbose`` sets DEBUG
console_log_level = "WARNING"


def _copy_days(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> None:
    """The per-day tables up to the cutoff, into the attached replay; built there from its core
    when the source warehouse predates them. The per-month tables: the months before the
    cutoff's copied, the rest built there (build_months also rewrites the last copied month)."""
    source = con.execute("select current_database()").fetchone()[0]
    missing = []
    for table, day in BY_DAY.items():
        if table_exists(con, table):
            con.execute(
                f"create table replay.{table} as select * from {table} where {day} <= ?", [cutoff]
            )
        else:
            missing.append((table, day))
    # built after every copy, each after the per-day tables it reads
    first = con.execute("select min(partition_date) from replay.core.events").fetchone()[0]
    for table in _in_dependency_order(dict(missing)):
        con.execute("use replay")
        try:
            if table in DAY_BUILDERS:
                DAY_BUILDERS[table][1](con, first or cutoff, cutoff)
            else:
                build_days(
                    con, *table.split("."), BY_DAY[table], first or cutoff, cutoff, sql_params()
                )
        finally:
            con.execute(f'use "{source}"')
    for table, month in BY_MONTH.items():
        if table_exists(con, table):
            con.execute(
                f"create table replay.{table} as select * from {table} "
                f"where {month} < date_trunc('month', ?::date)",
                [cutoff],
            )
        con.execute("use replay")
        try:
            # as of the replay's own last day, as production builds it (latest_day)
            as_of = latest_day(con, cutoff)
            build_months(con, *table.split("."), month, cutoff, {**sql_params(), "as_of": as_of})
        finally:
            con.execute(f'use "{source}"')


def _in_dependency_order(tables: dict[str, str]) -> list[str]:
    """The per-day tables, each after those of them it reads (its SQL's reads, or a Python
    builder's declared ones)."""

    def reads(table: str) -> set[str]:
        if table in DAY_BUILDERS:
            return set(DAY_BUILDERS[table][0])
        return set(sql_shape(*table.split(".")).reads)

    order = TopologicalSorter({t: (reads(t) - {t}) & tables.keys() for t in tables})
    return list(order.static_order())


def replay_at(con: duckdb.DuckDBPyConnection, cutoff: dt.date, target: Path) -> Path:
    """Build ``target``: core as it stood at the end of ``cutoff``, then every derived table."""
    target.unlink(missing_ok=True)
    connect(target).close()
    con.execute(f"attach '{target}' as replay")
    try:
        for source in landing.SOURCES.values():
            dated = _DATED_BY.get(source.name)
            where = f"where {dated} <= $cutoff" if dated else ""
            con.execute(
                f"insert into replay.core.{source.name} select * from core.{source.name} {where}",
                {"cutoff": cutoff} if dated else {},
            )
        _copy_days(con, cutoff)
    finally:
        con.execute("detach replay")
    derived = [
        a
        for a in dg.load_assets_from_modules(
            [
                feature_assets,
                risk_features,
                graph_assets,
                risk_marts,
                recommend_assets,
                mart_assets,
                wealth_marts,
            ]
        )
        if a.partitions_def is None
    ]
    result = dg.materialize(
        derived,
        resources={"warehouse": Warehouse(database=str(target))},
        run_config={"loggers": {"console": {"config": {"log_level": console_log_level}}}},
        raise_on_error=False,
    )
    if not result.success:
        failed = []
        for event in (e for e in result.all_events if e.is_step_failure):
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            failed.append(f"{event.step_key}: {error.message.strip()}")
        raise RuntimeError(f"replay at {cutoff} failed: " + "; ".join(failed))
    return target
