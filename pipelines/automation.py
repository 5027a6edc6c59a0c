"""The main job, its daily schedule, and the sensor that runs a day when its files land."""

import json
import os

import dagster as dg

from wealthgraph import landing

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all(),
    description="Ingest, check and build every table for the selected days.",
)

# yesterday's partition every morning, once the night's files have landed
daily_schedule = dg.build_schedule_from_partitioned_job(main_job, hour_of_day=6)


@dg.sensor(job=main_job, minimum_interval_seconds=60)
def landing_files_sensor(context: dg.SensorEvaluationContext, landing_folder) -> dg.SensorResult:
    """Request the day's run when a daily landing file appears or changes."""
    seen: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
    requests, current = [], {}
    for source in landing.DAILY_SOURCES:
        for day in landing.landed_days(landing_folder.root, source):
            path = landing.source_path(landing_folder.root, source, day)
            mtime = os.stat(path).st_mtime
            current[str(path)] = mtime
            if seen.get(str(path)) != mtime:
                requests.append(day.isoformat())
    keys = sorted(set(requests))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=key, run_key=f"{key}@{len(current)}:{max(current.values())}"
            )
            for key in keys
        ],
        cursor=json.dumps(current),
    )
