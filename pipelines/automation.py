"""The main job, its daily schedule, the sensor that runs a day when its files land, and the
weekly evaluation of the recommenders."""

import datetime as dt
import json
import os

import dagster as dg

from pipelines.partitions import AS_OF_TAG, landed_day_keys, landing_days
from pipelines.resources import LandingFolder
from wealthgraph import landing
from wealthgraph.ingest.files import TIMEZONE, default_as_of, survey_daily

# the offline evaluation replays every derived table as of ten days earlier: about the cost of
# the derived layers again, so it runs weekly instead of with every day's data
EVALUATION = dg.AssetSelection.assets(dg.AssetKey(["quality", "recommendation_eval"]))
PUBLISH = dg.AssetSelection.assets(dg.AssetKey(["serving", "published"]))
# the customer shards (pipelines/shard_assets.py) run after the hub's run, in shards_job
SHARDS = dg.AssetSelection.groups("shards")

main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.all() - EVALUATION - SHARDS,
    description="Ingest, check and build every table for the selected days, then publish.",
)
evaluation_job = dg.define_asset_job(
    "evaluation_job",
    selection=EVALUATION | PUBLISH,
    description="Score the recommenders on what happened after a replayed cut-off, and "
    "republish with the result.",
)


@dg.schedule(job=evaluation_job, cron_schedule="0 8 * * 1", execution_timezone=TIMEZONE)
def weekly_evaluation(context: dg.ScheduleEvaluationContext):
    """Every Monday morning, after the daily run."""
    return dg.RunRequest(run_key=f"evaluation:{context.scheduled_execution_time.date()}")


@dg.schedule(job=main_job, cron_schedule="0 6 * * *", execution_timezone=TIMEZONE)
def daily_schedule(context: dg.ScheduleEvaluationContext, landing_folder: LandingFolder):
    """Every morning, yesterday's partition, once the night's files have landed."""
    day = context.scheduled_execution_time.date() - dt.timedelta(days=1)
    yesterday = day.isoformat()
    if yesterday not in landed_day_keys(landing_folder.root, as_of=day):
        return dg.SkipReason(f"no landing files for {yesterday} in {landing_folder.root}")
    context.instance.add_dynamic_partitions(landing_days.name, [yesterday])
    return dg.RunRequest(
        partition_key=yesterday, run_key=f"schedule:{yesterday}", tags={AS_OF_TAG: yesterday}
    )


@dg.sensor(job=main_job, minimum_interval_seconds=60)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing_folder: LandingFolder
) -> dg.SensorResult:
    """Add the day's partition and request its run when a daily file appears or changes.

    Only days up to the default run date (the last complete landed day not in the future);
    a file of a later day waits until that day is complete. A late file of an earlier day
    re-ingests that day and rebuilds the derived tables as of the run date.
    """
    seen: dict[str, float] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, float] = {}
    changed: set[str] = set()
    as_of = default_as_of(landing_folder.root)
    if as_of is None:
        return dg.SensorResult(skip_reason=f"no complete landed day in {landing_folder.root}")
    for source in landing.DAILY_SOURCES:
        for surveyed in survey_daily(landing_folder.root, source, as_of):
            if surveyed.status not in ("ingest", "empty"):
                continue
            path = str(landing_folder.root / surveyed.file_name)
            current[path] = os.stat(path).st_mtime
            if seen.get(path) != current[path]:
                changed.add(surveyed.day.isoformat())
    keys = sorted(changed)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=key,
                run_key=f"{key}:{max(current.values())}",
                tags={AS_OF_TAG: as_of.isoformat()},
            )
            for key in keys
        ],
        dynamic_partitions_requests=[landing_days.build_add_request(keys)] if keys else [],
        cursor=json.dumps(current),
    )
