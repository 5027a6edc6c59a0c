"""Response shapes of the HTTP API: ids and figures only, never a name, phone or ID number.

Each customer response derives from ``Served`` (whose data, which slice, which published
version). The columns a query selects are the fields of these models (see ``columns``), so a
model and its SQL cannot drift apart. Money is a JSON number (``DECIMAL(38,2)`` cast to float:
exact to the cent below 10^13) because app clients parse numbers, not decimal strings.
Figures are nullable where the tables are (a customer without activity has no ratio).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, Field

from wealthgraph import catalog

T = TypeVar("T")
M = TypeVar("M", bound=type[BaseModel])


def _none_to_empty(value: object) -> object:
    return [] if value is None else value


# DuckDB aggregates give NULL, not [], for "nothing": the API always answers a list
Items = Annotated[list[T], BeforeValidator(_none_to_empty)]


def described_by(table: str):
    """Describe a model's fields that are columns of ``table`` as its .yml does (the API docs
    and the data dictionary say the same thing); fields described here keep their words."""

    def describe(model: M) -> M:
        columns = catalog.table(table)
        for name, field in model.model_fields.items():
            if field.description is None:
                field.description = columns.column(name)
        model.model_rebuild(force=True)
        return model

    return describe


class RecommendationKind(StrEnum):
    product = "product"
    loan = "loan"
    topic = "topic"
    activity = "activity"
    friend = "friend"


class Problem(BaseModel):
    """Every error: what went wrong, in one sentence."""

    detail: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = Field(description="the published version served now")
    as_of: dt.date | None = Field(description="the data's as-of date (latest profile slice)")
    published_at: dt.datetime
    age_seconds: float = Field(description="seconds since that version was published")


class Served(BaseModel):
    customer_id: str
    as_of: dt.date | None = Field(description="the slice served: the table's latest as_of")
    version: str = Field(description="the published version the answer was read from")


@described_by("marts.recommendations")
class Recommendation(BaseModel):
    kind: RecommendationKind
    rank: int
    item_id: str
    score: float
    reasons: Items[str]
    model_version: str
    generated_at: dt.datetime


class Recommendations(Served):
    recommendations: list[Recommendation]


class Person(BaseModel):
    rank: int
    customer_id: str = Field(description="the suggested customer (an id only)")
    score: float
    reasons: Items[str] = Field(description='e.g. "3 mutual friends, 1 shared group"')
    model_version: str


class PeopleYouMayKnow(Served):
    people: list[Person]


class ClassShare(BaseModel):
    product_class: str
    amount: float | None
    share: float | None


class RiskShare(BaseModel):
    risk_level: str | None
    amount: float | None
    share: float | None


class CategoryFlow(BaseModel):
    category: str
    amount_1m: float | None
    amount_3m: float | None


@described_by("marts.wealth_summary")
class WealthSummary(BaseModel):
    total_assets: float | None
    total_liabilities: float | None
    net_worth: float | None
    allocation_by_class: Items[ClassShare]
    allocation_by_risk: Items[RiskShare]
    net_worth_change_1m: float | None
    net_worth_change_3m: float | None
    net_worth_change_ytd: float | None
    income_1m: float | None
    spending_1m: float | None
    income_3m: float | None
    spending_3m: float | None
    income_by_category: Items[CategoryFlow]
    spending_by_category: Items[CategoryFlow]
    savings_rate: float | None
    monthly_spending: float | None
    liquid_months: float | None
    idle_cash: float | None
    maturing_products_30d: int | None
    maturing_amount_30d: float | None
    risk_tolerance: str | None
    max_held_risk_level: str | None
    is_risk_mismatch: bool | None
    concentration_share: float | None
    debt_to_asset_ratio: float | None
    has_overdue_loan: bool | None


@described_by("marts.wealth_advice")
class Advice(BaseModel):
    rule_id: str
    passed: bool | None
    message: str | None
    value: float | None
    threshold: float | None


@described_by("marts.wealth_history")
class HistoryMonth(BaseModel):
    month: dt.date
    snapshot_date: dt.date | None
    assets: float | None
    liabilities: float | None
    net_worth: float | None


class Wealth(Served):
    summary: WealthSummary
    advice: list[Advice]
    history: list[HistoryMonth] = Field(description="month-end net worth, oldest first")


class Contact(BaseModel):
    contact_id: str
    kind: str | None = Field(description="customer or manager")
    relation: str | None
    tie_strength: float | None
    messages: int | None
    money_transfers: int | None
    shared_groups: int | None


class GroupRef(BaseModel):
    group_id: str
    kind: str | None
    topic: str | None


class TopicReads(BaseModel):
    topic: str | None
    reads: int | None


class CategoryPayments(BaseModel):
    category: str | None
    payments: int | None
    amount: float | None


class Channels(BaseModel):
    app: int | None
    web: int | None
    mini_program: int | None


class Hours(BaseModel):
    morning: int | None
    afternoon: int | None
    evening: int | None
    night: int | None


@described_by("marts.social_map")
class SocialMap(Served):
    friends: int | None
    customer_contacts: int | None
    top_contacts: Items[Contact]
    community_id: int | None
    community_size: int | None
    community_topics: Items[str]
    groups: Items[GroupRef]
    pagerank: float | None
    influence_rank: int | None
    influence_percentile: float | None
    degree: int | None
    weighted_degree: float | None
    clustering: float | None
    active_days: int | None
    active_days_change: int | None
    messages: int | None
    messages_change: int | None
    transfers: int | None
    transfers_change: int | None
    transfer_amount: float | None
    transfer_amount_change: float | None
    articles_read: int | None
    articles_read_change: int | None
    articles_read_by_topic: Items[TopicReads]
    scenario_payments: int | None
    scenario_payments_change: int | None
    scenario_payments_by_category: Items[CategoryPayments]
    channels: Channels | None
    hours: Hours | None


def columns(model: type[BaseModel], without: type[BaseModel] | None = None) -> str:
    """The select list for ``model``'s fields (minus ``without``'s): names from our own code,
    never from a request, so formatting them into SQL is safe."""
    skip = set(without.model_fields) if without else set()
    return ", ".join(f'"{name}"' for name in model.model_fields if name not in skip)
