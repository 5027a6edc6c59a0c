"""Branches, relationship managers and customers with their latent traits.

Latent traits (wealth, income, sociability, persona, dormancy) drive every later stage; only the
observable attributes go to the reference files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.random import Generator

from wealthgraph import landing

from .common import NEVER, Window, dates, id_width, ids, nullify
from .vocab import (
    CITIES,
    DISTRICTS,
    GIVEN,
    INDUSTRIES,
    INDUSTRY_NAMES,
    PHONE_PREFIXES,
    RETIRED,
    STUDENT,
    SURNAMES,
)

PERSONAS = ("balanced", "chatter", "reader", "investor", "payer")
UNMANAGED_SHARE = 0.2
DORMANT_SHARE = 0.07
NEW_USERS_PER_30_DAYS = 0.03
ADULT = 6575  # days from birth to the 18th birthday


@dataclass
class People:
    """Column arrays for branches (``b_*``), managers (``m_*``) and customers (everything else)."""

    b_city: np.ndarray
    b_name: list[str]
    m_branch: np.ndarray
    m_hired: np.ndarray
    m_capacity: np.ndarray
    m_active: np.ndarray
    m_quality: np.ndarray
    m_name: pl.Series
    n: int
    age: np.ndarray
    birth: np.ndarray
    female: np.ndarray
    city: np.ndarray
    branch: np.ndarray
    manager: np.ndarray
    industry: np.ndarray
    registered: np.ndarray
    new: np.ndarray
    dormant: np.ndarray
    wealth: np.ndarray
    income: np.ndarray
    risk: np.ndarray
    assessed: np.ndarray
    credit: np.ndarray
    overdue: np.ndarray
    overdue_from: np.ndarray  # first day in arrears where planted (fraud.plant_overdue)
    sociability: np.ndarray
    device: np.ndarray
    channel: np.ndarray
    persona: np.ndarray
    sessions: np.ndarray
    surname: np.ndarray
    name: pl.Series
    phone: pl.Series
    id_number: pl.Series

    @property
    def cities(self) -> list[str]:
        """City names indexed by the city codes used in every array."""
        return [c[0] for c in CITIES]


def branch_count(users: int) -> int:
    """~40 branches at 2,000 users, growing with the square root beyond, never fewer than 5."""
    if users <= 2000:
        return max(5, round(users / 50))
    return round(40 * (users / 2000) ** 0.5)


def build_people(rng: Generator, users: int, window: Window) -> People:
    """Draw branches, managers and ``users`` customers."""
    n_branch = branch_count(users)
    n_city = int(np.clip(round(n_branch / 3), 3, len(CITIES)))
    city_w = np.array([c[1] for c in CITIES[:n_city]])
    # every city keeps at least one branch; the rest follow city size
    b_city = np.concatenate(
        [np.arange(n_city), rng.choice(n_city, n_branch - n_city, p=city_w / city_w.sum())]
    )
    b_city = np.sort(b_city)
    per_city = np.bincount(b_city, minlength=n_city)
    b_weight = city_w[b_city] / per_city[b_city] * rng.lognormal(0, 0.4, n_branch)
    b_name = _branch_names(b_city)

    end = window.end_n
    start = window.start_n
    n = users
    age = (18 + 67 * rng.beta(2.0, 2.8, n)).astype(np.int64)
    birth = end - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    female = rng.random(n) < 0.5
    branch = rng.choice(n_branch, n, p=b_weight / b_weight.sum())
    city = b_city[branch].copy()
    movers = rng.random(n) < 0.03
    city[movers] = rng.integers(0, n_city, int(movers.sum()))
    industry = _industries(rng, age)

    new = rng.random(n) < min(0.1, NEW_USERS_PER_30_DAYS * window.days / 30)
    # app users accumulate over ~8 years, more of them recently
    registered = start - 1 - (rng.random(n) ** 1.6 * 2900).astype(np.int64)
    registered = np.minimum(np.maximum(registered, birth + ADULT), start - 1)
    registered[new] = start + rng.integers(0, window.days, int(new.sum()))
    dormant = (~new) & (rng.random(n) < DORMANT_SHARE * np.where(age > 65, 1.8, 0.9))

    retired = industry == INDUSTRY_NAMES.index(RETIRED)
    student = industry == INDUSTRY_NAMES.index(STUDENT)
    log_w = np.log(20_000) + 0.035 * (np.minimum(age, 65) - 35) + rng.normal(0, 1.5, n)
    log_w[student] -= 1.5
    wealth = np.exp(log_w).clip(50, 5e8)
    z_w = (log_w - log_w.mean()) / log_w.std()
    income = np.exp(np.log(6500) + 0.45 * rng.normal(0, 1, n) + 0.25 * z_w)
    income[retired] = np.exp(np.log(3800) + 0.35 * rng.normal(0, 1, int(retired.sum())))
    income[student] = np.exp(np.log(1500) + 0.3 * rng.normal(0, 1, int(student.sum())))

    score = 0.8 * z_w - 0.035 * (age - 42) + rng.normal(0, 0.7, n)
    risk = 1 + np.searchsorted(np.quantile(score, [0.12, 0.37, 0.72, 0.9]), score)
    assessed = start - 1 - rng.integers(0, max(1, 365 - window.days), n)
    expired = rng.random(n) < 0.1
    assessed[expired] = end - rng.integers(366, 730, int(expired.sum()))
    assessed = np.maximum(assessed, np.minimum(birth + ADULT, start - 1))
    assessed[new] = registered[new]
    assessed[new & (rng.random(n) < 0.3)] = -1  # new users who have not been assessed yet

    overdue = (
        (~new) & (age < 70) & (rng.random(n) < np.where(income < np.median(income), 0.05, 0.012))
    )
    z_i = (np.log(income) - np.log(income).mean()) / np.log(income).std()
    credit_score = 0.6 * z_i + 0.4 * z_w + rng.normal(0, 0.5, n) - 3.0 * overdue
    cuts = np.quantile(credit_score, [0.05, 0.13, 0.28, 0.5, 0.75, 0.92])
    credit = 6 - np.searchsorted(cuts, credit_score)  # 0 = AAA ... 6 = CCC

    n_mgr = max(3, round(n / 200))
    m_branch = rng.choice(n_branch, n_mgr, p=b_weight / b_weight.sum())
    m_active = rng.random(n_mgr) > 0.06
    m_active[rng.integers(0, n_mgr)] = False  # at least one manager who has left
    m_quality = rng.beta(4, 2, n_mgr)
    m_hired = end - (rng.random(n_mgr) * 15 * 365 + 120).astype(np.int64)
    manager, m_capacity = _assign_managers(rng, branch, b_city, m_branch, m_active, z_w, new)

    # tail exponent ~2.2 like observed social networks; the cap keeps hubs at hundreds of friends
    pareto = (1 - rng.random(n)) ** (-1 / 1.15)
    cap = min(1200.0, max(20.0, n / 2))
    sociability = np.minimum(pareto, cap)
    # a few connectors (agents, organisers) at every scale, not only when the tail draws them
    hubs = rng.choice(n, max(2, round(n * 0.0015)), replace=False)
    sociability[hubs] = np.maximum(sociability[hubs], cap * rng.uniform(0.5, 1.0, len(hubs)))

    device = np.searchsorted([0.4, 0.93], rng.random(n))  # ios, android, web
    channel = np.where(device == 2, 1, np.where(rng.random(n) < 0.12, 2, 0))
    persona = _personas(rng, age, z_w)
    sessions = rng.lognormal(np.log(0.26), 0.95, n)
    sessions *= np.where(age > 70, 0.6, 1.0) * (1 + 0.05 * np.log(sociability))
    sessions[dormant] = 0.0

    surname = rng.choice(len(SURNAMES), n, p=_zipf(len(SURNAMES), 0.8))
    name = _names(rng, surname)
    return People(
        b_city=b_city,
        b_name=b_name,
        m_branch=m_branch,
        m_hired=m_hired,
        m_capacity=m_capacity,
        m_active=m_active,
        m_quality=m_quality,
        m_name=_names(rng, rng.choice(len(SURNAMES), n_mgr, p=_zipf(len(SURNAMES), 0.8))),
        n=n,
        age=age,
        birth=birth,
        female=female,
        city=city,
        branch=branch,
        manager=manager,
        industry=industry,
        registered=registered,
        new=new,
        dormant=dormant,
        wealth=wealth,
        income=income,
        risk=risk,
        assessed=assessed,
        credit=credit,
        overdue=overdue,
        overdue_from=np.full(n, NEVER, dtype=np.int64),
        sociability=sociability,
        device=device,
        channel=channel,
        persona=persona,
        sessions=sessions,
        surname=surname,
        name=name,
        phone=_phones(rng, n),
        id_number=_id_numbers(rng, city, birth, female),
    )


def _zipf(k: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** s
    return w / w.sum()


def _branch_names(b_city: np.ndarray) -> list[str]:
    names = []
    seen: dict[int, int] = {}
    for c in b_city.tolist():
        k = seen.get(c, 0)
        seen[c] = k + 1
        city = CITIES[c][0]
        if k == 0:
            names.append(f"{city}分行营业部")
        else:
            suffix = "" if k <= len(DISTRICTS) else str(k // len(DISTRICTS) + 1)
            names.append(f"{city}{DISTRICTS[(k - 1) % len(DISTRICTS)]}{suffix}支行")
    return names


def _industries(rng: Generator, age: np.ndarray) -> np.ndarray:
    n = len(age)
    shares = np.array([s for _, s in INDUSTRIES])
    industry = rng.choice(len(shares), n, p=shares / shares.sum())
    retired = rng.random(n) < np.clip(0.3 + (age - 60) * 0.1, 0, 0.95) * (age >= 58)
    student = (age <= 22) & (rng.random(n) < 0.6)
    industry[retired] = INDUSTRY_NAMES.index(RETIRED)
    industry[student] = INDUSTRY_NAMES.index(STUDENT)
    return industry


def _personas(rng: Generator, age: np.ndarray, z_w: np.ndarray) -> np.ndarray:
    n = len(age)
    young = age < 35
    old = age > 60
    # columns follow PERSONAS: older customers read more, young ones chat and pay more
    w = np.ones((n, len(PERSONAS)))
    w[:, 0] = 3.0
    w[:, 1] = np.where(young, 2.5, 1.2)
    w[:, 2] = np.where(old, 2.5, 1.0)
    w[:, 3] = np.exp(0.7 * z_w)
    w[:, 4] = np.where(young, 2.0, 1.0)
    cdf = np.cumsum(w, axis=1)
    u = rng.random(n) * cdf[:, -1]
    return (u[:, None] > cdf).sum(axis=1)


def _assign_managers(
    rng: Generator,
    branch: np.ndarray,
    b_city: np.ndarray,
    m_branch: np.ndarray,
    m_active: np.ndarray,
    z_w: np.ndarray,
    new: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Give ~80% of customers a manager, poorer and newer customers least often."""
    n = len(branch)
    n_mgr = len(m_branch)
    keen = z_w + rng.normal(0, 1.0, n) - 1.5 * new
    unmanaged = np.zeros(n, dtype=bool)
    unmanaged[np.argsort(keen, kind="stable")[: round(UNMANAGED_SHARE * n)]] = True
    # popularity spreads book sizes so some managers end up over capacity; leavers keep old books
    pop = rng.lognormal(0, 0.45, n_mgr) * np.where(m_active, 1.0, 0.35)
    manager = np.full(n, -1, dtype=np.int64)
    m_city = b_city[m_branch]
    for b in range(len(b_city)):
        who = np.flatnonzero((branch == b) & ~unmanaged)
        if len(who) == 0:
            continue
        pool = np.flatnonzero(m_branch == b)
        if len(pool) == 0:
            pool = np.flatnonzero(m_city == b_city[b])
        if len(pool) == 0:
            pool = np.arange(n_mgr)
        w = pop[pool]
        manager[who] = pool[np.searchsorted(np.cumsum(w), rng.random(len(who)) * w.sum())]
    book = np.bincount(manager[manager >= 0], minlength=n_mgr)
    # capacities were set by headcount planning, not by the books: most have headroom, ~1 in 8
    # is overloaded (the kind of imbalance a book-rebalancing report should find)
    mean_book = max(1.0, float(book.mean()))
    capacity = np.maximum(book, 0.7 * mean_book) * rng.uniform(1.05, 1.7, n_mgr)
    over = rng.random(n_mgr) < 0.12
    capacity[over] = book[over] * rng.uniform(0.65, 0.95, int(over.sum()))
    return manager, np.maximum(np.round(capacity).astype(np.int64), 10)


def _names(rng: Generator, surname: np.ndarray) -> pl.Series:
    n = len(surname)
    given = pl.Series(GIVEN)
    first = given.gather(rng.integers(0, len(GIVEN), n))
    second = given.gather(rng.integers(0, len(GIVEN), n))
    two = pl.Series(rng.random(n) < 0.7)
    sur = pl.Series(SURNAMES).gather(surname)
    return pl.select(sur + first + pl.when(two).then(second).otherwise(pl.lit(""))).to_series()


def _phones(rng: Generator, n: int) -> pl.Series:
    prefix = pl.Series(PHONE_PREFIXES).gather(rng.integers(0, len(PHONE_PREFIXES), n))
    rest = pl.Series(rng.integers(0, 10**8, n)).cast(pl.String).str.zfill(8)
    return pl.select(prefix + rest).to_series()


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = pl.Series(list("10X98765432"))


def _id_numbers(
    rng: Generator, city: np.ndarray, birth: np.ndarray, female: np.ndarray
) -> pl.Series:
    """18-character resident id numbers with a valid GB 11643 check character."""
    n = len(city)
    prefix = np.array([int(c[2]) for c in CITIES], dtype=np.int64)[city]
    region = prefix * 100 + rng.integers(1, 13, n)
    b = dates(birth)
    ymd = (
        b.dt.year().cast(pl.Int64) * 10_000
        + b.dt.month().cast(pl.Int64) * 100
        + b.dt.day().cast(pl.Int64)
    ).to_numpy()
    seq = rng.integers(0, 500, n) * 2 + np.where(female, 0, 1)  # odd 17th digit = male
    body = region * 10**11 + ymd * 1000 + seq
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    check = _ID_CHECK.gather((digits @ _ID_WEIGHTS) % 11)
    return pl.select(pl.Series(body).cast(pl.String).str.zfill(17) + check).to_series()


def branches_frame(p: People) -> pl.DataFrame:
    """Reference rows for ``branches``."""
    k = len(p.b_city)
    return pl.DataFrame(
        {
            "branch_id": ids("B", np.arange(k), id_width(3, k)),
            "name": p.b_name,
            "city": pl.Series(p.cities).gather(p.b_city),
        }
    )


def managers_frame(p: People) -> pl.DataFrame:
    """Reference rows for ``managers``."""
    k = len(p.m_branch)
    return pl.DataFrame(
        {
            "manager_id": ids("M", np.arange(k), id_width(4, k)),
            "name": p.m_name,
            "branch_id": ids("B", p.m_branch, id_width(3, len(p.b_city))),
            "hired_at": dates(p.m_hired),
            "capacity": pl.Series(p.m_capacity, dtype=pl.Int64),
            "is_active": pl.Series(p.m_active),
        }
    )


def customers_frame(p: People) -> pl.DataFrame:
    """Reference rows for ``customers``."""
    return pl.DataFrame(
        {
            "customer_id": customer_ids(p.n, np.arange(p.n)),
            "name": p.name,
            "phone": p.phone,
            "id_number": p.id_number,
            "gender": pl.Series(np.where(p.female, "F", "M")),
            "birth_date": dates(p.birth),
            "city": pl.Series(p.cities).gather(p.city),
            "branch_id": ids("B", p.branch, id_width(3, len(p.b_city))),
            "manager_id": ids("M", p.manager, id_width(4, len(p.m_branch))),
            # a tolerance exists only through an assessment; the unassessed have neither
            "risk_tolerance": nullify(
                pl.Series(landing.RISK_TOLERANCES).gather(p.risk - 1), p.assessed >= 0
            ),
            "risk_assessed_at": dates(p.assessed, p.assessed >= 0),
            "credit_grade": pl.Series(landing.CREDIT_GRADES).gather(p.credit),
            "industry": pl.Series(INDUSTRY_NAMES).gather(p.industry),
            "registered_at": dates(p.registered),
        }
    )


def customer_ids(n: int, index: np.ndarray) -> pl.Series:
    """``C0000001``-style ids for customer indices (-1 -> null)."""
    return ids("C", index, id_width(7, n))
