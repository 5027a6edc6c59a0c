"""Render one customer's my-wealth overview (我的财富) as one self-contained HTML page that a
customer could show their family: Chinese and English side by side, readable on a phone, no
scripts and nothing fetched from the network.

The net-worth chart is a Vega-Lite spec rendered to a static SVG by vl-convert (no JavaScript in
the page): real axes with CNY values, ``YYYY-MM`` month labels that are never clipped and a
labelled zero line when net worth goes negative. It is rendered twice, for wide screens and for
phones, and CSS shows one. The SVG keeps its text as ``<text>`` elements, so the page's font
stack (with its CJK fallbacks) applies to it. The allocation bars are plain HTML so they reflow.
Every id a customer would otherwise see (rules, categories, product classes, risk levels) is
shown through ``wealthgraph.wealth.labels``.
"""

from __future__ import annotations

import math
import re
from html import escape
from pathlib import Path

import duckdb
import vl_convert

from wealthgraph.wealth import labels
from wealthgraph.wealth.labels import Label

FONT_STACK = (
    'system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
    '"Noto Sans CJK SC", "Source Han Sans SC", sans-serif'
)
PALETTE = ("#2f6fb0", "#e08a2c", "#3a9d5d", "#8a62b5", "#c8463d", "#7a7a7a", "#b5a642")
RISK_COLORS = {"R1": "#3a9d5d", "R2": "#8fbf4d", "R3": "#e0b12c", "R4": "#e08a2c", "R5": "#c8463d"}
LINE, NEGATIVE, ZERO = "#2f6fb0", "#c8463d", "#555"
# the y axis: ¥ with thousands separators and a real minus sign (a Vega expression)
Y_LABEL = "(datum.value < 0 ? '−¥' : '¥') + format(abs(datum.value), ',')"
# (name, width, height, font size, at most this many month labels); CSS shows one of them
CHART_SIZES = (("wide", 640, 260, 12, 7), ("narrow", 340, 220, 11, 4))


def _money(value) -> str:
    """¥ with thousands separators, whole yuan, a real minus sign.

    >>> _money(-1224228.4), _money(0.2), _money(None)
    ('−¥1,224,228', '¥0', '—')
    """
    if value is None:
        return "—"
    amount = round(float(value))
    return f"{'−' if amount < 0 else ''}¥{abs(amount):,}"


def _signed(value) -> str:
    return "—" if value is None else ("+" if round(float(value)) > 0 else "") + _money(value)


def _share(value) -> str:
    return f"{float(value or 0):.0%}".replace("-", "−")


def _bilingual(label: Label) -> str:
    return f'{escape(label.zh)} <span class="en" lang="en">{escape(label.en)}</span>'


def _month_labels(months: list[str], at_most: int) -> list[str]:
    """Evenly spaced months to label on the x axis, always including the latest one.

    >>> _month_labels(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"], 3)
    ['2026-01', '2026-03', '2026-05']
    """
    step = max(1, math.ceil((len(months) - 1) / max(1, at_most - 1)))
    return months[::-1][::step][::-1]


def _halo_text(text: dict, encoding: dict, values: list[dict] | None = None) -> list[dict]:
    """A text mark twice, first as a white outline, so it stays readable over the line."""
    layers = []
    for halo in (True, False):
        mark = {"type": "text", **text}
        if halo:
            mark |= {"stroke": "white", "strokeWidth": 4, "strokeJoin": "round", "fill": "white"}
        layer = {"mark": mark, "encoding": encoding}
        if values is not None:
            layer["data"] = {"values": values}
        layers.append(layer)
    return layers


def _history_spec(history: list[tuple], size: tuple) -> dict:
    """The Vega-Lite spec of the net-worth line: one point a month, the latest value written
    next to it, and a dashed, labelled zero line when any month is below zero."""
    _, width, height, font_size, at_most = size
    months = [f"{month:%Y-%m}" for month, _ in history]
    values = [float(value) for _, value in history]
    rows = [
        {"month": m, "net_worth": v, "label": _money(v)}
        for m, v in zip(months, values, strict=True)
    ]
    x = {
        "field": "month",
        "type": "ordinal",
        "axis": {"values": _month_labels(months, at_most), "labelAngle": 0, "labelPadding": 6},
    }
    y = {
        "field": "net_worth",
        "type": "quantitative",
        "scale": {"zero": True, "nice": True},
        "axis": {
            "labelExpr": Y_LABEL,
            "tickCount": 5 if width > 400 else 4,
            "labelFontWeight": {
                "condition": {"test": "datum.value === 0", "value": "bold"},
                "value": "normal",
            },
        },
    }
    negative = min(values) < 0
    layers: list[dict] = []
    if negative:
        layers.append(
            {
                "data": {"values": [{}]},
                "mark": {"type": "rule", "color": ZERO, "strokeDash": [5, 4], "strokeWidth": 1.5},
                "encoding": {"y": {"datum": 0}},
            }
        )
    layers.append(
        {"mark": {"type": "line", "color": LINE, "strokeWidth": 2.5}, "encoding": {"x": x, "y": y}}
    )
    layers.append(
        {
            "mark": {"type": "point", "filled": True, "opacity": 1, "size": 36},
            "encoding": {
                "x": x,
                "y": y,
                "color": {
                    "condition": {"test": "datum.net_worth < 0", "value": NEGATIVE},
                    "value": LINE,
                },
            },
        }
    )
    rising = len(values) < 2 or values[-1] >= values[-2]
    layers += _halo_text(
        {
            "align": "right",
            "baseline": "bottom" if rising else "top",
            "dy": -8 if rising else 8,
            "fontWeight": "bold",
            "color": NEGATIVE if values[-1] < 0 else LINE,
        },
        {"x": x, "y": y, "text": {"field": "label"}},
        [rows[-1]],
    )
    if negative:
        # the zero line's label goes at the end where the line is further from zero
        left = abs(values[0]) > abs(values[-1])
        layers += _halo_text(
            {"align": "left" if left else "right", "baseline": "bottom", "dy": -3, "color": ZERO},
            {
                "x": {"value": 4} if left else {"value": "width"},
                "y": {"datum": 0},
                "text": {"value": "净资产为零 Zero net worth"},
            },
            [{}],
        )
    first, last = rows[0], rows[-1]
    return {
        "description": (
            f"净资产走势 Net worth by month: {first['month']} {first['label']} … "
            f"{last['month']} {last['label']}"
        ),
        "width": width,
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        # room for labels drawn wider by the reader's fonts than vl-convert measured them
        "padding": {"left": 14, "right": 6, "top": 8, "bottom": 4},
        "background": None,
        "config": {
            "view": {"stroke": None},
            "axis": {
                "title": None,
                "labelFontSize": font_size,
                "labelColor": "#444",
                "gridColor": "#e8e8e8",
                "domainColor": "#999",
                "tickColor": "#999",
                "domain": False,
                "ticks": False,
            },
            "axisX": {"domain": True, "grid": False, "ticks": True},
            "text": {"fontSize": font_size},
        },
        "data": {"values": rows},
        "layer": layers,
    }


def _inline_svg(spec: dict) -> str:
    """vl-convert's SVG, fit for inlining in HTML: no namespace URLs (an inline SVG needs none),
    no font-family of its own (the page's CJK font stack applies), coordinates to 0.1 px."""
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    svg = re.sub(r' xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r' font-family="[^"]*"', "", svg)
    return re.sub(r"<[^>]+>", lambda tag: re.sub(r"(\d\.\d)\d+", r"\1", tag.group(0)), svg)


def _history_html(history: list[tuple]) -> str:
    if len(history) < 2:
        return '<p class="muted">历史数据不足 <span lang="en">Not enough history yet.</span></p>'
    charts = "".join(
        f'<div class="{size[0]}">{_inline_svg(_history_spec(history, size))}</div>'
        for size in CHART_SIZES
    )
    note = ""
    if min(float(v) for _, v in history) < 0:
        note = (
            '<p class="muted">虚线以下：负债超过资产 '
            '<span lang="en">Below the dashed line, debts exceed assets.</span></p>'
        )
    return f'<figure class="chart">{charts}</figure>{note}'


def _bar(items: list[dict], key: str, names: dict[str, Label], colors: dict[str, str]) -> str:
    """One stacked bar of shares and its legend: label, amount, share (colours by key, else
    from PALETTE in turn)."""
    segments, legend = [], []
    for i, item in enumerate(items):
        color = colors.get(item[key]) or PALETTE[i % len(PALETTE)]
        share = float(item["share"] or 0)
        label = labels.label(names, item[key])
        segments.append(
            f'<span style="width:{share * 100:.2f}%;background:{color}" '
            f'title="{escape(label.zh)} {escape(label.en)} {_share(share)}"></span>'
        )
        legend.append(
            f'<li><i style="background:{color}"></i><span>{_bilingual(label)}</span>'
            f'<span class="num">{_money(item["amount"])}</span>'
            f'<span class="num">{_share(share)}</span></li>'
        )
    return f'<div class="bar">{"".join(segments)}</div><ul class="legend">{"".join(legend)}</ul>'


def _allocation_html(by_class: list[dict], by_risk: list[dict]) -> str:
    if not by_class:
        return '<p class="muted">暂无资产 <span lang="en">No assets.</span></p>'
    html = _bar(by_class, "product_class", labels.PRODUCT_CLASSES, {})
    if by_risk:
        html += '<h3>按风险等级 <span class="en" lang="en">By risk level</span></h3>'
        html += _bar(by_risk, "risk_level", labels.RISK_LEVELS, RISK_COLORS)
    return html


def _flows_table(rows: list[dict], title: Label) -> str:
    body = "".join(
        f"<tr><td>{_bilingual(labels.label(labels.TRANSACTION_CATEGORIES, r['category']))}</td>"
        f'<td class="num">{_money(r["amount_1m"])}</td>'
        f'<td class="num">{_money(r["amount_3m"])}</td></tr>'
        for r in rows
    )
    empty = '<tr><td colspan="3" class="muted">无 <span lang="en">None</span></td></tr>'
    return (
        f"<table><caption>{_bilingual(title)}</caption><thead><tr>"
        '<th>类别 <span class="en" lang="en">Category</span></th>'
        '<th class="num">近1个月 <span class="en" lang="en">Last month</span></th>'
        '<th class="num">近3个月 <span class="en" lang="en">Last 3 months</span></th>'
        f"</tr></thead><tbody>{body or empty}</tbody></table>"
    )


def _figure(title: Label, value: str, note: str = "", negative: bool = False) -> str:
    css = ' class="neg"' if negative else ""
    note_html = f"<small>{note}</small>" if note else ""
    return f"<div><small>{_bilingual(title)}</small><b{css}>{value}</b>{note_html}</div>"


STYLE = """
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: var(--font); margin: 0; background: #f3f4f6; color: #1f2328;
  line-height: 1.5; }
main { max-width: 720px; margin: 0 auto; padding: 16px; }
section { background: #fff; border-radius: 12px; padding: 16px; margin: 0 0 12px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
h3 { font-size: 1rem; margin: 16px 0 8px; }
.en { color: #5b6470; font-weight: normal; }
h1 .en { font-size: .75em; }
.muted, .meta { color: #5b6470; font-size: .9rem; margin: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
  gap: 12px; }
.figures small { display: block; font-size: .8rem; color: #5b6470; }
.figures b { display: block; font-size: 1.35rem; font-variant-numeric: tabular-nums; }
.neg { color: #c8463d; }
.bar { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: #e8e8e8; }
.legend { list-style: none; padding: 0; margin: 8px 0 0; }
.legend li { display: grid; grid-template-columns: 12px 1fr auto 3.2em; gap: 8px;
  align-items: baseline; padding: 4px 0; border-bottom: 1px solid #f0f0f0; }
.legend i { width: 12px; height: 12px; border-radius: 3px; align-self: center; }
.chart { margin: 0; }
.chart svg { display: block; max-width: 100%; height: auto; overflow: visible; }
.chart .narrow { display: none; }
@media (max-width: 600px) {
  main { padding: 12px; }
  section { padding: 12px; }
  .chart .wide { display: none; }
  .chart .narrow { display: block; }
}
table { border-collapse: collapse; width: 100%; margin: 0 0 16px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
td, th { border-bottom: 1px solid #f0f0f0; padding: 6px 4px; text-align: left;
  vertical-align: baseline; }
th { font-size: .85rem; font-weight: normal; color: #5b6470; }
th.num { white-space: normal; }
.advice { padding-left: 1.2em; margin: 0; }
.advice li { margin: 0 0 10px; }
footer { color: #5b6470; font-size: .8rem; text-align: center; padding: 8px 0 24px; }
"""


def render(con: duckdb.DuckDBPyConnection, customer_id: str) -> str:
    """The HTML page of the customer's latest wealth summary, history and advice.

    Raises LookupError for a customer with no summary row.
    """
    summary = con.execute(
        """
        select * from marts.wealth_summary
        where customer_id = ? order by as_of desc limit 1
        """,
        [customer_id],
    ).pl()
    if summary.is_empty():
        raise LookupError(f"no customer {customer_id} in the published copy")
    s = summary.row(0, named=True)
    history = con.execute(
        "select month, net_worth from marts.wealth_history "
        "where customer_id = ? and month <= ? and net_worth is not null order by month",
        [customer_id, s["as_of"]],
    ).fetchall()
    advice = con.execute(
        "select rule_id, message from marts.wealth_advice "
        "where customer_id = ? and as_of = ? and not passed order by rule_id",
        [customer_id, s["as_of"]],
    ).fetchall()
    advice_html = "".join(
        f"<li><b>{_bilingual(labels.label(labels.RULES, rule))}</b><br>{escape(message)}</li>"
        for rule, message in advice
    )
    nothing = '<li>目前无需调整 <span lang="en">Nothing to change right now.</span></li>'
    profile = (
        f"{escape(s['risk_tolerance'])} {_bilingual(labels.RISK_TOLERANCES[s['risk_tolerance']])}"
        if s["risk_tolerance"] in labels.RISK_TOLERANCES
        else _bilingual(Label("未评估", "not assessed"))
    )
    net_worth = s["net_worth"]
    change = s.get("net_worth_change_1m")
    figures = "".join(
        (
            _figure(Label("总资产", "Assets"), _money(s["total_assets"])),
            _figure(Label("负债", "Debts"), _money(s["total_liabilities"])),
            _figure(
                Label("净资产", "Net worth"),
                _money(net_worth),
                ""
                if change is None
                else '较上月 <span lang="en">vs last month</span> '
                f'<span class="num">{_signed(change)}</span>',
                negative=net_worth is not None and net_worth < 0,
            ),
            _figure(
                Label("储蓄率", "Savings rate"),
                "—" if s["savings_rate"] is None else _share(s["savings_rate"]),
                '近3个月 <span lang="en">last 3 months</span>',
                negative=(s["savings_rate"] or 0) < 0,
            ),
        )
    )
    cid = escape(customer_id)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>我的财富 My wealth · {cid}</title>
<style>
:root {{ --font: {FONT_STACK}; }}{STYLE}</style></head><body><main>
<section><h1>我的财富 <span class="en" lang="en">My wealth</span></h1>
<p class="meta">客户 Customer {cid} · 截至 as of {s["as_of"]} · 风险偏好 Risk profile
{profile}</p></section>
<section class="figures">{figures}</section>
<section><h2>资产配置 <span class="en" lang="en">Allocation</span></h2>
{_allocation_html(s["allocation_by_class"] or [], s.get("allocation_by_risk") or [])}</section>
<section><h2>净资产走势 <span class="en" lang="en">Net worth by month</span></h2>
{_history_html(history)}</section>
<section><h2>收入与支出 <span class="en" lang="en">Income and spending</span></h2>
{_flows_table(s["income_by_category"] or [], Label("收入", "Income"))}
{_flows_table(s["spending_by_category"] or [], Label("支出", "Spending"))}</section>
<section><h2>理财建议 <span class="en" lang="en">Advice</span></h2>
<ul class="advice">{advice_html or nothing}</ul></section>
<footer>仅供参考，不构成投资建议 · <span lang="en">For information only, not investment
advice.</span></footer>
</main></body></html>
"""


def write_report(database: Path | str, customer_id: str, out: Path) -> Path:
    """Render the customer's page into ``out`` from ``database``: a published version's file
    (``publish.current(root).database``), never the warehouse the pipeline writes.

    Raises LookupError for a customer with no summary row, before ``out`` is written.
    """
    with duckdb.connect(str(database), read_only=True) as con:
        page = render(con, customer_id)
    out.write_text(page, encoding="utf-8")
    return out
