"""features.* of the risk domain: what the bank knew at each payment's time."""

from pipelines.sql_asset import sql_asset

risk_payments = sql_asset("features", "risk_payments", by_day="partition_date", group="risk")
