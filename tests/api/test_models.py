"""The API describes its fields with the words of the tables' .yml files."""

from __future__ import annotations

from wealthgraph import catalog
from wealthgraph.api.models import Advice, SocialMap, WealthSummary


def _described(model) -> dict[str, str | None]:
    return {
        name: spec.get("description")
        for name, spec in model.model_json_schema()["properties"].items()
    }


def test_fields_that_are_columns_are_described_as_the_column():
    for model, table in (
        (SocialMap, "marts.social_map"),
        (WealthSummary, "marts.wealth_summary"),
        (Advice, "marts.wealth_advice"),
    ):
        columns = catalog.table(table).columns
        shown = _described(model)
        for name in set(shown) & set(columns) - {"as_of"}:
            assert shown[name] == columns[name], f"{model.__name__}.{name}"


def test_every_wealth_summary_field_is_described():
    assert all(_described(WealthSummary).values())
