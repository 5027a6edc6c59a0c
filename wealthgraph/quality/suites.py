"""What must hold in each ingest table, as Great Expectations suites over a DuckDB query.

Each suite runs once over all the days of a run (``days``; ignored for reference tables).
GX validates a pandas frame that DuckDB computes (keys, values, and booleans for referential
integrity and partition windows): validating over GX's own SQL source is unreliable with DuckDB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import duckdb

from wealthgraph import landing
from wealthgraph.landing import Source
from wealthgraph.quality.expectations import Outcome, gx, validate

MAX_AMOUNT = 100_000_000
REASON_PATTERN = (
    r"^(?:bad encoding|unparsable line|missing field|wrong type|unknown|timestamp outside|"
    r"as_of outside|impossible|duplicate|target_id is|friend_id is|bad currency|maturity_date|"
    r"on_sale_to)"
)

_CUSTOMER = "(select customer_id from core.customers)"
# per core table, beyond its key: columns to check, and booleans computed for referential
# integrity (`*_known`) and partition windows (`in_partition`), which must all be true
_CORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": (
        "event_type",
        "amount",
        "rating",
        f"user_id in {_CUSTOMER} as user_known",
        "ts::date = partition_date as in_partition",
    ),
    "snapshots": (
        "status",
        "balance",
        f"customer_id in {_CUSTOMER} as customer_known",
        "product_id in (select product_id from core.products) as product_known",
        "as_of = partition_date as in_partition",
    ),
    "transactions": (
        "direction",
        "category",
        "amount",
        f"customer_id in {_CUSTOMER} as customer_known",
        "ts::date = partition_date as in_partition",
    ),
    "customers": (
        "risk_tolerance",
        "credit_grade",
        "gender",
        "branch_id in (select branch_id from core.branches) as branch_known",
    ),
    "managers": ("branch_id in (select branch_id from core.branches) as branch_known",),
    "products": ("product_class", "risk_level", "min_amount"),
    "groups": ("kind",),
    "group_members": (
        "group_id in (select group_id from core.groups) as group_known",
        f"customer_id in {_CUSTOMER} as customer_known",
    ),
    "friendships": (f"customer_id in {_CUSTOMER} and friend_id in {_CUSTOMER} as customer_known",),
}
_IN_SET = {
    "event_type": tuple(landing.EVENT_TYPES),
    "status": landing.ACCOUNT_STATUSES,
    "direction": landing.DIRECTIONS,
    "category": landing.TRANSACTION_CATEGORIES,
    "risk_tolerance": landing.RISK_TOLERANCES,
    "credit_grade": landing.CREDIT_GRADES,
    "gender": landing.GENDERS,
    "product_class": landing.PRODUCT_CLASSES,
    "risk_level": landing.RISK_LEVELS,
    "kind": landing.GROUP_KINDS,
}
_RANGES = {
    "amount": (0.01, MAX_AMOUNT),
    "balance": (0, None),
    "rating": (1, 5),
    "min_amount": (0, None),
}


def _core_expectations(source: Source, E: Any) -> list[Any]:
    key = list(source.key)
    rules: list[Any] = [E.ExpectColumnValuesToNotBeNull(column=column) for column in key]
    if len(key) == 1:
        rules.append(E.ExpectColumnValuesToBeUnique(column=key[0]))
    else:
        rules.append(E.ExpectCompoundColumnsToBeUnique(column_list=key))
    for expression in _CORE_COLUMNS.get(source.name, ()):
        column = expression.rsplit(" as ", 1)[-1]
        if column in _IN_SET:
            rules.append(
                E.ExpectColumnValuesToBeInSet(column=column, value_set=list(_IN_SET[column]))
            )
        elif column in _RANGES:
            low, high = _RANGES[column]
            rules.append(
                E.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)
            )
        else:
            rules.append(E.ExpectColumnValuesToNotBeNull(column=column))
            rules.append(E.ExpectColumnValuesToBeInSet(column=column, value_set=[True]))
    return rules


def _where(source: Source, days: list[dt.date]) -> tuple[str, list]:
    if not source.daily:
        return "true", []
    return "partition_date between ? and ?", [min(days), max(days)]


def check_raw(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Raw lines: numbered from 1, one row per (file, line)."""
    where, params = _where(source, days)
    frame = con.execute(
        f"select file_name, line_no from raw.{source.name} where {where}", params
    ).df()
    E = gx().expectations
    return validate(
        frame,
        [
            E.ExpectColumnValuesToNotBeNull(column="line_no"),
            E.ExpectColumnValuesToBeBetween(column="line_no", min_value=1),
            E.ExpectCompoundColumnsToBeUnique(column_list=["file_name", "line_no"]),
        ],
    )


def check_staging(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Staging: exactly one row per raw line, and every rejection says a known kind of reason."""
    where, params = _where(source, days)
    lines = con.execute(f"select count(*) from raw.{source.name} where {where}", params)
    lines = lines.fetchone()[0]
    frame = con.execute(
        f"select line_no, reject_reason from staging.{source.name} where {where}", params
    ).df()
    E = gx().expectations
    return validate(
        frame,
        [
            E.ExpectTableRowCountToEqual(value=lines),
            E.ExpectColumnValuesToMatchRegex(column="reject_reason", regex=REASON_PATTERN),
        ],
    )


def check_core(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Core: keys present and unique, accepted values, known ids, ranges, partition windows."""
    where, params = _where(source, days)
    columns = ", ".join((*source.key, *_CORE_COLUMNS.get(source.name, ())))
    frame = con.execute(f"select {columns} from core.{source.name} where {where}", params).df()
    return validate(frame, _core_expectations(source, gx().expectations))


CHECKS: dict[str, Callable[[duckdb.DuckDBPyConnection, Source, list[dt.date]], Outcome]] = {
    "raw": check_raw,
    "staging": check_staging,
    "core": check_core,
}
