"""Asset lineage read from the code: the ``schema.table`` names an asset's SQL reads become its
dependencies, so the graph the Dagster UI draws (and the order a partial materialization runs
in) is the one the SQL has.

SQL assets (pipelines/sql_asset.py) take their dependencies from their parsed SQL file. Python
assets list the tables they read with :func:`table_keys` next to the code that reads them;
tests/pipelines/test_lineage.py checks every list against the SQL that code runs
(:func:`code_reads`).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Callable

import dagster as dg

from wealthgraph.sql import parse_sql

# the tables wealthgraph.warehouse.latest_day reads to fix a run's as-of date: every derived
# asset calls it; features.customers, which the other point-in-time tables read, declares them
AS_OF_SOURCES = ("core.events", "core.snapshots", "core.transactions")

# project code whose SQL counts as an asset's reads; latest_day is the as-of rule above
_PROJECT = ("pipelines", "wealthgraph", "features")
_NOT_READS = {"wealthgraph.warehouse.latest_day"}


def table_keys(*tables: str) -> list[dg.AssetKey]:
    """Asset keys of ``schema.table`` names: ``core.events`` -> ``core/events``."""
    return [dg.AssetKey(table.split(".")) for table in tables]


def key_table(key: dg.AssetKey) -> str:
    """The table an asset key names: ``core/events`` -> ``core.events``."""
    return ".".join(key.path)


def _strings(tree: ast.AST) -> list[str]:
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def _sql_reads(text: str) -> set[str]:
    """Tables a string literal reads, if it is a query (``select`` or ``with``) at all."""
    if not text.lstrip().lower().startswith(("select", "with", "(")):
        return set()
    try:
        return set(parse_sql(text).reads)
    except ValueError:
        return set()


def _called(fn: Callable, tree: ast.AST) -> list[Callable]:
    """Project functions ``fn`` calls by name or as ``module.name`` (resolved in its globals)."""
    scope = {**fn.__globals__, **inspect.getclosurevars(fn).nonlocals}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target, attrs = node.func, []
        while isinstance(target, ast.Attribute):
            attrs.insert(0, target.attr)
            target = target.value
        if not isinstance(target, ast.Name) or target.id not in scope:
            continue
        obj = scope[target.id]
        for attr in attrs:
            obj = getattr(obj, attr, None)
        if isinstance(obj, types.FunctionType):
            found.append(obj)
    return found


def code_reads(fn: Callable) -> set[str]:
    """The tables the SQL string literals in ``fn`` and the project functions it calls read
    (f-strings are not parsed: their tables come from variables; latest_day's reads are the
    as-of rule, AS_OF_SOURCES, unless ``fn`` is latest_day itself)."""
    reads: set[str] = set()
    seen: set[Callable] = set()
    todo = [fn]
    while todo:
        current = todo.pop()
        name = f"{current.__module__}.{current.__qualname__}"
        skipped = name in _NOT_READS and current is not fn
        if current in seen or skipped or not name.startswith(_PROJECT):
            continue
        seen.add(current)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(current)))
        except (OSError, TypeError):
            continue
        for text in _strings(tree):
            reads |= _sql_reads(text)
        todo += _called(current, tree)
    return reads
