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

from wealthgraph.config import PROFILE, RECOMMEND, RecommendConfig, sql_params
from wealthgraph.recommend.model import BlendWeights, Population, SocialBlend, batches, top_n
from wealthgraph.sql import query

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
REASON_SEPARATOR = "\x1f"
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


# ProductInputs field -> the file under sql/recommend/ that reads it (the asset's lineage is
# these files' tables, pipelines/recommend/assets.py)
INPUT_QUERIES = {
    "customers": "products_customers",
    "products": "products_catalog",
    "interactions": "products_interactions",
    "ties": "products_ties",
    "class_reads": "products_class_reads",
}


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> ProductInputs:
    """Read the recommender's inputs as of ``as_of``: one query per input, sql/recommend/
    products_<input>.sql, over features.*, graph.* and core.* (never a mart)."""
    params = {"as_of": as_of, **sql_params()}
    frames = {field: query(con, "recommend", name, params) for field, name in INPUT_QUERIES.items()}
    return ProductInputs(as_of, **frames)


@dataclass
class ProductModel:
    """A fitted blend over one day's inputs, with the index maps to read its scores back."""

    inputs: ProductInputs
    model: SocialBlend
    customers: pl.DataFrame  # customer_id, row index u
    products: pl.DataFrame  # product_id, column index i
    user_items: sp.csr_matrix


def fit(
    inputs: ProductInputs,
    config: RecommendConfig = RECOMMEND,
    item_factors: np.ndarray | None = None,
    population: Population | None = None,
) -> ProductModel:
    """Fit the social blend on the customer x product evidence of ``inputs``; with
    ``item_factors`` (rows in ``inputs.products`` order: :func:`kept_factors`) its ALS is
    warm-started from them. Either way each customer's factors are solved exactly against the
    final item factors, so a customer shard handed the same item factors and ``population``
    (:func:`load_population`) scores its customers as the whole bank's fit does."""
    customers = inputs.customers.select("customer_id").with_row_index("u")
    products = inputs.products.select("product_id").with_row_index("i")
    # customers the ties reach who are not the fit's own (another shard's): what they hold
    # counts for "friends hold it", after the fit's own rows
    others = (
        pl.concat(
            [
                inputs.ties["src_id"].alias("customer_id"),
                inputs.ties["dst_id"].alias("customer_id"),
                inputs.interactions["customer_id"],
            ]
        )
        .unique()
        .to_frame()
        .join(customers, on="customer_id", how="anti")
        .sort("customer_id")
        .with_row_index("u", offset=customers.height)
    )
    everyone = pl.concat([customers, others])
    evidence = inputs.interactions.join(everyone, on="customer_id").join(products, on="product_id")
    strength = evidence.select(
        "u",
        "i",
        w=config.view_weight * pl.col("views")
        + config.share_weight * pl.col("shares")
        + config.buy_weight * pl.col("buys")
        + config.held_weight * pl.col("is_held").cast(pl.Float64),
    ).filter(pl.col("w") > 0)
    n, m = customers.height, others.height
    mine = strength.filter(pl.col("u") < n)
    user_items = _matrix(mine["u"], mine["i"], mine["w"], (n, products.height))
    near = strength.filter(pl.col("u") >= n)
    neighbours = _matrix(near["u"] - n, near["i"], near["w"], (m, products.height))
    pairs = (
        inputs.ties.join(everyone.rename({"customer_id": "src_id", "u": "a"}), on="src_id")
        .join(everyone.rename({"customer_id": "dst_id", "u": "b"}), on="dst_id")
        .select("a", "b", "weight")
    )
    both = pl.concat([pairs, pairs.select(a="b", b="a", weight="weight")]).filter(pl.col("a") < n)
    tie_matrix = sp.csr_matrix(
        (both["weight"].to_numpy().astype(np.float64), (both["a"], both["b"])), shape=(n, n + m)
    )
    segments = _segment_keys(inputs.customers).rank("dense").cast(pl.Int64) - 1
    weights = BlendWeights(
        als=config.als_weight,
        social=config.social_weight,
        coholding=config.coholding_weight,
        popularity=config.popularity_weight,
    )
    model = SocialBlend(weights, als=config.product_als).fit(
        user_items,
        tie_matrix,
        segments.to_numpy(),
        item_factors=item_factors,
        exact_users=True,
        neighbours=neighbours,
        population=population,
    )
    return ProductModel(inputs, model, customers, products, user_items)


def _segment_keys(customers: pl.DataFrame) -> pl.Series:
    """Each customer's popularity peers: segment and risk tolerance, as one key."""
    return customers.select(
        pl.concat_str(pl.col("segment"), pl.col("risk_tolerance").fill_null("none"))
    ).to_series()


def population_tables(fitted: ProductModel) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the fit learned from all its customers, as the rows a customer shard is handed:
    co-holding (product_id, other_id, cosine) and popularity per segment (segment_key,
    product_id, share)."""
    product_ids = fitted.products["product_id"]
    cooc = fitted.model.cooccurrence.tocoo()
    cooccurrence = pl.DataFrame(
        {
            "product_id": product_ids.gather(cooc.row),
            "other_id": product_ids.gather(cooc.col),
            "cosine": pl.Series(cooc.data, dtype=pl.Float32),
        }
    )
    keys = _segment_keys(fitted.inputs.customers).unique().sort()
    share = fitted.model.segment_popularity
    popularity = pl.DataFrame(
        {
            "segment_key": keys.gather(np.repeat(np.arange(len(keys)), share.shape[1])),
            "product_id": product_ids.gather(np.tile(np.arange(share.shape[1]), len(keys))),
            "share": share.ravel().astype(np.float64),
        }
    )
    return cooccurrence, popularity


def load_population(
    con: duckdb.DuckDBPyConnection, inputs: ProductInputs
) -> tuple[np.ndarray, Population]:
    """The item factors, co-holding and segment popularity the hub's fit handed over
    (recommend.product_factors, .product_cooccurrence, .segment_popularity), in the order of
    ``inputs``' products and segments: a shard's fit then scores as the hub's did."""
    products = inputs.products.select("product_id").with_row_index("i")
    factors = products.join(
        con.execute("select product_id, factors from recommend.product_factors").pl(),
        on="product_id",
        how="left",
        maintain_order="left",
    )
    if factors["factors"].null_count():
        raise ValueError(f"{factors['factors'].null_count()} products have no item factors")
    cooc = (
        con.execute("select product_id, other_id, cosine from recommend.product_cooccurrence")
        .pl()
        .join(products, on="product_id")
        .join(products.rename({"product_id": "other_id", "i": "j"}), on="other_id")
    )
    n_items = products.height
    cooccurrence = sp.csr_matrix(
        (cooc["cosine"].to_numpy().astype(np.float32), (cooc["i"], cooc["j"])),
        shape=(n_items, n_items),
    )
    keys = _segment_keys(inputs.customers).unique().sort().to_frame("segment_key")
    shares = (
        keys.with_row_index("g")
        .join(products, how="cross")
        .join(
            con.execute(
                "select segment_key, product_id, share from recommend.segment_popularity"
            ).pl(),
            on=["segment_key", "product_id"],
            how="left",
        )
        .sort("g", "i")
    )
    if shares["share"].null_count():
        raise ValueError("the hub's segment popularity lacks some of the shard's segments")
    popularity = shares["share"].to_numpy().reshape(keys.height, n_items)
    return (
        np.asarray(factors["factors"].to_list(), dtype=np.float32),
        Population(cooccurrence, popularity),
    )


def factor_setting(config: RecommendConfig = RECOMMEND) -> str:
    """What item factors were fitted with: the ALS setting and the interaction weights."""
    return (
        f"{config.product_als.text()} views={config.view_weight:g} shares={config.share_weight:g}"
        f" buys={config.buy_weight:g} held={config.held_weight:g}"
    )


def item_factors(fitted: ProductModel, as_of: dt.date, config: RecommendConfig = RECOMMEND):
    """The fit's item factors as rows (product_id, factors, fitted_on, setting)."""
    return fitted.products.select("product_id").with_columns(
        factors=pl.Series(fitted.model.als.item_factors.tolist(), dtype=pl.List(pl.Float32)),
        fitted_on=pl.lit(as_of),
        setting=pl.lit(factor_setting(config)),
    )


def kept_factors(
    stored: pl.DataFrame | None,
    inputs: ProductInputs,
    config: RecommendConfig = RECOMMEND,
) -> tuple[np.ndarray | None, str]:
    """The stored item factors to warm-start from, in ``inputs.products`` order, or None and
    why the model is refitted instead.

    Kept only from an earlier day (a re-run of the fit's own day refits, so re-running a run
    changes nothing), younger than ``product_refit_days``, of the same setting and covering
    every product; anything else refits.
    """
    if stored is None or stored.is_empty():
        return None, "refit: no stored factors"
    fitted_on = stored["fitted_on"].max()
    if fitted_on >= inputs.as_of:
        return None, f"refit: the factors are from {fitted_on}, not before {inputs.as_of}"
    if (inputs.as_of - fitted_on).days >= config.product_refit_days:
        return (
            None,
            f"refit: the factors from {fitted_on} are {config.product_refit_days}+ days old",
        )
    if stored["setting"].n_unique() != 1 or stored["setting"][0] != factor_setting(config):
        return None, "refit: the ALS setting or the interaction weights changed"
    rows = inputs.products.select("product_id").join(
        stored, on="product_id", how="left", maintain_order="left"
    )
    if rows["factors"].null_count():
        return None, f"refit: {rows['factors'].null_count()} products have no factors"
    factors = np.asarray(rows["factors"].to_list(), dtype=np.float32)
    return factors, f"warm start from the factors fitted on {fitted_on}"


def recommend(fitted: ProductModel, config: RecommendConfig = RECOMMEND) -> pl.DataFrame:
    """Top ``top_n_product`` suitable products per customer, best first, with reasons.

    Per batch of customers, in numpy: blend, hard filters, the best ``3 x top_n_product``, the
    diversity cap and the rank, and the evidence the reasons quote (close friends holding the
    product, the held product most co-held with it, which sources scored it); then the batch's
    kept rows, and only they, get their strings. Memory: the output, plus one batch at a time.
    """
    inputs, model = fitted.inputs, fitted.model
    n_users, n_items = fitted.customers.height, fitted.products.height
    if n_users == 0 or n_items == 0:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    held, holders = _held(fitted)
    close = _close_ties(fitted, holders, config)
    item_class = _class_codes(inputs.products)
    describe = _reasons(fitted, item_class)
    # cooccurrence[j, i] is read as "customers who hold j also hold i": rows of the transpose
    # are the candidates
    co_held = model.cooccurrence.toarray().T
    parts = []
    for batch, sources, holds, ids, scores, rank in _ranked(fitted, held, item_class, config):
        r, k = np.nonzero(rank)  # by customer, then rank
        c = ids[r, k]
        # close friends holding each candidate: the batch's close ties times what friends hold
        friends = (close[batch] @ held).toarray()[r, c]
        found = pl.DataFrame(
            {
                "u": batch[r].astype(np.uint32),
                "i": c.astype(np.uint32),
                "rank": rank[r, k].astype(np.int64),
                "score": scores[r, k].astype(np.float64),
                "friends_holding": friends.astype(np.uint32),
                "also_held": _also_held(holds, co_held, r, c),
                **{
                    f"by_{name}": _contributes(sources, name, weight, r, c)
                    for name, weight in model.weights.items()
                    if name in ("als", "popularity")
                },
            }
        )
        parts.append(describe(found))
    found = pl.concat(parts).select(list(OUTPUT_SCHEMA))
    # batches run in row order; the output is in customer_id order (the same when customers
    # come sorted, as load_inputs reads them)
    if not fitted.customers["customer_id"].is_sorted():
        found = found.sort("customer_id", "rank")
    return found


def ranked_lists(fitted: ProductModel, config: RecommendConfig = RECOMMEND) -> np.ndarray:
    """The item indices :func:`recommend` lists per customer (rows of ``fitted.customers``,
    ``top_n_product`` columns, best first, -1 padded), without the reasons: what tuning scores."""
    n_users = fitted.customers.height
    out = np.full((n_users, config.top_n_product), -1, dtype=np.int64)
    if n_users == 0 or fitted.products.height == 0:
        return out
    held, _ = _held(fitted)
    item_class = _class_codes(fitted.inputs.products)
    for batch, _, _, ids, _, rank in _ranked(fitted, held, item_class, config):
        r, k = np.nonzero(rank)
        out[batch[r], rank[r, k] - 1] = ids[r, k]
    return out


def _ranked(fitted: ProductModel, held: sp.csr_matrix, item_class: np.ndarray, config):
    """Per batch of customers: the sources' scores, what they hold, the best ``3 x
    top_n_product`` eligible candidates (ids, blended scores) and each one's list rank (0:
    dropped by the diversity cap or below the top N)."""
    n_users, n_items = fitted.customers.height, fitted.products.height
    per_user = min(n_items, 3 * config.top_n_product)
    eligible = _eligibility(fitted.inputs)
    for batch in batches(np.arange(n_users), n_items):
        sources = fitted.model.source_scores(batch)
        blended = fitted.model.score(batch, sources)
        holds = held[batch].toarray() > 0
        blended[~eligible(batch, holds)] = -np.inf
        ids, scores = top_n(blended, per_user)  # best first, ties to the lower id
        rank = _diversified_rank(ids, np.isfinite(scores), item_class, config)
        yield batch, sources, holds, ids, scores, rank


def _matrix(rows: pl.Series, cols: pl.Series, values: pl.Series, shape) -> sp.csr_matrix:
    return sp.csr_matrix(
        (values.to_numpy().astype(np.float32), (rows.to_numpy(), cols.to_numpy())), shape=shape
    )


def _counts(rows: np.ndarray, cols: np.ndarray, shape) -> sp.csr_matrix:
    """How many times each (row, col) pair occurs, as a sparse matrix (duplicates add up)."""
    return sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=shape)


def _held(fitted: ProductModel) -> tuple[sp.csr_matrix, pl.DataFrame]:
    """Held catalog products per holder, and the holders' index (``customer_id``, ``h``).

    Holders are the customers (``h`` = their row ``u``) followed by anyone else holding a catalog
    product: a close friend counts in "3 close friends hold it" even when not a customer here.
    The matrix counts rows, so a pair held twice counts twice, as a join would.
    """
    held = (
        fitted.inputs.interactions.filter(pl.col("is_held"))
        .select("customer_id", "product_id")
        .join(fitted.products, on="product_id")
    )
    others = (
        held.select("customer_id")
        .unique()
        .join(fitted.customers, on="customer_id", how="anti")
        .sort("customer_id")
    )
    holders = pl.concat([fitted.customers.select("customer_id"), others]).with_row_index("h")
    pairs = held.join(holders, on="customer_id")
    shape = (holders.height, fitted.products.height)
    return _counts(pairs["h"].to_numpy(), pairs["i"].to_numpy(), shape), holders


def _close_ties(
    fitted: ProductModel, holders: pl.DataFrame, config: RecommendConfig
) -> sp.csr_matrix:
    """Customer x holder counts of close ties, both directions (a pair listed twice counts
    twice); ``close @ held`` is then the number of close friends holding each product."""
    close = fitted.inputs.ties.filter(pl.col("weight") >= config.close_tie_strength)
    # a friend holding nothing of the catalog adds nothing: inner joins drop them
    pairs = close.join(holders.rename({"customer_id": "src_id", "h": "a"}), on="src_id").join(
        holders.rename({"customer_id": "dst_id", "h": "b"}), on="dst_id"
    )
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    mine = rows < fitted.customers.height  # only customers get recommendations
    return _counts(rows[mine], cols[mine], (fitted.customers.height, holders.height))


def _eligibility(inputs: ProductInputs):
    """``mask(users, holds) -> bool[len(users), items]``: the hard filters, as array lookups
    (``holds``: what the users hold, ``bool[len(users), items]``).

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

    def mask(batch: np.ndarray, holds: np.ndarray) -> np.ndarray:
        ok = (risk[None, :] <= tolerance[batch, None]) & on_sale[None, :]
        ok &= minimum[None, :] <= cash[batch, None]
        ok &= ~holds | top_up[None, :]
        return ok

    return mask


def _diversified_rank(
    ids: np.ndarray, valid: np.ndarray, item_class: np.ndarray, config: RecommendConfig
) -> np.ndarray:
    """Rank (1..top_n_product) of each candidate of ``ids`` (best first per row), 0 if dropped:
    invalid, or the ``max_per_class``-th + 1 candidate of its class, or below the top N."""
    classes = item_class[ids]
    earlier = np.tri(ids.shape[1], k=-1, dtype=bool)  # [k, j]: candidate j comes before k
    same = (classes[:, :, None] == classes[:, None, :]) & valid[:, None, :] & earlier
    keep = valid & (same.sum(axis=2) < config.max_per_class)
    rank = np.cumsum(keep, axis=1)
    return np.where(keep & (rank <= config.top_n_product), rank, 0)


def _also_held(holds: np.ndarray, co_held: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """For each cell (r, c), the product the row's customer holds that is most often held with
    product c ("customers who hold X also hold it"), or -1 when none is. Equally co-held
    products go to the one listed first in the catalog (load_inputs lists by product_id), the
    rule top_n uses: the order of a join and a sort decided it before, which nothing fixed."""
    also = np.full(len(r), -1, dtype=np.int64)
    some = np.flatnonzero(holds.any(axis=1)[r])  # most customers hold nothing of the catalog
    sims = np.where(holds[r[some]], co_held[c[some]], 0)
    best = sims.argmax(axis=1)  # the first maximum
    also[some] = np.where(sims[np.arange(len(some)), best] > 0, best, -1)
    return also


def _contributes(
    sources: dict[str, np.ndarray], name: str, weight: float, r: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """Whether source ``name`` added to the blended score of cells (r, c).

    The same arithmetic as ``scale_rows(source)[r, c] * weight`` (so a score that underflows
    to 0 says no, as in the blend), but only at the kept cells: the blend already scaled the
    whole batch once.
    """
    if name not in sources:
        return np.zeros(len(r), dtype=bool)
    source = sources[name]
    best = source.max(axis=1)[r] if source.size else np.zeros(len(r), dtype=source.dtype)
    scaled = np.divide(source[r, c], best, out=np.zeros(len(r), dtype=np.float32), where=best > 0)
    return scaled * weight > 0


def _class_codes(products: pl.DataFrame) -> np.ndarray:
    """Per catalog row, a code of its product class (0: no class)."""
    return (
        products.select(pl.col("product_class").rank("dense").fill_null(0)).to_series().to_numpy()
    )


def _reasons(fitted: ProductModel, item_class: np.ndarray):
    """``describe(found) -> output rows``: reasons in the customer's words, strongest evidence
    first, for rows of (u, i, rank, score, friends_holding, also_held, by_als, by_popularity)."""
    inputs = fitted.inputs
    customers = inputs.customers.select("customer_id", "risk_tolerance", "idle_cash")
    catalog = inputs.products.select("product_id", "name", "product_class", "expected_yield_pct")
    # articles read per (customer, class) as a lookup instead of a join per batch; load_inputs
    # groups by (customer, class), so there is at most one row per cell
    codes = catalog.select("product_class", c=item_class).drop_nulls().unique()
    reads = (
        inputs.class_reads.join(fitted.customers, on="customer_id")
        .join(codes, on="product_class")
        .select("u", "c", "reads")
    )
    read_row = np.full((fitted.customers.height, item_class.max() + 1), -1, dtype=np.int64)
    read_row[reads["u"].to_numpy(), reads["c"].to_numpy()] = np.arange(reads.height)
    n = pl.col("friends_holding")
    reasons = [
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
        pl.when(pl.col("by_als")).then(pl.lit("customers with similar interests chose it")),
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
        pl.when(pl.col("by_popularity")).then(pl.lit("popular with customers like you")),
    ]
    # one string split once is far cheaper than concat_list(...).list.drop_nulls(); the
    # separator is a control character (U+001F, unit separator) no reason or product name holds
    joined = pl.concat_str(reasons, separator=REASON_SEPARATOR, ignore_nulls=True)

    def describe(found: pl.DataFrame) -> pl.DataFrame:
        u, i = found["u"], found["i"]
        read = read_row[u.to_numpy(), item_class[i.to_numpy()]]
        return (
            pl.concat(
                [
                    found.with_columns(read=read),
                    customers.select(pl.all().gather(u)),
                    catalog.select(pl.all().gather(i)),
                ],
                how="horizontal",
            )
            .with_columns(
                also_held_name=pl.lit(catalog["name"]).gather(
                    pl.when(pl.col("also_held") >= 0).then(pl.col("also_held"))
                ),
                reads=pl.lit(reads["reads"]).gather(
                    pl.when(pl.col("read") >= 0).then(pl.col("read"))
                ),
            )
            .with_columns(pl.col("reads").fill_null(0))
            .with_columns(reasons=joined)
            .select(
                "customer_id",
                "rank",
                item_id="product_id",
                score="score",
                # no reason at all is an empty list, not [""] (a step of its own: inside one
                # expression the concatenation would be computed twice)
                reasons=pl.when(pl.col("reasons") != "")
                .then(pl.col("reasons").str.split(REASON_SEPARATOR))
                .otherwise(pl.lit([], dtype=pl.List(pl.String))),
                model_version=pl.lit(MODEL_VERSION),
            )
        )

    return describe
