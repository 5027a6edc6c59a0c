"""Wealth products per customer: candidates from the social blend, hard filters, diversity,
reasons.

The funnel: :class:`~wealthgraph.recommend.model.SocialBlend` scores every (customer, product)
from ALS, close ties' holdings, co-holding and segment popularity; hard filters then remove what
the customer must not be offered (suitability, minimum amount, off sale, already held); a
diversity rule keeps at most ``max_per_class`` products of one class; every row says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
import scipy.sparse as sp

from wealthgraph.config import PROFILE, RECOMMEND, RecommendConfig
from wealthgraph.recommend.model import BlendWeights, SocialBlend, batches, scale_rows, top_n

MODEL_VERSION = "product-social-blend-v1"
RISK_LABELS = {
    "C1": "conservative",
    "C2": "cautious",
    "C3": "moderate",
    "C4": "growth",
    "C5": "aggressive",
}
CLASS_LABELS = {
    "time_deposit": "time deposits",
    "wealth": "wealth products",
    "fund": "funds",
    "insurance": "insurance",
    "precious_metal": "precious metals",
}
OUTPUT_SCHEMA = {
    "customer_id": pl.String,
    "rank": pl.Int64,
    "item_id": pl.String,
    "score": pl.Float64,
    "reasons": pl.List(pl.String),
    "model_version": pl.String,
}


@dataclass(frozen=True)
class ProductInputs:
    """Everything the product recommender reads, as of one day.

    customers: customer_id, risk_tolerance (C1-C5 or null), risk_assessed_at, segment,
        current_balance, idle_cash
    products: product_id, name, product_class, risk_level (R1-R5), min_amount, on_sale,
        is_top_up, expected_yield_pct (wealth-side products only)
    interactions: customer_id, product_id, views, shares, buys, is_held
    ties: src_id, dst_id, weight (customer pairs, undirected)
    class_reads: customer_id, product_class, reads (articles promoting that class, 30 days)
    """

    as_of: dt.date
    customers: pl.DataFrame
    products: pl.DataFrame
    interactions: pl.DataFrame
    ties: pl.DataFrame
    class_reads: pl.DataFrame


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> ProductInputs:
    """Read the recommender's inputs from the warehouse's feature tables as of ``as_of``."""
    day = [as_of]
    customers = con.execute(
        """
        select
            c.customer_id,
            c.risk_tolerance,
            c.risk_assessed_at,
            coalesce(p.segment, 'unknown') as segment,
            coalesce(h.current_balance, 0)::double as current_balance,
            coalesce(w.idle_cash, 0)::double as idle_cash
        from features.customers c
        left join marts.user_profile p on p.customer_id = c.customer_id and p.as_of = c.as_of
        left join marts.wealth_summary w on w.customer_id = c.customer_id and w.as_of = c.as_of
        left join (
            select customer_id, sum(balance) as current_balance
            from features.holdings
            where as_of = $1 and product_class = 'current'
            group by all
        ) h on h.customer_id = c.customer_id
        where c.as_of = $1
        order by c.customer_id
        """,
        day,
    ).pl()
    products = con.execute(
        """
        select
            product_id, name, product_class, risk_level, min_amount::double as min_amount,
            on_sale_from <= $1 and coalesce(on_sale_to, $1) >= $1 as on_sale,
            is_top_up, expected_yield_pct
        from core.products
        -- every customer has a current account: it is neither news nor evidence
        where product_class <> 'current'
            and product_class not in (
                select value from core.enums where domain = 'liability_class'
            )
        order by product_id
        """,
        day,
    ).pl()
    interactions = con.execute(
        """
        select customer_id, product_id, views, shares, buys, is_held
        from features.product_interactions where as_of = $1
        """,
        day,
    ).pl()
    ties = con.execute(
        """
        select src_id, dst_id, tie_strength as weight
        from graph.edges where edge_kind = 'customer'
        """
    ).pl()
    class_reads = con.execute(
        """
        select e.user_id as customer_id, p.product_class, count(*) as reads
        from core.events e
        join core.articles a on a.article_id = e.target_id
        join core.products p on p.product_id = a.product_id
        where e.event_type = 'article_read' and e.ts < $1::date + 1 and e.ts >= $1::date - 29
        group by all
        """,
        day,
    ).pl()
    return ProductInputs(as_of, customers, products, interactions, ties, class_reads)


@dataclass
class ProductModel:
    """A fitted blend over one day's inputs, with the index maps to read its scores back."""

    inputs: ProductInputs
    model: SocialBlend
    customers: pl.DataFrame  # customer_id, row index u
    products: pl.DataFrame  # product_id, column index i
    user_items: sp.csr_matrix


def fit(inputs: ProductInputs, config: RecommendConfig = RECOMMEND) -> ProductModel:
    """Fit the social blend on the customer x product evidence of ``inputs``."""
    customers = inputs.customers.select("customer_id").with_row_index("u")
    products = inputs.products.select("product_id").with_row_index("i")
    evidence = inputs.interactions.join(customers, on="customer_id").join(products, on="product_id")
    strength = evidence.select(
        "u",
        "i",
        w=config.view_weight * pl.col("views")
        + config.share_weight * pl.col("shares")
        + config.buy_weight * pl.col("buys")
        + config.held_weight * pl.col("is_held").cast(pl.Float64),
    ).filter(pl.col("w") > 0)
    shape = (customers.height, products.height)
    user_items = _matrix(strength["u"], strength["i"], strength["w"], shape)
    ties = (
        inputs.ties.join(customers.rename({"customer_id": "src_id", "u": "a"}), on="src_id")
        .join(customers.rename({"customer_id": "dst_id", "u": "b"}), on="dst_id")
        .select("a", "b", "weight")
    )
    tie_matrix = _matrix(ties["a"], ties["b"], ties["weight"], (shape[0], shape[0]))
    tie_matrix = tie_matrix + tie_matrix.T
    segments = inputs.customers.select(
        pl.concat_str(pl.col("segment"), pl.col("risk_tolerance").fill_null("none"))
        .rank("dense")
        .cast(pl.Int64)
        - 1
    ).to_series()
    weights = BlendWeights(
        als=config.als_weight,
        social=config.social_weight,
        coholding=config.coholding_weight,
        popularity=config.popularity_weight,
    )
    model = SocialBlend(weights, factors=config.als_factors, iterations=config.als_iterations).fit(
        user_items, tie_matrix, segments.to_numpy()
    )
    return ProductModel(inputs, model, customers, products, user_items)


def recommend(fitted: ProductModel, config: RecommendConfig = RECOMMEND) -> pl.DataFrame:
    """Top ``top_n_product`` suitable products per customer, best first, with reasons."""
    inputs = fitted.inputs
    eligible = _eligibility(inputs)
    candidates = []
    n_items = fitted.products.height
    per_user = min(n_items, 3 * config.top_n_product)
    users = np.arange(fitted.customers.height)
    for batch in batches(users, n_items):
        sources = fitted.model.source_scores(batch)
        blended = fitted.model.score(batch, sources)
        blended[~eligible(batch)] = -np.inf
        ids, scores = top_n(blended, per_user)
        rows = np.repeat(batch, ids.shape[1])
        cols = ids.ravel()
        keep = np.isfinite(scores.ravel())
        contribution = {
            name: scale_rows(sources[name])[np.repeat(np.arange(len(batch)), ids.shape[1]), cols]
            * weight
            for name, weight in fitted.model.weights.items()
            if name in sources
        }
        candidates.append(
            pl.DataFrame(
                {
                    "u": rows[keep].astype(np.uint32),
                    "i": cols[keep].astype(np.uint32),
                    "score": scores.ravel()[keep].astype(np.float64),
                    **{f"by_{k}": v[keep].astype(np.float64) for k, v in contribution.items()},
                }
            )
        )
    if not candidates:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    found = pl.concat(candidates, how="diagonal")
    for name in ("als", "social", "coholding", "popularity"):
        if f"by_{name}" not in found.columns:
            found = found.with_columns(pl.lit(0.0).alias(f"by_{name}"))
    found = (
        found.join(fitted.products, on="i")
        .join(fitted.customers, on="u")
        .join(inputs.products, on="product_id")
        .sort(["u", "score", "i"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("u", "product_class") < config.max_per_class)
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("u"))
        .filter(pl.col("rank") <= config.top_n_product)
    )
    return _with_reasons(found, fitted, config).select(list(OUTPUT_SCHEMA))


def _matrix(rows: pl.Series, cols: pl.Series, values: pl.Series, shape) -> sp.csr_matrix:
    return sp.csr_matrix(
        (values.to_numpy().astype(np.float32), (rows.to_numpy(), cols.to_numpy())), shape=shape
    )


def _eligibility(inputs: ProductInputs):
    """``mask(users) -> bool[len(users), items]``: the hard filters, as array lookups.

    Suitability: product risk Rn needs tolerance Cn or higher from an assessment that is known
    and not expired; the minimum amount must fit the current-account balance; the product must
    be on sale; a held product comes back only when it takes top-ups.
    """
    valid_from = inputs.as_of - dt.timedelta(days=PROFILE.risk_assessment_valid_days)
    tolerance = (
        inputs.customers.select(
            pl.when(pl.col("risk_assessed_at") >= valid_from)
            .then(pl.col("risk_tolerance").str.slice(1).cast(pl.Int8, strict=False))
            .fill_null(0)
        )
        .to_series()
        .to_numpy()
    )
    cash = inputs.customers["current_balance"].to_numpy()
    products = inputs.products
    risk = (
        products.select(pl.col("risk_level").str.slice(1).cast(pl.Int8, strict=False).fill_null(9))
        .to_series()
        .to_numpy()
    )
    minimum = products["min_amount"].fill_null(0).to_numpy()
    on_sale = products["on_sale"].fill_null(False).to_numpy()
    top_up = products["is_top_up"].fill_null(False).to_numpy()
    index = {pid: i for i, pid in enumerate(products["product_id"].to_list())}
    users = {cid: u for u, cid in enumerate(inputs.customers["customer_id"].to_list())}
    held_pairs = (
        inputs.interactions.filter(pl.col("is_held"))
        .select(
            u=pl.col("customer_id").replace_strict(users, default=None, return_dtype=pl.Int64),
            i=pl.col("product_id").replace_strict(index, default=None, return_dtype=pl.Int64),
        )
        .drop_nulls()
    )
    held = sp.csr_matrix(
        (np.ones(held_pairs.height, dtype=bool), (held_pairs["u"], held_pairs["i"])),
        shape=(len(users), len(index)),
    )

    def mask(batch: np.ndarray) -> np.ndarray:
        ok = (risk[None, :] <= tolerance[batch, None]) & on_sale[None, :]
        ok &= minimum[None, :] <= cash[batch, None]
        ok &= ~held[batch].toarray() | top_up[None, :]
        return ok

    return mask


def _with_reasons(found: pl.DataFrame, fitted: ProductModel, config: RecommendConfig):
    """Reasons in the customer's words, strongest evidence first."""
    inputs = fitted.inputs
    held = inputs.interactions.filter(pl.col("is_held")).select("customer_id", "product_id")
    close = inputs.ties.filter(pl.col("weight") >= config.close_tie_strength)
    close = pl.concat(
        [
            close.select(customer_id="src_id", friend_id="dst_id"),
            close.select(customer_id="dst_id", friend_id="src_id"),
        ]
    )
    friends_holding = (
        found.select("customer_id", "product_id")
        .join(close, on="customer_id")
        .join(held.rename({"customer_id": "friend_id"}), on=["friend_id", "product_id"])
        .group_by("customer_id", "product_id")
        .agg(friends_holding=pl.len())
    )
    also_held = _also_held(found, fitted, held)
    reads = inputs.class_reads.select("customer_id", "product_class", "reads")
    customers = inputs.customers.select("customer_id", "risk_tolerance", "idle_cash")
    n = pl.col("friends_holding")
    reasons = pl.concat_list(
        pl.when(n > 0).then(
            pl.format(
                "{} close friend{} hold{} it",
                n,
                pl.when(n == 1).then(pl.lit("")).otherwise(pl.lit("s")),
                pl.when(n == 1).then(pl.lit("s")).otherwise(pl.lit("")),
            )
        ),
        pl.when(pl.col("also_held_name").is_not_null()).then(
            pl.format("customers who hold {} also hold it", pl.col("also_held_name"))
        ),
        pl.when(pl.col("reads") > 0).then(
            pl.format(
                "you read {} article{} on {} this month",
                pl.col("reads"),
                pl.when(pl.col("reads") == 1).then(pl.lit("")).otherwise(pl.lit("s")),
                pl.col("product_class").replace_strict(CLASS_LABELS, default="these products"),
            )
        ),
        pl.when(pl.col("by_als") > 0).then(pl.lit("customers with similar interests chose it")),
        pl.format(
            "fits your {} ({}) risk profile",
            pl.col("risk_tolerance").replace_strict(RISK_LABELS, default="assessed"),
            pl.col("risk_tolerance"),
        ),
        pl.when(
            (pl.col("idle_cash") > 0)
            & pl.col("product_class").is_in(["time_deposit", "wealth", "fund"])
        ).then(
            pl.format(
                "your idle cash could earn more ({}% expected)",
                pl.col("expected_yield_pct").round(2),
            )
        ),
        pl.when(pl.col("by_popularity") > 0).then(pl.lit("popular with customers like you")),
    ).list.drop_nulls()
    return (
        found.join(friends_holding, on=["customer_id", "product_id"], how="left")
        .join(also_held, on=["customer_id", "product_id"], how="left")
        .join(reads, on=["customer_id", "product_class"], how="left")
        .join(customers, on="customer_id", how="left")
        .with_columns(pl.col("friends_holding", "reads").fill_null(0))
        .select(
            "customer_id",
            "rank",
            item_id="product_id",
            score="score",
            reasons=reasons,
            model_version=pl.lit(MODEL_VERSION),
        )
        .sort("customer_id", "rank")
    )


def _also_held(found: pl.DataFrame, fitted: ProductModel, held: pl.DataFrame) -> pl.DataFrame:
    """For each recommended pair, the held product most often held with it (co-holding)."""
    cooc = fitted.model.cooccurrence.tocoo()
    pairs = pl.DataFrame(
        {"j": cooc.row.astype(np.uint32), "i": cooc.col.astype(np.uint32), "sim": cooc.data}
    )
    names = fitted.products.join(
        fitted.inputs.products.select("product_id", "name"), on="product_id"
    )
    return (
        found.select("customer_id", "product_id", "i")
        .join(held.rename({"product_id": "held_id"}), on="customer_id")
        .join(names.select(held_id="product_id", j="i", also_held_name="name"), on="held_id")
        .join(pairs, on=["j", "i"])
        .sort("sim", descending=True)
        .group_by("customer_id", "product_id", maintain_order=True)
        .first()
        .select("customer_id", "product_id", "also_held_name")
    )
