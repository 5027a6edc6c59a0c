"""Daily partitions (one per day that has landed files) and the run date.

Dynamic rather than a fixed calendar because landed days have gaps by design (month-end
snapshot history before the event window, real data from 1993) and every partition costs
run-storage writes. The sensor and the schedule add a day when its files land.

The run date (``as_of``: what the derived tables are built as of, and the last day ingest may
read) is chosen by whoever starts the run and travels as the run tag ``wealthgraph/as_of``:
``wealthgraph run`` (``--as-of``, default the last complete landed day not in the future),
the schedule (yesterday) and the sensor (the default). It is never inferred from the largest
landed file name, so one stray file dated 2099 cannot move it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

from wealthgraph import landing
from wealthgraph.ingest.files import default_as_of, survey_daily

landing_days = dg.DynamicPartitionsDefinition(name="landing_days")
AS_OF_TAG = "wealthgraph/as_of"


def landed_day_keys(root: Path, as_of: dt.date | None = None) -> list[str]:
    """Every day up to ``as_of`` (default: the default run date) with a daily landing file to
    ingest or declared empty, as partition keys, oldest first."""
    as_of = as_of or default_as_of(root) or dt.date.min
    days = {
        f.day
        for s in landing.DAILY_SOURCES
        for f in survey_daily(root, s, as_of)
        if f.status in ("ingest", "empty")
    }
    return [d.isoformat() for d in sorted(days)]


def run_as_of(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> dt.date | None:
    """The run date its launcher chose (tag ``wealthgraph/as_of``), or None when none was."""
    tag = context.run.tags.get(AS_OF_TAG)
    return dt.date.fromisoformat(tag) if tag else None


def register_landed_days(
    instance: dg.DagsterInstance, root: Path, as_of: dt.date | None = None
) -> list[str]:
    """Add a partition for every landed day the instance does not know yet; return the landed keys.

    Dagster orders dynamic partitions by insertion and runs a range in that order, so a day that
    lands late (a backfill) re-adds all keys in date order to keep ranges meaning date ranges.
    """
    keys = landed_day_keys(root, as_of)
    known = list(instance.get_dynamic_partitions(landing_days.name))
    wanted = sorted({*known, *keys})
    if known == wanted[: len(known)]:
        instance.add_dynamic_partitions(landing_days.name, wanted[len(known) :])
    else:
        for key in known:
            instance.delete_dynamic_partition(landing_days.name, key)
        instance.add_dynamic_partitions(landing_days.name, wanted)
    return keys
