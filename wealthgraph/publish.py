"""Publish the contract tables as a read-only copy that readers never see half-written.

Each publish writes a new version folder (a DuckDB file, Parquet files and a manifest) beside
the previous ones, then points the ``current`` symlink at it with one atomic rename. A reader
resolves ``current`` once and opens that version's file, so it sees one whole version however
long it reads; a failed or interrupted publish leaves ``current`` on the last good version,
and the next publish clears what it left behind.

Tables kept by run date (an ``as_of`` column, one slice per date) would grow by a slice every
day, so the DuckDB file holds their latest slice, the one the app serves, and the Parquet
folder their history, one file per slice. Only a run as of a date writes that date's slice, so
a slice older than the run's date is taken from the previous version as a hard link: a daily
publish writes one slice per table, however long the history.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wealthgraph import catalog
from wealthgraph.landing import PERSONAL_FIELDS
from wealthgraph.settings import env_number
from wealthgraph.warehouse import table_columns

DATABASE_NAME = "wealthgraph.duckdb"
KEEP_VERSIONS = 3
KEEP_VERSIONS_ENV = "WEALTHGRAPH_KEEP_VERSIONS"

# the tables the API looks up by customer: published sorted by customer_id, so that one
# customer's rows sit in one row group and a lookup reads one instead of many
SERVED = (
    "marts.user_profile",
    "marts.recommendations",
    "marts.wealth_summary",
    "marts.wealth_advice",
    "marts.wealth_history",
    "marts.social_map",
)
# what the app and the analysts read; columns listed are withheld: staff names are personal
# too, and group names are chosen by customers ("朱家亲友群" names a family)
PUBLISHED: dict[str, tuple[str, ...]] = {
    **{
        f"marts.{name}": ()
        for name in (
            "user_profile",
            "social_map",
            "wealth_summary",
            "wealth_history",
            "wealth_advice",
            "recommendations",
            "rm_performance",
            "lead_pool",
            "content_spread",
            "group_activity",
            "scenario_payments",
            "kpi_daily",
            "risk_signals",
            "alerts",
        )
    },
    **{
        f"features.{name}": ()
        for name in (
            "manager_inquiries",
            "recommendation_outcomes",
            "content_touches",
            "content_conversions",
            # what each scored payment's rules and model saw, for the investigator
            "risk_payments",
        )
    },
    "quality.recommendation_eval": (),
    "quality.ingest_audit": (),
    "quality.landing_files": (),
    "core.products": (),
    "core.articles": (),
    "core.branches": (),
    "core.groups": ("name",),
    "core.managers": ("name",),
    # ids, relation and evidence counts: what wealthgraph.graph.ego reads
    "graph.edges": (),
    "graph.social_credit": (),
}
# published when the run made them: the evaluation needs a few weeks of history
OPTIONAL = {"quality.recommendation_eval"}
# columns called like personal fields that name a thing, not a person
NOT_PERSONAL = {("core.products", "name"), ("core.branches", "name")}


@dataclass(frozen=True)
class Published:
    """One published version: where it is and what it holds."""

    path: Path
    version: str
    published_at: dt.datetime
    as_of: str | None
    tables: dict[str, int]
    # table kept by run date -> {as_of: rows} of its Parquet slices
    slices: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.path / DATABASE_NAME

    def age_seconds(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.UTC)
        return (now - self.published_at).total_seconds()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _describe(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    described = catalog.table(table)
    con.execute(f"comment on table pub.{table} is {_quote(described.description)}")
    for column in columns:
        if text := described.column(column):
            con.execute(f'comment on column pub.{table}."{column}" is {_quote(text)}')


def keep_versions() -> int:
    """How many published versions to keep: ``WEALTHGRAPH_KEEP_VERSIONS`` (default 3)."""
    return env_number(KEEP_VERSIONS_ENV, KEEP_VERSIONS, 1)


def publish(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    keep: int | None = None,
    since: dt.date | None = None,
    tables: dict[str, tuple[str, ...]] | None = None,
) -> Published:
    """Copy the contract tables from the warehouse ``con`` into a new version under ``root`` and
    make it current, keeping the newest ``keep`` versions (default: ``keep_versions()``).

    ``since``: the date of the run that built the tables; slices older than it are unchanged
    since the current version and are linked from it (None: write every slice).
    ``tables``: table -> withheld columns to publish (default: PUBLISHED; a customer shard
    publishes the per-customer tables it holds).
    Raises before switching if a table is missing or carries personal data."""
    keep = keep_versions() if keep is None else keep
    if keep < 1:
        raise ValueError(f"keep at least the current version, not {keep}")
    root.mkdir(parents=True, exist_ok=True)
    _prune_leftovers(root)
    previous = _current_or_none(root) if since is not None else None
    published_at = dt.datetime.now(dt.UTC)
    version = published_at.strftime("v%Y%m%dT%H%M%S%fZ")
    staging = root / f".{version}.partial"
    (staging / "parquet").mkdir(parents=True)
    try:
        tables, slices = _write_version(con, staging, previous, since, tables or PUBLISHED)
        as_of = con.execute("select max(as_of)::varchar from marts.user_profile").fetchone()[0]
        manifest = {
            "version": version,
            "published_at": published_at.isoformat(),
            "as_of": as_of,
            "tables": tables,
            "slices": slices,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = root / version
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch(root, version)
    _prune(root, keep)
    return read_manifest(final)


def _write_version(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    previous: Published | None,
    since: dt.date | None,
    wanted: dict[str, tuple[str, ...]],
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    con.execute(f"attach {_quote(str(staging / DATABASE_NAME))} as pub")
    try:
        tables, slices = {}, {}
        for table, withheld in wanted.items():
            columns = [c for c in table_columns(con, table) if c not in withheld]
            if not columns and table in OPTIONAL:
                continue
            if not columns:
                raise LookupError(f"cannot publish {table}: the warehouse has no such table")
            personal = sorted(
                c for c in columns if c in PERSONAL_FIELDS and (table, c) not in NOT_PERSONAL
            )
            if personal:
                raise ValueError(f"refusing to publish personal data: {table}.{personal}")
            schema = table.split(".")[0]
            con.execute(f"create schema if not exists pub.{schema}")
            select = ", ".join(f'"{c}"' for c in columns)
            order = " order by customer_id" if table in SERVED else ""
            sliced = "as_of" in columns
            latest = f" where as_of = (select max(as_of) from {table})" if sliced else ""
            con.execute(f"create table pub.{table} as select {select} from {table}{latest}{order}")
            _describe(con, table, columns)
            if sliced:
                slices[table] = _write_slices(con, table, select, order, staging, previous, since)
            else:
                parquet = staging / "parquet" / f"{table}.parquet"
                con.execute(f"copy pub.{table} to {_quote(str(parquet))} (format parquet)")
            tables[table] = con.execute(f"select count(*) from pub.{table}").fetchone()[0]
        return tables, slices
    finally:
        con.execute("detach pub")


def _write_slices(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: str,
    order: str,
    staging: Path,
    previous: Published | None,
    since: dt.date | None,
) -> dict[str, int]:
    """Write ``parquet/<table>/as_of=<date>.parquet`` for every slice of ``table``, linking
    each slice older than ``since`` that the ``previous`` version holds with the same rows."""
    folder = staging / "parquet" / table
    folder.mkdir()
    counts = dict(
        con.execute(f"select as_of::varchar, count(*) from {table} group by all").fetchall()
    )
    kept = previous.slices.get(table, {}) if previous is not None else {}
    latest = max(counts, default=None)
    for as_of, rows in sorted(counts.items()):
        name = f"as_of={as_of}.parquet"
        target = folder / name
        if since is not None and as_of < since.isoformat() and kept.get(as_of) == rows:
            try:
                os.link(previous.path / "parquet" / table / name, target)
                continue
            except OSError:  # gone, or a file system without hard links: write it again
                pass
        # the latest slice is the one just copied into the DuckDB file, sorted already
        rows_of = (
            f"pub.{table}"
            if as_of == latest
            else f"(select {select} from {table} where as_of = {_quote(as_of)}::date{order})"
        )
        con.execute(f"copy {rows_of} to {_quote(str(target))} (format parquet)")
    return counts


def _current_or_none(root: Path) -> Published | None:
    try:
        return current(root)
    except (FileNotFoundError, KeyError, ValueError):
        return None


def _switch(root: Path, version: str) -> None:
    # a symlink renamed over the old one: the switch is one atomic rename(2)
    link = root / f".current.{version}"
    link.symlink_to(version)
    os.replace(link, root / "current")


def _prune(root: Path, keep: int) -> None:
    """Keep the current version and the newest others up to ``keep``; clear leftovers."""
    _prune_leftovers(root)
    current = (root / "current").resolve().name
    versions = sorted(p for p in root.glob("v*") if p.is_dir() and p.name != current)
    for old in versions[: max(0, len(versions) - (keep - 1))]:
        # readers that already opened an old file keep reading it: unlinking does not close it
        shutil.rmtree(old, ignore_errors=True)


def _prune_leftovers(root: Path) -> None:
    """Remove what an interrupted publish left: ``.v*.partial`` folders and ``.current.v*``
    links. Only the one process that writes the warehouse publishes (DuckDB's single writer,
    and ``wealthgraph run``/``publish`` take the run lock), so none of them is in use."""
    for link in root.glob(".current.v*"):
        if link.is_symlink():
            link.unlink(missing_ok=True)
    for partial in root.glob(".v*.partial"):
        shutil.rmtree(partial, ignore_errors=True)


def read_manifest(path: Path) -> Published:
    data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return Published(
        path=path,
        version=data["version"],
        published_at=dt.datetime.fromisoformat(data["published_at"]),
        as_of=data.get("as_of"),
        tables=data["tables"],
        slices=data.get("slices", {}),
    )


def current(root: Path) -> Published:
    """The version ``root/current`` points at now (resolved once: keep using what it returns)."""
    link = root / "current"
    if not link.exists():
        raise FileNotFoundError(
            f"nothing published under {root} yet: run the pipeline (make run) first"
        )
    return read_manifest(link.resolve())


def connect_current(root: Path) -> tuple[duckdb.DuckDBPyConnection, Published]:
    """A read-only connection to the current version, and that version."""
    version = current(root)
    return duckdb.connect(str(version.database), read_only=True), version
