"""Ingest of landing files into DuckDB: raw lines -> typed staging rows with reasons -> core."""

from wealthgraph.ingest.layers import (
    FileCounts,
    LandingFileError,
    batches,
    build_core,
    build_staging,
    file_counts,
    ingest_landing,
    load_raw,
)

__all__ = [
    "FileCounts",
    "LandingFileError",
    "batches",
    "build_core",
    "build_staging",
    "file_counts",
    "ingest_landing",
    "load_raw",
]
