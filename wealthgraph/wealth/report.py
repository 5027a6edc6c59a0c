"""Render one customer's my-wealth overview as a self-contained HTML page (inline SVG charts,
no scripts or network), because people would rather look than read."""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb

PALETTE = ("#2f6fb0", "#e08a2c", "#3a9d5d", "#c8463d", "#8a62b5", "#7a7a7a", "#b5a642")


def _money(value) -> str:
    return "—" if value is None else f"¥{float(value):,.0f}"


def _allocation_svg(allocation: list[dict]) -> str:
    if not allocation:
        return "<p>No assets.</p>"
    x, parts, legend = 0.0, [], []
    for i, item in enumerate(allocation):
        width = float(item["share"] or 0) * 600
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="36" fill="{color}"/>')
        legend.append(
            f'<li><span style="background:{color}"></span>{escape(item["product_class"])}: '
            f"{_money(item['amount'])} ({float(item['share'] or 0):.0%})</li>"
        )
        x += width
    bars = f'<svg width="600" height="36" role="img">{"".join(parts)}</svg>'
    return f'{bars}<ul class="legend">{"".join(legend)}</ul>'


def _history_svg(history: list[tuple]) -> str:
    if len(history) < 2:
        return "<p>Not enough history yet.</p>"
    values = [float(v) for _, v in history]
    low, high = min(*values, 0.0), max(*values, 0.0)
    span = (high - low) or 1.0
    step = 580 / (len(values) - 1)
    points = " ".join(
        f"{10 + i * step:.1f},{190 - (v - low) / span * 170:.1f}" for i, v in enumerate(values)
    )
    zero = 190 - (0 - low) / span * 170
    labels = "".join(
        f'<text x="{10 + i * step:.1f}" y="210" font-size="10" text-anchor="middle">'
        f"{month:%Y-%m}</text>"
        for i, (month, _) in enumerate(history)
        if i % max(1, len(history) // 6) == 0 or i == len(history) - 1
    )
    return (
        f'<svg width="600" height="215" role="img"><line x1="10" x2="590" y1="{zero:.1f}" '
        f'y2="{zero:.1f}" stroke="#ccc"/><polyline fill="none" stroke="#2f6fb0" '
        f'stroke-width="2" points="{points}"/>{labels}</svg>'
    )


def _table(rows: list[dict], title: str) -> str:
    body = "".join(
        f"<tr><td>{escape(r['category'])}</td><td>{_money(r['amount_1m'])}</td>"
        f"<td>{_money(r['amount_3m'])}</td></tr>"
        for r in rows
    )
    return (
        f"<table><caption>{title}</caption><tr><th>category</th><th>last month</th>"
        f"<th>last 3 months</th></tr>{body or '<tr><td colspan=3>none</td></tr>'}</table>"
    )


def render(con: duckdb.DuckDBPyConnection, customer_id: str) -> str:
    """The HTML page of the customer's latest wealth summary, history and advice.

    Raises KeyError for a customer with no summary row.
    """
    summary = con.execute(
        """
        select * from marts.wealth_summary
        where customer_id = ? order by as_of desc limit 1
        """,
        [customer_id],
    ).pl()
    if summary.is_empty():
        raise KeyError(f"no wealth summary for {customer_id}")
    s = summary.row(0, named=True)
    history = con.execute(
        "select month, net_worth from marts.wealth_history "
        "where customer_id = ? and as_of = ? order by month",
        [customer_id, s["as_of"]],
    ).fetchall()
    advice = con.execute(
        "select rule_id, message from marts.wealth_advice "
        "where customer_id = ? and as_of = ? and not passed order by rule_id",
        [customer_id, s["as_of"]],
    ).fetchall()
    advice_html = "".join(f"<li><b>{escape(r)}</b>: {escape(m)}</li>" for r, m in advice)
    savings = "—" if s["savings_rate"] is None else f"{s['savings_rate']:.0%}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My wealth · {escape(customer_id)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 680px; margin: 2em auto; color: #222; }}
.figures {{ display: flex; gap: 2em; }} .figures div {{ font-size: 1.4em; }}
.figures small {{ display: block; font-size: .6em; color: #666; }}
.legend {{ list-style: none; padding: 0; }} .legend span {{ display: inline-block; width: 1em;
height: 1em; margin-right: .4em; vertical-align: middle; }}
table {{ border-collapse: collapse; margin: 1em 0; width: 100%; }}
td, th {{ border-bottom: 1px solid #eee; padding: .3em; text-align: left; }}
caption {{ text-align: left; font-weight: bold; }}
</style></head><body>
<h1>My wealth 我的财富</h1>
<p>Customer {escape(customer_id)} · as of {s["as_of"]} · risk profile
{escape(s["risk_tolerance"] or "not assessed")}</p>
<section class="figures">
<div>{_money(s["total_assets"])}<small>assets</small></div>
<div>{_money(s["total_liabilities"])}<small>debts</small></div>
<div>{_money(s["net_worth"])}<small>net worth</small></div>
<div>{savings}<small>savings rate</small></div>
</section>
<h2>Allocation</h2>{_allocation_svg(s["allocation_by_class"])}
<h2>Net worth by month</h2>{_history_svg(history)}
<h2>Income and spending</h2>
{_table(s["income_by_category"], "Income")}{_table(s["spending_by_category"], "Spending")}
<h2>Advice</h2><ul>{advice_html or "<li>Nothing to change right now.</li>"}</ul>
</body></html>
"""


def write_report(database: Path | str, customer_id: str, out: Path) -> Path:
    """Render the customer's page into ``out`` from ``database``: a published version's file
    (``publish.current(root).database``), never the warehouse the pipeline writes.

    Raises KeyError for a customer with no summary row, before ``out`` is written.
    """
    with duckdb.connect(str(database), read_only=True) as con:
        page = render(con, customer_id)
    out.write_text(page, encoding="utf-8")
    return out
