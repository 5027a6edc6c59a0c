"""The main job, its daily schedule, the sensor that runs a day when its files land, and the
weekly evaluation of the recommenders."""

import datetime as dt
import json
import os

import dagster as dg

from pipelines.partitions import landed_day_keys, landing_days
from pipelines.resources import LandingFolder
from wealthgraph import landing

# the offline evaluation replays every derived table as of ten days earlier: about the cost of
# the derived layers again, so it runs weekly instead of with every day's data
EVALUATION = dg.AssetSelection.assets(dg.AssetKey(["quality", "recommendation_eval"]))
PUBLISH = dg.AssetSelection.assets(dg.AssetKey(["serving", "published"]))

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all() - EVALUATION,
    description="Ingest, check and build every table for the selected days, then publish.",
)
evaluation_job = dg.define_asset_job(
    "evaluation_job",
    selection=EVALUATION | PUBLISH,
    description="Score the recommenders on what happened after a replayed cut-off, and "
    "republish with the result.",
)


@dg.schedule(job=evaluation_job, cron_schedule="0 8 * * 1", execution_timezone="Asia/Shanghai")
def weekly_evaluation(context: dg.ScheduleEvaluationContext):
    """Every Monday morning, after the daily run."""
    return dg.RunRequest(run_key=f"evaluation:{context.scheduled_execution_time.date()}")


@dg.schedule(job=main_job, cron_schedule="0 6 * * *", execution_timezone="Asia/Shanghai")
def daily_schedule(context: dg.ScheduleEvaluationContext, landing_folder: LandingFolder):
    """Every morning, yesterday's partition, once the night's files have landed."""
    yesterday = (context.scheduled_execution_time.date() - dt.timedelta(days=1)).isoformat()
    if yesterday not in landed_day_keys(landing_folder.root):
        return dg.SkipReason(f"no landing files for {yesterday} in {landing_folder.root}")
    context.instance.add_dynamic_partitions(landing_days.name, [yesterday])
    return dg.RunRequest(partition_key=yesterday, run_key=f"schedule:{yesterday}")


@dg.sensor(job=main_job, minimum_interval_seconds=60)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing_folder: LandingFolder
) -> dg.SensorResult:
    """Add the day's partition and request its run when a daily file appears or changes."""
    seen: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, float] = {}
    changed: set[str] = set()
    for source in landing.DAILY_SOURCES:
        for day in landing.landed_days(landing_folder.root, source):
            path = str(landing.source_path(landing_folder.root, source, day))
            current[path] = os.stat(path).st_mtime
            if seen.get(path) != current[path]:
                changed.add(day.isoformat())
    keys = sorted(changed)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=key, run_key=f"{key}:{max(current.values())}")
            for key in keys
        ],
        dynamic_partitions_requests=[landing_days.build_add_request(keys)] if keys else [],
        cursor=json.dumps(current),
    )
