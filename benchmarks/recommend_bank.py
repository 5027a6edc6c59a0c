"""Diagnose quality.recommendation_eval on a built warehouse: what the production lists lose to.

    python benchmarks/recommend_bank.py --db /tmp/e20k/wh.duckdb --truth /tmp/g20k --days 10 20

Replays the warehouse at each cutoff (cached under --scratch) and scores, beside the table's
three models, variants that isolate one choice each: the production blend with a diversity
cap of 3 of a class and with none, without each of its sources in turn (the ablation: the
``vs_social_blend`` column is the variant's lead over production), each source alone (within
the same hard filters), the planted preference itself (the generator's ``_truth``: preferred
product class, then popularity; preferred topic first) and, for topic_new, the production topic
ranking with the topics already read left out. Each row has nDCG and the paired bootstrap CI of
its lead over popularity, over ALS and over production.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import scipy.sparse as sp

from pipelines.replay import replay_at
from wealthgraph.config import RECOMMEND, sql_params
from wealthgraph.recommend import evaluate as ev
from wealthgraph.recommend import products
from wealthgraph.recommend.metrics import per_user_metrics
from wealthgraph.recommend.model import BlendWeights, SocialBlend
from wealthgraph.sql import query
from wealthgraph.warehouse import latest_day


class Planted:
    """Scores: a big bonus for the customer's planted item group, then ``base``'s scores."""

    def __init__(self, base: SocialBlend, group: np.ndarray, preferred: np.ndarray) -> None:
        self.base, self.group, self.preferred = base, group, preferred

    def score(self, batch: np.ndarray) -> np.ndarray:
        bonus = self.group[None, :] == self.preferred[batch, None]
        return self.base.score(batch) + 10.0 * bonus


def compare(rows, cutoff, task, k, lists, held_out):
    everyone = np.arange(held_out.shape[0])
    ndcg = {
        name: per_user_metrics(ids, held_out, everyone, k)["ndcg"] for name, ids in lists.items()
    }
    for name, scores in ndcg.items():
        row = {"cutoff": cutoff, "task": task, "k": k, "model": name, "users": len(scores)}
        row["ndcg"] = float(scores.mean())
        for base in ("popularity", "als", "social_blend"):
            mean, low, high = ev.paired_bootstrap(scores, ndcg[base])
            row[f"vs_{base}"] = f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]"
        rows.append(row)


def product_rows(rows, con, replay, cutoff, end, truth):
    fitted = products.fit(products.load_inputs(replay, cutoff))
    users, items = fitted.customers, fitted.products.rename({"product_id": "item_id"})
    held_out = ev._test_matrix(ev.product_test(con, cutoff, end), users, items)
    classes = fitted.inputs.products["product_class"].to_numpy()
    preferred = users.join(truth, on="customer_id", how="left")["preferred_class"].to_numpy()
    r, c = held_out.nonzero()
    print(
        f"{cutoff} product: {held_out.nnz} test buys, {np.mean(classes[c] == preferred[r]):.0%} "
        f"in the buyer's planted class, "
        f"{np.mean(np.asarray(fitted.user_items.tocsr()[r, c]).ravel() > 0):.0%} seen in training"
    )

    def blend(weights: BlendWeights, social: bool) -> SocialBlend:
        model = SocialBlend(weights, als=RECOMMEND.product_als)
        if not social:  # the table's baselines: the interactions only, popularity bank-wide
            return model.fit(fitted.user_items)
        return model.fit(fitted.user_items, fitted.model.ties, fitted.model.segments)

    fit = {
        "popularity": blend(BlendWeights(0, 0, 0, 1), social=False),
        "als": blend(BlendWeights(1, 0, 0, 0), social=False),
        "social only": blend(BlendWeights(0, 1, 0, 0), social=True),
        "co-holding only": blend(BlendWeights(0, 0, 1, 0), social=True),
        "segment popularity only": blend(BlendWeights(0, 0, 0, 1), social=True),
    }
    for k in (RECOMMEND.top_n_product, 10):
        lists = {}
        caps = {"social_blend": RECOMMEND.max_per_class, "social_blend, cap 3": 3}
        for name, cap in {**caps, "social_blend, no cap": k}.items():
            config = dataclasses.replace(RECOMMEND, top_n_product=k, max_per_class=cap)
            lists[name] = ev._lists(products.recommend(fitted, config), users, items, k)
        # ablation: production's own lists with one source switched off in turn
        config = dataclasses.replace(RECOMMEND, top_n_product=k)
        weights = fitted.model.weights
        for source in ("social", "coholding", "popularity"):
            fitted.model.weights = dataclasses.replace(weights, **{source: 0.0})
            lists[f"social_blend without {source}"] = products.ranked_lists(fitted, config)
        fitted.model.weights = weights
        for name, model in fit.items():
            lists[name] = ev._eligible_top(model, fitted, k)
        planted = Planted(fit["popularity"], classes, preferred)
        lists["planted class, then popularity"] = ev._eligible_top(planted, fitted, k)
        compare(rows, cutoff, "product", k, lists, held_out)


def topic_rows(rows, con, replay, cutoff, end, truth):
    users = (
        replay.execute(
            "select customer_id from features.customers where as_of = $1 order by 1", [cutoff]
        )
        .pl()
        .with_row_index("u")
    )
    items = (
        replay.execute("select distinct topic as item_id from core.articles order by 1")
        .pl()
        .with_row_index("i")
    )
    read = replay.execute(
        "select customer_id, topic as item_id, score from features.topic_affinity where as_of = $1",
        [cutoff],
    ).pl()
    pairs = read.join(users, on="customer_id").join(items, on="item_id")
    train = sp.csr_matrix(
        (pairs["score"].to_numpy().astype(np.float32), (pairs["u"], pairs["i"])),
        shape=(users.height, items.height),
    )
    full = query(
        replay, "recommend", "topics", {"as_of": cutoff, **sql_params(), "top_n_topic": 99}
    )
    production = full.filter(pl.col("rank") <= RECOMMEND.top_n_topic)
    unread = (
        full.join(read, on=["customer_id", "item_id"], how="anti")
        .sort("customer_id", "rank")
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("customer_id"))
    )
    already = production.join(read, on=["customer_id", "item_id"]).height / production.height
    print(f"{cutoff} topics: {already:.0%} of the production topic lists are topics already read")
    topic_index = items.with_columns(code=pl.col("i").cast(pl.Int64))
    preferred = (
        users.join(truth, on="customer_id", how="left")
        .join(topic_index, left_on="preferred_topic", right_on="item_id", how="left")["code"]
        .fill_null(-1)
        .to_numpy()
    )
    k = RECOMMEND.top_n_topic
    everyone = np.arange(users.height)
    for task in ("topic_new", "topic_any"):
        new_only = task == "topic_new"
        held_out = ev._test_matrix(ev.topic_test(con, cutoff, end, new_only), users, items)
        lists = {"social_blend": ev._lists(production, users, items, k)}
        if new_only:
            lists["social_blend, unread only"] = ev._lists(unread, users, items, k)
        popularity = SocialBlend(BlendWeights(0, 0, 0, 1)).fit(train)
        for name, model in (
            ("popularity", popularity),
            (
                "als",
                SocialBlend(BlendWeights(1, 0, 0, 0), als=RECOMMEND.topic_als).fit(train),
            ),
        ):
            lists[name], _ = model.recommend(everyone, k, exclude_held=new_only)
        planted = Planted(popularity, np.arange(items.height), preferred).score(everyone)
        if new_only:
            planted[train.nonzero()] = -np.inf
        lists["planted topic, then popularity"] = np.argsort(-planted, axis=1, kind="stable")[:, :k]
        compare(rows, cutoff, task, k, lists, held_out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built warehouse")
    parser.add_argument("--truth", type=Path, required=True, help="the generated landing folder")
    parser.add_argument("--days", type=int, nargs="+", default=list(RECOMMEND.eval_cutoffs_days))
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/recommend_bank"))
    args = parser.parse_args()
    truth = pl.read_ndjson(args.truth / "_truth" / "preferences.jsonl.gz")
    args.scratch.mkdir(parents=True, exist_ok=True)
    copy = args.scratch / "source.duckdb"
    if not copy.exists():
        shutil.copy(args.db, copy)  # replay_at attaches its target: the source must be writable
    con = duckdb.connect(str(copy))
    as_of = latest_day(con)
    rows: list[dict] = []
    for days in sorted(args.days):
        cutoff = as_of - dt.timedelta(days=days)
        end = ev.window_end(cutoff, as_of)
        target = args.scratch / f"replay-{cutoff}.duckdb"
        if not target.exists():
            replay_at(con, cutoff, target)
        with duckdb.connect(str(target), read_only=True) as replay:
            product_rows(rows, con, replay, cutoff, end, truth)
            topic_rows(rows, con, replay, cutoff, end, truth)
    pl.Config.set_tbl_rows(-1)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_fmt_str_lengths(40)
    table = pl.DataFrame(rows).with_columns(pl.col("ndcg").round(3))
    for (task, k), part in table.group_by("task", "k", maintain_order=True):
        print(f"\n{task} nDCG@{k}")
        print(part.drop("task", "k"))


if __name__ == "__main__":
    main()
