"""My wealth (我的财富): advice rules over marts.wealth_summary."""
