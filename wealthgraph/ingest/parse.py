"""SQL that turns landed lines into typed columns and names the first problem with each line.

The field list and types come from ``wealthgraph.landing``; source-specific rules (known ids,
partition window, amounts, duplicates) live in ``sql/staging/<source>.sql``.

Two ways in, with the same answers (tests/ingest/test_bulk.py compares them table by table):

- ``typed_sql``, the exact path, for any line: each line is parsed once, ``from_json`` splitting
  it into one JSON text per field; the first character of that text gives its JSON kind
  (string, number, true/false, object, array) and the value is the text itself or, for a
  string, its content. That answers as ``json_type`` and ``->>`` per field did, which parsed
  the line twice per field.
- ``bulk_typed_sql``, for the lines Arrow's JSON reader typed in bulk (wealthgraph.ingest.bulk),
  where only missing and empty fields and badly formatted dates remain to be found.

The contract is enforced, not approximated: dates and timestamps have exactly one text form
(``YYYY-MM-DD``, local ``YYYY-MM-DDTHH:MM:SS``; an offset, a ``Z``, slashes, a date for a
timestamp are rejected, since a cast would silently drop the offset or invent midnight), an
amount has at most its column's decimals (rounding would let 100000000.004 pass a limit of
1e8), an id is never empty, and an object names each field once (which value is meant?).
"""

from __future__ import annotations

from wealthgraph.ingest.bulk import decimal_scale
from wealthgraph.landing import Source

# JSON whitespace that may come before the opening brace of an object
_WHITESPACE = "' ' || chr(9) || chr(10) || chr(13)"
# kind -> (the LIKE pattern of the contract's one form, that form in a reject reason)
_TEMPORAL = {
    "DATE": ("____-__-__", "YYYY-MM-DD"),
    "TIMESTAMP": ("____-__-__T__:__:__", "YYYY-MM-DDTHH:MM:SS"),
}


def _cast(kind: str, value: str) -> str:
    """SQL: the text ``value`` as ``kind``, null when it is not in the contract's form.

    A date or timestamp must have the one layout (DuckDB's cast alone would also take
    ``2026/10/28``, a date for a timestamp, or an offset it drops); the cast then checks the
    digits and the calendar. LIKE and cast cost 0.3 s per 5M values where strptime cost 0.5 s.
    """
    if kind == "VARCHAR":
        return value
    if kind in _TEMPORAL:
        return (
            f"(case when {value} like '{_TEMPORAL[kind][0]}' then try_cast({value} as {kind}) end)"
        )
    return f"try_cast({value} as {kind})"


def _value_checks(source: Source, field: str, kind: str, value: str, cast: str) -> list[str]:
    """SQL WHEN clauses for a value whose JSON kind is right: its form, scale and emptiness."""
    checks = []
    if kind in _TEMPORAL:
        form = _TEMPORAL[kind][1]
        checks.append(
            f"when {value} is not null and {cast} is null "
            f"then 'bad format: {field} = ' || left({value}, 80) || ' (expected {form})'"
        )
    elif (scale := decimal_scale(kind)) is not None:
        checks.append(
            f"when {value} is not null and {cast} is null "
            f"then 'wrong type: {field} = ' || left({value}, 80)"
        )
        checks.append(
            f"when try_cast({value} as DECIMAL(38, 18)) <> {cast} "
            f"then 'too many decimals: {field} = ' || left({value}, 80) "
            f"|| ' (at most {scale})'"
        )
    elif kind != "VARCHAR":
        checks.append(
            f"when {value} is not null and {cast} is null "
            f"then 'wrong type: {field} = ' || left({value}, 80)"
        )
    elif field in source.required or field.endswith("_id"):
        # below '!': empty or led by a blank (one comparison per row; the reason is worked out
        # only for the lines it catches)
        checks.append(
            f"when {value} < '!' then case when trim({value}) = '' then 'empty field: {field}' "
            f"else 'bad format: {field} = \"' || left({value}, 80) || '\" (starts with a blank)' "
            "end"
        )
    return checks


def _kind_is_accepted(kind: str, text: str) -> str:
    """SQL: the JSON value ``text`` (never null here) is of a kind that ``kind`` accepts.

    Strings for VARCHAR, DATE and TIMESTAMP; true/false for BOOLEAN; numbers for DOUBLE and
    DECIMAL; integers (no fraction, no exponent) for INTEGER, as DuckDB's json_type reports
    BIGINT/UBIGINT for them and DOUBLE otherwise.
    """
    if kind in ("VARCHAR", "DATE", "TIMESTAMP"):
        return f"prefix({text}, '\"')"
    if kind == "BOOLEAN":
        return f"({text} in ('true', 'false'))"
    number = f"contains('-0123456789', left({text}, 1))"
    if kind == "INTEGER":
        return (
            f"({number} and not contains({text}, '.') and not contains({text}, 'e') "
            f"and not contains({text}, 'E'))"
        )
    return number  # DOUBLE, DECIMAL(..)


def _value(text: str) -> str:
    """SQL: what ``->>`` gives for the JSON value ``text``: a string's content, else the text."""
    return (
        f"case when not prefix({text}, '\"') then {text} "
        f"when contains({text}, '\\') then json_extract_string({text}, '$') "
        f"else {text}[2:-2] end"
    )


def typed_sql(source: Source, lines: str = "lines") -> str:
    """A SELECT over ``lines`` (one row per landed line) giving typed fields and ``problem``.

    The exact path, for any line at all. ``lines`` has ``line`` (the landed bytes, optionally
    with their terminating newline) and any bookkeeping columns (``partition_date``,
    ``file_name``, ``line_no``...), which pass through unchanged. ``problem`` is null when the
    line is valid JSON of the right shape; otherwise it says why not: bad encoding, not a JSON
    object, a key given twice, a missing required field, or a field of the wrong type, form,
    scale or empty (the first one, in field order).
    """
    struct = "{" + ", ".join(f'"{field}": "JSON"' for field in source.fields) + "}"
    texts, values, casts, checks = [], [], [], []
    for field, kind in source.fields.items():
        text = f'"json_{field}"'
        value = f'"value_{field}"'
        texts.append(f'doc."{field}"::varchar as {text}')
        values.append(f"{_value(text)} as {value}")
        values.append(f'{_kind_is_accepted(kind, text)} as "kind_ok_{field}"')
        cast = _cast(kind, value)
        casts.append(f'{cast} as "{field}"')
        if field in source.required:
            checks.append(f"when {value} is null then 'missing field: {field}'")
        checks.append(
            f'when {value} is not null and not "kind_ok_{field}" '
            f"then 'wrong type: {field} = ' || left({value}, 80)"
        )
        checks += _value_checks(source, field, kind, value, cast)
    text_list = ",\n        ".join(texts)
    value_list = ",\n        ".join(values)
    cast_list = ",\n    ".join(casts)
    check_list = "\n        ".join(checks)
    helpers = ", ".join(
        f'"{prefix}_{field}"' for field in source.fields for prefix in ("json", "value", "kind_ok")
    )
    return f"""
with decoded as (
    select * exclude (line), try(decode(line)) as text
    from {lines}
),
docs as (
    select
        *,
        -- try: from_json raises on text that is not JSON
        case when prefix(ltrim(text, {_WHITESPACE}), '{{')
            then try(from_json(text, '{struct}')) end as doc,
        doc is not null as is_object,
        -- from_json keeps the first of two values for one key: which one the sender meant
        -- is unknown, so such a line is rejected
        case when is_object then len(list_distinct(json_keys(text))) < len(json_keys(text))
            end as repeats_key,
        -- DuckDB's parser also takes a trailing comma and NaN or Infinity, which JSON does
        -- not: outside string literals (blanked first) neither may appear
        case when is_object then regexp_matches(
            regexp_replace(text, '"(\\\\.|[^"\\\\])*"', '""', 'g'), ',\\s*[}}\\]]|(?i)nan|inf'
        ) end as lenient
    from decoded
),
texts as (
    select
        *,
        {text_list}
    from docs
),
fields as (
    select
        *,
        {value_list}
    from texts
)
select
    * exclude (text, doc, is_object, repeats_key, lenient, {helpers}),
    {cast_list},
    case
        when text is null then 'bad encoding: line is not UTF-8'
        when not is_object then 'unparsable line: not a JSON object'
        when lenient then 'unparsable line: not strict JSON (a trailing comma, NaN or Infinity)'
        when repeats_key then 'duplicate key in JSON object'
        {check_list}
    end as problem
from fields
"""


def bulk_typed_sql(source: Source, rows: str) -> str:
    """A SELECT over ``rows`` (lines read by wealthgraph.ingest.bulk) giving what typed_sql
    gives for them: typed fields and ``problem``.

    Arrow has already checked encoding, JSON syntax, repeated keys and every field's kind, and
    bulk kept only decimals of the column's scale, so what is left is a missing or empty field
    or a date or timestamp not in the contract's form, the first in field order. ``rows`` has
    the bookkeeping columns and one column per field (strings for dates and timestamps,
    doubles for decimals).
    """
    casts, checks = [], []
    for field, kind in source.fields.items():
        column = f'"{field}"'
        if kind in ("INTEGER", "BOOLEAN"):
            cast = column
        elif kind in _TEMPORAL or kind == "VARCHAR":
            cast = _cast(kind, column)
        else:
            cast = f"try_cast({column} as {kind})"
        casts.append(f"{cast} as {column}")
        if field in source.required:
            checks.append(f"when {column} is null then 'missing field: {field}'")
        if kind in _TEMPORAL or kind == "VARCHAR":
            checks += _value_checks(source, field, kind, column, cast)
    fields = ", ".join(f'"{field}"' for field in source.fields)
    cast_list = ",\n    ".join(casts)
    check_list = "\n        ".join(checks) or "when false then null"
    return f"""
select
    * exclude ({fields}),
    {cast_list},
    case
        {check_list}
    end as problem
from {rows}
"""
