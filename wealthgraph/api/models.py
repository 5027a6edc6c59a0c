"""Response shapes of the HTTP API: ids and figures only, never a name, phone or ID number.

Each customer response derives from ``Served`` (whose data, which slice, which published
version). The columns a query selects are the fields of these models (see ``columns``), so a
model and its SQL cannot drift apart. Money is a JSON number (``DECIMAL(38,2)`` cast to float:
exact to the cent below 10^13) because app clients parse numbers, not decimal strings.
Figures are nullable where the tables are (a customer without activity has no ratio).

Every field has a description and an example, which is what ``/docs`` shows: a field that is a
table column takes the column's words from the table's .yml (``described_by``, ``words``).
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


def words(table: str, column: str) -> str:
    """The .yml description of ``table``'s ``column``, for a field that is that column under
    another name, or that value as a key of a struct column (whose keys have no .yml entry of
    their own); an error at import when the column is gone."""
    text = catalog.table(table).column(column)
    if text is None:
        raise LookupError(f"{table} has no column {column}: fix wealthgraph/api/models.py")
    return text


# The examples below are values from the bundled sample (data_samples/, `make run`): customer
# C0000003 for recommendations, C0000795 for wealth and C0000482 for the social map (chosen
# because they have something in every field). They are what /docs shows; a test checks that
# every field has one and that they parse as the models.
CUSTOMER = "C0000003"
AS_OF = "2026-10-31"
VERSION = "v20261206T060225241197Z"


class RecommendationKind(StrEnum):
    product = "product"
    loan = "loan"
    topic = "topic"
    activity = "activity"
    friend = "friend"


class Problem(BaseModel):
    """Every error but a malformed request: what went wrong, in one sentence."""

    detail: str = Field(
        description="What went wrong, in one sentence.",
        examples=["unknown customer C9999999"],
    )


class InvalidItem(BaseModel):
    """One thing wrong with the request."""

    type: str = Field(
        description="The check that failed, e.g. less_than_equal, enum, string_pattern_mismatch.",
        examples=["less_than_equal"],
    )
    loc: list[str | int] = Field(
        description="Where: the part of the request (path or query), then the parameter.",
        examples=[["query", "limit"]],
    )
    msg: str = Field(
        description="What is wrong, in words.",
        examples=["Input should be less than or equal to 50"],
    )
    input: object = Field(description="The value received.", examples=["1000"])
    ctx: dict[str, object] | None = Field(
        default=None,
        description="The check's limits, e.g. the maximum; absent when it has none.",
        examples=[{"le": 50}],
    )


class Invalid(BaseModel):
    """A malformed customer id or parameter (FastAPI's validation error, 422)."""

    detail: list[InvalidItem] = Field(description="Every problem found, at least one.")


class ShardHealth(BaseModel):
    """One customer shard's published version (a sharded API only)."""

    shard: int = Field(
        description="The shard, 0 .. S - 1 (wealthgraph.shards.shard_of of a customer id).",
        examples=[3],
    )
    version: str | None = Field(
        default=None,
        description="The version the shard's customers are served from now; null when the "
        "shard has nothing to serve (see problem).",
        examples=[VERSION],
    )
    as_of: dt.date | None = Field(
        default=None,
        description="The shard's as-of date (its latest profile slice).",
        examples=[AS_OF],
    )
    published_at: dt.datetime | None = Field(
        default=None,
        description="When the shard's version was published (UTC).",
        examples=["2026-12-06T06:02:31.508214Z"],
    )
    age_seconds: float | None = Field(
        default=None,
        description="Seconds since the shard's version was published.",
        examples=[1086.1],
    )
    problem: str | None = Field(
        default=None,
        description="Why the shard serves nothing, and what to run; null when it serves. Its "
        "customers get 503 with this message meanwhile; the other shards' customers are served.",
        examples=[
            "nothing is published under wealthgraph.shards/shard-3.published (shard 3 "
            "of 4) yet: build the shards (wealthgraph run --shards 4)"
        ],
    )


class Health(BaseModel):
    status: Literal["ok"] = Field(
        default="ok",
        description="Always ok: the API is up and has a version to serve.",
        examples=["ok"],
    )
    version: str = Field(description="The published version served now.", examples=[VERSION])
    as_of: dt.date | None = Field(
        description="The data's as-of date (latest profile slice).", examples=[AS_OF]
    )
    published_at: dt.datetime = Field(
        description="When that version was published (UTC).",
        examples=["2026-12-06T06:02:25.241197Z"],
    )
    age_seconds: float = Field(
        description="Seconds since that version was published.", examples=[1092.4]
    )
    shards: list[ShardHealth] | None = Field(
        default=None,
        description="Sharded only (the API serves each customer from their shard): every "
        "shard's version, by shard. Absent when the API is not sharded.",
    )


class Served(BaseModel):
    customer_id: str = Field(
        description=words("marts.user_profile", "customer_id"), examples=[CUSTOMER]
    )
    as_of: dt.date | None = Field(
        description="The slice served: the table's latest as_of.", examples=[AS_OF]
    )
    version: str = Field(
        description="The published version the answer was read from.", examples=[VERSION]
    )


@described_by("marts.recommendations")
class Recommendation(BaseModel):
    kind: RecommendationKind = Field(examples=["product"])
    rank: int = Field(examples=[1])
    item_id: str = Field(examples=["P0032"])
    score: float = Field(examples=[0.5756257176])
    reasons: Items[str] = Field(
        examples=[
            [
                "fits your cautious (C2) risk profile",
                "your idle cash could earn more (2.32% expected)",
                "popular with customers like you",
            ]
        ]
    )
    model_version: str = Field(examples=["product-social-blend-v1"])
    generated_at: dt.datetime = Field(examples=["2026-12-06T06:02:24.952000Z"])


class Recommendations(Served):
    recommendations: list[Recommendation] = Field(
        description="Grouped by kind (in alphabetical order), best first within a kind, at "
        "most `limit` of each kind; empty when the customer has none (of that kind)."
    )


class Person(BaseModel):
    rank: int = Field(description="Position in the list, 1 = best (at most 10).", examples=[1])
    customer_id: str = Field(
        description="The suggested customer (an id only).", examples=["C0000601"]
    )
    score: float = Field(
        description=words("marts.recommendations", "score"), examples=[2.2767583702]
    )
    reasons: Items[str] = Field(
        description='Why, e.g. "3 mutual friends, 1 shared group".',
        examples=[["2 mutual friends, 1 shared group"]],
    )
    model_version: str = Field(
        description="Model that produced the suggestion.",
        examples=["pymk-weighted-adamic-adar-v1"],
    )


class PeopleYouMayKnow(Served):
    people: list[Person] = Field(
        description="Suggested customers, best first, at most `limit`; empty when none."
    )


# the keys of marts.wealth_summary's list columns (allocation_by_class, allocation_by_risk,
# income_by_category, spending_by_category)
class ClassShare(BaseModel):
    product_class: str = Field(
        description="Product class of the assets: current, time_deposit, wealth, fund, "
        "insurance or precious_metal.",
        examples=["time_deposit"],
    )
    amount: float | None = Field(description="Assets held in that class, CNY.", examples=[26400.0])
    share: float | None = Field(
        description="Share of total_assets, 0..1 (rounded to 4 places).", examples=[0.206]
    )


class RiskShare(BaseModel):
    risk_level: str | None = Field(
        description="Risk level of the products held, R1 (lowest) to R5.", examples=["R3"]
    )
    amount: float | None = Field(
        description="Assets held at that risk level, CNY.", examples=[9985.65]
    )
    share: float | None = Field(
        description="Share of total_assets, 0..1 (rounded to 4 places).", examples=[0.0779]
    )


class CategoryFlow(BaseModel):
    category: str = Field(
        description=words("core.transactions", "category"), examples=["household"]
    )
    amount_1m: float | None = Field(
        description="Amount in the 30 days up to as_of, CNY.", examples=[856.24]
    )
    amount_3m: float | None = Field(
        description="Amount in the 90 days up to as_of, CNY.", examples=[856.24]
    )


@described_by("marts.wealth_summary")
class WealthSummary(BaseModel):
    total_assets: float | None = Field(examples=[128186.03])
    total_liabilities: float | None = Field(examples=[7612.04])
    net_worth: float | None = Field(examples=[120573.99])
    allocation_by_class: Items[ClassShare]
    allocation_by_risk: Items[RiskShare]
    net_worth_change_1m: float | None = Field(examples=[4358.61])
    net_worth_change_3m: float | None = Field(examples=[25144.91])
    net_worth_change_ytd: float | None = Field(examples=[3973.05])
    income_1m: float | None = Field(examples=[10396.34])
    spending_1m: float | None = Field(examples=[3525.65])
    income_3m: float | None = Field(examples=[10396.34])
    spending_3m: float | None = Field(examples=[3525.65])
    income_by_category: Items[CategoryFlow]
    spending_by_category: Items[CategoryFlow]
    savings_rate: float | None = Field(examples=[0.6608758467])
    monthly_spending: float | None = Field(examples=[1175.2166666667])
    liquid_months: float | None = Field(examples=[100.5775218754])
    idle_cash: float | None = Field(examples=[84749.08])
    maturing_products_30d: int | None = Field(examples=[1])
    maturing_amount_30d: float | None = Field(examples=[759.45])
    risk_tolerance: str | None = Field(examples=["C3"])
    max_held_risk_level: str | None = Field(examples=["R3"])
    is_risk_mismatch: bool | None = Field(examples=[False])
    concentration_share: float | None = Field(examples=[0.7161496459])
    debt_to_asset_ratio: float | None = Field(examples=[0.059382758])
    has_overdue_loan: bool | None = Field(examples=[False])


@described_by("marts.wealth_advice")
class Advice(BaseModel):
    rule_id: str = Field(examples=["idle_cash"])
    passed: bool | None = Field(examples=[False])
    message: str | None = Field(
        examples=[
            "¥84,749 in your current account is more than you need for daily spending; "
            "a suitable deposit or wealth product could earn more."
        ]
    )
    value: float | None = Field(examples=[84749.08])
    threshold: float | None = Field(examples=[20000.0])


@described_by("marts.wealth_history")
class HistoryMonth(BaseModel):
    month: dt.date = Field(examples=["2026-10-01"])
    snapshot_date: dt.date | None = Field(examples=[AS_OF])
    assets: float | None = Field(examples=[128186.03])
    liabilities: float | None = Field(examples=[7612.04])
    net_worth: float | None = Field(examples=[120573.99])


class Wealth(Served):
    summary: WealthSummary = Field(
        description="Assets, debts, net worth, allocation, change, cash flow, idle cash and "
        "risk match (marts.wealth_summary)."
    )
    advice: list[Advice] = Field(
        description="Every advice rule (7), by rule_id, whether the customer passes it and the "
        "advice when not (marts.wealth_advice)."
    )
    history: list[HistoryMonth] = Field(description="Month-end net worth, oldest first.")


# the keys of marts.social_map's struct and list columns, in the words of the tables they come
# from where there are some
class Contact(BaseModel):
    contact_id: str = Field(description=words("graph.edges", "dst_id"), examples=["C0000597"])
    kind: str | None = Field(description=words("graph.edges", "edge_kind"), examples=["customer"])
    relation: str | None = Field(description=words("graph.edges", "relation"), examples=["friend"])
    tie_strength: float | None = Field(
        description=words("graph.edges", "tie_strength") + " Rounded to 3 places.",
        examples=[4.299],
    )
    messages: int | None = Field(
        description="Messages between the two, both ways, up to as_of.", examples=[3]
    )
    money_transfers: int | None = Field(
        description="Transfers, red packets and AA bills between the two, either way, up to "
        "as_of (a count).",
        examples=[2],
    )
    shared_groups: int | None = Field(
        description=words("graph.edges", "shared_groups"), examples=[3]
    )


@described_by("marts.group_activity")
class GroupRef(BaseModel):
    group_id: str = Field(examples=["G00549"])
    kind: str | None = Field(examples=["interest"])
    topic: str | None = Field(examples=["funds"])


class TopicReads(BaseModel):
    topic: str | None = Field(description=words("core.articles", "topic"), examples=["insurance"])
    reads: int | None = Field(
        description="Article reads on that topic in the 30 days up to as_of.", examples=[7]
    )


class CategoryPayments(BaseModel):
    category: str | None = Field(
        description="Scenario: utilities, education, medical, transport, dining, shopping or "
        "government.",
        examples=["utilities"],
    )
    payments: int | None = Field(
        description="Scenario payments in that scenario in the 30 days up to as_of.",
        examples=[1],
    )
    amount: float | None = Field(description="Amount of those payments, CNY.", examples=[288.24])


class Channels(BaseModel):
    app: int | None = Field(description=words("features.behaviour", "app_events"), examples=[6])
    web: int | None = Field(description=words("features.behaviour", "web_events"), examples=[3])
    mini_program: int | None = Field(
        description=words("features.behaviour", "mini_program_events"), examples=[65]
    )


class Hours(BaseModel):
    morning: int | None = Field(
        description=words("features.behaviour", "morning_events"), examples=[17]
    )
    afternoon: int | None = Field(
        description=words("features.behaviour", "afternoon_events"), examples=[25]
    )
    evening: int | None = Field(
        description=words("features.behaviour", "evening_events"), examples=[31]
    )
    night: int | None = Field(description=words("features.behaviour", "night_events"), examples=[1])


@described_by("marts.social_map")
class SocialMap(Served):
    friends: int | None = Field(examples=[15])
    customer_contacts: int | None = Field(examples=[15])
    top_contacts: Items[Contact]
    community_id: int | None = Field(examples=[36])
    community_size: int | None = Field(examples=[29])
    community_topics: Items[str] = Field(examples=[["funds", "insurance", "tax"]])
    groups: Items[GroupRef]
    pagerank: float | None = Field(examples=[0.0007897768])
    influence_rank: int | None = Field(examples=[115])
    influence_percentile: float | None = Field(examples=[0.0570285143])
    degree: int | None = Field(examples=[15])
    weighted_degree: float | None = Field(examples=[35.6790812757])
    clustering: float | None = Field(examples=[0.2476190476])
    active_days: int | None = Field(examples=[19])
    active_days_change: int | None = Field(examples=[19])
    messages: int | None = Field(examples=[15])
    messages_change: int | None = Field(examples=[15])
    transfers: int | None = Field(examples=[6])
    transfers_change: int | None = Field(examples=[6])
    transfer_amount: float | None = Field(examples=[384.81])
    transfer_amount_change: float | None = Field(examples=[384.81])
    articles_read: int | None = Field(examples=[15])
    articles_read_change: int | None = Field(examples=[15])
    articles_read_by_topic: Items[TopicReads]
    scenario_payments: int | None = Field(examples=[3])
    scenario_payments_change: int | None = Field(examples=[3])
    scenario_payments_by_category: Items[CategoryPayments]
    channels: Channels | None
    hours: Hours | None


def columns(model: type[BaseModel], without: type[BaseModel] | None = None) -> str:
    """The select list for ``model``'s fields (minus ``without``'s): names from our own code,
    never from a request, so formatting them into SQL is safe."""
    skip = set(without.model_fields) if without else set()
    return ", ".join(f'"{name}"' for name in model.model_fields if name not in skip)
