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

Sharded (``wealthgraph run --shards S``), each customer's rows are published by their shard,
``<db stem>.shards/shard-<k>.published`` (the same format as the hub's root), and
``ShardedStore`` holds one ``PublishedStore`` per shard: ``for_customer`` picks the customer's
(``wealthgraph.shards.shard_of``), with S read from the layout file ``shards.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wealthgraph.publish import SERVED, Published, read_manifest
from wealthgraph.shards import shard_of
from wealthgraph.warehouse import table_columns

# the contract tables the API serves; those kept in as_of slices are served at their latest
SERVED_TABLES = SERVED
OPEN_ATTEMPTS = 3
# what to run when nothing is published under the hub's root
PUBLISH_FIX = "run the pipeline (wealthgraph run) or publish the warehouse (wealthgraph publish)"
# the shards' layout file, written by pipelines.shards.build_shards: {"shards": S, ...}
LAYOUT = "shards.json"


class NotPublished(RuntimeError):
    """Nothing servable is published under the root yet (or, sharded, no shard layout or
    nothing under the customer's shard): the API answers 503 with the message."""


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
    """The published root, and the snapshot of the version ``current`` points at now.

    ``name``: how errors name the root (default: its folder's name); ``fix``: what to run
    when nothing is published there."""

    def __init__(self, root: Path, *, name: str | None = None, fix: str = PUBLISH_FIX) -> None:
        self.root = Path(root)
        self.name = name or self.root.name
        self.fix = fix
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def _target(self) -> str:
        try:
            return os.readlink(self.root / "current")
        except FileNotFoundError:
            raise NotPublished(f"nothing is published under {self.name} yet: {self.fix}") from None

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
                except MissingTables as error:
                    raise NotPublished(
                        f"the current version under {self.name} ({target}) does not hold "
                        f"{', '.join(error.tables)}: {self.fix}"
                    ) from None
                return self._snapshot
        raise NotPublished(f"could not open the current version under {self.name}")


class MissingTables(LookupError):
    """A published version without every table the API serves (a shard published before its
    build published them all)."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(", ".join(tables))
        self.tables = tables


def _open(root: Path, target: str) -> Snapshot:
    published = read_manifest(root / target)
    # the manifest lists what the version holds: refuse one that would fail a route later
    if missing := [table for table in SERVED_TABLES if table not in published.tables]:
        raise MissingTables(missing)
    con = duckdb.connect(str(published.database), read_only=True)
    latest = {
        table: con.execute(f"select max(as_of) from {table}").fetchone()[0]
        for table in SERVED_TABLES
        if "as_of" in table_columns(con, table)  # wealth_history is kept per month instead
    }
    return Snapshot(target=target, published=published, con=con, latest=latest)


@dataclass(frozen=True)
class _Layout:
    """One reading of ``shards.json``: the file's identity, S, and a store per shard."""

    key: tuple[int, int, int]
    stores: tuple[PublishedStore, ...]


class ShardedStore:
    """The customer shards under ``shards_dir`` (``<db stem>.shards``): one ``PublishedStore``
    per ``shard-<k>.published``, the number of shards S from ``shards.json``.

    The layout file is checked on every call (one ``stat``, like the ``readlink`` of
    ``current``) and read again when it has changed, so a server started before the first
    sharded build, or kept running across a change of S, routes by the layout on disk; the
    shards' open versions are kept while S stays the same.
    Missing or malformed, or a shard with nothing published: ``NotPublished`` naming what to
    run.

    Examples
    --------
    >>> from pathlib import Path
    >>> store = ShardedStore(Path("warehouse/wealthgraph.shards"))
    >>> store.for_customer("C0000003").snapshot().published.version  # doctest: +SKIP
    'v20261206T060225241197Z'
    """

    def __init__(self, shards_dir: Path) -> None:
        self.dir = Path(shards_dir)
        self.layout_file = self.dir / LAYOUT
        self._lock = threading.Lock()
        self._layout: _Layout | None = None

    def stores(self) -> tuple[PublishedStore, ...]:
        """One store per shard, shard k at index k, as the layout file says now."""
        try:
            stat = os.stat(self.layout_file)
        except (FileNotFoundError, NotADirectoryError):
            raise NotPublished(
                f"no shard layout {self.layout_file}: build the shards (wealthgraph run "
                "--shards S) or serve without them"
            ) from None
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        layout = self._layout
        if layout is None or layout.key != key:
            with self._lock:  # one request reads a changed layout; the others wait for it
                layout = self._layout
                if layout is None or layout.key != key:
                    shards = self._count()
                    # rewritten with the same S (every rebuild writes it): keep the open shards
                    same = layout is not None and len(layout.stores) == shards
                    stores = layout.stores if same else self._shard_stores(shards)
                    layout = self._layout = _Layout(key, stores)
        return layout.stores

    @property
    def shards(self) -> int:
        """S, the number of shards the layout file names now."""
        return len(self.stores())

    def store(self, shard: int) -> PublishedStore:
        """The store of shard ``shard`` (0 .. S - 1)."""
        stores = self.stores()
        if not 0 <= shard < len(stores):
            raise IndexError(f"no shard {shard}: the layout has {len(stores)}")
        return stores[shard]

    def for_customer(self, customer_id: str) -> PublishedStore:
        """The store of the shard that holds ``customer_id`` (``shard_of``)."""
        stores = self.stores()
        return stores[shard_of(customer_id, len(stores))]

    def _count(self) -> int:
        fix = "rebuild the shards (wealthgraph run --shards S)"
        try:
            layout = json.loads(self.layout_file.read_text(encoding="utf-8"))
        except FileNotFoundError:  # replaced between the stat and the read: the next call
            raise NotPublished(f"no shard layout {self.layout_file}: {fix}") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise NotPublished(
                f"the shard layout {self.layout_file} is not JSON ({reason}): {fix}"
            ) from None
        shards = layout.get("shards") if isinstance(layout, dict) else None
        # bool is an int in Python: {"shards": true} is no count
        if not isinstance(shards, int) or isinstance(shards, bool) or shards < 1:
            raise NotPublished(
                f'the shard layout {self.layout_file} has no "shards": S (a whole number, at '
                f"least 1), it has {json.dumps(layout)[:80]}: {fix}"
            )
        return shards

    def _shard_stores(self, shards: int) -> tuple[PublishedStore, ...]:
        return tuple(
            PublishedStore(
                self.dir / f"shard-{k}.published",
                name=f"{self.dir.name}/shard-{k}.published (shard {k} of {shards})",
                fix=f"build the shards (wealthgraph run --shards {shards})",
            )
            for k in range(shards)
        )
