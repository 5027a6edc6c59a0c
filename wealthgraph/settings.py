"""Where things live and the knobs of a run: one place, read from the environment."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_START = dt.date(2025, 1, 1)


@dataclass(frozen=True)
class Settings:
    """Paths and dates of a run.

    ``WEALTHGRAPH_DATA`` names the landing folder (default: the bundled ``data_samples/``),
    ``WEALTHGRAPH_DB`` the DuckDB file (default ``warehouse/wealthgraph.duckdb``) and
    ``WEALTHGRAPH_START_DATE`` the first daily partition (default: the first landed day).
    """

    landing: Path
    database: Path
    start_date: dt.date | None

    @classmethod
    def from_env(cls) -> Settings:
        start = os.environ.get("WEALTHGRAPH_START_DATE")
        return cls(
            landing=Path(os.environ.get("WEALTHGRAPH_DATA", ROOT / "data_samples")).resolve(),
            database=Path(
                os.environ.get("WEALTHGRAPH_DB", ROOT / "warehouse" / "wealthgraph.duckdb")
            ).resolve(),
            start_date=dt.date.fromisoformat(start) if start else None,
        )
