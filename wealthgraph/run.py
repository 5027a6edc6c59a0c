"""What ``wealthgraph run`` prints at its end: the warehouse summary and the published version.

Dagster-free; the run itself (the jobs, under the run lock) is pipelines.run.
"""

from __future__ import annotations

from wealthgraph.settings import Settings


def summary(settings: Settings) -> str:
    """Row counts of every warehouse table, what was quarantined, and every landing file the
    run did not ingest, with its reason."""
    from wealthgraph.warehouse import connect

    con = connect(settings.database)
    try:
        names = con.execute(
            """
            select schema_name || '.' || table_name from duckdb_tables()
            where schema_name in ('core', 'graph', 'features', 'marts') order by 1
            """
        ).fetchall()
        tables = [(n, con.execute(f"select count(*) from {n}").fetchone()[0]) for (n,) in names]
        if not con.execute(
            "select count(*) from duckdb_views() where view_name = 'ingest_audit'"
        ).fetchone()[0]:
            return f"warehouse {settings.database}: no quality views yet (the run stopped early)"
        audit = con.execute(
            "select sum(rows_in), sum(rows_accepted), sum(rows_quarantined) "
            "from quality.ingest_audit"
        ).fetchone()
        reasons = con.execute(
            """
            select source, regexp_extract(reason, '^[^:]*') as reason, count(*) as n
            from quality.quarantine group by all order by n desc limit 8
            """
        ).fetchall()
        left = []
        if con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'quality' "
            "and table_name = 'landing_files'"
        ).fetchone()[0]:
            left = con.execute(
                "select status, file_name, reason from quality.landing_files "
                "where status <> 'ingest' order by status desc, file_name"
            ).fetchall()
    finally:
        con.close()
    lines = [f"warehouse {settings.database}"]
    lines += [f"  {name:<34} {rows:>12,} rows" for name, rows in tables]
    lines.append(
        f"  ingest: {audit[0]:,} lines in = {audit[1]:,} accepted + {audit[2]:,} quarantined"
    )
    lines += [f"    quarantined {source}: {reason} x{n:,}" for source, reason, n in reasons]
    lines += [
        f"  {'WARNING: ' if status == 'refused' else ''}{status} {name}: {reason}"
        for status, name, reason in left
    ]
    return "\n".join(lines)


def published_line(settings: Settings) -> str:
    """The current published version beside the warehouse, as one line."""
    from wealthgraph.publish import current

    try:
        version = current(settings.published)
    except FileNotFoundError:
        return f"published: nothing yet under {settings.published}"
    return f"published: {version.version} (as of {version.as_of}) at {version.path}"
