"""Resources and settings of the code location, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from wealthgraph.settings import Settings
from wealthgraph.warehouse import connect


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file (``WEALTHGRAPH_DB``); connections come with its schemas made.
    Readers never open it: they read the copy published under ``published``.

    A run opens the file once and each asset gets a cursor of it (its own connection to the
    same database: its own transactions and temp tables). Opening the file and closing it
    (a checkpoint) per asset cost about a tenth of a daily run; the run lock makes this
    process the only writer anyway, and DuckDB's write-ahead log keeps each commit durable.
    """

    database: str
    published: str | None = None
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()

    def close(self) -> None:
        """Close the run's connection (a checkpoint); the next asset opens the file again."""
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    @property
    def published_root(self) -> Path:
        """Where published versions go (default: beside the database, see Settings)."""
        if self.published:
            return Path(self.published)
        database = Path(self.database)
        return database.parent / f"{database.stem}.published"

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._con is None:
            self._con = connect(self.database)
        cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


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
