"""Point-in-time user features in polars: engagement, behaviour over a period, topic affinity.

Every function takes ``as_of`` and uses only rows dated on or before it.
"""
