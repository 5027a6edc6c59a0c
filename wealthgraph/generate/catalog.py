"""The bank's catalog: products (sale windows, price behaviour), official accounts, articles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.random import Generator

from wealthgraph import landing

from .common import NEVER, Window, dates, id_width, ids, money, nullify
from .vocab import OFFICIAL_ACCOUNTS, TITLE_TEMPLATES, TOPIC_CLASS, TOPIC_LABELS, TOPICS

CLASS = {name: i for i, name in enumerate(landing.PRODUCT_CLASSES)}
CURRENT_PRODUCT = 0  # P0001: every customer's current account


@dataclass
class Catalog:
    """Product columns (``p_*``), official accounts (``oa_*``) and articles (``a_*``)."""

    p_name: list[str]
    p_class: np.ndarray
    p_risk: np.ndarray  # 1-5, 0 for liabilities
    p_min: np.ndarray  # cents
    p_term: np.ndarray  # days, -1 open-ended
    p_yield: np.ndarray  # percent, NaN unknown
    p_from: np.ndarray
    p_to: np.ndarray  # NEVER: still on sale
    p_top_up: np.ndarray
    p_pop: np.ndarray  # latent popularity
    p_vol: np.ndarray  # daily price volatility (0: book value)
    oa_topics: list[tuple[int, ...]]
    a_topic: np.ndarray
    a_oa: np.ndarray
    a_author: np.ndarray
    a_product: np.ndarray
    a_published: np.ndarray
    a_pop: np.ndarray
    a_title: list[str]

    @property
    def products(self) -> int:
        """Number of products."""
        return len(self.p_class)

    def on_sale(self, day: int) -> np.ndarray:
        """Mask of products that can be bought on ``day``."""
        return (self.p_from <= day) & (self.p_to >= day)


def build_catalog(rng: Generator, window: Window, users: int, m_active: np.ndarray) -> Catalog:
    """~90 products, the official accounts and an article archive reaching into the window."""
    rows: list[tuple] = []  # (name, class, risk, min_yuan, term, yield, top_up, pop, vol)

    def add(name, cls, risk, min_yuan, term, yld, top_up=False, pop=1.0, vol=0.0):
        rows.append((name, CLASS[cls], risk, min_yuan, term, yld, top_up, pop, vol))

    add("活期储蓄", "current", 1, 0, -1, 0.1, True, 0.2)
    for k, (term, yld) in enumerate(
        ((90, 1.05), (180, 1.25), (365, 1.35), (730, 1.45), (1095, 1.75), (1825, 1.8))
    ):
        label = f"{term // 30}个月" if term < 365 else f"{term // 365}年"
        add(f"整存整取{label}", "time_deposit", 1, 50, term, yld, pop=1.2 - 0.1 * k)
        add(f"大额存单{label}第{k + 1}期", "time_deposit", 1, 200_000, term, yld + 0.3, pop=0.5)
    add("零存整取1年", "time_deposit", 1, 5, 365, 1.15, True, 0.4)
    add("天天盈现金管理", "wealth", 1, 1, -1, 1.9, True, 2.0, 0.00005)
    w_terms = (-1, 30, 60, 90, 180, 365)
    for k in range(23):
        risk = 1 + k % 4
        term = w_terms[k % len(w_terms)] if k % 5 else -1
        yld = round(1.9 + 0.45 * risk + rng.uniform(-0.3, 0.5), 2)
        label = "持有期" if term < 0 else f"{term}天"
        add(
            f"工银{['安心', '稳利', '鑫得利', '进取'][risk - 1]}{label}理财{k + 1}号",
            "wealth",
            risk,
            1 if k % 3 else 10_000,
            term,
            yld,
            pop=rng.lognormal(0, 0.5),
            vol=0.0002 * risk,
        )
    f_kind = (
        ("纯债", 2),
        ("短债", 2),
        ("混合", 3),
        ("偏债混合", 3),
        ("沪深300指数", 4),
        ("成长股票", 4),
        ("科技主题", 5),
        ("医药主题", 5),
        ("新能源主题", 5),
        ("红利", 4),
        ("消费精选", 4),
        ("全球配置QDII", 5),
    )
    for k in range(24):
        kind, risk = f_kind[k % len(f_kind)]
        yld = round(1.5 + 1.8 * (risk - 1) + rng.uniform(-1, 1.5), 2)
        add(
            f"工银{kind}{'AC'[k // 12]}类基金",
            "fund",
            risk,
            10 if k % 4 else 1,
            -1,
            yld,
            top_up=k in (4, 10),
            pop=rng.lognormal(0, 0.6),
            vol=(0, 0, 0.0015, 0.004, 0.009, 0.014)[risk],
        )
    for k, (name, risk, term, yld) in enumerate(
        (
            ("鑫如意年金保险", 1, 3650, 2.8),
            ("安享终身寿险", 1, -1, 3.0),
            ("乐享重疾险", 1, 7300, np.nan),
            ("添福两全保险", 2, 3650, 3.2),
            ("鑫享万能险", 2, -1, 3.3),
            ("教育金保险", 1, 5475, 2.9),
            ("养老年金保险", 1, -1, 3.1),
            ("医疗险", 1, 365, np.nan),
        )
    ):
        add(name, "insurance", risk, 1000 * (1 + k % 3), term, yld, pop=0.8)
    add("如意积存金", "precious_metal", 3, 200, -1, np.nan, True, 1.5, 0.009)
    add("工银金条", "precious_metal", 3, 2000, -1, np.nan, pop=0.7, vol=0.009)
    add("账户黄金", "precious_metal", 4, 500, -1, np.nan, pop=0.6, vol=0.009)
    add("账户白银", "precious_metal", 4, 500, -1, np.nan, pop=0.3, vol=0.015)
    add("账户铂金", "precious_metal", 4, 500, -1, np.nan, pop=0.2, vol=0.013)
    for name, term, mn, rate in (
        ("个人住房贷款", 10950, 100_000, 3.1),
        ("融e借", 365, 1000, 4.35),
        ("经营快贷", 365, 10_000, 3.65),
        ("个人汽车贷款", 1825, 30_000, 3.9),
        ("国家助学贷款", 2920, 1000, 2.4),
        ("家装分期", 1095, 10_000, 4.2),
    ):
        add(name, "loan", 0, mn, term, rate, pop=0.5)
    for name in (
        "宇宙星座信用卡",
        "环球旅行信用卡",
        "白金信用卡",
        "奋斗信用卡",
        "e生活信用卡",
        "牡丹信用卡",
    ):
        add(f"工银{name}", "credit_card", 0, 0, -1, 18.25, pop=0.6)

    k = len(rows)
    cols = list(zip(*rows, strict=True))
    p_class = np.array(cols[1])
    p_term = np.array(cols[4], dtype=np.int64)
    start, end = window.start_n, window.end_n
    p_from = end - rng.integers(400, 3000, k)
    p_to = np.full(k, NEVER, dtype=np.int64)
    # closed-end wealth, large-denomination deposits and some funds sell in windows: some of
    # those windows are over, some are open now, some open during or after the window
    windowed = np.flatnonzero(
        ((p_class == CLASS["wealth"]) & (p_term > 0))
        | (np.char.find(np.array(cols[0]), "大额存单") >= 0)
        | ((p_class == CLASS["fund"]) & (np.arange(k) % 7 == 3))
    )
    phase = rng.choice(4, len(windowed), p=[0.25, 0.45, 0.2, 0.1])
    span = rng.integers(20, 120, len(windowed))
    p_from[windowed] = np.select(
        [phase == 0, phase == 1, phase == 2],
        [
            start - 60 - span - rng.integers(0, 300, len(windowed)),
            start - rng.integers(5, 60, len(windowed)),
            start + rng.integers(0, max(1, window.days - 3), len(windowed)),
        ],
        end + rng.integers(1, 30, len(windowed)),
    )
    p_to[windowed] = p_from[windowed] + span
    p_from[0] = end - 9000
    p_to[0] = NEVER

    oa_topics = [tuple(TOPICS.index(t) for t in topics) for _, topics in OFFICIAL_ACCOUNTS]
    n_art = int(np.clip(round(250 * (users / 2000) ** 0.3), 60, 5000))
    a_oa = rng.integers(0, len(OFFICIAL_ACCOUNTS), n_art)
    a_oa[: len(OFFICIAL_ACCOUNTS)] = np.arange(len(OFFICIAL_ACCOUNTS))  # every account posts
    choice = rng.random(n_art)
    a_topic = np.array(
        [oa_topics[o][int(u * len(oa_topics[o]))] for o, u in zip(a_oa, choice, strict=True)]
    )
    a_published = end - (rng.random(n_art) ** 1.3 * 200).astype(np.int64)
    act = np.flatnonzero(m_active)
    a_author = np.where(rng.random(n_art) < 0.3, act[rng.integers(0, len(act), n_art)], -1)
    a_product = np.full(n_art, -1)
    for i in np.flatnonzero(rng.random(n_art) < 0.4).tolist():
        cls = TOPIC_CLASS[a_topic[i]]
        if cls is None:
            continue
        pool = np.flatnonzero(
            (p_class == CLASS[cls]) & (p_from <= a_published[i] + 10) & (p_to >= a_published[i])
        )
        if len(pool):
            a_product[i] = pool[rng.integers(0, len(pool))]
    month = dates(a_published).dt.month().to_list()
    a_title = [
        TITLE_TEMPLATES[int(t)].format(label=TOPIC_LABELS[tp], month=mo, n=int(n))
        for t, tp, mo, n in zip(
            rng.integers(0, len(TITLE_TEMPLATES), n_art),
            a_topic,
            month,
            rng.integers(2, 20, n_art),
            strict=True,
        )
    ]
    return Catalog(
        p_name=list(cols[0]),
        p_class=p_class,
        p_risk=np.array(cols[2]),
        p_min=np.array(cols[3], dtype=np.int64) * 100,
        p_term=p_term,
        p_yield=np.round(np.array(cols[5], dtype=float), 2),
        p_from=p_from,
        p_to=p_to,
        p_top_up=np.array(cols[6], dtype=bool),
        p_pop=np.array(cols[7], dtype=float),
        p_vol=np.array(cols[8], dtype=float),
        oa_topics=oa_topics,
        a_topic=a_topic,
        a_oa=a_oa,
        a_author=a_author,
        a_product=a_product,
        a_published=a_published,
        a_pop=rng.lognormal(0, 0.9, n_art),
        a_title=a_title,
    )


def product_ids(index: np.ndarray, count: int) -> pl.Series:
    """``P0001``-style ids."""
    return ids("P", index, id_width(4, count))


def article_ids(index: np.ndarray, count: int) -> pl.Series:
    """``A00001``-style ids."""
    return ids("A", index, id_width(5, count))


def official_account_ids(index: np.ndarray) -> pl.Series:
    """``OA001``-style ids."""
    return ids("OA", index, 3)


def products_frame(c: Catalog) -> pl.DataFrame:
    """Reference rows for ``products``."""
    k = c.products
    liability = c.p_risk == 0
    return pl.DataFrame(
        {
            "product_id": product_ids(np.arange(k), k),
            "name": c.p_name,
            "product_class": pl.Series(landing.PRODUCT_CLASSES).gather(c.p_class),
            "risk_level": nullify(
                pl.Series(landing.RISK_LEVELS).gather(np.maximum(c.p_risk - 1, 0)), ~liability
            ),
            "min_amount": money(c.p_min),
            "term_days": nullify(pl.Series(c.p_term, dtype=pl.Int64), c.p_term > 0),
            "expected_yield_pct": nullify(
                pl.Series(np.nan_to_num(c.p_yield)), ~np.isnan(c.p_yield)
            ),
            "on_sale_from": dates(c.p_from),
            "on_sale_to": dates(c.p_to, c.p_to < NEVER),
            "is_top_up": pl.Series(c.p_top_up),
        }
    )


def articles_frame(c: Catalog, n_managers: int) -> pl.DataFrame:
    """Reference rows for ``articles``."""
    n = len(c.a_topic)
    return pl.DataFrame(
        {
            "article_id": article_ids(np.arange(n), n),
            "title": c.a_title,
            "official_account_id": official_account_ids(c.a_oa),
            "topic": pl.Series(TOPICS).gather(c.a_topic),
            "author_manager_id": ids("M", c.a_author, id_width(4, n_managers)),
            "product_id": product_ids(c.a_product, c.products),
            "published_at": dates(c.a_published),
        }
    )
