"""sql/quality/edges_violations.sql: the sample's graph passes, and each kind of bad pair fails."""

from __future__ import annotations

import shutil

import duckdb

from wealthgraph.sql import violation_counts


def test_bad_pairs_are_named_and_the_sample_has_none(sample_warehouse, tmp_path):
    database = tmp_path / "wh.duckdb"
    shutil.copy(sample_warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        assert violation_counts(con, "edges").height == 0
        one, other = con.execute(
            "select min(customer_id), max(customer_id) from core.customers"
        ).fetchone()
        con.execute(
            """
            insert into graph.edges by name
            select e.* exclude (src_id, dst_id), bad.src_id, bad.dst_id
            from (select * from graph.edges where edge_kind = 'customer' limit 1) e,
                (values ($1, $1), ($2, $1), ('nobody', $1)) bad(src_id, dst_id)
            """,
            [one, other],
        )
        counts = violation_counts(con, "edges")
    assert counts["check_name"].to_list() == ["endpoints_known_no_self_loops"]
    assert counts["violations"].item() == 3
    assert f"{one}-{one}" in counts["examples"].item()
