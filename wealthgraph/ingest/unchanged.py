"""A reference file that has not changed since it was last ingested is not ingested again.

Reference files land whole every day, and most days they are the same bytes. A reference
source's core table is a function of its file, the code and rules that check it, and the core
tables its lookups read (a friendship is accepted only between known customers), so its key
hashes all of these, its lookups' keys recursively. The key is stored when an ingest commits;
a run whose key equals the stored one leaves the source's rows as they are, which is what
ingesting the same file again would write.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import duckdb

from wealthgraph import landing
from wealthgraph.ingest.rules import staging_sql
from wealthgraph.landing import Source


@cache
def _code_digest() -> str:
    """The code that turns a file into rows (the contract and every ingest module): a change
    to it may change the rows of the same file."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in [package / "landing.py", *sorted((package / "ingest").glob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def reference_key(root: Path, source: Source) -> str | None:
    """The key of reference ``source``'s core table as its landed file would build it; None
    when its file, or a file its lookups depend on, is missing (then nothing is skipped)."""
    path = landing.source_path(root, source)
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(hashlib.file_digest(handle, "sha256").digest())
    digest.update(staging_sql(source).encode())
    digest.update(_code_digest().encode())
    for table in sorted(source.lookup_tables):
        lookup = reference_key(root, landing.SOURCES[table])
        if lookup is None:
            return None
        digest.update(lookup.encode())
    return digest.hexdigest()


def stored_key(con: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """The key stored by the source's last committed ingest (None: none stored)."""
    row = con.execute(
        "select content_key from raw.reference_keys where source = ?", [source.name]
    ).fetchone()
    return row[0] if row else None


def store_key(con: duckdb.DuckDBPyConnection, source: Source, key: str | None) -> None:
    """Store (or, with None, forget) the key of the source's ingest that just committed."""
    con.execute("delete from raw.reference_keys where source = ?", [source.name])
    if key is not None:
        con.execute("insert into raw.reference_keys values (?, ?)", [source.name, key])
