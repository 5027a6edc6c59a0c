"""Load a customer's ego graph from the published copy as a networkx graph, in one call."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from wealthgraph.graph.api import to_networkx
from wealthgraph.publish import current
from wealthgraph.settings import Settings

EDGE_ATTRIBUTES = (
    "edge_kind",
    "relation",
    "tie_strength",
    "messages_src_to_dst",
    "messages_dst_to_src",
    "transfer_count",
    "transfer_amount",
    "red_packet_count",
    "aa_bill_count",
    "shared_groups",
    "last_interaction_at",
)


def ego_graph(customer_id: str, radius: int = 1, database: Path | str | None = None) -> nx.Graph:
    """The customer's neighbourhood within ``radius`` hops in ``graph.edges`` (read-only).

    ``database`` defaults to the current published version (WEALTHGRAPH_DB's
    ``.published/current``), never the file the pipeline writes; pass a path to read another
    DuckDB file with a ``graph.edges`` table.

    Edge attributes carry the evidence (relation, messages, transfers, shared groups) and
    ``weight`` the tie strength. Only the neighbourhood is read, so it stays fast on a graph
    of millions of edges. Raises KeyError for a customer with no edges, FileNotFoundError
    when nothing is published yet and LookupError when ``database`` has no ``graph.edges``.

    Examples
    --------
    >>> G = ego_graph("C0000001")  # doctest: +SKIP
    >>> sorted(G["C0000001"].items(), key=lambda kv: -kv[1]["weight"])[:3]  # doctest: +SKIP
    """
    import duckdb

    database = database or current(Settings.from_env().published).database
    con = duckdb.connect(str(database), read_only=True)
    try:
        if not con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'graph' "
            "and table_name = 'edges'"
        ).fetchone()[0]:
            # versions published before graph.edges joined the published tables
            raise LookupError(f"no graph.edges in {database}: publish again (wealthgraph publish)")
        con.execute("create temp table ring as select ?::varchar as node_id", [customer_id])
        for _ in range(radius):
            con.execute(
                """
                insert into ring
                select distinct e.dst_id from graph.edges e join ring r on e.src_id = r.node_id
                union
                select distinct e.src_id from graph.edges e join ring r on e.dst_id = r.node_id
                except select node_id from ring
                """
            )
        edges = con.execute(
            f"""
            select src_id, dst_id, tie_strength as weight, {", ".join(EDGE_ATTRIBUTES)}
            from graph.edges
            where src_id in (select node_id from ring) and dst_id in (select node_id from ring)
            """
        ).pl()
    finally:
        con.close()
    if edges.is_empty():
        raise KeyError(f"{customer_id} has no edges in graph.edges of {database}")
    return to_networkx(edges, attrs=EDGE_ATTRIBUTES)
