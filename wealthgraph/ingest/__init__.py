"""Ingest of landing files into DuckDB: lines -> typed rows with reasons -> raw, staging, core."""

from wealthgraph.ingest.layers import (
    FileCounts,
    LandedBatch,
    LandingFileError,
    batches,
    file_counts,
    ingest_batches,
    ingest_landing,
    ingest_source,
    read_batch,
    write_batch,
)

__all__ = [
    "FileCounts",
    "LandedBatch",
    "LandingFileError",
    "batches",
    "file_counts",
    "ingest_batches",
    "ingest_landing",
    "ingest_source",
    "read_batch",
    "write_batch",
]
