"""marts.content_spread, group_activity, scenario_payments and kpi_daily: marketing analytics."""
