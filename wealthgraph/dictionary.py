"""Render the data dictionary of a published version (its DuckDB comments) as Markdown.

    python -m wealthgraph.dictionary > docs/data_dictionary.md

reads the current published version (WEALTHGRAPH_DB's ``.published/current``); a test keeps
the committed file equal to what the bundled sample publishes.
"""

from __future__ import annotations

import duckdb

from wealthgraph.publish import connect_current
from wealthgraph.settings import Settings


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown: one section per published table, its description, then its columns."""
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() and not internal order by 1, 2"
    ).fetchall()
    lines = [
        "# Data dictionary",
        "",
        "What the published copy holds (generated from its DuckDB comments by",
        "`python -m wealthgraph.dictionary`; edit each table's `sql/<schema>/<name>.yml`, not",
        "this file).",
        "Ids only: no customer name, phone or ID number is published.",
        "",
    ]
    for schema, table, comment in tables:
        lines += [f"## {schema}.{table}", "", _cell(comment), "", "| column | type | meaning |"]
        lines.append("|---|---|---|")
        for column, kind, meaning in con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall():
            lines.append(f"| `{column}` | {_cell(kind)} | {_cell(meaning)} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    con, _ = connect_current(Settings.from_env().published)
    with con:
        print(render(con), end="")


if __name__ == "__main__":
    main()
