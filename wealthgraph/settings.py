"""Where things live and the knobs of a run: one place, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
N = TypeVar("N", int, float)


def env_number(name: str, default: N, minimum: N, unit: str = "") -> N:
    """The number in environment variable ``name`` (``default`` when unset or blank), of the
    default's type and at least ``minimum``; a ValueError naming the variable otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    kind = type(default)
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not minimum <= value < float("inf"):
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}{unit} >= {minimum}, not {text!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Paths and dates of a run.

    ``WEALTHGRAPH_DATA`` names the landing folder (default: the bundled ``data_samples/``),
    and ``WEALTHGRAPH_DB`` the DuckDB file (default ``warehouse/wealthgraph.duckdb``); what
    readers see is published beside it.
    """

    landing: Path
    database: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            landing=Path(os.environ.get("WEALTHGRAPH_DATA", ROOT / "data_samples")).resolve(),
            database=Path(
                os.environ.get("WEALTHGRAPH_DB", ROOT / "warehouse" / "wealthgraph.duckdb")
            ).resolve(),
        )

    @property
    def published(self) -> Path:
        """Where the read-only published versions live: ``<db folder>/<db name>.published/``
        (``current`` points at the newest good one)."""
        return self.database.parent / f"{self.database.stem}.published"

    @property
    def dagster_home(self) -> Path:
        """Dagster's run history for this warehouse: ``DAGSTER_HOME`` when set, else
        ``<db folder>/<db name>.dagster/``, so that one UI never shows another warehouse's runs."""
        if home := os.environ.get("DAGSTER_HOME", "").strip():
            return Path(home).resolve()
        return self.database.parent / f"{self.database.stem}.dagster"


INSTANCE_CONFIG = ROOT / "dagster.yaml"


def use_dagster_home(settings: Settings) -> Path:
    """Point Dagster at ``settings.dagster_home`` (set ``DAGSTER_HOME``), creating it with the
    project's dagster.yaml (one run at a time, no telemetry) unless it already has its own."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_bytes(INSTANCE_CONFIG.read_bytes())
    os.environ["DAGSTER_HOME"] = str(home)
    return home
