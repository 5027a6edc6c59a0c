"""Every asset key with its dependencies and checks (with what each check reads), compared with
a committed snapshot (tests/pipelines/asset_keys.txt), so that a change of the asset graph is
reviewed like code.

After an intended change, regenerate the snapshot and review its diff:

    WEALTHGRAPH_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/pipelines/test_asset_keys.py
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from wealthgraph.settings import Settings

SNAPSHOT = Path(__file__).with_name("asset_keys.txt")


def asset_listing(defs) -> str:
    """One block per asset key, sorted: the key, its dependencies and its checks."""
    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), []).append(check.name)
    blocks = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        name = key.to_user_string()
        deps = sorted(parent.to_user_string() for parent in graph.get(key).parent_keys)
        lines = [name]
        lines += [f"  dep {dep}" for dep in deps]
        for check in sorted(checks.get(name, [])):
            lines.append(f"  check {check}")
            spec = graph.get_check_spec(dg.AssetCheckKey(key, check))
            lines += sorted(
                f"    reads {d.asset_key.to_user_string()}" for d in spec.additional_deps
            )
        blocks.append("\n".join(lines))
    return "\n".join(blocks) + "\n"


def test_asset_keys_dependencies_and_checks_match_the_snapshot(tmp_path):
    defs = build_definitions(Settings(landing=tmp_path, database=tmp_path / "wh.duckdb"))
    listing = asset_listing(defs)
    if os.environ.get("WEALTHGRAPH_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(listing, encoding="utf-8")
    assert SNAPSHOT.is_file(), f"no snapshot: run with WEALTHGRAPH_UPDATE_SNAPSHOT=1 ({__doc__})"
    assert listing == SNAPSHOT.read_text(encoding="utf-8"), (
        "the asset graph changed: if intended, regenerate the snapshot with "
        "WEALTHGRAPH_UPDATE_SNAPSHOT=1 and review its diff"
    )
