"""Daily partitions: one per day that has landed files.

Dynamic rather than a fixed calendar because landed days have gaps by design (month-end
snapshot history before the event window, real data from 1993) and every partition costs
run-storage writes. The sensor and the schedule add a day when its files land.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from wealthgraph import landing

landing_days = dg.DynamicPartitionsDefinition(name="landing_days")


def landed_day_keys(root: Path) -> list[str]:
    """Every day with a daily landing file, as partition keys, oldest first."""
    days = {d for s in landing.DAILY_SOURCES for d in landing.landed_days(root, s)}
    return [d.isoformat() for d in sorted(days)]


def register_landed_days(instance: dg.DagsterInstance, root: Path) -> list[str]:
    """Add a partition for every landed day the instance does not know yet; return the landed keys.

    Dagster orders dynamic partitions by insertion and runs a range in that order, so a day that
    lands late (a backfill) re-adds all keys in date order to keep ranges meaning date ranges.
    """
    keys = landed_day_keys(root)
    known = list(instance.get_dynamic_partitions(landing_days.name))
    wanted = sorted({*known, *keys})
    if known == wanted[: len(known)]:
        instance.add_dynamic_partitions(landing_days.name, wanted[len(known) :])
    else:
        for key in known:
            instance.delete_dynamic_partition(landing_days.name, key)
        instance.add_dynamic_partitions(landing_days.name, wanted)
    return keys
