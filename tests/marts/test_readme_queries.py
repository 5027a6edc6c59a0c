"""The analyst questions in the README's sections run and answer."""

from __future__ import annotations

import re

import pytest

from wealthgraph.settings import ROOT


def _section_queries(title: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip()]


@pytest.mark.parametrize(
    "title", ["Managers and marketing", "Risk signals and social credit (事中风控)"]
)
def test_each_readme_question_returns_rows(con, title):
    queries = _section_queries(title)
    assert len(queries) == 3
    for sql in queries:
        assert con.execute(sql).fetchall(), sql
