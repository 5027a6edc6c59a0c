"""Relationship-manager analytics: what managers do for their book, and the lead pool."""
