"""The code location loads, and its sensor turns new landing files into day runs."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.automation import landing_files_sensor
from pipelines.definitions import build_definitions
from pipelines.partitions import AS_OF_TAG
from pipelines.resources import LandingFolder
from wealthgraph import landing


def test_definitions_hold_one_asset_per_table_and_the_automation(one_day_landing, settings_for):
    root, _ = one_day_landing
    defs = build_definitions(settings_for(root))
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for name in landing.SOURCES:
        assert {f"raw/{name}", f"staging/{name}", f"core/{name}"} <= keys
    assert {"quality/quarantine", "quality/ingest_audit"} <= keys
    assert defs.resolve_job_def("main_job").partitions_def.name == "landing_days"
    assert defs.resolve_schedule_def("daily_schedule") is not None
    # the evaluation replays every derived table: weekly, in its own job, never in the daily run
    evaluation = dg.AssetKey(["quality", "recommendation_eval"])
    assert evaluation not in defs.resolve_job_def("main_job").asset_layer.selected_asset_keys
    assert evaluation in defs.resolve_job_def("evaluation_job").asset_layer.selected_asset_keys
    assert defs.resolve_schedule_def("weekly_evaluation") is not None
    assert defs.resolve_sensor_def("landing_files_sensor") is not None


def test_sensor_requests_each_new_day_once(one_day_landing):
    root, day = one_day_landing
    resources = {"landing_folder": LandingFolder(path=str(root))}
    context = dg.build_sensor_context(resources=resources)
    first = landing_files_sensor(context)
    assert [r.partition_key for r in first.run_requests] == [day.isoformat()]
    assert first.dynamic_partitions_requests[0].partition_keys == [day.isoformat()]

    again = landing_files_sensor(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert again.run_requests == []

    events = landing.source_path(root, landing.EVENTS, day)
    new_day = day + dt.timedelta(days=1)
    events.with_name(f"{new_day.isoformat()}.jsonl.gz").write_bytes(events.read_bytes())
    later = landing_files_sensor(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert [r.partition_key for r in later.run_requests] == [new_day.isoformat()]


def test_sensor_leaves_future_and_misnamed_files_alone(one_day_landing):
    root, day = one_day_landing
    events = landing.source_path(root, landing.EVENTS, day)
    events.with_name("2099-01-01.jsonl.gz").write_bytes(events.read_bytes())
    events.with_name(f"{day.isoformat()}.json.gz").write_bytes(events.read_bytes())
    resources = {"landing_folder": LandingFolder(path=str(root))}
    requested = landing_files_sensor(dg.build_sensor_context(resources=resources))
    assert [r.partition_key for r in requested.run_requests] == [day.isoformat()]
    assert requested.run_requests[0].tags[AS_OF_TAG] == day.isoformat()
