"""What every table is: ``sql/<schema>/<name>.yml`` read once (the format: ``sql/README.md``).

The Dagster assets and checks, the published copy's COMMENTs, docs/data_dictionary.md and the
API's field descriptions all take their words from here, so a table is described once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from wealthgraph.landing import SOURCES
from wealthgraph.settings import ROOT

SQL = ROOT / "sql"
# raw.<source> and staging.<source> have one shape for every landing source
SOURCE_TEMPLATE = "_source.yml"
TEMPLATED = ("raw", "staging")
# where a template puts the source's typed fields
FIELDS = "{fields}"


@dataclass(frozen=True)
class Table:
    """One table's description: what a row is, its key, its columns and its checks."""

    name: str
    description: str
    grain: tuple[str, ...]
    columns: dict[str, str]
    checks: dict[str, str]

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    def column(self, column: str) -> str | None:
        """The description of ``column``, or None when the table has no such column."""
        return self.columns.get(column)


class CatalogError(ValueError):
    """A description file that does not say what a table is."""


def _read(path: Path) -> dict:
    try:
        entry = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CatalogError(f"{path.relative_to(ROOT)} is not valid YAML: {error}") from None
    if not isinstance(entry, dict):
        raise CatalogError(f"{path.relative_to(ROOT)} must be a mapping, not {type(entry)}")
    missing = {"description", "grain", "columns"} - set(entry)
    if missing:
        raise CatalogError(f"{path.relative_to(ROOT)} misses {', '.join(sorted(missing))}")
    return entry


def _table(name: str, entry: dict) -> Table:
    return Table(
        name=name,
        description=str(entry["description"]).strip(),
        grain=tuple(entry["grain"] or ()),
        columns={str(k): str(v).strip() for k, v in (entry["columns"] or {}).items()},
        checks={str(k): str(v).strip() for k, v in (entry.get("checks") or {}).items()},
    )


def _from_template(schema: str, source: str, core: Table | None) -> Table:
    template = _read(SQL / schema / SOURCE_TEMPLATE)
    table = _table(f"{schema}.{source}", template)
    described = core.columns if core else {}
    columns: dict[str, str] = {}
    for column, text in table.columns.items():
        if column == FIELDS:
            # the landing fields, typed, described where the accepted rows are: core.<source>
            columns |= {f: described.get(f, "") for f in SOURCES[source].fields}
        else:
            columns[column] = text.format(source=source)
    return Table(
        name=table.name,
        description=table.description.format(source=source),
        grain=table.grain,
        columns=columns,
        checks={k: v.format(source=source) for k, v in table.checks.items()},
    )


@cache
def tables() -> dict[str, Table]:
    """Every described table by ``schema.name``, in schema and name order."""
    found: dict[str, Table] = {}
    for path in sorted(SQL.glob("*/*.yml")):
        if path.name.startswith("_"):
            continue
        name = f"{path.parent.name}.{path.stem}"
        found[name] = _table(name, _read(path))
    for schema in TEMPLATED:
        for source in SOURCES:
            found[f"{schema}.{source}"] = _from_template(
                schema, source, found.get(f"core.{source}")
            )
    return dict(sorted(found.items()))


def table(name: str) -> Table:
    """The description of table ``name`` ("schema.table"); a clear error when it has none."""
    try:
        return tables()[name]
    except KeyError:
        schema, _, short = name.partition(".")
        raise CatalogError(
            f"{name} is not described: write sql/{schema}/{short}.yml (see sql/README.md)"
        ) from None
