"""The HTTP API over the published copy: recommendations, wealth and social map per customer.

``create_app(root, keys)`` builds the app; ``wealthgraph serve`` runs it with uvicorn. Every
customer route needs an ``X-API-Key`` header; ``/health`` and the docs (``/docs``, ``/redoc``,
``/openapi.json``) do not. The docs pages load Swagger UI and ReDoc from this server
(``/docs/static``, the files the ``fastapi-offline`` package ships), never from a CDN: a bank's
network has none.
Customer routes are plain ``def``: DuckDB calls block, so FastAPI runs them on its thread
pool, and DuckDB releases the GIL while a query runs.
"""

# no `from __future__ import annotations`: FastAPI reads the route signatures at runtime, and
# their Annotated aliases are local to create_app
import os
import secrets
from pathlib import Path
from typing import Annotated

import fastapi_offline
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from wealthgraph.api.models import (
    CUSTOMER,
    Advice,
    Health,
    HistoryMonth,
    Invalid,
    PeopleYouMayKnow,
    Person,
    Problem,
    Recommendation,
    RecommendationKind,
    Recommendations,
    Served,
    ShardHealth,
    SocialMap,
    Wealth,
    WealthSummary,
    columns,
)
from wealthgraph.api.store import NotPublished, PublishedStore, ShardedStore, Snapshot

CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
KEYS_ENV = "WEALTHGRAPH_API_KEYS"
PUBLISHED_ENV = "WEALTHGRAPH_PUBLISHED"
# the customer shards' folder (``<db stem>.shards``): set, each customer is served by their shard
SHARDS_DIR_ENV = "WEALTHGRAPH_SHARDS_DIR"

CustomerId = Annotated[
    str,
    PathParam(
        pattern=CUSTOMER_ID_PATTERN,
        max_length=32,
        description="letters, digits, _ and -; at most 32 characters",
        examples=[CUSTOMER],
        # what /docs fills in for "Try it out"
        openapi_examples={"sample": {"summary": "a customer of the sample", "value": CUSTOMER}},
    ),
]
Limit = Annotated[int, Query(ge=1, le=50, description="at most this many per kind")]
PeopleLimit = Annotated[int, Query(ge=1, le=50, description="at most this many people")]
Kind = Annotated[
    RecommendationKind | None, Query(description="only this kind; every kind when left out")
]

# Swagger UI 5 and ReDoc 2 (both read OpenAPI 3.1, which FastAPI writes), as files of a package
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_STATIC = "/docs/static"


def _error(model: type[BaseModel], description: str, example: object) -> dict:
    # the example is what the route really answers, not one message for every status
    content = {"application/json": {"example": {"detail": example}}}
    return {"model": model, "description": description, "content": content}


ERRORS = {
    401: _error(
        Problem, "no X-API-Key header, or not a valid key", "missing or invalid X-API-Key header"
    ),
    404: _error(Problem, "no such customer in the published data", "unknown customer C9999999"),
    # FastAPI's own answer to a malformed id or parameter, documented with our words
    422: _error(
        Invalid,
        "a malformed customer id or parameter",
        [
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 50",
                "input": "1000",
                "ctx": {"le": 50},
            }
        ],
    ),
    503: _error(
        Problem,
        "nothing is published yet",
        "nothing is published under wealthgraph.published yet: run the pipeline (wealthgraph "
        "run) or publish the warehouse (wealthgraph publish)",
    ),
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
HISTORY_SQL += "where customer_id = ? order by month"
SOCIAL_SQL = f"select {columns(SocialMap, without=Served)} from marts.social_map "
SOCIAL_SQL += "where customer_id = ? and as_of = ?"


def keys_from_env() -> set[str]:
    """``WEALTHGRAPH_API_KEYS``: comma-separated keys (blanks ignored); empty when unset."""
    return {key.strip() for key in os.environ.get(KEYS_ENV, "").split(",") if key.strip()}


def create_app(published_root: Path, api_keys: set[str], shards_dir: Path | None = None) -> FastAPI:
    """The API over the versions published under ``published_root``; customer routes accept
    any of ``api_keys`` (at least one: the API never runs open).

    With ``shards_dir`` (``wealthgraph run --shards S`` builds ``<db stem>.shards``) each
    customer route reads the version its customer's shard published, the shard picked by the
    hash the shards were cut with (``wealthgraph.shards.shard_of``); ``/health`` adds every
    shard's version.

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
    sharded = ShardedStore(shards_dir) if shards_dir is not None else None
    app = FastAPI(
        title="wealthgraph API",
        version="1",
        description=(
            "Recommendations, wealth overview and social map per customer, read from the "
            "latest published version of the contract tables. Ids only: no names, phone "
            "numbers or ID numbers. Customer routes need an `X-API-Key` header "
            "(**Authorize** above)."
        ),
        # the default pages load their scripts from a CDN: ours below serve them from here
        docs_url=None,
        redoc_url=None,
    )
    _add_docs(app)
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

    async def opened(root: PublishedStore) -> Snapshot:
        try:
            # the common case is one readlink, answered here; opening a version that was just
            # published queries DuckDB, so that runs on the thread pool
            return root.fresh() or await run_in_threadpool(root.snapshot)
        except NotPublished as error:
            raise HTTPException(503, str(error)) from None

    async def snapshot() -> Snapshot:
        return await opened(store)

    async def customer_snapshot(customer_id: CustomerId) -> Snapshot:
        if sharded is None:
            return await opened(store)
        try:
            return await opened(sharded.for_customer(customer_id))
        except NotPublished as error:  # no shard layout yet
            raise HTTPException(503, str(error)) from None

    Hub = Annotated[Snapshot, Depends(snapshot)]
    Current = Annotated[Snapshot, Depends(customer_snapshot)]

    def unknown(snap: Snapshot, customer_id: str, what: str) -> HTTPException:
        if snap.is_known(customer_id):
            return HTTPException(404, f"customer {customer_id} has no {what} in this version")
        return HTTPException(404, f"unknown customer {customer_id}")

    @app.get(
        "/health",
        response_model=Health,
        responses={503: ERRORS[503]},
        tags=["health"],
        summary="The version served and its age",
        operation_id="health",
    )
    async def health(snap: Hub) -> Health:
        """The version served now and how old it is (no key needed); sharded, each shard's
        too."""
        published = snap.published
        shards = None
        if sharded is not None:
            try:
                stores = sharded.stores()
            except NotPublished as error:
                raise HTTPException(503, str(error)) from None
            shards = []
            for k, shard_store in enumerate(stores):
                try:
                    shard = (await opened(shard_store)).published
                except HTTPException as error:  # one shard down: report it, serve the others
                    shards.append(ShardHealth(shard=k, problem=error.detail))
                    continue
                shards.append(
                    ShardHealth(
                        shard=k,
                        version=shard.version,
                        as_of=shard.as_of,
                        published_at=shard.published_at,
                        age_seconds=round(shard.age_seconds(), 3),
                    )
                )
        return Health(
            version=published.version,
            as_of=published.as_of,
            published_at=published.published_at,
            age_seconds=round(published.age_seconds(), 3),
            shards=shards,
        )

    customers = APIRouter(
        prefix="/customers/{customer_id}",
        tags=["customers"],
        # the key is checked before anything else: a caller without one learns nothing
        dependencies=[Depends(require_key)],
        responses=ERRORS,
    )

    @customers.get(
        "/recommendations",
        response_model=Recommendations,
        summary="Recommendations with their reasons",
        operation_id="recommendations",
    )
    def recommendations(
        customer_id: CustomerId, snap: Current, kind: Kind = None, limit: Limit = 10
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

    @customers.get(
        "/wealth",
        response_model=Wealth,
        summary="Wealth overview, advice and net worth history",
        operation_id="wealth",
    )
    def wealth(customer_id: CustomerId, snap: Current) -> Wealth:
        """Assets, liabilities, allocation, income and spending; the advice rules with their
        pass flag and message; month-end net worth history."""
        as_of = snap.latest["marts.wealth_summary"]
        summary = snap.rows(SUMMARY_SQL, [customer_id, as_of])
        if not summary:
            raise unknown(snap, customer_id, "wealth summary")
        advice = snap.rows(ADVICE_SQL, [customer_id, snap.latest["marts.wealth_advice"]])
        history = snap.rows(HISTORY_SQL, [customer_id])
        return Wealth(
            customer_id=customer_id,
            as_of=as_of,
            version=snap.published.version,
            summary=summary[0],
            advice=advice,
            history=history,
        )

    @customers.get(
        "/social-map",
        response_model=SocialMap,
        summary="Social map: contacts, circles, influence, behaviour",
        operation_id="social_map",
    )
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

    @customers.get(
        "/people-you-may-know",
        response_model=PeopleYouMayKnow,
        summary="People the customer may know",
        operation_id="people_you_may_know",
    )
    def people_you_may_know(
        customer_id: CustomerId, snap: Current, limit: PeopleLimit = 10
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


def _add_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their scripts, styles and icon served from
    ``/docs/static``: nothing loads from outside, so the pages work on a network without
    internet. No key: the pages and the schema hold no customer data."""
    app.mount(DOCS_STATIC, StaticFiles(directory=DOCS_ASSETS), name="docs-static")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        # root_path: the prefix a reverse proxy serves the API under, if any
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} - docs",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            # no OAuth2 here (an API key only): no redirect page is needed
            swagger_ui_parameters={"displayRequestDuration": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            with_google_fonts=False,
        )


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` (several workers): keys from ``WEALTHGRAPH_API_KEYS``, the
    root from ``WEALTHGRAPH_PUBLISHED`` or else beside ``WEALTHGRAPH_DB``, the customer shards
    from ``WEALTHGRAPH_SHARDS_DIR`` when set."""
    from wealthgraph.settings import Settings

    root = os.environ.get(PUBLISHED_ENV)
    shards = os.environ.get(SHARDS_DIR_ENV)
    return create_app(
        Path(root) if root else Settings.from_env().published,
        keys_from_env(),
        Path(shards) if shards else None,
    )
