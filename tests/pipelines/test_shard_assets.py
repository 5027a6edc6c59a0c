"""The customer shards in Dagster: shards/customer_tables, partitioned by day x shard, builds in
shards_job what pipelines.shards.build_shard builds, and only from the hub's run of its day."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.run import failures
from pipelines.shard_assets import CUSTOMER_TABLES, SHARDS_ENV, hub_day, shard_run_requests
from pipelines.shards import LAYOUT, build_shard, shard_path
from tests.conftest import SAMPLE, sample_days
from wealthgraph.settings import Settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _defs(database: Path) -> dg.Definitions:
    return build_definitions(Settings(landing=SAMPLE, database=database))


def _instance(days: list[str]) -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("landing_days", days)
    return instance


def _run(hub: Path, day: str, shard: str):
    """shards_job of the definitions over ``hub``, for partition ``day`` x ``shard``."""
    job = _defs(hub).resolve_job_def("shards_job")
    return job.execute_in_process(
        partition_key=dg.MultiPartitionKey({"day": day, "shard": shard}),
        instance=_instance([day]),
        run_config=QUIET,
        raise_on_error=False,
    )


def _row_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def _hub(sample_warehouse, folder: Path) -> Path:
    """A copy of the finished sample warehouse, as the hub (its shards go beside it)."""
    folder.mkdir()
    hub = folder / "hub.duckdb"
    shutil.copyfile(sample_warehouse.database, hub)
    return hub


def test_definitions_load_with_the_shards_in_their_own_job(tmp_path):
    defs = _defs(tmp_path / "wh.duckdb")
    dg.Definitions.validate_loadable(defs)
    shards_job = defs.resolve_job_def("shards_job")
    assert shards_job.asset_layer.selected_asset_keys == {CUSTOMER_TABLES}
    assert CUSTOMER_TABLES not in defs.resolve_job_def("main_job").asset_layer.selected_asset_keys
    graph = defs.resolve_asset_graph()
    parents = {key.to_user_string() for key in graph.get(CUSTOMER_TABLES).parent_keys}
    assert {
        "core/customers",
        "core/events",
        "core/snapshots",
        "core/transactions",
        "core/friendships",
        "graph/edges",
        "graph/node_metrics",
        "graph/memberships",
        "graph/communities",
    } <= parents
    # the shard of a day follows the hub's core tables of that day
    mapping = graph.get_partition_mapping(CUSTOMER_TABLES, dg.AssetKey(["core", "events"]))
    assert isinstance(mapping, dg.MultiToSingleDimensionPartitionMapping)


def test_partitions_are_the_landed_days_times_the_shards(tmp_path, monkeypatch):
    days = ["2024-01-30", "2024-01-31"]
    instance = _instance(days)
    for shards in (4, 2):
        monkeypatch.setenv(SHARDS_ENV, str(shards))
        job = _defs(tmp_path / "wh.duckdb").resolve_job_def("shards_job")
        partitions = job.partitions_def
        assert isinstance(partitions, dg.MultiPartitionsDefinition)
        assert [d.name for d in partitions.partitions_defs] == ["day", "shard"]
        keys = partitions.get_partition_keys(dynamic_partitions_store=instance)
        assert [k.keys_by_dimension for k in keys] == [
            {"day": day, "shard": str(k)} for day in days for k in range(shards)
        ]
    monkeypatch.setenv(SHARDS_ENV, "0")
    with pytest.raises(ValueError, match=SHARDS_ENV):
        _defs(tmp_path / "wh.duckdb")


def test_a_partition_builds_the_shard_build_shard_builds(sample_warehouse, tmp_path):
    day = sample_days()[-1]
    hub = _hub(sample_warehouse, tmp_path / "dagster")
    assert hub_day(hub) == day
    result = _run(hub, day.isoformat(), "1")
    assert result.success, failures(result)
    [materialization] = result.asset_materializations_for_node("shards__customer_tables")
    assert materialization.partition == f"{day.isoformat()}|1"

    direct = build_shard(_hub(sample_warehouse, tmp_path / "direct"), 1, 4)
    metadata = materialization.metadata
    assert metadata["customers"].value == direct.customers > 0
    assert metadata["database"].value == str(shard_path(hub, 1))
    assert metadata["seconds"].value > 0
    # one shard of four is no layout yet: the API keeps routing by the last complete one
    assert not (shard_path(hub, 0).parent / LAYOUT).exists()
    counts = _row_counts(shard_path(hub, 1))
    assert counts == _row_counts(direct.database)
    assert counts["marts.wealth_summary"] > 0


@pytest.mark.parametrize(
    ("offset", "todo"),
    [
        (-1, "materialize the partition of {last} instead"),
        (1, "run main_job for {day} first (wealthgraph run --day {day})"),
    ],
)
def test_a_day_the_hub_does_not_hold_fails_and_builds_nothing(
    sample_warehouse, tmp_path, offset, todo
):
    last = sample_days()[-1]
    day = last + dt.timedelta(days=offset)
    hub = _hub(sample_warehouse, tmp_path / "hub")
    result = _run(hub, day.isoformat(), "1")
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.user_failure_data.description
    assert message.startswith(f"the hub {hub} holds {last}, not {day}: ")
    assert message.endswith(todo.format(last=last, day=day))
    assert not shard_path(hub, 1).exists()


def test_a_successful_main_job_run_requests_the_days_shards(tmp_path):
    defs = _defs(tmp_path / "wh.duckdb")
    sensor = defs.resolve_sensor_def("shards_after_main_job")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # on where shards have machines
    assert sensor.job_name == "shards_job"
    day = dt.date(2026, 10, 31)
    requests = shard_run_requests(day, 4, "run-1")
    assert [r.partition_key for r in requests] == [f"2026-10-31|{k}" for k in range(4)]
    assert len({r.run_key for r in requests}) == 4
    assert {r.run_key for r in shard_run_requests(day, 4, "run-2")}.isdisjoint(
        {r.run_key for r in requests}
    )


def test_a_partition_while_a_run_writes_the_hub_fails_in_one_line(sample_warehouse, tmp_path):
    day = sample_days()[-1]
    hub = _hub(sample_warehouse, tmp_path / "hub")
    writer = (
        "import duckdb, time\n"
        f"con = duckdb.connect({str(hub)!r})\n"  # a main_job run holds the hub for writing
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    log = tmp_path / "writer.txt"
    with log.open("w") as out:
        child = subprocess.Popen([sys.executable, "-c", writer], stdout=out)
    try:
        deadline = time.monotonic() + 30
        while "held" not in log.read_text():
            assert child.poll() is None and time.monotonic() < deadline, "no writer"
            time.sleep(0.05)
        result = _run(hub, day.isoformat(), "1")
    finally:
        child.kill()
        child.wait()
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        f"the hub {hub} is being written (a main_job run): build shard 1 of {day} after it finishes"
    )
    assert not shard_path(hub, 1).exists()
