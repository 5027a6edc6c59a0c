"""Loan default on the real PKDD'99 Berka bank: how well does what the bank knew predict it?

    .venv/bin/python benchmarks/berka_default.py [--data DIR] [--repeats N] [--out FILE]

The question: of Berka's 682 loans, which end bad (status B, finished unpaid, or D, running in
debt; A and C are good), predicted from what the bank knew on the loan date.

Leakage rules (the features are built in wealthgraph/adapters/berka_loans.py):
- nothing dated on or after the loan date: cards issued before it only, transactions dated
  strictly before it, ages (account, client) taken at it; the loan date itself is not a
  feature (recent loans had less time to go bad: the label is censored, see the results).
- undated files are their own feature sets, so what they add can be read apart: standing orders
  (order.asc, possibly set up after the loan; the UVER order is the loan's own payment and is
  left out), district statistics (1995-96) and the counterparty graph (orders + transactions).
- the only label-derived feature, "a neighbour account's loan went bad", is computed inside each
  fold from the training loans' labels; it still looks ahead in time (a neighbour's status is
  its 1998 status), which can only flatter it.
- transactions: the shared sample covers 1993-01-01..1994-03-30, so only the loans dated by the
  day after it have their pre-loan history in it; they are scored as their own subset, never
  mixed with the 682.

Choices: repeated stratified k-fold (5 x 10, seed 19), the same splits for every feature set so
differences are paired. Logistic regression (median imputation, standardised, L2, C = 0.1) and
a small LightGBM (depth 3, 8 leaves, 20 rows a leaf, 300 trees at 0.03, row and column
subsampling, L2 5; one thread, deterministic). Categoricals are one-hot inside the pipeline,
levels with fewer than 10 training rows pooled. Nothing was tuned on these scores: tuning would
need a nested CV. Fold scores are summarised by their mean, std and 2.5-97.5 percentiles, and
the mean by a 95% CI with the Nadeau & Bengio correction for overlapping training sets.

The transaction subset (38 loans, 5 bad on the shared sample) gets the same repeated CV, but a
test fold holds one bad loan, so its predictions are pooled: per repeat, and averaged over the
repeats with a stratified bootstrap interval. Leave-one-out is avoided on purpose (holding out
a bad loan lowers the training bad rate, which pushes held-out bad loans down).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm
import networkx as nx
import numpy as np
import polars as pl
import scipy.sparse as sp
import sklearn
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from wealthgraph.adapters import berka_loans as bl
from wealthgraph.settings import ROOT

DATA = ROOT.parent / "shared" / "datasets" / "berka_pkdd99"
OUT = ROOT / "benchmarks" / "results" / "berka-default.md"
MODELS = ("logistic", "lightgbm")
OOF_NEIGHBOUR_BAD = "graph_neighbour_bad"  # filled in per fold, from training labels only
# feature set -> the families it joins; the first is the baseline every row is compared with
FEATURE_SETS = {
    "landed (baseline)": ("landed",),
    "landed + orders": ("landed", "orders"),
    "landed + district": ("landed", "district"),
    "full: landed + orders + district": ("landed", "orders", "district"),
    "full + graph": ("landed", "orders", "district", "graph"),
}
SUBSET_SETS = {
    "landed": ("landed",),
    "landed + transactions": ("landed", "transactions"),
    "transactions only": ("transactions",),
}


@dataclass(frozen=True)
class Features:
    """One row per loan (``loan_id`` order), the columns of each family, and the label."""

    table: pl.DataFrame
    families: dict[str, list[str]]
    y: np.ndarray
    loan_edges: sp.csr_matrix  # [i, j] = 1: loan j's account shares a counterparty with i's

    def columns(self, families: Sequence[str]) -> tuple[list[str], list[str]]:
        """(numeric, categorical) columns of ``families``."""
        names = [c for f in families for c in self.families[f]]
        categorical = [c for c in names if c in bl.CATEGORICAL]
        return [c for c in names if c not in categorical], categorical


def build_features(data: bl.Berka, loans: pl.DataFrame | None = None) -> Features:
    """Every feature family for ``loans`` (default all), joined on loan_id."""
    loans = data.loans if loans is None else loans
    graph, edges = bl.counterparty_links(data)
    frames = {
        "landed": bl.landed_features(data),
        "orders": bl.order_features(data),
        "district": bl.district_features(data),
        "graph": graph,
        "transactions": bl.transaction_features(loans, data.trans),
    }
    table = loans.select("loan_id", "bad")
    for frame in frames.values():
        table = table.join(frame, on="loan_id", how="left")
    table = table.sort("loan_id")
    families = {name: [c for c in f.columns if c != "loan_id"] for name, f in frames.items()}
    families["graph"].append(OOF_NEIGHBOUR_BAD)
    # loan ids -> row numbers of the table, on both ends of an edge
    index = table.select("loan_id").with_row_index("row")
    pairs = edges.join(index, on="loan_id").join(
        index.rename({"loan_id": "neighbour_loan_id", "row": "neighbour_row"}),
        on="neighbour_loan_id",
    )
    adjacency = sp.csr_matrix(
        (np.ones(pairs.height), (pairs["row"].to_numpy(), pairs["neighbour_row"].to_numpy())),
        shape=(table.height, table.height),
    )
    return Features(
        table.with_columns(pl.lit(0.0).alias(OOF_NEIGHBOUR_BAD)),
        families,
        table["bad"].to_numpy().astype(int),
        adjacency,
    )


def make_model(
    kind: str, numeric: list[str], categorical: list[str], small: bool = False
) -> Pipeline:
    """The pipeline of ``kind``; ``small`` loosens LightGBM's leaf size for a few dozen rows."""
    steps = []
    if categorical:
        onehot = OneHotEncoder(
            handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False
        )
        steps.append(("categorical", onehot, categorical))
    if kind == "logistic":
        scaled = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        model = LogisticRegression(C=0.1, max_iter=5000)
        steps.append(("numeric", scaled, numeric))
    else:
        # LightGBM takes missing values as they are; nothing to impute or scale
        steps.append(("numeric", "passthrough", numeric))
        model = lightgbm.LGBMClassifier(
            n_estimators=100 if small else 300,
            learning_rate=0.03,
            num_leaves=4 if small else 8,
            max_depth=3,
            min_child_samples=5 if small else 20,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            reg_lambda=5.0,
            random_state=19,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
    return Pipeline([("columns", ColumnTransformer(steps)), ("model", model)])


def out_of_fold(
    features: Features,
    families: Sequence[str],
    kind: str,
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    small: bool = False,
) -> list[np.ndarray]:
    """Each split's predicted probability of default for its test rows."""
    numeric, categorical = features.columns(families)
    table, y = features.table, features.y
    predictions = []
    for train, test in splits:
        frame = table
        if OOF_NEIGHBOUR_BAD in numeric:
            # the bad neighbour loans among the training loans only: test labels stay unseen
            known = np.zeros(len(y))
            known[train] = y[train]
            frame = table.with_columns(pl.Series(OOF_NEIGHBOUR_BAD, features.loan_edges @ known))
        model = make_model(kind, numeric, categorical, small)
        model.fit(frame[train], y[train])
        predictions.append(model.predict_proba(frame[test])[:, 1])
    return predictions


def splits_of(
    y: np.ndarray, folds: int, repeats: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y))


def fold_scores(
    features: Features,
    families: Sequence[str],
    kind: str,
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """(folds, 2): ROC AUC and PR AUC (average precision) of each test fold."""
    predicted = out_of_fold(features, families, kind, splits)
    y = features.y
    return np.array(
        [
            (roc_auc_score(y[test], p), average_precision_score(y[test], p))
            for (_, test), p in zip(splits, predicted, strict=True)
        ]
    )


def summarise(scores: np.ndarray, folds: int) -> dict[str, float]:
    """Mean, std, the 2.5-97.5 percentiles of the fold scores, and a 95% CI of the mean.

    Folds of repeated CV share training rows, so the naive standard error std/sqrt(J) is far
    too narrow; the CI uses the Nadeau & Bengio (2003) corrected variance
    (1/J + n_test/n_train) * s^2 with a t quantile on J - 1 degrees of freedom."""
    j = len(scores)
    mean, std = float(np.mean(scores)), float(np.std(scores, ddof=1))
    half = stats.t.ppf(0.975, j - 1) * std * np.sqrt(1 / j + 1 / (folds - 1))
    low, high = np.percentile(scores, [2.5, 97.5])
    return {
        "mean": mean,
        "std": std,
        "low": float(low),
        "high": float(high),
        "ci_low": mean - half,
        "ci_high": mean + half,
    }


def pooled(
    y: np.ndarray, splits: Sequence[tuple], predicted: Sequence[np.ndarray]
) -> tuple[float, float]:
    """ROC AUC and PR AUC of out-of-fold predictions pooled over ``splits``."""
    order = np.concatenate([test for _, test in splits])
    p = np.concatenate(predicted)
    return roc_auc_score(y[order], p), average_precision_score(y[order], p)


def bootstrap(y: np.ndarray, p: np.ndarray, seed: int, n: int = 2000) -> np.ndarray:
    """(n, 2): ROC AUC and PR AUC of ``n`` stratified resamples of the loans. The resamples
    depend on ``y`` and ``seed`` only, so two models' draws pair up row by row.

    All resamples at once from pairwise comparisons (n x rows x rows booleans): meant for the
    few dozen loans of the subset. Both scores equal sklearn's, ties included: ROC AUC counts a
    tie as half, average precision takes each bad loan's precision among the loans scored at
    least as high."""
    rng = np.random.default_rng(seed)
    bad, good = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    rows = np.hstack(
        [rng.choice(bad, (n, len(bad))), rng.choice(good, (n, len(good)))]
    )  # stratified, so every resample keeps the subset's bad rate
    scores, labels = p[rows], y[rows].astype(bool)
    at_least = scores[:, None, :] >= scores[:, :, None]  # [b, i, j]: j scored >= i
    precision = (at_least & labels[:, None, :]).sum(-1) / at_least.sum(-1)
    average_precision = (precision * labels).sum(-1) / labels.sum(-1)
    s_bad, s_good = scores[:, : len(bad)], scores[:, len(bad) :]
    above = (s_bad[:, :, None] > s_good[:, None, :]).mean((1, 2))
    ties = (s_bad[:, :, None] == s_good[:, None, :]).mean((1, 2))
    return np.column_stack([above + ties / 2, average_precision])


def graph_facts(data: bl.Berka) -> dict[str, float]:
    """Shape of the account-counterparty graph (orders + the whole sample, facts only) and
    how PageRank on it ranks the loan accounts against their degree."""
    edges = pl.concat(
        [
            data.orders.filter(pl.col("k_symbol").fill_null("") != bl.LOAN_PAYMENT).select(
                "account", "counterparty"
            ),
            data.trans.filter(pl.col("counterparty").is_not_null()).select(
                "account", "counterparty"
            ),
        ]
    ).unique()
    graph = nx.Graph()
    graph.add_edges_from(
        zip(
            ("a" + edges["account"].cast(pl.String)).to_list(),
            ("c" + edges["counterparty"]).to_list(),
            strict=True,
        )
    )
    loan_nodes = [f"a{a}" for a in data.loans["account"].to_list() if f"a{a}" in graph]
    rank = nx.pagerank(graph)
    components = [len(c) for c in nx.connected_components(graph)]
    rho = stats.spearmanr(
        [rank[n] for n in loan_nodes], [graph.degree(n) for n in loan_nodes]
    ).statistic
    shared = edges.group_by("counterparty").agg(pl.col("account").n_unique().alias("n"))
    return {
        "components": len(components),
        "largest": max(components),
        "shared_counterparties": int((shared["n"] > 1).sum()),
        "pagerank_vs_degree": float(rho),
    }


def order_leak(data: bl.Berka) -> dict[str, float]:
    """How the undated standing orders relate to the label, and whether household (SIPO) orders
    seen paid in the transaction window are still in order.asc (facts for the page only)."""
    other = data.orders.filter(pl.col("k_symbol").fill_null("") != bl.LOAN_PAYMENT)
    has_order = data.loans.with_columns(
        pl.col("account").is_in(other["account"].implode()).alias("has")
    )
    ordered = data.orders.filter(pl.col("k_symbol") == "SIPO")["account"].implode()
    payers = (
        data.trans.filter(pl.col("category") == "household")
        .select("account")
        .unique()
        .with_columns(pl.col("account").is_in(ordered).alias("kept"))
    )
    loans = payers.join(data.loans, on="account")
    others = payers.filter(~pl.col("account").is_in(data.loans["account"].implode()))
    lost = loans.filter(~pl.col("kept"))
    return {
        "with": int(has_order["has"].sum()),
        "without": int((~has_order["has"]).sum()),
        "bad_rate_with": float(has_order.filter("has")["bad"].mean()),
        "bad_rate_without": float(has_order.filter(~pl.col("has"))["bad"].mean()),
        "loan_payers": loans.height,
        "loan_payers_lost": lost.height,
        "loan_payers_lost_bad": int(lost["bad"].sum()),
        "loan_payers_kept_bad": int(loans.filter("kept")["bad"].sum()),
        "other_payers": others.height,
        "other_payers_lost": int((~others["kept"]).sum()),
    }


def fmt(s: dict[str, float]) -> tuple[str, str, str]:
    return (
        f"{s['mean']:.3f} ± {s['std']:.3f}",
        f"{s['low']:.3f}-{s['high']:.3f}",
        f"{s['ci_low']:.3f}-{s['ci_high']:.3f}",
    )


def verdict(s: dict[str, float]) -> str:
    if s["ci_low"] > 0:
        return "helps"
    if s["ci_high"] < 0:
        return "hurts"
    return "no measurable change"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the berka_pkdd99 folder")
    parser.add_argument("--repeats", type=int, default=10, help="CV repeats (default 10)")
    parser.add_argument("--folds", type=int, default=5, help="CV folds (default 5)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--out", type=Path, default=OUT, help="the markdown written")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.folds < 2:
        parser.error("--repeats must be >= 1 and --folds >= 2")
    started = time.perf_counter()
    try:
        data = bl.read(args.data)
    except FileNotFoundError as error:
        print(f"berka_default: {error}", file=sys.stderr)
        return 2

    features = build_features(data)
    y = features.y
    splits = splits_of(y, args.folds, args.repeats, args.seed)
    rows, deltas = [], {}
    scores = {}
    for name, families in FEATURE_SETS.items():
        for kind in MODELS:
            scores[name, kind] = fold_scores(features, families, kind, splits)
            print(f"{name} / {kind}: ROC AUC {scores[name, kind][:, 0].mean():.3f}", flush=True)
    baseline = next(iter(FEATURE_SETS))
    for name, families in FEATURE_SETS.items():
        for kind in MODELS:
            roc, pr = (summarise(scores[name, kind][:, i], args.folds) for i in (0, 1))
            delta = summarise(scores[name, kind][:, 0] - scores[baseline, kind][:, 0], args.folds)
            deltas[name, kind] = delta
            n_features = sum(len(features.columns(families)[i]) for i in (0, 1))
            change = (
                "—"
                if name == baseline
                else f"{delta['mean']:+.3f} ({delta['ci_low']:+.3f} to {delta['ci_high']:+.3f})"
            )
            rows.append((name, kind, n_features, *fmt(roc), *fmt(pr), change))
    graph_vs_full = {
        kind: summarise(
            scores["full + graph", kind][:, 0]
            - scores["full: landed + orders + district", kind][:, 0],
            args.folds,
        )
        for kind in MODELS
    }

    # the transaction subset: its own, tiny, evaluation
    subset = bl.transaction_subset(data.loans, data.trans)
    sub = build_features(data, subset)
    sub_rows = []
    sub_splits = splits_of(sub.y, args.folds, args.repeats, args.seed)
    sub_baseline, draws, sub_roc = next(iter(SUBSET_SETS)), {}, {}
    for name, families in SUBSET_SETS.items():
        for kind in MODELS:
            predicted = out_of_fold(sub, families, kind, sub_splits, small=True)
            per_repeat = np.array(
                [
                    pooled(sub.y, sub_splits[r : r + args.folds], predicted[r : r + args.folds])
                    for r in range(0, len(sub_splits), args.folds)
                ]
            )
            # each loan's prediction averaged over the repeats, every one out of fold
            averaged = np.zeros(len(sub.y))
            for (_, test), p in zip(sub_splits, predicted, strict=True):
                averaged[test] += p / args.repeats
            roc, pr = pooled(sub.y, [(None, np.arange(len(sub.y)))], [averaged])
            draws[name, kind] = bootstrap(sub.y, averaged, args.seed)
            (roc_lo, pr_lo), (roc_hi, pr_hi) = np.percentile(draws[name, kind], [2.5, 97.5], 0)
            lead = draws[name, kind][:, 0] - draws[sub_baseline, kind][:, 0]
            lead_lo, lead_hi = np.percentile(lead, [2.5, 97.5])
            sub_rows.append(
                (
                    name,
                    kind,
                    f"{roc:.3f} ({roc_lo:.3f}-{roc_hi:.3f})",
                    f"{pr:.3f} ({pr_lo:.3f}-{pr_hi:.3f})",
                    _spread(per_repeat[:, 0]),
                    _spread(per_repeat[:, 1]),
                    "—"
                    if name == sub_baseline
                    else f"{np.mean(lead):+.3f} ({lead_lo:+.3f} to {lead_hi:+.3f})",
                )
            )
            sub_roc[name, kind] = roc
    elapsed = time.perf_counter() - started

    table = _table(
        [
            "features",
            "model",
            "columns",
            "ROC AUC mean ± std",
            "ROC fold 95% range",
            "ROC mean 95% CI",
            "PR AUC mean ± std",
            "PR fold 95% range",
            "PR mean 95% CI",
            "Δ ROC AUC vs baseline (95% CI)",
        ],
        rows,
    )
    sub_table = _table(
        [
            "features",
            "model",
            "ROC AUC, averaged predictions (bootstrap 95%)",
            "PR AUC, averaged predictions (bootstrap 95%)",
            f"ROC AUC per repeat, mean ± std ({args.repeats})",
            f"PR AUC per repeat, mean ± std ({args.repeats})",
            "Δ ROC AUC vs landed (bootstrap 95%)",
        ],
        sub_rows,
    )
    print()
    print(table)
    print()
    print(sub_table)
    command = " ".join([".venv/bin/python benchmarks/berka_default.py", *(argv or sys.argv[1:])])
    report = _report(
        args=args,
        command=command.strip(),
        data=data,
        features=features,
        subset=subset,
        table=table,
        sub_table=sub_table,
        means={key: tuple(v.mean(axis=0)) for key, v in scores.items()},
        below_chance=sorted({kind for (_, kind), roc in sub_roc.items() if roc < 0.5}),
        deltas=deltas,
        graph_vs_full=graph_vs_full,
        elapsed=elapsed,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(f"\nwrote {args.out} in {elapsed:.0f} s")
    return 0


def _spread(values: np.ndarray) -> str:
    if len(values) < 2:
        return f"{values.mean():.3f}"
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"


def _wrap(text: str, width: int = 96) -> str:
    """Re-flow the page's prose (not its tables, code or headings): the numbers filled into the
    template leave ragged lines."""
    blocks = []
    for block in text.strip().split("\n\n"):
        if block.startswith(("|", "```", "#")):
            blocks.append(block)
        elif block.startswith("- "):
            items = ("\n" + block).split("\n- ")[1:]
            blocks.append(
                "\n".join(
                    textwrap.fill(
                        " ".join(i.split()),
                        width,
                        initial_indent="- ",
                        subsequent_indent="  ",
                        break_on_hyphens=False,
                    )
                    for i in items
                )
            )
        elif block.strip():
            blocks.append(textwrap.fill(" ".join(block.split()), width, break_on_hyphens=False))
    return "\n\n".join(blocks) + "\n"


def _table(header: list[str], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _report(
    *,
    args,
    command,
    data,
    features,
    subset,
    table,
    sub_table,
    below_chance,
    means,
    deltas,
    graph_vs_full,
    elapsed,
) -> str:
    n, bad = len(features.y), int(features.y.sum())
    sub_bad = int(subset["bad"].sum())
    first, last = bl.history_window(data.trans)
    facts, leak = graph_facts(data), order_leak(data)
    neighbours = int((features.table["graph_neighbours"] > 0).sum())
    by_year = (
        data.loans.group_by(pl.col("loan_date").dt.year().alias("year"))
        .agg(pl.len().alias("loans"), pl.col("bad").mean().alias("bad_rate"))
        .sort("year")
    )
    years = ", ".join(
        f"{y}: {b:.1%} of {n_}" for y, n_, b in by_year.select("year", "loans", "bad_rate").rows()
    )
    edges = features.loan_edges.nnz
    on_loan = data.orders["account"].is_in(data.loans["account"].implode())
    uver = data.orders["k_symbol"] == bl.LOAN_PAYMENT
    leasing = int(((data.orders["k_symbol"] == "LEASING") & ~on_loan).sum())
    age_vs_date = stats.spearmanr(
        features.table["account_age_days"], data.loans["loan_date"].to_physical()
    ).statistic
    full = "full: landed + orders + district"
    cards_on_loans = (
        data.cards.join(data.disp, on="disp_id")
        .filter(pl.col("account").is_in(data.loans["account"].implode()))
        .height
    )

    def both(name: str, metric: int = 0) -> str:
        return " / ".join(f"{means[name, kind][metric]:.3f}" for kind in MODELS)

    def said(changes: dict[str, dict[str, float]]) -> str:
        return "; ".join(
            f"{kind} {s['mean']:+.3f} ({s['ci_low']:+.3f} to {s['ci_high']:+.3f}: {verdict(s)})"
            for kind, s in changes.items()
        )

    def vs_baseline(name: str) -> str:
        return said({kind: deltas[name, kind] for kind in MODELS})

    artefact = (
        f"A ROC AUC below 0.5 ({', '.join(below_chance)} here) is most likely the small-sample "
        "artefact, not an inverse signal: a model that learns local bad rates scores a held-out "
        "bad loan from a neighbourhood that has just lost that bad loan, so it scores it low."
        if below_chance
        else ""
    )
    return _wrap(f"""# Loan default on the real Berka PKDD'99 bank (issue 19, item 5)

Date: {dt.date.today().isoformat()}. Machine: {os.cpu_count()} cores, Python
{platform.python_version()}, scikit-learn {sklearn.__version__}, LightGBM
{lightgbm.__version__}, polars {pl.__version__}. Runtime {elapsed:.0f} s.

```bash
{command}
```

Question: which of Berka's loans end bad, from what the bank knew on the loan date? Features:
`wealthgraph/adapters/berka_loans.py`; CV, models and this page: `benchmarks/berka_default.py`
(its docstring has the leakage rules and the choices).

In short (mean over the folds, logistic / LightGBM): the landed features rank bad loans at ROC
AUC {both("landed (baseline)")}, PR AUC {both("landed (baseline)", 1)} against a base rate of
{bad / n:.1%}. Adding standing orders gives ROC AUC {both("landed + orders")}, but the orders
may leak the outcome (see the end). The full model (landed + orders + district)
gives {both(full)}. With the payment graph: {both("full + graph")}; Berka has almost no graph.
The {subset.height} loans with transaction history hold {sub_bad} bad loans, too few to
conclude anything.

## Data

- {n} loans, {bad} bad (status B {int((data.loans["status"] == "B").sum())}, D
  {int((data.loans["status"] == "D").sum())}; A and C good): base rate {bad / n:.1%}, which is
  the PR AUC of a random ranking.
- Bad rate by loan year: {years}. The status is the one at the end of 1998, so a 1998 loan had
  months, not years, to go bad: the label is censored. The loan date is not a feature; the
  account's age at the loan date is, and its Spearman correlation with the loan date is
  {age_vs_date:.2f}, so it carries little of the censoring.
- Transactions: `{args.data.name}` holds {data.trans.height:,} rows from {first} to {last}.
  {subset.height} loans ({sub_bad} bad) have their whole pre-loan history in it (dated by
  {last + dt.timedelta(days=1)}, with a transaction before the loan date); the other
  {n - subset.height} have none or only a history that stops months before the loan, and get no
  transaction features.

## All {n} loans: repeated stratified {args.folds}-fold CV x {args.repeats} repeats

"columns" counts a categorical (frequency, district, card) as one, before one-hot encoding.
Seed {args.seed}; every row uses the same {args.folds * args.repeats} splits, so the Δ column
is a paired difference per fold. "fold 95% range" is the 2.5-97.5 percentile of the
{args.folds * args.repeats} fold scores (how much one fold of ~{n // args.folds} loans with
~{bad // args.folds} bad ones varies), "mean 95% CI" a confidence interval of the mean:
the t interval with the Nadeau & Bengio (2003) corrected variance (1/J + n_test/n_train) s²,
because folds of repeated CV overlap and the naive s/√J is far too narrow. The Δ CI is the
same on the per-fold differences.

{table}

Reading, Δ ROC AUC over the landed baseline: standing orders {vs_baseline("landed + orders")}.
District demographics {vs_baseline("landed + district")}. Both (the full model):
{vs_baseline(full)}. But see "What leaks": the orders' gain is suspect.

### The payment graph

No transfer in Berka reaches another account of this bank (every `account_to` / `account` is at
another bank, or a placeholder "0" with no bank), so accounts connect only through a shared
outside counterparty. Over the standing orders and the whole transaction sample, the
account-counterparty graph has {facts["components"]:,} components, the largest
{facts["largest"]} nodes; {facts["shared_counterparties"]} counterparties are shared by two or
more accounts. Before their loan dates {neighbours} of the {n} loan accounts have any
neighbour account, and the pairs of a loan and a neighbour's earlier loan number {edges}, so
the out-of-fold "neighbour's loan went bad" feature can be non-zero for at most {edges} of
the {n} loans. PageRank on this graph ranks the loan accounts like their degree (Spearman
{facts["pagerank_vs_degree"]:.3f}), so it was not added beside the degree
(`graph_counterparties`). Graph features over the full model: {said(graph_vs_full)}. The
graph does not help here because there is almost no graph: this says
nothing about payment graphs in a bank whose customers pay each other.

## The transaction subset: {subset.height} loans, {sub_bad} bad

Features: the landed ones plus the account's transactions strictly before the loan date
(`transaction_features`: count, history length, balance min / mean / std, negative balances,
sanction interest, monthly credits and debits, cash-out share, pension, salary and household
payments seen, payment / monthly credits, minimum balance / payment). LightGBM is loosened to
5 rows a leaf, 4 leaves, 100 trees; with ~{sub_bad - sub_bad // args.folds} bad loans to
learn from it can barely split, so its rows say little.

Repeated stratified {args.folds}-fold CV x {args.repeats} (seed {args.seed}), the same splits
for every row. With {sub_bad} bad loans a test fold holds one, so fold scores are not used:
"per repeat" scores each repeat's {args.folds} folds pooled (mean ± std over the repeats: the
split-to-split spread only), "averaged predictions" scores each loan's out-of-fold prediction
averaged over the repeats, with a 95% interval from the 2.5-97.5 percentiles over 2,000
stratified bootstrap resamples of the {subset.height} loans (the sampling uncertainty, the
larger one). Leave-one-out was not used: holding out a bad loan lowers the training bad rate,
so held-out bad loans score low and an uninformative model can score far below 0.5.

{sub_table}

{artefact}

Take these as a smoke test of the transaction features, not an estimate: the intervals span
much of [0, 1] and every bad loan is 1/{sub_bad} of the ROC AUC. Measuring what transactions
add needs
the full `trans.asc` (1993-1998, every loan), which this script reads when the folder has it.

## What leaks, and what was left out

- Standing orders are undated, and they may well be the state at the end of the data, after
  the outcome. Loan accounts with no standing order besides the loan's own have a bad rate of
  {leak["bad_rate_without"]:.1%} ({leak["without"]} loans), those with at least one
  {leak["bad_rate_with"]:.1%} ({leak["with"]}). The transaction sample hints at why: of the
  {leak["loan_payers"]} loan accounts
  that paid household bills (SIPO) in {first.year}-{last.year},
  {leak["loan_payers_lost"]} have no SIPO order in order.asc, and {leak["loan_payers_lost_bad"]}
  of those loans went bad (against {leak["loan_payers_kept_bad"]} of the
  {leak["loan_payers"] - leak["loan_payers_lost"]} that kept it); of the
  {leak["other_payers"]} SIPO payers without a loan, {leak["other_payers_lost"]} lost the order.
  That is few loans, but it is what orders stopped after a debtor got into trouble would look
  like: the "+ orders" gain is then, at least in part, the label leaking, and not a score to
  ship. The loan's own
  payment order (UVER, on every loan account, amount = the loan's payments ± 0.30 CZK) is left
  out. Of the {int(uver.sum())} UVER orders, {int((uver & on_loan).sum())} are the loan
  accounts' own (one each) and {int((uver & ~on_loan).sum())} are on accounts without a Berka
  loan. No loan account has a LEASING order ({leasing} such orders, all on other accounts).
- disp.asc is undated: the number of disponents is the one at the end of the data.
- district.asc is 1995-96 statistics, a regional look-ahead for 1993-94 loans.
- Cards: only {int((features.table["card"] != "none").sum())} loans had a card issued before
  the loan date, of the {cards_on_loans} cards on loan accounts; the rest came later.
""")


if __name__ == "__main__":
    raise SystemExit(main())
