"""A feed appends a corrected risk assessment: the correction wins, and suitability follows it.

Real feeds correct a reference line by sending it again; for customers the latest
``risk_assessed_at`` wins (``wealthgraph.landing.CORRECTION_ORDER``). When the first line won
instead, a customer re-assessed from C5 down to C1 kept being offered R4/R5 products: a
suitability breach.
"""

from __future__ import annotations

import json

from tests.faults.conftest import Site
from wealthgraph import landing


def test_a_later_risk_assessment_wins_and_no_unsuitable_product_is_recommended(
    site: Site,
) -> None:
    customers_file = landing.source_path(site.landing, landing.CUSTOMERS)
    lines = site.read_lines(customers_file)
    # the run's as-of date is its last landed day; a correction dated then is known to it
    as_of = landing.landed_days(site.landing, landing.EVENTS)[-1].isoformat()
    # every C5 customer assessed before as_of is re-assessed C1 today: in a normal run of the
    # sample several of them are recommended R4/R5 products, and a single run cannot tell in
    # advance which, so all of them are corrected
    corrected = {
        row["customer_id"]: line_no
        for line_no, row in enumerate(map(json.loads, lines), start=1)
        if row["risk_tolerance"] == "C5" and row["risk_assessed_at"] < as_of
    }
    assert len(corrected) >= 20, "the sample should have C5 customers assessed before as_of"
    corrections = [
        {**json.loads(lines[line_no - 1]), "risk_tolerance": "C1", "risk_assessed_at": as_of}
        for line_no in corrected.values()
    ]
    site.write_lines(customers_file, lines + [json.dumps(row).encode() for row in corrections])
    correction_line = {
        row["customer_id"]: len(lines) + n for n, row in enumerate(corrections, start=1)
    }

    result = site.run()
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
        (len(lines), len(lines))
    ]

    quarantined = site.query(
        "select line_no, reason from quality.quarantine where source = 'customers'"
    )
    assert sorted(quarantined) == sorted(
        (line_no, f"superseded: {cid} by line {correction_line[cid]}")
        for cid, line_no in corrected.items()
    )

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
