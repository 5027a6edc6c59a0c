"""Daily partitions: one per landing day, starting at the first day that landed."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from wealthgraph import landing
from wealthgraph.settings import DEFAULT_START, Settings


def first_day(settings: Settings) -> dt.date:
    """``WEALTHGRAPH_START_DATE`` if set, else the earliest landed file's day."""
    if settings.start_date:
        return settings.start_date
    days = [d for s in landing.DAILY_SOURCES for d in landing.landed_days(settings.landing, s)]
    return min(days, default=DEFAULT_START)


def daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(start_date=first_day(settings).isoformat())
