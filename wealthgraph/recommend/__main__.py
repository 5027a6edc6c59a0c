"""Command line for recommender benchmarks.

``python -m wealthgraph.recommend evaluate DATASET [--src PATH] [--split random|chrono|time]
[--k 10] [--seeds 42 1 7] [--trials N] [--report FILE] [--no-ranker] [--candidates C]``: the
evaluation harness (``wealthgraph.recommend.harness``) on lastfm, lastfm-tagged, filmtrust or a
built warehouse: popularity, default and tuned ALS, the blend on each, the ablation, the social
variants and the learned ranker (``wealthgraph.recommend.rank``), with paired bootstrap CIs, per
seed and the mean; ``--report`` also writes it as markdown.

``python -m wealthgraph.recommend lastfm [SRC]``: the original Last.fm benchmark (artists and
tags, blend weights tuned over SocialBlend's default ALS).

A benchmark is run by hand when the model changes, so it prints everything (all rows and
columns, the validation grid's best points, the wall time) rather than a summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import polars as pl

from wealthgraph.recommend import datasets, harness, lastfm
from wealthgraph.settings import ROOT

DEFAULT_LASTFM = ROOT.parent / "shared" / "datasets" / "lastfm_hetrec2011"
SHOW_VALIDATION = 5
SPLIT_TEXT = {
    "random": "a random {:.0%} of each user's interactions (at least one kept in train)",
    "chrono": "each user's latest {:.0%} of interactions (at least one kept in train)",
    "time": "everything after one global cutoff, the time with {:.0%} of interactions after it",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wealthgraph.recommend", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser(
        "lastfm",
        help="popularity vs ALS vs the tuned social blend on Last.fm HetRec 2011",
        description="Per-user 80/20 split; blend weights tuned on a validation split of the "
        "training share; test metrics at K for artists and for tags (topics).",
    )
    bench.add_argument(
        "src",
        nargs="?",
        type=Path,
        default=DEFAULT_LASTFM,
        help=f"folder with the HetRec files (default: {DEFAULT_LASTFM})",
    )
    bench.add_argument("--out", type=Path, help="also write the table to this CSV file")
    bench.add_argument("--seed", type=int, default=42, help="split and ALS seed (default 42)")
    bench.add_argument("-k", type=int, default=10, help="list length for metrics (default 10)")
    evaluate = commands.add_parser(
        "evaluate",
        help="the evaluation harness: baselines, tuned ALS, blend, ablation, social, CIs",
        description="Split train/test (validation carved from train the same way); tune ALS "
        "with optuna and the blend weights on validation; measure every model once on test, "
        "with paired bootstrap CIs over users; per seed and the mean over seeds.",
    )
    evaluate.add_argument("dataset", choices=list(datasets.LOADERS), help="which dataset")
    evaluate.add_argument(
        "--src", type=Path, help="its folder (warehouse: the DuckDB file); default ../shared"
    )
    evaluate.add_argument("--split", choices=harness.SPLITS, default="random")
    evaluate.add_argument("--k", type=int, default=10, help="list length (default 10)")
    evaluate.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 7])
    evaluate.add_argument(
        "--trials", type=int, default=30, help="optuna trials for ALS per seed (default 30)"
    )
    evaluate.add_argument("--test-share", type=float, default=0.2)
    evaluate.add_argument("--report", type=Path, help="also write the results as markdown here")
    evaluate.add_argument(
        "--ranker",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also train and test the learned second stage (LightGBM lambdarank over every "
        "source's candidates; default on)",
    )
    evaluate.add_argument(
        "--candidates",
        type=int,
        default=harness.rank.CANDIDATES,
        help=f"the ranker's top-C per source (default {harness.rank.CANDIDATES})",
    )
    return parser


def _cell(value: object) -> str:
    if isinstance(value, float):
        # counts and weights like 1883.0 read as counts; scores keep 4 places
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.4f}"
    return str(value)


def _markdown(frame: pl.DataFrame) -> str:
    """A polars frame as a markdown table (floats to 4 places)."""
    lines = [
        "| " + " | ".join(frame.columns) + " |",
        "|" + "---|" * frame.width,
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines)


def _ci(frame: pl.DataFrame, mean: str, low: str, high: str, name: str) -> pl.DataFrame:
    """Replace mean / low / high columns by one ``+0.0123 [+0.0050, +0.0200]`` column."""
    text = pl.format(
        "{} [{}, {}]",
        *(
            pl.col(c).map_elements(lambda v: f"{v:+.4f}", return_dtype=pl.String)
            for c in (mean, low, high)
        ),
    )
    at = frame.columns.index(mean)
    out = frame.with_columns(text.alias(name)).drop(mean, low, high)
    columns = [c for c in out.columns if c != name]
    return out.select([*columns[:at], name, *columns[at:]])


def _ranker_section(results: list[harness.SeedResult]) -> list[str]:
    """The learned second stage: vs the blend and tuned ALS, candidate recall, importances."""
    ranked = [r for r in results if r.ranker is not None]
    if not ranked:
        return []
    info = pl.DataFrame([{"seed": r.seed, **r.ranker_info} for r in ranked])
    per_seed = pl.concat([r.ranker.select(pl.lit(r.seed).alias("seed"), pl.all()) for r in ranked])
    gains = (
        pl.concat([r.ranker_importances for r in ranked])
        .group_by("feature")
        .agg(pl.col("gain").mean(), pl.col("share").mean())
        .sort("gain", descending=True)
        .head(10)
    )
    return [
        "### The learned ranker (mean): LightGBM lambdarank over every source's candidates",
        "",
        "Candidates: per user the union of each source's top-C items (held items excluded); "
        "features: each source's score (scaled to the user's best and raw) and rank in its list, "
        "friends and friends of friends holding the item, item popularity (log holders), user "
        "activity (log items, log ties), the number of sources listing it and the tuned blend's "
        "score. Trained on the sources fitted on train minus validation with validation labels "
        f"(early stopping on {harness.rank.HOLDOUT:.0%} of the validation users), applied to the "
        "sources refitted on train; recall = share of held-out items inside the candidates "
        "(the ceiling of any ranker).",
        "",
        _markdown(harness.mean_table(ranked, "ranker", key="versus")),
        "",
        _markdown(_ci(per_seed, "d_ndcg", "ci_low", "ci_high", "Δ nDCG ranker - versus [95% CI]")),
        "",
        _markdown(info),
        "",
        "Feature importance (gain, mean over seeds), top 10:",
        "",
        _markdown(gains),
        "",
    ]


def _report(
    ds: harness.Dataset,
    results: list[harness.SeedResult],
    args: argparse.Namespace,
    command: str,
    wall: float,
) -> str:
    """The whole run as markdown: setup, means, tuned settings, per-seed tables."""
    seeds = ", ".join(str(r.seed) for r in results)
    ties = (
        "none"
        if ds.ties is None
        else f"{ds.ties.nnz:,} ({'directed' if ds.directed else 'undirected, both ways'})"
    )
    versions = ", ".join(f"{p} {version(p)}" for p in ("implicit", "optuna", "numpy", "scipy"))
    out = [
        f"# Recommender evaluation: {ds.name}, {args.split} split, K={args.k}",
        "",
        f"Command: `{command}`",
        "",
        f"Date: {dt.date.today().isoformat()}. Machine: {os.cpu_count()} cores shared with other "
        f"jobs, Python {platform.python_version()}, {versions}. Wall time {wall:.0f} s for "
        f"{len(results)} seeds ({args.trials} ALS trials each).",
        "",
        f"Data: {ds.shape[0]:,} users x {ds.shape[1]:,} items, {ds.interactions.nnz:,} "
        f"interactions, ties: {ties}. Test: {SPLIT_TEXT[args.split].format(args.test_share)}; "
        "validation carved from train the same way (seed + 1); ALS tuned by optuna TPE on "
        "validation (first trials: the production default and binary reg 0.05 x 20 iterations); "
        "blend weights by grid on validation over the tuned ALS; test looked at once. CIs: paired "
        f"bootstrap over test users, {harness.RESAMPLES} resamples, 95%.",
        "",
        "Models: `popularity` (most held items), `als_default` (SocialBlend's ALS: 64 factors, "
        "reg 0.01, 15 iterations, log1p), `blend_default` (the social blend on it, weights tuned "
        "on validation), `als_tuned` (ALS tuned on validation), `blend` (the blend on tuned ALS, "
        "weights tuned), `blend_social0` (that blend with the social weight set to 0), "
        "`blend+X` (that blend with social variant X tuned on top: `social_sim` = friends' items "
        "weighted by taste overlap with the friend, `social_factors` = friends' mean ALS user "
        "factors x item factors, `_sym` = over the symmetrised ties of a directed network).",
        "",
        f"## Mean over seeds {seeds}",
        "",
        f"Δ nDCG is against `{harness.REFERENCE}` (ALS tuned on validation); ci_above / "
        "ci_below count the seeds whose 95% CI lay above / below 0.",
        "",
        _markdown(harness.mean_table(results)),
        "",
        "### The social source (mean): the blend vs the same blend without any friends' source",
        "",
        "gain = nDCG with friends - without (same weights otherwise); `tied` = only the test "
        "users with at least one tie (either direction).",
        "",
        _markdown(harness.mean_table(results, "social")),
        "",
        *_ranker_section(results),
        "### Ablation of the blend on tuned ALS (mean): contribution = nDCG(blend) - nDCG(blend "
        "without the source)",
        "",
        _markdown(harness.mean_table(results, "ablation", key="removed")),
        "",
        "## Tuned settings (validation only)",
        "",
        _markdown(
            pl.DataFrame(
                [
                    {
                        "seed": r.seed,
                        "ALS (tuned)": r.als.text(),
                        "val nDCG tuned": float(r.als_trials["val_ndcg"][0]),
                        "val nDCG default": float(
                            r.als_trials.filter(pl.col("trial") == 0)["val_ndcg"][0]
                        ),
                        "blend on default ALS": harness.weights_text(r.weights_default),
                        "blend on tuned ALS": harness.weights_text(r.weights),
                    }
                    for r in results
                ]
            )
        ),
        "",
    ]
    for r in results:
        timing = ", ".join(f"{name} {s:.0f} s" for name, s in r.seconds.items())
        out += [
            f"## Seed {r.seed} ({timing})",
            "",
            _markdown(
                _ci(
                    r.main, "d_ndcg", "ci_low", "ci_high", f"Δ nDCG vs {harness.REFERENCE} [95% CI]"
                )
            ),
            "",
            _markdown(
                _ci(
                    _ci(r.social, "gain", "ci_low", "ci_high", "gain [95% CI]"),
                    "gain_tied",
                    "tied_ci_low",
                    "tied_ci_high",
                    "gain on tied users [95% CI]",
                )
            ),
            "",
            _markdown(
                _ci(r.ablation, "contribution", "ci_low", "ci_high", "contribution [95% CI]")
            ),
            "",
            "ALS search, best 5 of the trials (validation nDCG):",
            "",
            _markdown(r.als_trials.head(5)),
            "",
        ]
    return "\n".join(out)


def run_evaluate(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Run the harness on one dataset over the seeds; print (and write) the markdown report."""
    started = time.perf_counter()
    src = args.src.resolve() if args.src is not None else None
    try:
        ds = datasets.load(args.dataset, src)
    except FileNotFoundError as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="OpenBLAS is configured", category=RuntimeWarning)
    results = []
    for seed in args.seeds:
        try:
            result = harness.run_seed(
                ds,
                seed,
                args.split,
                args.k,
                args.trials,
                args.test_share,
                ranker=args.ranker,
                candidates=args.candidates,
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(
            f"seed {seed}: " + ", ".join(f"{n} {s:.1f} s" for n, s in result.seconds.items()),
            file=sys.stderr,
        )
        results.append(result)
    words = sys.argv[1:] if argv is None else argv
    command = "OPENBLAS_NUM_THREADS=1 .venv/bin/python -m wealthgraph.recommend " + shlex.join(
        words
    )
    text = _report(ds, results, args, command, time.perf_counter() - started)
    print(text)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text + "\n")
        print(f"wrote {args.report}", file=sys.stderr)
    return 0


def run_lastfm(src: Path, out: Path | None, seed: int, k: int) -> int:
    """Run the Last.fm benchmark and print it; 2 when the data is not there."""
    started = time.perf_counter()
    if not src.is_dir():
        print(f"error: Last.fm dataset folder not found: {src}", file=sys.stderr)
        return 2
    try:
        data = lastfm.load(src)
    except FileNotFoundError as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    # SocialBlend.fit already runs ALS with one BLAS thread; implicit warns at construction,
    # before that limit applies, so the warning is noise here
    warnings.filterwarnings("ignore", message="OpenBLAS is configured", category=RuntimeWarning)
    tables: dict[str, pl.DataFrame] = {}
    table = lastfm.evaluate(data, seed=seed, k=k, tables=tables)
    with pl.Config(
        tbl_rows=-1, tbl_cols=-1, tbl_width_chars=400, fmt_str_lengths=100, float_precision=4
    ):
        print(f"Last.fm HetRec 2011 from {src}: test metrics at K={k}, seed {seed}")
        print(table)
        for task, grid in tables.items():
            print(f"validation nDCG@{k} ({task}), best {SHOW_VALIDATION} of {grid.height} points:")
            print(grid.head(SHOW_VALIDATION))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.write_csv(out)
        print(f"wrote {out}")
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "lastfm":
        return run_lastfm(args.src.resolve(), args.out, args.seed, args.k)
    if args.command == "evaluate":
        return run_evaluate(args, argv)
    return 2  # argparse rejects unknown commands first; kept for type checkers


if __name__ == "__main__":
    sys.exit(main())
