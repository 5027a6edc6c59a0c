"""Read the published copy for the API: follow ``current`` to new versions, query safely.

The API never opens the warehouse file (DuckDB allows one writer; a reader there would block
the pipeline or be blocked by it); it opens the immutable published version ``current`` points
at. Each request resolves the link (one ``readlink``: cheap) and, when a new version has been
published, the first request to notice opens it and every later request uses it. Requests
already running keep the ``Snapshot`` they started with, and with it the old connection, which
is closed when the last of them lets go of it (a version pruned meanwhile stays readable: an
unlinked file lives while it is open).

DuckDB connections are not thread-safe, so every query runs on its own ``cursor()`` (a few
microseconds); the database instance, its cache and its threads are shared.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wealthgraph.publish import SERVED, Published, read_manifest
from wealthgraph.warehouse import table_columns

# the contract tables the API serves; those kept in as_of slices are served at their latest
SERVED_TABLES = SERVED
OPEN_ATTEMPTS = 3


class NotPublished(RuntimeError):
    """Nothing has been published under the root yet."""


@dataclass(frozen=True)
class Snapshot:
    """One published version, opened: its manifest, a connection, and each table's latest
    as_of (fixed for a version, so looked up once when it is opened)."""

    target: str
    published: Published
    con: duckdb.DuckDBPyConnection
    latest: dict[str, dt.date | None]

    def rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        """Run one parameterized query on a fresh cursor; rows as dicts."""
        cursor = self.con.cursor()
        try:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def is_known(self, customer_id: str) -> bool:
        """Whether the latest profile slice has this customer (every customer has a profile)."""
        as_of = self.latest["marts.user_profile"]
        return bool(
            as_of
            and self.rows(
                "select 1 from marts.user_profile where customer_id = ? and as_of = ? limit 1",
                [customer_id, as_of],
            )
        )


class PublishedStore:
    """The published root, and the snapshot of the version ``current`` points at now."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def _target(self) -> str:
        try:
            return os.readlink(self.root / "current")
        except FileNotFoundError:
            raise NotPublished(
                f"nothing is published under {self.root.name} yet: run the pipeline "
                "(wealthgraph run) or publish the warehouse (wealthgraph publish)"
            ) from None

    def fresh(self) -> Snapshot | None:
        """The open snapshot if ``current`` still points at it, else None: one ``readlink``,
        never a query, so the event loop may call it."""
        snapshot = self._snapshot
        return snapshot if snapshot is not None and snapshot.target == self._target() else None

    def snapshot(self) -> Snapshot:
        """The current version, reopened when ``current`` has moved since the last request."""
        for _ in range(OPEN_ATTEMPTS):
            target = self._target()
            snapshot = self._snapshot
            if snapshot is not None and snapshot.target == target:
                return snapshot
            with self._lock:  # one request opens the new version; the others wait for it
                snapshot = self._snapshot
                if snapshot is not None and snapshot.target == target:
                    return snapshot
                try:
                    self._snapshot = _open(self.root, target)
                except (FileNotFoundError, duckdb.IOException):
                    # pruned between readlink and open (we fell several versions behind):
                    # the link has moved on, so read it again
                    continue
                return self._snapshot
        raise NotPublished(f"could not open the current version under {self.root.name}")


def _open(root: Path, target: str) -> Snapshot:
    published = read_manifest(root / target)
    con = duckdb.connect(str(published.database), read_only=True)
    latest = {
        table: con.execute(f"select max(as_of) from {table}").fetchone()[0]
        for table in SERVED_TABLES
        if "as_of" in table_columns(con, table)  # wealth_history is kept per month instead
    }
    return Snapshot(target=target, published=published, con=con, latest=latest)
