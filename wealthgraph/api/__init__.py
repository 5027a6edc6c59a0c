"""HTTP API over the published copy of the contract tables (``wealthgraph serve``)."""

from wealthgraph.api.app import create_app

__all__ = ["create_app"]
