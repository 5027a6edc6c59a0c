"""Blocking checks read from ``sql/quality/<table>_violations.sql``: one row per rule broken,
counted per rule with a few examples, so each rule is restated in SQL apart from the code it
checks."""

import dagster as dg
import polars as pl

from pipelines.lineage import table_keys
from pipelines.metadata import check_specs
from wealthgraph import catalog
from wealthgraph.config import sql_params
from wealthgraph.sql import sql_shape, violation_counts


def violation_checks(table: str):
    """Check specs and the function that evaluates them for ``table`` ("schema.name").

    The rules are the checks of the table's .yml; the SQL file is named after the table.
    """
    name = table.split(".")[1]
    rules = catalog.table(table).checks
    # the rules restate the table from what it was made of, which may be more than the table
    # itself reads: those inputs are the checks' own dependencies, parsed from their SQL
    reads = sql_shape("quality", f"{name}_violations").reads - {table}
    specs = check_specs(table, additional_deps=table_keys(*sorted(reads)))

    def evaluate(con, as_of) -> list[dg.AssetCheckResult]:
        params = {"as_of": as_of, **sql_params()}
        counts = violation_counts(con, name, params)
        results = []
        for check, description in rules.items():
            row = counts.filter(pl.col("check_name") == check)
            violations = int(row["violations"].sum())
            examples = ", ".join(row["examples"].drop_nulls().to_list()) or "none"
            results.append(
                dg.AssetCheckResult(
                    check_name=check,
                    passed=violations == 0,
                    description=description,
                    metadata={"violations": violations, "examples": examples},
                )
            )
        return results

    return specs, evaluate
