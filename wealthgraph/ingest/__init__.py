"""Ingest of landing files into DuckDB: raw lines -> typed staging rows with reasons -> core."""

from wealthgraph.ingest.layers import (
    FileCounts,
    LandingFileError,
    build_core,
    build_staging,
    file_counts,
    load_raw,
)

__all__ = [
    "FileCounts",
    "LandingFileError",
    "build_core",
    "build_staging",
    "file_counts",
    "load_raw",
]
