"""A feed appends a corrected risk assessment: the correction wins, and suitability follows it.

Real feeds correct a reference line by sending it again; for customers the latest
``risk_assessed_at`` wins (``wealthgraph.landing.CORRECTION_ORDER``). When the first line won
instead, a customer re-assessed from C5 down to C1 kept being offered R4/R5 products: a
suitability breach.

The corrections are landed with the line faults of test_lines (conftest's ``dirty``), so one
run serves both; customers also holds a bad-encoding line and a blank line after them.
"""

from __future__ import annotations

from tests.faults.conftest import Dirty


def test_a_later_risk_assessment_wins_and_no_unsuitable_product_is_recommended(
    dirty: Dirty,
) -> None:
    site, planted = dirty.site, dirty.corrections
    corrected, correction_line = planted.corrected, planted.correction_line
    assert len(corrected) >= 20, "the sample should have C5 customers assessed before as_of"
    result = dirty.result
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

    core = dict(
        site.query(
            "select customer_id, risk_tolerance from core.customers "
            "where customer_id in (select unnest(?::varchar[]))",
            [list(corrected)],
        )
    )
    assert core == dict.fromkeys(corrected, "C1")
    assert site.query("select count(*), count(distinct customer_id) from core.customers") == [
        (planted.customers, planted.customers)
    ]

    quarantined = site.query(
        "select line_no, reason from quality.quarantine where source = 'customers'"
    )
    superseded = [(n, reason) for n, reason in quarantined if reason.startswith("superseded")]
    assert sorted(superseded) == sorted(
        (line_no, f"superseded: {cid} by line {correction_line[cid]}")
        for cid, line_no in corrected.items()
    )
    # exactly the planted faults besides: a correction quarantined for any other reason, or a
    # fault that took a correction down with it, would show here
    others = sorted((n, reason) for n, reason in quarantined if not reason.startswith("superseded"))
    assert [n for n, _ in others] == sorted(planted.faults), others
    assert all(reason.startswith(planted.faults[n]) for n, reason in others), others

    recommended = site.query(
        """
        select r.customer_id, r.item_id, p.risk_level
        from marts.recommendations r
        join core.products p on p.product_id = r.item_id
        where r.kind = 'product' and r.customer_id in (select unnest(?::varchar[]))
        """,
        [list(corrected)],
    )
    # not vacuous: the corrected customers still get products, only suitable ones
    assert {cid for cid, _, _ in recommended}, "no product recommended to any corrected customer"
    assert [row for row in recommended if row[2] != "R1"] == []
