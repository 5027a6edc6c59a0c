"""The HTTP API over the published copy: recommendations, wealth and social map per customer.

``create_app(root, keys)`` builds the app; ``wealthgraph serve`` runs it with uvicorn. Every
customer route needs an ``X-API-Key`` header; ``/health`` and the docs (``/docs``) do not.
Customer routes are plain ``def``: DuckDB calls block, so FastAPI runs them on its thread
pool, and DuckDB releases the GIL while a query runs.
"""

# no `from __future__ import annotations`: FastAPI reads the route signatures at runtime, and
# their Annotated aliases are local to create_app
import os
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Security
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from wealthgraph.api.models import (
    Advice,
    Health,
    HistoryMonth,
    PeopleYouMayKnow,
    Person,
    Problem,
    Recommendation,
    RecommendationKind,
    Recommendations,
    Served,
    SocialMap,
    Wealth,
    WealthSummary,
    columns,
)
from wealthgraph.api.store import NotPublished, PublishedStore, Snapshot

CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
KEYS_ENV = "WEALTHGRAPH_API_KEYS"
PUBLISHED_ENV = "WEALTHGRAPH_PUBLISHED"

CustomerId = Annotated[
    str,
    PathParam(
        pattern=CUSTOMER_ID_PATTERN,
        max_length=32,
        description="letters, digits, _ and -; at most 32 characters",
        examples=["C0000001"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=50, description="at most this many per kind")]

# 422 (a malformed id or parameter) FastAPI documents itself, with its validation-error shape
ERRORS = {
    401: {"model": Problem, "description": "no X-API-Key header, or not a valid key"},
    404: {"model": Problem, "description": "no such customer in the published data"},
    503: {"model": Problem, "description": "nothing is published yet"},
}

# SQL: constant text, values only as parameters; the select lists come from the models.
# rank is 1.. per customer and kind, so "rank <= limit" is the top `limit` of each kind (and
# cheaper than a window: on the 2,000-user sample it takes the query from 5 ms to under 2)
RECOMMENDATIONS_SQL = f"""
select {columns(Recommendation)}
from marts.recommendations
where customer_id = ? and as_of = ? and (?::varchar is null or kind = ?) and rank <= ?
order by kind, rank
"""
PEOPLE_SQL = """
select rank, item_id as customer_id, score, reasons, model_version
from marts.recommendations
where customer_id = ? and as_of = ? and kind = 'friend'
order by rank
limit ?
"""
SUMMARY_SQL = f"select {columns(WealthSummary)} from marts.wealth_summary "
SUMMARY_SQL += "where customer_id = ? and as_of = ?"
ADVICE_SQL = f"select {columns(Advice)} from marts.wealth_advice "
ADVICE_SQL += "where customer_id = ? and as_of = ? order by rule_id"
HISTORY_SQL = f"select {columns(HistoryMonth)} from marts.wealth_history "
HISTORY_SQL += "where customer_id = ? and as_of = ? order by month"
SOCIAL_SQL = f"select {columns(SocialMap, without=Served)} from marts.social_map "
SOCIAL_SQL += "where customer_id = ? and as_of = ?"


def keys_from_env() -> set[str]:
    """``WEALTHGRAPH_API_KEYS``: comma-separated keys (blanks ignored); empty when unset."""
    return {key.strip() for key in os.environ.get(KEYS_ENV, "").split(",") if key.strip()}


def create_app(published_root: Path, api_keys: set[str]) -> FastAPI:
    """The API over the versions published under ``published_root``; customer routes accept
    any of ``api_keys`` (at least one: the API never runs open).

    Examples
    --------
    >>> import uvicorn
    >>> from wealthgraph.settings import Settings
    >>> app = create_app(Settings.from_env().published, {"a-long-random-key"})
    >>> app.title
    'wealthgraph API'
    >>> create_app(Settings.from_env().published, set())
    Traceback (most recent call last):
    ...
    ValueError: refusing to serve without an API key
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    keys = [key.encode() for key in api_keys if key]
    if not keys:
        raise ValueError("refusing to serve without an API key")
    store = PublishedStore(published_root)
    app = FastAPI(
        title="wealthgraph API",
        version="1",
        description=(
            "Recommendations, wealth overview and social map per customer, read from the "
            "latest published version of the contract tables. Ids only: no names, phone "
            "numbers or ID numbers. Customer routes need an `X-API-Key` header."
        ),
    )
    key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")

    # the dependencies and /health are async: they take microseconds, and a sync function
    # would cost a hop to the thread pool each, per request
    async def require_key(given: Annotated[str | None, Security(key_header)]) -> None:
        # compare with every key, without stopping early, in constant time: the timing shows
        # neither which key nor how much of one matched
        supplied = (given or "").encode()
        valid = False
        for key in keys:
            valid |= secrets.compare_digest(supplied, key)
        if not valid:
            raise HTTPException(401, "missing or invalid X-API-Key header")

    async def snapshot() -> Snapshot:
        try:
            # the common case is one readlink, answered here; opening a version that was just
            # published queries DuckDB, so that runs on the thread pool
            return store.fresh() or await run_in_threadpool(store.snapshot)
        except NotPublished as error:
            raise HTTPException(503, str(error)) from None

    Current = Annotated[Snapshot, Depends(snapshot)]

    def unknown(snap: Snapshot, customer_id: str, what: str) -> HTTPException:
        if snap.is_known(customer_id):
            return HTTPException(404, f"customer {customer_id} has no {what} in this version")
        return HTTPException(404, f"unknown customer {customer_id}")

    @app.get("/health", response_model=Health, responses={503: ERRORS[503]}, tags=["health"])
    async def health(snap: Current) -> Health:
        """The version served now and how old it is (no key needed)."""
        published = snap.published
        return Health(
            version=published.version,
            as_of=published.as_of,
            published_at=published.published_at,
            age_seconds=round(published.age_seconds(), 3),
        )

    customers = APIRouter(
        prefix="/customers/{customer_id}",
        tags=["customers"],
        # the key is checked before anything else: a caller without one learns nothing
        dependencies=[Depends(require_key)],
        responses=ERRORS,
    )

    @customers.get("/recommendations", response_model=Recommendations)
    def recommendations(
        customer_id: CustomerId,
        snap: Current,
        kind: RecommendationKind | None = None,
        limit: Limit = 10,
    ) -> Recommendations:
        """Ranked recommendations of one kind, or of every kind, with human-readable reasons
        (`friend` is people you may know)."""
        as_of = snap.latest["marts.recommendations"]
        kind_value = kind.value if kind else None
        rows = snap.rows(RECOMMENDATIONS_SQL, [customer_id, as_of, kind_value, kind_value, limit])
        if not rows and not snap.is_known(customer_id):
            raise HTTPException(404, f"unknown customer {customer_id}")
        return Recommendations(
            customer_id=customer_id,
            as_of=as_of,
            version=snap.published.version,
            recommendations=rows,
        )

    @customers.get("/wealth", response_model=Wealth)
    def wealth(customer_id: CustomerId, snap: Current) -> Wealth:
        """Assets, liabilities, allocation, income and spending; the advice rules with their
        pass flag and message; month-end net worth history."""
        as_of = snap.latest["marts.wealth_summary"]
        summary = snap.rows(SUMMARY_SQL, [customer_id, as_of])
        if not summary:
            raise unknown(snap, customer_id, "wealth summary")
        advice = snap.rows(ADVICE_SQL, [customer_id, snap.latest["marts.wealth_advice"]])
        history = snap.rows(HISTORY_SQL, [customer_id, snap.latest["marts.wealth_history"]])
        return Wealth(
            customer_id=customer_id,
            as_of=as_of,
            version=snap.published.version,
            summary=summary[0],
            advice=advice,
            history=history,
        )

    @customers.get("/social-map", response_model=SocialMap)
    def social_map(customer_id: CustomerId, snap: Current) -> SocialMap:
        """Top contacts with tie strength, circles (community, groups), influence, and
        behaviour over the last 30 days with its change."""
        as_of = snap.latest["marts.social_map"]
        rows = snap.rows(SOCIAL_SQL, [customer_id, as_of])
        if not rows:
            raise unknown(snap, customer_id, "social map")
        return SocialMap(
            customer_id=customer_id, as_of=as_of, version=snap.published.version, **rows[0]
        )

    @customers.get("/people-you-may-know", response_model=PeopleYouMayKnow)
    def people_you_may_know(
        customer_id: CustomerId, snap: Current, limit: Limit = 10
    ) -> PeopleYouMayKnow:
        """Customers this customer may know (friends of friends, group co-members), best
        first, with the reason ("3 mutual friends, 1 shared group")."""
        as_of = snap.latest["marts.recommendations"]
        rows = snap.rows(PEOPLE_SQL, [customer_id, as_of, limit])
        if not rows and not snap.is_known(customer_id):
            raise HTTPException(404, f"unknown customer {customer_id}")
        people = [Person(**row) for row in rows]
        return PeopleYouMayKnow(
            customer_id=customer_id, as_of=as_of, version=snap.published.version, people=people
        )

    app.include_router(customers)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` (several workers): keys from ``WEALTHGRAPH_API_KEYS``, the
    root from ``WEALTHGRAPH_PUBLISHED`` or else beside ``WEALTHGRAPH_DB``."""
    from wealthgraph.settings import Settings

    root = os.environ.get(PUBLISHED_ENV)
    return create_app(Path(root) if root else Settings.from_env().published, keys_from_env())
