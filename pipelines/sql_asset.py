"""Assets whose table is one SQL file: ``sql/<schema>/<name>.sql`` -> ``<schema>.<name>``."""

import dagster as dg

from pipelines.metadata import preview_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from wealthgraph.config import sql_params
from wealthgraph.sql import build_table
from wealthgraph.warehouse import latest_day


def sql_asset(
    schema: str,
    name: str,
    description: str,
    deps: list[str],
    by_as_of: bool = False,
    check_specs: list[dg.AssetCheckSpec] | None = None,
    checks=None,
    group: str | None = None,
) -> dg.AssetsDefinition:
    """An asset that (re)builds ``schema.name`` from its SQL file as of the latest landed day.

    ``checks(con, as_of)`` may return AssetCheckResults for ``check_specs``; ``group`` is the
    domain the UI lists it under (default: the schema).
    """

    @dg.asset(
        name=name,
        key_prefix=schema,
        group_name=group or schema,
        description=description,
        deps=[dg.AssetKey(d.split("/")) for d in deps],
        check_specs=check_specs,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            as_of = latest_day(con, run_as_of(context))
            params = {"as_of": as_of, **sql_params()}
            rows = build_table(con, schema, name, params, by_as_of=by_as_of)
            preview = con.execute(f"select * from {schema}.{name} limit 5").pl()
            results = checks(con, as_of) if checks else []
        return dg.MaterializeResult(
            metadata={"rows": rows, "as_of": str(as_of), "preview": preview_metadata(preview)},
            check_results=results,
        )

    return _asset
