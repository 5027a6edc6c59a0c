"""Analytic knobs (weights, half-lives, thresholds) in one place, with the reason for each."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class GraphConfig:
    """How interactions become a tie strength.

    tie_strength = friend_weight·is_friend + group_weight·min(shared_groups, 3)
                   + ln(1 + Σ type_weight · 0.5^(age_days / half_life_days))
    The log keeps one chatty pair from dwarfing everyone else; money moves weigh more than
    messages because people send money only to those they trust.
    """

    half_life_days: float = 30.0
    friend_weight: float = 1.0
    group_weight: float = 0.5
    message_weight: float = 1.0
    transfer_weight: float = 3.0
    red_packet_weight: float = 2.0
    aa_bill_weight: float = 2.0
    # "leiden" or "louvain" (igraph): Leiden kept modularity and planted-circle recovery and
    # was faster (benchmarks/results/graph-leiden.md); the seed and resolution below apply to both
    community_method: str = "leiden"
    louvain_seed: int = 42
    # circles the size of a workplace or a club, not a district (1.0 merges them, see tests)
    louvain_resolution: float = 4.0
    pymk_top_n: int = 10
    pymk_max_group_size: int = 200
    top_contacts: int = 10


GRAPH = GraphConfig()


@dataclass(frozen=True)
class ProfileConfig:
    """Customer segments by assets under management (CNY), as Chinese retail banks tier them:
    below 50k mass market, then affluent (财富), high net worth (up to 6M), private banking."""

    affluent_from: float = 50_000
    high_net_worth_from: float = 500_000
    private_banking_from: float = 6_000_000
    risk_assessment_valid_days: int = 365  # a risk questionnaire is valid for one year
    # lifecycle stages (features/engagement.py)
    new_customer_days: int = 30  # a customer is "new" for their first month in the app
    dormant_after_days: int = 30  # no activity for a month: dormant
    at_risk_drop: float = 0.5  # active days fell below half of the month before ...
    at_risk_min_active_days: int = 4  # ... and the month before was a habit (4+ active days)


PROFILE = ProfileConfig()


@dataclass(frozen=True)
class WealthConfig:
    """Thresholds of the my-wealth summary and its advice rules (wealthgraph/wealth/advice.py).

    Defaults follow common retail-banking guidance: keep 3-6 months of spending liquid, keep
    no single holding above 60% of assets, keep debt below half of assets.
    """

    emergency_fund_months: float = 3.0  # liquid money below this many months of spending: advise
    idle_cash_months: float = 6.0  # current-account money beyond this many months is idle
    idle_cash_min_amount: float = 20_000.0  # ... and only worth advice above this amount (CNY)
    concentration_max_share: float = 0.6
    debt_to_asset_max_ratio: float = 0.5
    maturity_window_days: int = 30


WEALTH = WealthConfig()


WEIGHTINGS = ("binary", "log1p", "bm25", "tfidf")


@dataclass(frozen=True)
class AlsParams:
    """One ALS setting: ``weighting`` turns interaction strength into confidence (``binary``:
    1 per interaction, ``log1p``: log(1 + strength), ``bm25`` / ``tfidf``: implicit's
    ``bm25_weight`` / ``tfidf_weight`` of the strength), ``alpha`` scales it (C = 1 + alpha w)."""

    factors: int = 64
    regularization: float = 0.01
    iterations: int = 15
    alpha: float = 1.0
    weighting: str = "log1p"
    bm25_k1: float = 100.0
    bm25_b: float = 0.8

    def __post_init__(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {self.weighting!r}")

    def text(self) -> str:
        """``factors=64 reg=0.01 iters=15 alpha=1 log1p`` (bm25's K1 and B when they apply)."""
        out = (
            f"factors={self.factors} reg={self.regularization:.3g} iters={self.iterations} "
            f"alpha={self.alpha:.3g} {self.weighting}"
        )
        if self.weighting == "bm25":
            out += f" K1={self.bm25_k1:.3g} B={self.bm25_b:.2f}"
        return out


@dataclass(frozen=True)
class RecommendConfig:
    """What marts.recommendations holds per customer and how the product blend weighs sources.

    The product blend's weights, its diversity cap and both ALS settings were picked by
    ``python -m pipelines.tune_bank`` on 100k generated customers, on a validation window that
    ends where quality.recommendation_eval's test windows begin
    (benchmarks/results/recommend-bank-tuning.md); re-tune on the bank's own warehouse.
    """

    top_n_product: int = 5
    top_n_loan: int = 2
    top_n_topic: int = 5
    top_n_activity: int = 5
    # at most this many products of one class in a customer's list; 5 (the list's length) is no
    # cap: on validation every cap below it cost nDCG (2 per class: 0.179 vs 0.224 uncapped)
    max_per_class: int = 5
    # interaction weights of the user x product matrix ALS and co-holding read
    view_weight: float = 1.0
    share_weight: float = 2.0
    buy_weight: float = 4.0
    held_weight: float = 4.0
    als_weight: float = 1.0
    social_weight: float = 0.25
    coholding_weight: float = 0.9
    popularity_weight: float = 0.1
    # the ALS behind the product blend's "als" source, and the ALS baseline of the product and
    # topic evaluations (quality.recommendation_eval), tuned the same way; the product ALS is
    # the cheapest setting within 0.001 nDCG of the best found (factors 180 scored 0.2104)
    product_als: AlsParams = AlsParams(
        factors=87, regularization=8.83, iterations=12, alpha=3.4, weighting="binary"
    )
    topic_als: AlsParams = AlsParams(
        factors=116,
        regularization=0.744,
        iterations=6,
        alpha=92.9,
        weighting="bm25",
        bm25_k1=149.0,
        bm25_b=0.84,
    )
    # the product ALS's item factors are refitted from scratch when they are this many days old
    # (and whenever the setting, the interaction weights or the catalog changed); on the days
    # between, a run keeps them and solves only the customers' factors against them, which
    # costs about a third of a fit (benchmarks/results/recommend-warm-start.md)
    product_refit_days: int = 7
    # a friend (tie >= friend_weight) or a contact as strong as one: "3 close friends hold it"
    close_tie_strength: float = 1.0
    # loans: nothing below this grade, nothing above this debt-to-asset ratio
    loan_min_credit_grade: str = "BBB"
    loan_max_debt_to_asset: float = 0.5
    # offline evaluation (quality.recommendation_eval): the warehouse replayed at each cutoff,
    # as_of minus each of these days, and scored on the eval_test_days after it (so cutoffs
    # eval_test_days apart test on disjoint windows); a cutoff with fewer than
    # eval_min_history_days of events up to it is skipped. Each replay costs about one build
    # of the derived tables. Lists are scored at the length customers see (top_n_product,
    # top_n_topic): deeper, the diversity cap would force one class mix on every list.
    eval_cutoffs_days: tuple[int, ...] = (10, 20)
    eval_test_days: int = 10
    eval_min_history_days: int = 10
    # paired bootstrap of the production model's per-customer nDCG minus a baseline's
    eval_resamples: int = 1000
    eval_seed: int = 0


RECOMMEND = RecommendConfig()


@dataclass(frozen=True)
class AnalyticsConfig:
    """Windows and rules of the manager, lead-pool and marketing marts (rm_performance,
    lead_pool, content_spread, group_activity, scenario_payments, kpi_daily)."""

    # a purchase of the recommended product by that customer within this many days converts
    # the recommendation (banks commonly credit a manager for two weeks)
    recommendation_window_days: int = 14
    # a purchase within this many days of reading an article (of its linked product) or of
    # viewing a product page converts the read
    content_window_days: int = 7
    # ratings at or below this count as low
    low_rating_max: int = 2
    # a manager with no message or recommendation for this long no longer serves their book
    manager_idle_days: int = 30
    # share chains deeper than this are cut: real cascades are shallow, bad data may loop
    max_cascade_depth: int = 50
    # monthly active users: active in the 30 days ending that day
    active_window_days: int = 30
    # lead priority = value_weight * value_score + need_weight * need_score (both 0..1)
    lead_value_weight: float = 0.5
    lead_need_weight: float = 0.5


ANALYTICS = AnalyticsConfig()


@dataclass(frozen=True)
class RiskConfig:
    """Thresholds of the payment-risk rules (wealthgraph/risk/rules.py), the decision bands of
    marts.risk_signals and the alert rules of marts.alerts.

    The bands were set on the training window of the shipped model so that about 0.4% of
    payments go to an investigator (benchmarks/results/risk.md); the rules' thresholds are
    what a fraud analyst would call unusual for a retail customer.
    """

    # how far back features.risk_payments looks for a customer's habits, devices and contacts
    risk_lookback_days: int = 30
    takeover_signs: float = 3  # of: new device, new city, new payee, night-time
    large_amount: float = 10_000.0  # CNY to a payee never dealt with before
    amount_spike: float = 10.0  # times the largest payment of the lookback ...
    spike_min_amount: float = 2_000.0  # ... for payments of at least this much
    drain_share: float = 0.8  # share of liquid money moved out within 24 hours
    burst_payments: float = 5  # payments within one hour
    shared_device_customers: float = 3  # customers seen on the device before
    passthrough_share: float = 0.7  # of what new contacts paid in within 24 hours
    new_friend_hours: float = 72  # a payment to a contact first met this recently ...
    new_friend_min_amount: float = 500.0  # ... of at least this much
    # decision bands: hold stops the payment, review sends it to an investigator
    hold_score: float = 0.9
    review_score: float = 0.3
    hold_rules: int = 4
    review_rules: int = 3
    # marts.alerts: a single movement this large, or a day's outflow this share of the
    # balance the day began with, alerts the customer; so does a login from a device new to them
    alert_amount: float = 50_000.0
    alert_outflow_share: float = 0.5
    alert_outflow_min_amount: float = 5_000.0  # ... when that outflow is at least this much
    # social credit (graph.social_credit): each of these lowers the loan grade by one step,
    # never raises it: this share of close ties behind on a loan or card ...
    social_overdue_share: float = 0.25
    # ... a tie to an account suspected as a mule (one that passed on, to new payees, most of
    # what new contacts paid it, this many times in 30 days: the pass_through rule's pattern)
    mule_passthroughs: int = 2
    # ... or a circle whose arrears rate is this many times the bank's
    social_community_factor: float = 3.0


RISK = RiskConfig()


SETTINGS = (GRAPH, PROFILE, WEALTH, RECOMMEND, ANALYTICS, RISK)


def sql_params() -> dict[str, float | int | str]:
    """Every analytic knob as a named SQL parameter (``$half_life_days`` ...), from every
    config above; each SQL file binds the ones it uses (wealthgraph.sql.bind)."""
    params: dict[str, float | int | str] = {}
    for config in SETTINGS:
        for field in fields(config):
            if field.name in params:
                raise ValueError(
                    f"two settings are named {field.name}: SQL could not tell them apart"
                )
            params[field.name] = getattr(config, field.name)
    return params
