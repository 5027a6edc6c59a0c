"""Asset metadata helpers shared by every domain."""

from __future__ import annotations

import dagster as dg
import polars as pl


def preview_metadata(frame: pl.DataFrame) -> dg.MetadataValue:
    """A few rows as a Markdown table for the Dagster UI (callers drop personal data first)."""
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * frame.width + "\n"
    rows = "\n".join("| " + " | ".join(map(str, row)) + " |" for row in frame.iter_rows())
    return dg.MetadataValue.md(header + rows)
