"""The my-wealth page on literal marts rows: one self-contained file, real chart axes, a labelled
zero line below zero, bilingual labels, a CJK font stack, and a clear error for an unknown id.
The sample run's pages are checked in tests/marts/test_wealth.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from wealthgraph.wealth import labels
from wealthgraph.wealth.report import FONT_STACK, render, write_report

AS_OF = dt.date(2026, 10, 31)
MONTHS = [dt.date(2025, 10, 1), *(dt.date(2026, m, 1) for m in range(1, 11))]
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _database(path: Path, history: dict[str, list[float]]) -> Path:
    """A published copy with one summary row per customer and the given monthly net worth."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.wealth_summary (
                customer_id varchar, as_of date, total_assets decimal(18,2),
                total_liabilities decimal(18,2), net_worth decimal(18,2),
                allocation_by_class struct(product_class varchar, amount decimal(18,2),
                    share double)[],
                allocation_by_risk struct(risk_level varchar, amount decimal(18,2),
                    share double)[],
                net_worth_change_1m decimal(18,2),
                income_by_category struct(category varchar, amount_1m decimal(18,2),
                    amount_3m decimal(18,2))[],
                spending_by_category struct(category varchar, amount_1m decimal(18,2),
                    amount_3m decimal(18,2))[],
                savings_rate double, risk_tolerance varchar
            )
            """
        )
        con.execute(
            "create table marts.wealth_history (customer_id varchar, month date, "
            "net_worth decimal(18,2))"
        )
        con.execute(
            "create table marts.wealth_advice (customer_id varchar, as_of date, rule_id varchar, "
            "passed boolean, message varchar)"
        )
        for customer, values in history.items():
            last = values[-1]
            assets = max(last, 0) + 50_000
            con.execute(
                """
                insert into marts.wealth_summary values (
                    ?, ?, ?, ?, ?,
                    [{'product_class': 'current', 'amount': ? * 0.6, 'share': 0.6},
                     {'product_class': 'time_deposit', 'amount': ? * 0.4, 'share': 0.4}],
                    [{'risk_level': 'R1', 'amount': ?, 'share': 1.0}],
                    1234.5,
                    [{'category': 'salary', 'amount_1m': 12000, 'amount_3m': 36000}],
                    [{'category': 'loan_payment', 'amount_1m': 3000, 'amount_3m': 9000},
                     {'category': 'card_spend', 'amount_1m': 800, 'amount_3m': 2500}],
                    0.42, 'C3'
                )
                """,
                [customer, AS_OF, assets, assets - last, last, assets, assets, assets],
            )
            con.executemany(
                "insert into marts.wealth_history values (?, ?, ?)",
                [(customer, m, v) for m, v in zip(MONTHS, values, strict=False)],
            )
            con.executemany(
                "insert into marts.wealth_advice values (?, ?, ?, ?, ?)",
                [
                    (customer, AS_OF, "emergency_fund", False, "Keep <3 months> of cash."),
                    (customer, AS_OF, "idle_cash", True, None),
                ],
            )
    return path


RISING = [100_000.0 + 40_000 * i for i in range(11)]  # ¥100,000 … ¥500,000
DIPPING = [60_000.0, 20_000.0, -35_000.0, -80_000.0, -20_000.0, 5_000.0, *[30_000.0] * 5]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return _database(
        tmp_path / "published.duckdb",
        {"C1": RISING, "C2": DIPPING, "C3": [250_000.0], "C4": [10_000.0, -20_000.0]},
    )


def page_of(database: Path, customer: str) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        return render(con, customer)


def charts(page: str) -> list[str]:
    """The wide and the narrow rendering of the net-worth chart."""
    return SVG.findall(page)


def test_the_page_fetches_nothing(database):
    page = page_of(database, "C2")
    assert not re.search(r"https?://", page), "a URL a browser could fetch"
    assert not re.search(r"<script|<link|<iframe|<img|@import|url\(|\ssrc=", page)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")


def test_the_y_axis_shows_cny_values_with_thousands_separators(database):
    wide, narrow = charts(page_of(database, "C1"))
    for svg in (wide, narrow):
        ticks = [t for t in TEXT.findall(svg) if re.fullmatch(r"−?¥[\d,]+", t)]
        assert "¥0" in ticks and "¥500,000" in ticks and len(ticks) >= 4, ticks
    assert "¥100,000" in TEXT.findall(wide)
    assert "¥500,000" in TEXT.findall(wide)  # the latest value, written next to its point


def test_months_are_labelled_as_year_and_month_ending_with_the_latest(database):
    wide, narrow = charts(page_of(database, "C1"))
    wide_months = [t for t in TEXT.findall(wide) if re.fullmatch(r"\d{4}-\d{2}", t)]
    narrow_months = [t for t in TEXT.findall(narrow) if re.fullmatch(r"\d{4}-\d{2}", t)]
    assert wide_months[-1] == narrow_months[-1] == "2026-10"
    assert 4 <= len(wide_months) <= 7 and 2 <= len(narrow_months) <= 4


def test_a_negative_month_draws_a_labelled_zero_line(database):
    page = page_of(database, "C2")
    for svg in charts(page):
        texts = TEXT.findall(svg)
        assert "净资产为零 Zero net worth" in texts and "¥0" in texts
        assert any(re.fullmatch(r"−¥[\d,]+", t) for t in texts)  # ticks below zero
        assert 'stroke-dasharray="5,4"' in svg  # the dashed zero rule
    assert "Below the dashed line, debts exceed assets." in page


def test_no_zero_line_when_net_worth_never_goes_negative(database):
    page = page_of(database, "C1")
    assert "Zero net worth" not in page and "stroke-dasharray" not in page


def test_the_page_declares_a_cjk_font_stack_and_a_phone_viewport(database):
    page = page_of(database, "C1")
    for font in ('"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"', "sans-serif"):
        assert font in FONT_STACK
    assert f"--font: {FONT_STACK};" in page and "font-family: var(--font)" in page
    assert "font-family=" not in "".join(charts(page))  # chart text takes the page's fonts
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<html lang="zh-CN">' in page and "<h1>我的财富" in page


def test_ids_are_shown_as_chinese_and_english_labels(database):
    page = page_of(database, "C1")
    for table, key in (
        (labels.RULES, "emergency_fund"),
        (labels.PRODUCT_CLASSES, "time_deposit"),
        (labels.TRANSACTION_CATEGORIES, "loan_payment"),
        (labels.RISK_LEVELS, "R1"),
        (labels.RISK_TOLERANCES, "C3"),
    ):
        label = table[key]
        assert f'{label.zh} <span class="en" lang="en">{label.en}</span>' in page
    for raw in ("emergency_fund", "time_deposit", "loan_payment", "card_spend", "idle_cash"):
        assert raw not in page
    assert "Keep &lt;3 months&gt; of cash." in page  # messages are escaped


def test_money_has_thousands_separators_and_a_real_minus(database):
    page = page_of(database, "C4")
    assert '<b class="neg">−¥20,000</b>' in page  # net worth, in red
    assert "¥70,000" in page and "¥-" not in page and "-¥" not in page
    assert "+¥1,234" in page  # change against last month


def test_one_month_of_history_says_so_instead_of_a_chart(database):
    page = page_of(database, "C3")
    assert "<svg" not in page and "Not enough history yet." in page


def test_an_unknown_customer_is_a_lookup_error_and_writes_nothing(database, tmp_path):
    out = tmp_path / "page.html"
    with pytest.raises(LookupError, match=r"^no customer C404 in the published copy$") as error:
        write_report(database, "C404", out)
    assert not isinstance(error.value, KeyError)  # str() of a KeyError would add quotes
    assert not out.exists()


def test_write_report_writes_one_utf8_file(database, tmp_path):
    out = write_report(database, "C2", tmp_path / "page.html")
    assert out.read_text(encoding="utf-8") == page_of(database, "C2")
    assert out.stat().st_size < 60_000


def test_a_sample_customer_below_zero_gets_the_zero_line(con):
    customer = con.execute(
        "select min(customer_id) from marts.wealth_history where net_worth < 0"
    ).fetchone()[0]
    if customer is None:
        pytest.skip("no customer of the sample has a negative month")
    page = render(con, customer)
    assert page.count("净资产为零 Zero net worth") >= 2  # both renderings of the chart


PROBE = """<script>
addEventListener('load', () => {
  const problems = [];
  for (const svg of document.querySelectorAll('figure.chart svg')) {
    if (!svg.getClientRects().length) continue;  // the rendering CSS hides at this width
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (r.width && (r.left < box.left - 0.5 || r.right > box.right + 0.5))
        problems.push(`clipped: ${text.textContent}`);
    }
  }
  if (document.documentElement.scrollWidth > innerWidth) problems.push('scrolls sideways');
  const shown = [...document.querySelectorAll('figure.chart svg')]
    .filter(svg => svg.getClientRects().length);
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({problems, shown: shown.length, width: innerWidth});
  document.body.append(pre);
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("width", [1280, 500])  # headless chromium lays out at least 500 px
def test_in_chromium_no_chart_label_is_clipped_and_nothing_scrolls_sideways(
    database, tmp_path, width
):
    import json
    from html import unescape

    page = tmp_path / "probe.html"
    page.write_text(page_of(database, "C2").replace("</body>", PROBE + "</body>"), "utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--window-size={width},900",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom)
    assert found, dom[-500:]
    result = json.loads(unescape(found.group(1)))
    assert result["problems"] == [] and result["shown"] == 1, result
