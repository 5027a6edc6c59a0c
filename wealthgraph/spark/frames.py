"""Moving tables between the warehouse (DuckDB, polars) and Spark, through Arrow both ways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame, SparkSession


def from_duckdb(
    spark: SparkSession,
    con: duckdb.DuckDBPyConnection,
    query: str,
    params: list[Any] | dict[str, Any] | None = None,
) -> DataFrame:
    """A Spark DataFrame of a DuckDB query's result, handed over as Arrow (columnar, no rows
    through Python). Stands in for reading the table where a cluster would find it."""
    table = con.execute(query, params).fetch_arrow_table()
    return spark.createDataFrame(table)


def from_polars(spark: SparkSession, frame: pl.DataFrame) -> DataFrame:
    """A Spark DataFrame of a polars frame, through Arrow."""
    return spark.createDataFrame(frame.to_arrow())


def to_polars(frame: DataFrame) -> pl.DataFrame:
    """Collect a Spark DataFrame to the driver as polars, through Arrow: only for results that
    fit one machine (an edge list, a node table), never for a whole day of events."""
    return pl.from_arrow(frame.toArrow())  # type: ignore[return-value]
