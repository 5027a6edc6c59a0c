"""Where things live and the knobs of a run: one place, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
