"""Loans and social credit: the network can cost a customer a loan, never win one."""

from __future__ import annotations

from wealthgraph.config import RECOMMEND, sql_params
from wealthgraph.sql import query


def loans(con) -> set[str]:
    as_of = con.execute("select max(as_of) from graph.social_credit").fetchone()[0]
    frame = query(con, "recommend", "loans", {"as_of": as_of, **sql_params()})
    return set(frame["customer_id"])


def below_the_bar(con) -> set[str]:
    """Customers whose landed grade is below loan_min_credit_grade."""
    rows = con.execute(
        """
        with grades as (select value, position from core.enums where domain = 'credit_grade')
        select c.customer_id from core.customers c join grades g on g.value = c.credit_grade
        where g.position > (select position from grades where value = ?)
        """,
        [RECOMMEND.loan_min_credit_grade],
    ).fetchall()
    return {c for (c,) in rows}


def test_a_good_network_never_lifts_a_grade(sample_copy):
    # tamper: tell every customer their network is worth three grades *up*
    sample_copy.execute("update graph.social_credit set grade_steps_down = -3")
    offered = loans(sample_copy)
    assert offered
    assert not offered & below_the_bar(sample_copy)


def test_a_bad_network_costs_a_loan(sample_copy):
    sample_copy.execute("update graph.social_credit set grade_steps_down = 0, reasons = []")
    landed = loans(sample_copy)
    sample_copy.execute("update graph.social_credit set grade_steps_down = 3, reasons = ['test']")
    lowered = loans(sample_copy)
    # three grades down leaves only AAA customers at the BBB bar
    aaa = {
        c
        for (c,) in sample_copy.execute(
            "select customer_id from core.customers where credit_grade = 'AAA'"
        ).fetchall()
    }
    assert lowered < landed
    assert lowered <= aaa


def test_lowered_customers_are_told_why(con):
    as_of = con.execute("select max(as_of) from graph.social_credit").fetchone()[0]
    lowered = query(con, "recommend", "loans", {"as_of": as_of, **sql_params()}).join(
        con.execute(
            "select customer_id from graph.social_credit where as_of = ? and grade_steps_down > 0",
            [as_of],
        ).pl(),
        on="customer_id",
    )
    assert lowered.height > 0
    assert all("lower because" in r[0] for r in lowered["reasons"])
