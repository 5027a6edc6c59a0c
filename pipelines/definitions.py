"""The wealthgraph code location: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import dagster as dg

from pipelines.automation import daily_schedule, landing_files_sensor, main_job
from pipelines.ingest.assets import all_ingest_assets
from pipelines.partitions import daily_partitions
from pipelines.quality.assets import ingest_audit, quarantine
from pipelines.resources import build_resources
from wealthgraph.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions for a landing folder and warehouse (default: from the environment)."""
    settings = settings or Settings.from_env()
    return dg.Definitions(
        assets=[*all_ingest_assets(daily_partitions(settings)), quarantine, ingest_audit],
        jobs=[main_job],
        schedules=[daily_schedule],
        sensors=[landing_files_sensor],
        resources=build_resources(settings),
        # one process, one DuckDB writer: steps run in order inside the run
        executor=dg.in_process_executor,
    )


defs = build_definitions()
