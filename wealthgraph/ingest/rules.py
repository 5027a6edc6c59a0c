"""The staging rules of every landing source, and the quality views over all sources, as SQL.

``sql/staging/<source>.sql`` holds only what is particular to a source: its rules, in order,
as the WHEN clauses of one CASE (the first that holds names the reason), where a line
``{unknown <field>}`` stands for the unknown-id rule(s) of a field in ``landing.Source.lookups``
or ``kind_lookups``. This module builds the rest from ``wealthgraph.landing``:

- the unknown-id rules (``'unknown <field>: ' || <field>``);
- for a reference source, the correction order: among the lines of a key that pass every rule,
  one wins by ``landing.CORRECTION_ORDER`` and the others are ``superseded: <key> by line N``;
- for a daily source, the duplicate-key rules, last: copies are numbered among the lines that
  are well formed and inside their day (a copy landed in another day's file is rejected for
  that, and must not take the original down too), and an id already accepted on a day outside
  the batch is a duplicate too (when the key does not hold the day);
- ``quality.quarantine`` and ``quality.ingest_audit``: one block of ``sql/quality/<view>.sql``
  per source, joined by ``union all``.

The query reads view ``typed`` (one row per line of the batch, see wealthgraph.ingest.layers)
and returns it with ``reject_reason`` (null = accepted). Every join has the batch on the left and
the lookups on the right (see layers._settings).
"""

from __future__ import annotations

import re
import textwrap

from wealthgraph.landing import CORRECTION_ORDER, SOURCES, Source
from wealthgraph.sql import load_sql

_MARKER = re.compile(r"^(\s*)\{unknown (\w+)\}[ \t]*$", re.MULTILINE)

# columns a source's rules read from a core table joined on one of its fields:
# source -> (table, field, columns). Events: what target_id names and whether an amount is
# required, per event_type (core.event_types, from landing.EVENT_TYPES); an unknown event_type
# finds no row.
JOINED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "events": ("event_types", "event_type", ("target_kind", "amount_required")),
}


def _body(text: str) -> str:
    """The text of a SQL file without its leading comment (what the file is for)."""
    lines = text.strip().split("\n")
    while lines and lines[0].startswith("--"):
        lines.pop(0)
    return "\n".join(lines)


def unknown_id(source: Source, name: str) -> str:
    """The WHEN clause(s) rejecting a value of field ``name`` missing from its lookup table."""
    if name in source.lookups:
        table, column = source.lookups[name]
        return (
            f"when {name} not in (select {column} from core.{table})\n"
            f"    then 'unknown {name}: ' || {name}"
        )
    # the table depends on the row's kind: only events' target_id, by its event_type
    clauses = [
        f"when target_kind = '{kind}'\n"
        f"    and {name} not in (select {column} from core.{table})\n"
        f"    then 'unknown {name} ({kind.replace('_', ' ')}): ' || {name}"
        for kind, (table, column) in source.kind_lookups[name].items()
    ]
    return "\n".join(clauses)


def source_rules(source: Source) -> str:
    """The source's WHEN clauses from ``sql/staging/<source>.sql``, unknown-id rules filled in.

    Every lookup of the source must be placed in the file once, and nothing else named.
    """
    text = _body(load_sql("staging", source.name))
    named = [m.group(2) for m in _MARKER.finditer(text)]
    expected = [*source.lookups, *source.kind_lookups]
    if sorted(named) != sorted(expected):
        raise ValueError(
            f"sql/staging/{source.name}.sql places unknown-id rules for {named}, "
            f"landing.py has lookups {expected}"
        )

    def fill(match: re.Match) -> str:
        indent = match.group(1)
        return "\n".join(indent + line for line in unknown_id(source, match.group(2)).split("\n"))

    return _MARKER.sub(fill, text)


def _case(rules: str, indent: int) -> str:
    """``coalesce(problem, case <rules> end)``: the parse problem first, then the rules (the
    expression starts at column ``indent``)."""
    if not re.search(r"^\s*when\b", rules, re.MULTILINE):
        return "problem"
    body = textwrap.indent(rules, " " * (indent + 4))
    return f"coalesce(problem, case\n{body}\n{' ' * indent}end)"


def _winner(source: Source) -> str:
    """The winning line of a key among its valid lines (landing.CORRECTION_ORDER)."""
    order = CORRECTION_ORDER[source.name]
    if not order:
        return "max(line_no)"  # the later line
    # the latest value wins, a line without one loses to a line with one, then the later line
    latest = [f"coalesce({f}, '-infinity'::{source.fields[f].lower()})" for f in order]
    return f"arg_max(line_no, ({', '.join(latest)}, line_no))"


def reference_sql(source: Source) -> str:
    """staging.<source> for a reference source: its rules, then the correction order."""
    key = list(source.key)
    pair = []
    if source.undirected:
        # (a, b) and (b, a) are one key
        low, high = key
        pair = [
            f",\n        least({low}, {high}) as low_id",
            f", greatest({low}, {high}) as high_id",
        ]
        group = ["low_id", "high_id"]
    else:
        group = key
    kept = ", ".join(["reason", *(column.split()[-1] for column in pair)])
    columns = "".join(["typed.* exclude (problem)", *pair])
    named = " || '/' || ".join(key)
    return f"""
with checked as (
    -- every rule but the correction order
    select
        {columns},
        {_case(source_rules(source), 8)} as reason
    from typed
),

winners as (
    -- keys with more than one valid line, and the line that wins
    select
        {", ".join(group)},
        {_winner(source)} as winner
    from checked
    where reason is null
    group by all
    having count(*) > 1
)

select
    checked.* exclude ({kept}),
    coalesce(reason, case
        when line_no <> winner then 'superseded: ' || {named} || ' by line ' || winner
    end) as reject_reason
from checked
left join winners using ({", ".join(group)})
"""


def _in_day(source: Source) -> str:
    day = source.day_field
    return f"{day}::date" if source.fields[day] == "TIMESTAMP" else day


def daily_sql(source: Source) -> str:
    """staging.<source> for a daily source: its rules, then the duplicate-key rules."""
    key = ", ".join(source.key)
    [name] = [f for f in source.key if f != source.day_field]  # the id a copy repeats
    duplicates = [f"when copy_no > 1 then 'duplicate {name}: ' || {name}"]
    ingested_before = ""
    if source.day_field not in source.key:
        # an id accepted on a day outside the batch: only core's rows within the batch's id
        # range ($low_id..$high_id, constants, so the scan skips the other row groups by their
        # min/max) can be, then an exact match
        ingested_before = f"""
ingested_before as (
    select distinct {source.name}.{name}
    from core.{source.name}
    where
        {source.name}.{name} between $low_id and $high_id
        and {source.name}.partition_date not in (select distinct partition_date from typed)
        and {source.name}.{name} in (select {name} from typed)
),
"""
        duplicates.append(
            f"when {name} in (select {name} from ingested_before)\n"
            f"    then 'duplicate {name}: already ingested for another day'"
        )
    table, field, columns = JOINED.get(source.name, ("", "", ()))
    joined = "".join(f"{table}.{column},\n        " for column in columns)
    join = f"\n    left join core.{table} using ({field})" if table else ""
    rules = source_rules(source) + "\n" + "\n".join(duplicates)
    return f"""
with candidates as (
    -- copies are counted among lines that are well formed and inside their day
    select
        row_id,
        {key},
        partition_date,
        line_no
    from typed
    where problem is null and {_in_day(source)} = partition_date
),

repeated as (
    -- keys seen more than once in the batch: only their lines need numbering
    select {key}
    from candidates
    group by all
    having count(*) > 1
),

copies as (
    select
        row_id,
        row_number() over (partition by {key} order by partition_date, line_no) as copy_no
    from candidates
    semi join repeated using ({key})
),
{ingested_before}
checked as (
    select
        typed.*,
        {joined}coalesce(copies.copy_no, 1) as copy_no
    from typed{join}
    left join copies using (row_id)
)

select
    checked.* exclude ({", ".join(["problem", *columns, "copy_no"])}),
    {_case(rules, 4)} as reject_reason
from checked
"""


def staging_sql(source: Source) -> str:
    """The query of ``staging.<source>`` over view ``typed`` (row_id, reject_reason...)."""
    return daily_sql(source) if source.daily else reference_sql(source)


def quality_view(view: str) -> str:
    """``quality.<view>`` (quarantine, ingest_audit): the block of ``sql/quality/<view>.sql``
    for every landing source, joined by ``union all``."""
    block = _body(load_sql("quality", view))
    return "\nunion all\n".join(
        block.format(
            source=source.name,
            # core rows of the file's day; a reference file is the whole table
            same_day=" where c.partition_date = f.partition_date" if source.daily else "",
        )
        for source in SOURCES.values()
    )
