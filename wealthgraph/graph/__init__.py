"""Graph algorithms: per-node metrics and communities on a fast path (scipy, igraph), a networkx
baseline and converter for analysts, and people-you-may-know suggestions.

>>> from wealthgraph.graph import node_metrics, people_you_may_know, to_networkx
"""

from wealthgraph.graph.api import to_networkx
from wealthgraph.graph.communities import modularity
from wealthgraph.graph.compare import adjusted_rand_index
from wealthgraph.graph.metrics import node_metrics
from wealthgraph.graph.pymk import people_you_may_know
from wealthgraph.graph.reference import networkx_metrics

__all__ = [
    "adjusted_rand_index",
    "modularity",
    "networkx_metrics",
    "node_metrics",
    "people_you_may_know",
    "to_networkx",
]
