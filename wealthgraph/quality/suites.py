"""What must hold in each ingest table, as Great Expectations suites over DuckDB reductions.

Each suite runs once over all the days of a run (``days``; ignored for reference tables).
Loading every row into pandas costs minutes and more than 12 GB at a million users, so DuckDB
first reduces each table to what can decide its expectations, and GX judges that:

- keys: only the rows whose key is missing or repeated (none when the table is clean), for
  not-null and unique;
- values: in one scan, the distinct values of each coded column and boolean rule (ids known,
  rows inside their partition), the minimum and maximum of each ranged column, and row counts.

A verdict on the reduction is the verdict on the table: a value outside its set is among the
distinct values, a value out of range moves the minimum or the maximum.
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
    r"on_sale_to|bad format|too many decimals|empty field|superseded)"
)

_CUSTOMER = "(select customer_id from core.customers)"
# per core table, beyond its key: columns to check, and booleans for referential integrity
# (`*_known`) and partition windows (`in_partition`), which must all be true
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
    "line_no": (1, None),
}


def _where(source: Source, days: list[dt.date]) -> tuple[str, list]:
    if not source.daily:
        return "true", []
    if not days:  # every file of the run was left alone: nothing was written to check
        return "false", []
    return "partition_date between ? and ?", [min(days), max(days)]


def _key_suspects(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], where: str, params: list
) -> Any:
    """The rows of ``table`` whose key is missing or repeated, as a pandas frame."""
    columns = ", ".join(key)
    missing = " or ".join(f"{k} is null" for k in key)
    sql = f"""
        with scoped as (select {columns} from {table} where {where}),
        repeated as (select {columns} from scoped group by all having count(*) > 1)
        select {columns} from scoped where {missing}
        union all
        select {columns} from scoped semi join repeated using ({columns})
    """
    return con.execute(sql, params).df()


def _key_expectations(key: tuple[str, ...], E: Any) -> list[Any]:
    rules = [E.ExpectColumnValuesToNotBeNull(column=k) for k in key]
    if len(key) == 1:
        rules.append(E.ExpectColumnValuesToBeUnique(column=key[0]))
    else:
        rules.append(E.ExpectCompoundColumnsToBeUnique(column_list=list(key)))
    return rules


def _reduce(
    con: duckdb.DuckDBPyConnection, table: str, expressions: list[str], where: str, params: list
) -> Any:
    """One scan: each expression aliased ``as <column>`` becomes that column's witnesses.

    Coded columns keep their distinct values, ranged columns their minimum and maximum, boolean
    rules their distinct values with null read as false. Columns of different lengths are
    padded with nulls, which the value expectations ignore.
    """
    lists = []
    for expression in expressions:
        value, column = expression.rsplit(" as ", 1)
        if column in _IN_SET:
            lists.append(f"list(distinct {value})")
        elif column in _RANGES:
            lists.append(f"[min({value}), max({value})]")
        else:
            lists.append(f"list(distinct coalesce({value}, false))")
        lists[-1] += f" as {column}"
    columns = [e.rsplit(" as ", 1)[1] for e in expressions]
    unnest = ", ".join(f"unnest({c}) as {c}" for c in columns)
    sql = f"select {unnest} from (select {', '.join(lists)} from {table} where {where})"
    return con.execute(sql, params).df()


def _value_expectations(columns: list[str], E: Any) -> list[Any]:
    rules = []
    for column in columns:
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
            rules.append(E.ExpectColumnValuesToBeInSet(column=column, value_set=[True]))
    return rules


def _merge(*outcomes: Outcome) -> Outcome:
    return Outcome(
        passed=all(o.passed for o in outcomes),
        evaluated=sum(o.evaluated for o in outcomes),
        failures=[f for o in outcomes for f in o.failures],
        results=[r for o in outcomes for r in o.results],
    )


def check_raw(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Raw lines (the rejected ones): numbered from 1, one row per (file, line)."""
    where, params = _where(source, days)
    table, key = f"raw.{source.name}", ("file_name", "line_no")
    E = gx().expectations
    return _merge(
        validate(_key_suspects(con, table, key, where, params), _key_expectations(key, E)),
        validate(
            _reduce(con, table, ["line_no as line_no"], where, params),
            _value_expectations(["line_no"], E),
        ),
    )


def check_staging(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Staging: exactly one row per raw row (both hold the rejected lines), and every rejection
    says a known kind of reason."""
    where, params = _where(source, days)
    lines = con.execute(f"select count(*) from raw.{source.name} where {where}", params)
    lines = lines.fetchone()[0]
    frame = con.execute(
        f"select distinct reject_reason from staging.{source.name} where {where} "
        "union all by name "
        f"select count(*) as rows from staging.{source.name} where {where}",
        params + params,
    ).df()
    E = gx().expectations
    return validate(
        frame,
        [
            E.ExpectColumnValuesToBeBetween(column="rows", min_value=lines, max_value=lines),
            E.ExpectColumnValuesToMatchRegex(column="reject_reason", regex=REASON_PATTERN),
        ],
    )


def check_core(con: duckdb.DuckDBPyConnection, source: Source, days: list[dt.date]) -> Outcome:
    """Core: keys present and unique, accepted values, known ids, ranges, partition windows."""
    where, params = _where(source, days)
    table, key = f"core.{source.name}", source.key
    E = gx().expectations
    outcomes = [validate(_key_suspects(con, table, key, where, params), _key_expectations(key, E))]
    expressions = [e if " as " in e else f"{e} as {e}" for e in _CORE_COLUMNS.get(source.name, ())]
    if expressions:
        columns = [e.rsplit(" as ", 1)[1] for e in expressions]
        frame = _reduce(con, table, expressions, where, params)
        outcomes.append(validate(frame, _value_expectations(columns, E)))
    return _merge(*outcomes)


CHECKS: dict[str, Callable[[duckdb.DuckDBPyConnection, Source, list[dt.date]], Outcome]] = {
    "raw": check_raw,
    "staging": check_staging,
    "core": check_core,
}
