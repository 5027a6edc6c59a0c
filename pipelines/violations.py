"""Blocking checks read from ``sql/quality/<table>_violations.sql``: one row per rule broken,
counted per rule with a few examples, so each rule is restated in SQL apart from the code it
checks."""

import dagster as dg
import polars as pl

from pipelines.lineage import key_table, table_keys
from wealthgraph.config import sql_params
from wealthgraph.sql import sql_shape, violation_counts


def violation_checks(asset: str, rules: dict[str, str]):
    """Check specs and the function that evaluates them for ``asset`` ("schema/table").

    ``rules`` maps each check name to its description; the SQL file is named after the table.
    """
    key = dg.AssetKey(asset.split("/"))
    # the rules restate the table from what it was made of, which may be more than the table
    # itself reads: those inputs are the checks' own dependencies, parsed from their SQL
    reads = sql_shape("quality", f"{key.path[-1]}_violations").reads - {key_table(key)}
    specs = [
        dg.AssetCheckSpec(
            name,
            asset=key,
            blocking=True,
            description=description,
            additional_deps=table_keys(*sorted(reads)),
        )
        for name, description in rules.items()
    ]

    def evaluate(con, as_of) -> list[dg.AssetCheckResult]:
        params = {"as_of": as_of, **sql_params()}
        counts = violation_counts(con, key.path[-1], params)
        results = []
        for name, description in rules.items():
            row = counts.filter(pl.col("check_name") == name)
            violations = int(row["violations"].sum())
            examples = ", ".join(row["examples"].drop_nulls().to_list()) or "none"
            results.append(
                dg.AssetCheckResult(
                    check_name=name,
                    passed=violations == 0,
                    description=description,
                    metadata={"violations": violations, "examples": examples},
                )
            )
        return results

    return specs, evaluate
