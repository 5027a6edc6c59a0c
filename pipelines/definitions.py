"""The wealthgraph code location: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import dagster as dg

from pipelines.automation import (
    daily_schedule,
    evaluation_job,
    landing_files_sensor,
    main_job,
    weekly_evaluation,
)
from pipelines.features import assets as feature_assets
from pipelines.features import manager as manager_features
from pipelines.features import marketing as marketing_features
from pipelines.features import risk as risk_features
from pipelines.graph import assets as graph_assets
from pipelines.ingest.assets import all_ingest_assets
from pipelines.ingest.vocabularies import vocabularies
from pipelines.marts import assets as mart_assets
from pipelines.marts import manager as manager_marts
from pipelines.marts import marketing as marketing_marts
from pipelines.marts import risk as risk_marts
from pipelines.marts import wealth as wealth_marts
from pipelines.metadata import describe
from pipelines.partitions import landing_days
from pipelines.quality.assets import ingest_audit, landing_files, quarantine, recommendation_eval
from pipelines.recommend import assets as recommend_assets
from pipelines.resources import build_resources
from pipelines.serving.assets import published
from pipelines.shard_assets import (
    build_shard_asset,
    build_shards_sensor,
    shard_count,
    shards_job,
)
from wealthgraph.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions for a landing folder and warehouse (default: from the environment)."""
    settings = settings or Settings.from_env()
    shards = shard_count()
    return dg.Definitions(
        # every table's description and columns come from its sql/<schema>/<name>.yml
        assets=dg.map_asset_specs(
            describe,
            [
                landing_files,
                vocabularies,
                *all_ingest_assets(landing_days),
                quarantine,
                ingest_audit,
                recommendation_eval,
                published,
                # the customer shards, day x shard: a run each, after the hub's run of the day
                build_shard_asset(shards),
                *dg.load_assets_from_modules(
                    [
                        feature_assets,
                        manager_features,
                        marketing_features,
                        risk_features,
                        graph_assets,
                        recommend_assets,
                        mart_assets,
                        wealth_marts,
                        manager_marts,
                        marketing_marts,
                        risk_marts,
                    ]
                ),
            ],
        ),
        jobs=[main_job, evaluation_job, shards_job],
        schedules=[daily_schedule, weekly_evaluation],
        sensors=[landing_files_sensor, build_shards_sensor(shards, settings.database)],
        resources=build_resources(settings),
        # one process, one DuckDB writer: steps run in order inside the run
        executor=dg.in_process_executor,
    )


defs = build_definitions()
