"""The staging rules built from landing.py: every source's SQL builds, places each of its
lookups once, and reads exactly the core tables its staging asset depends on."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from wealthgraph import landing
from wealthgraph.ingest import rules


@pytest.mark.parametrize("source", landing.SOURCES.values(), ids=lambda s: s.name)
def test_unknown_id_rules_name_the_lookup_tables(source: landing.Source) -> None:
    sql = rules.staging_sql(source)
    assert "{" not in sql  # every marker filled
    looked_up = set(re.findall(r"not in \(select \w+ from core\.(\w+)\)", sql))
    assert looked_up == set(source.lookup_tables)
    for field in source.lookups:
        assert f"'unknown {field}: ' || {field}" in sql


def test_a_lookup_missing_from_the_rules_file_is_refused() -> None:
    source = replace(landing.GROUPS, lookups={**landing.GROUPS.lookups, "name": landing.MANAGER})
    with pytest.raises(ValueError, match="unknown-id rules"):
        rules.staging_sql(source)


def test_quality_views_have_one_block_per_source() -> None:
    for view in ("quarantine", "ingest_audit"):
        sql = rules.quality_view(view)
        assert sql.count("union all") == len(landing.SOURCES) - 1
        for name in landing.SOURCES:
            assert f"'{name}' as source" in sql
