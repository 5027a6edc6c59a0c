"""SQL that turns raw lines into typed columns and names the first problem with each line.

The field list and types come from ``wealthgraph.landing``; source-specific rules (known ids,
partition window, amounts, duplicates) live in ``sql/staging/<source>.sql``.
"""

from __future__ import annotations

from wealthgraph.landing import Source

# JSON value types DuckDB's json_type reports that each column type accepts
_JSON_TYPES = {
    "VARCHAR": ("VARCHAR",),
    "DATE": ("VARCHAR",),
    "TIMESTAMP": ("VARCHAR",),
    "BOOLEAN": ("BOOLEAN",),
    "INTEGER": ("BIGINT", "UBIGINT"),
    "DOUBLE": ("BIGINT", "UBIGINT", "DOUBLE"),
}


def _accepted_json_types(kind: str) -> tuple[str, ...]:
    return _JSON_TYPES.get(kind, ("BIGINT", "UBIGINT", "DOUBLE"))  # DECIMAL(..)


def typed_sql(source: Source) -> str:
    """A SELECT over ``lines`` (raw rows of one batch) giving typed fields and ``problem``.

    ``problem`` is null when the line is valid JSON of the right shape; otherwise it says why
    not: bad encoding, not a JSON object, a missing required field, or a field of the wrong type.
    """
    casts, checks = [], []
    for field, kind in source.fields.items():
        value = f"(doc->>'{field}')"
        json_type = f"json_type(doc, '$.{field}')"
        casts.append(f"try_cast({value} as {kind}) as {field}")
        if field in source.required:
            checks.append(f"when {value} is null then 'missing field: {field}'")
        accepted = ", ".join(f"'{t}'" for t in _accepted_json_types(kind))
        checks.append(
            f"when {value} is not null and ({json_type} not in ({accepted}) "
            f"or try_cast({value} as {kind}) is null) "
            f"then 'wrong type: {field} = ' || left({value}, 80)"
        )
    cast_list = ",\n    ".join(casts)
    check_list = "\n        ".join(checks)
    return f"""
with decoded as (
    select partition_date, file_name, line_no, line, try(decode(line)) as text
    from lines
),
docs as (
    select
        *,
        case when json_valid(text) and json_type(text::json) = 'OBJECT' then text::json end as doc
    from decoded
)
select
    partition_date,
    file_name,
    line_no,
    coalesce(text, line::varchar) as line_text,
    {cast_list},
    case
        when text is null then 'bad encoding: line is not UTF-8'
        when doc is null then 'unparsable line: not a JSON object'
        {check_list}
    end as problem
from docs
"""
