"""Serving: the read-only copy the app and the analysts read."""
