"""Marketing analytics: content spread, groups, payment scenarios and daily KPIs."""
