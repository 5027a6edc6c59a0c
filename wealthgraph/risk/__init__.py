"""Payment risk (事中风控): rules, a model and decision bands over features.risk_payments."""
