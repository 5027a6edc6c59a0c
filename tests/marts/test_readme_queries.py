"""The analyst questions in the README's "Managers and marketing" section run and answer."""

from __future__ import annotations

import re

from wealthgraph.settings import ROOT


def _section_queries() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Managers and marketing", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    return [q.strip() for block in blocks for q in block.split(";") if q.strip()]


def test_each_readme_question_returns_rows(con):
    queries = _section_queries()
    assert len(queries) == 3
    for sql in queries:
        assert con.execute(sql).fetchall(), sql
