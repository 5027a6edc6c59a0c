"""serving.published runs only after every table before it passed its blocking checks."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb

from pipelines.marts.marketing import kpi_daily
from pipelines.resources import build_resources
from pipelines.serving.assets import published
from tests.conftest import SAMPLE
from wealthgraph import publish, sql
from wealthgraph.settings import Settings


def test_a_failed_blocking_check_keeps_the_last_good_version(
    sample_warehouse, tmp_path, monkeypatch
):
    settings = Settings(landing=SAMPLE, database=tmp_path / "wh.duckdb")
    shutil.copy(sample_warehouse.database, settings.database)
    with duckdb.connect(str(settings.database)) as con:
        good = publish.publish(con, settings.published)

    real = sql.load_sql

    def broken(schema: str, table: str) -> str:
        if (schema, table) == ("quality", "kpi_daily_violations"):
            return "select 'dau_within_mau' as check_name, 'planted' as example"
        return real(schema, table)

    monkeypatch.setattr(sql, "load_sql", broken)
    result = dg.materialize(
        [kpi_daily, published], resources=build_resources(settings), raise_on_error=False
    )
    assert not result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"marts/kpi_daily"}
    assert publish.current(settings.published).version == good.version

    monkeypatch.setattr(sql, "load_sql", real)
    result = dg.materialize([kpi_daily, published], resources=build_resources(settings))
    assert result.success
    assert publish.current(settings.published).version != good.version
