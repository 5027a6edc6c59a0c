"""Resources and settings of the code location, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from wealthgraph.settings import Settings
from wealthgraph.warehouse import connect


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file (``WEALTHGRAPH_DB``); connections come with its schemas made.
    Readers never open it: they read the copy published under ``published``."""

    database: str
    published: str | None = None

    @property
    def published_root(self) -> Path:
        """Where published versions go (default: beside the database, see Settings)."""
        if self.published:
            return Path(self.published)
        database = Path(self.database)
        return database.parent / f"{database.stem}.published"

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.database)
        try:
            yield con
        finally:
            con.close()


class LandingFolder(dg.ConfigurableResource):
    """The landing folder the ingest assets read (``WEALTHGRAPH_DATA``)."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The warehouse (one DuckDB file, one writer) and the landing folder."""
    return {
        "warehouse": Warehouse(database=str(settings.database), published=str(settings.published)),
        "landing_folder": LandingFolder(path=str(settings.landing)),
    }
