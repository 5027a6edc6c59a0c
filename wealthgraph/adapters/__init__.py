"""Adapters that turn real public datasets into the landing format (wealthgraph.landing)."""
