"""Data-quality expectations (Great Expectations) over warehouse tables."""
