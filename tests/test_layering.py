"""The layers: wealthgraph/ and features/ are plain Python; only pipelines/ knows Dagster.

pipelines/ imports wealthgraph/ and features/, never the other way round. Checked on the source
(every import statement, at module level or inside a function, and every import_module or
__import__ call with a literal name), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast

import pytest

from wealthgraph.settings import ROOT

# package -> top-level modules it must never import
FORBIDDEN = {
    "wealthgraph": ("dagster", "dagster_duckdb", "dagster_webserver", "pipelines"),
    "features": ("dagster", "dagster_duckdb", "dagster_webserver", "pipelines"),
}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, module)`` for every import in ``tree``; relative imports are left out (they stay
    inside their own package)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "import_module")
            )
            and node.args
        ):
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append((node.lineno, name.value))
            elif isinstance(name, ast.JoinedStr) and name.values:
                head = name.values[0]
                if isinstance(head, ast.Constant):  # f"wealthgraph.adapters.{name}"
                    found.append((node.lineno, head.value))
    return found


def forbidden(module: str, banned: tuple[str, ...]) -> bool:
    top = module.split(".")[0]
    return top in banned or top.startswith("dagster")


def test_the_check_sees_every_kind_of_import():
    source = """
import dagster as dg
from pipelines.definitions import defs
def lazy():
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG
    import dagster_duckdb
    importlib.import_module("pipelines.run")
    __import__("dagster")
from . import sibling
import polars
"""
    banned = FORBIDDEN["wealthgraph"]
    found = imported_modules(ast.parse(source))
    hits = [module for _, module in found if forbidden(module, banned)]
    assert hits == [
        "dagster",
        "pipelines.definitions",
        "dagster._core.storage.tags",
        "dagster_duckdb",
        "pipelines.run",
        "dagster",
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_dagster_or_pipelines(package: str):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {ROOT / package}"
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(ast.parse(path.read_text(), str(path)))
        if forbidden(module, FORBIDDEN[package])
    ]
    assert offences == [], f"{package}/ must stay free of Dagster and pipelines/:\n" + "\n".join(
        offences
    )


def test_pipelines_is_where_dagster_lives():
    """A sanity check of the walk itself on the real tree: pipelines/ does import Dagster."""
    modules = {
        module.split(".")[0]
        for path in (ROOT / "pipelines").rglob("*.py")
        for _, module in imported_modules(ast.parse(path.read_text(), str(path)))
    }
    assert {"dagster", "wealthgraph"} <= modules
