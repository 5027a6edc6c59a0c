"""Time the product recommender at scale beside implicit's own ALS fit on the same matrix.

    .venv/bin/python benchmarks/recommend_products.py                  # 1,000,000 customers
    .venv/bin/python benchmarks/recommend_products.py --users 100000   # a quick run
    .venv/bin/python benchmarks/recommend_products.py --repeats 2 --skip-e2e
    .venv/bin/python benchmarks/recommend_products.py --users 100000 --profile /tmp/prof

Inputs are synthetic ``ProductInputs`` grown from the sample warehouse (``make run`` builds it;
it is copied to a temporary folder and read there): the real wealth catalog as of the sample's
last day; customers whose segment, risk tolerance, assessment date and idle-cash share are drawn
from the sample's customers, with log-normal balances per segment (mean and spread of the
sample's); per customer as many product interactions as a random sample customer has, products
drawn by the sample's popularity, views/shares/buys/held drawn from the sample's rows of that
product (products nearly everyone has, the current account, go to everyone); a heavy-tailed
friend graph (Chung-Lu, degree exponent 3) with the sample's mean degree and tie weights; class
reads at the sample's rate. The sample's and the synthetic per-customer rates are printed side
by side. Generation is not timed.

Each measured stage runs in its own subprocess that reads its inputs from files: the model's
``products.fit`` (with the time spent inside implicit's ``fit`` and inside ``SocialBlend.fit``
split out by wrapping those methods), the baseline, ``products.recommend`` (on the pickled
fitted model) and ``write_slice`` into a fresh DuckDB file (what the Dagster asset does, plus a
checkpoint); last, optionally, fit + recommend + write in one process, as the asset runs them.
The baseline is ``implicit.cpu.als.AlternatingLeastSquares`` with the model's factors,
iterations, regularization, alpha and seed, fitted on ``fitted.model.confidence`` with BLAS
limited to one thread, as the model does. Peak RSS is that of the timed call: the kernel's
high-water mark is reset just before it (``/proc/self/clear_refs``), so it counts what the
stage's inputs already hold plus what the call adds; where the reset is not allowed it is the
stage process's peak, and the table says so. Timings move on a shared 2-core machine: the
"others' CPU s" column (machine-wide busy time from /proc/stat less the stage's own) shows when
another job or the hypervisor took CPU during a stage; compare runs where it is ~0. With
``--repeats N`` fit and baseline alternate N times and the fastest of each counts.
``--profile DIR`` saves cProfile stats of fit and recommend there and prints their top
functions (their times in the table are then inflated).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import json
import os
import pickle
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from wealthgraph import warehouse
from wealthgraph.config import PROFILE, RECOMMEND
from wealthgraph.recommend import products
from wealthgraph.recommend.model import SocialBlend
from wealthgraph.settings import ROOT

SAMPLE = ROOT / "warehouse" / "wealthgraph.duckdb"
FRAMES = ("customers", "products", "interactions", "ties", "class_reads")
TABLE = "recommend.products"
DEGREE_EXPONENT = 3.0
UNIVERSAL = 0.95  # products at least this share of sample customers have go to everyone
GB = 1024**3


# --- synthetic inputs -------------------------------------------------------------------------


def customer_ids(n: int) -> pl.Series:
    """``C0000001``.. in string order = integer order, as the sample spells them."""
    width = max(7, len(str(n)))
    return pl.select(
        pl.format("C{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(width))
    ).to_series()


def synthetic_inputs(sample: products.ProductInputs, n: int, seed: int) -> products.ProductInputs:
    """``n`` customers' recommender inputs grown from ``sample`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    ids = customer_ids(n)
    # the warehouse returns rows in no fixed order: sort, so a seed always gives the same inputs
    sample = products.ProductInputs(
        as_of=sample.as_of,
        customers=sample.customers.sort("customer_id"),
        products=sample.products.sort("product_id"),
        interactions=sample.interactions.sort("customer_id", "product_id"),
        ties=sample.ties.sort("src_id", "dst_id"),
        class_reads=sample.class_reads.sort("customer_id", "product_class"),
    )
    return products.ProductInputs(
        as_of=sample.as_of,
        customers=_customers(sample, ids, rng),
        products=sample.products,
        interactions=_interactions(sample, ids, rng),
        ties=_ties(sample, ids, rng),
        class_reads=_class_reads(sample, ids, rng),
    )


def _customers(
    sample: products.ProductInputs, ids: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    s = sample.customers
    by_segment = (
        s.filter(pl.col("current_balance") > 0)
        .group_by("segment")
        .agg(
            mu=pl.col("current_balance").log().mean(),
            sd=pl.col("current_balance").log().std().fill_null(1.0),
        )
    )
    mu = dict(zip(by_segment["segment"], by_segment["mu"], strict=True))
    sd = dict(zip(by_segment["segment"], by_segment["sd"], strict=True))
    drawn = s[rng.integers(0, s.height, len(ids))]
    z = rng.standard_normal(len(ids))
    balance = pl.col("segment").replace_strict(mu, default=float(np.mean(list(mu.values())))) + (
        pl.col("segment").replace_strict(sd, default=1.0) * pl.lit(pl.Series(z))
    )
    idle_share = (
        (pl.col("idle_cash") / pl.col("current_balance")).fill_nan(0).fill_null(0).clip(0, 1)
    )
    return drawn.select(
        customer_id=ids,
        risk_tolerance="risk_tolerance",
        risk_assessed_at="risk_assessed_at",
        segment="segment",
        current_balance=balance.exp().round(2),
        idle_share=idle_share,
    ).select(
        "customer_id",
        "risk_tolerance",
        "risk_assessed_at",
        "segment",
        "current_balance",
        idle_cash=(pl.col("current_balance") * pl.col("idle_share")).round(2),
    )


def _by_key(rows: pl.DataFrame, key: str) -> tuple[pl.DataFrame, np.ndarray]:
    """``rows`` sorted by ``key`` and the number of rows of each distinct key, in that order."""
    rows = rows.sort(key, maintain_order=True)
    return rows, rows.group_by(key, maintain_order=True).len()["len"].to_numpy().astype(np.int64)


def _draw_rows(
    rows: pl.DataFrame, sizes: np.ndarray, index: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """For each entry of ``index`` (a key's position, see :func:`_by_key`), one random row of
    that key."""
    starts = np.cumsum(sizes) - sizes
    return rows[starts[index] + (rng.random(len(index)) * sizes[index]).astype(np.int64)]


def _per_customer(rows: pl.DataFrame, customers: int) -> np.ndarray:
    """Rows per sample customer, customers without any included."""
    counts = rows.group_by("customer_id").len().sort("customer_id")["len"].to_numpy()
    counts = counts.astype(np.int64)
    return np.concatenate([counts, np.zeros(max(customers - len(counts), 0), np.int64)])


def distinct_choices(
    counts: np.ndarray, weights: np.ndarray, rng: np.random.Generator, chunk: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """For each customer ``u``, ``counts[u]`` distinct indices into ``weights`` drawn without
    replacement in proportion to them (Gumbel top-k), as (customer, index) arrays."""
    counts = np.minimum(counts, len(weights))
    log_weights = np.log(weights.astype(np.float64))
    users, picks = [], []
    for start in range(0, len(counts), chunk):
        k = counts[start : start + chunk]
        keys = log_weights[None, :] + rng.gumbel(size=(len(k), len(weights)))
        order = np.argsort(-keys, axis=1)
        rows, rank = np.nonzero(np.arange(len(weights))[None, :] < k[:, None])
        users.append((rows + start).astype(np.uint32))
        picks.append(order[rows, rank])
    return np.concatenate(users), np.concatenate(picks)


def _interactions(
    sample: products.ProductInputs, ids: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    s, n, n_sample = sample.interactions, len(ids), sample.customers.height
    share = s.group_by("product_id").agg(share=pl.col("customer_id").n_unique() / n_sample)
    universal = share.filter(pl.col("share") >= UNIVERSAL)["product_id"]
    parts = []
    for product_id in universal.sort():
        rows, sizes = _by_key(s.filter(pl.col("product_id") == product_id), "product_id")
        drawn = _draw_rows(rows, sizes, np.zeros(n, dtype=np.int64), rng)
        parts.append(drawn.with_columns(u=pl.int_range(n, dtype=pl.UInt32)))
    rest = s.filter(~pl.col("product_id").is_in(universal.implode()))
    rows, sizes = _by_key(rest, "product_id")
    counts = rng.choice(_per_customer(rest, n_sample), n)
    users, product = distinct_choices(counts, sizes, rng)
    parts.append(_draw_rows(rows, sizes, product, rng).with_columns(u=pl.Series(users)))
    return pl.concat(parts, how="vertical_relaxed").select(
        customer_id=_gather(ids, "u"),
        product_id="product_id",
        views="views",
        shares="shares",
        buys="buys",
        is_held="is_held",
    )


def _gather(ids: pl.Series, column: str) -> pl.Expr:
    return pl.lit(ids).gather(pl.col(column))


def _ties(sample: products.ProductInputs, ids: pl.Series, rng: np.random.Generator) -> pl.DataFrame:
    n = len(ids)
    mean_degree = 2 * sample.ties.height / sample.customers.height
    m = round(n * mean_degree / 2)
    activity = rng.permutation(
        np.arange(1, n + 1, dtype=np.float64) ** (-1 / (DEGREE_EXPONENT - 1))
    )
    cdf = np.cumsum(activity)
    cdf /= cdf[-1]
    draws = int(m * 1.1)  # room for the self-loops and repeats dropped below
    a = np.minimum(np.searchsorted(cdf, rng.random(draws)), n - 1).astype(np.uint32)
    b = np.minimum(np.searchsorted(cdf, rng.random(draws)), n - 1).astype(np.uint32)
    pairs = (
        pl.DataFrame({"lo": np.minimum(a, b), "hi": np.maximum(a, b)})
        .filter(pl.col("lo") != pl.col("hi"))
        .unique(maintain_order=True)
        .head(m)
    )
    weights = rng.choice(sample.ties["weight"].to_numpy(), pairs.height)
    return pairs.select(
        src_id=_gather(ids, "lo"), dst_id=_gather(ids, "hi"), weight=pl.lit(pl.Series(weights))
    )


def _class_reads(
    sample: products.ProductInputs, ids: pl.Series, rng: np.random.Generator
) -> pl.DataFrame:
    s, n = sample.class_reads, len(ids)
    rows, sizes = _by_key(s, "product_class")
    counts = rng.choice(_per_customer(s, sample.customers.height), n)
    users, product_class = distinct_choices(counts, sizes, rng)
    drawn = _draw_rows(rows, sizes, product_class, rng).with_columns(u=pl.Series(users))
    return drawn.select(customer_id=_gather(ids, "u"), product_class="product_class", reads="reads")


def rates(inputs: products.ProductInputs) -> dict[str, float]:
    """Per-customer rates the recommender's cost and output depend on."""
    n = inputs.customers.height
    catalog = inputs.products["product_id"].implode()
    i = inputs.interactions
    in_catalog = i.filter(pl.col("product_id").is_in(catalog))
    degree = pl.concat([inputs.ties["src_id"], inputs.ties["dst_id"]]).value_counts()["count"]
    valid_from = inputs.as_of - dt.timedelta(days=PROFILE.risk_assessment_valid_days)
    assessed = pl.col("risk_tolerance").is_not_null() & (pl.col("risk_assessed_at") >= valid_from)
    return {
        "customers": n,
        "interaction rows / customer": i.height / n,
        "  on the wealth catalog": in_catalog.height / n,
        "held / customer": i["is_held"].sum() / n,
        "  held on the wealth catalog": in_catalog["is_held"].sum() / n,
        "views / customer": i["views"].sum() / n,
        "shares / customer": i["shares"].sum() / n,
        "buys / customer": i["buys"].sum() / n,
        "friends / customer": 2 * inputs.ties.height / n,
        "max friends": degree.max() or 0,
        "share of ties >= close_tie_strength": (
            inputs.ties["weight"] >= RECOMMEND.close_tie_strength
        ).mean()
        or 0.0,
        "class_reads rows / customer": inputs.class_reads.height / n,
        "share without a valid risk assessment": 1
        - inputs.customers.select(assessed.mean()).item(),
    }


# --- measuring --------------------------------------------------------------------------------


def _status_gb(key: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024 / GB
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_gb(reset: bool) -> float:
    hwm = _status_gb("VmHWM") if reset else None
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, steal included), or NaN."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = fields[3] + fields[4]  # idle, iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def measure(fn: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Run ``fn``: its wall and CPU (all threads) seconds, RSS before and peak RSS during it,
    and the CPU seconds the rest of the machine used meanwhile (contention)."""
    gc.collect()
    rss = _status_gb("VmRSS") or 0.0
    reset = _reset_peak()
    busy = _machine_busy_s()
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    others = max(_machine_busy_s() - busy - cpu, 0.0)
    return out, {
        "wall_s": wall,
        "cpu_s": cpu,
        "others_cpu_s": others if others == others else None,  # NaN: not known
        "rss_start_gb": rss,
        "peak_gb": _peak_gb(reset),
        "peak_scope": "call" if reset else "process",
    }


def _time_method(cls: type, name: str, into: dict[str, float]) -> None:
    """Wrap ``cls.name`` so its wall and CPU seconds add up in ``into`` (this process only)."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            into["wall_s"] = into.get("wall_s", 0.0) + time.perf_counter() - wall
            into["cpu_s"] = into.get("cpu_s", 0.0) + time.process_time() - cpu

    setattr(cls, name, timed)


def _profiled(fn: Callable[[], Any], path: Path | None) -> Callable[[], Any]:
    if path is None:
        return fn

    def run() -> Any:
        profile = cProfile.Profile()
        try:
            return profile.runcall(fn)
        finally:
            profile.dump_stats(path)

    return run


# --- stages (each in its own process) ---------------------------------------------------------


def _read_inputs(workdir: Path) -> products.ProductInputs:
    meta = json.loads((workdir / "meta.json").read_text())
    frames = {name: pl.read_parquet(workdir / f"{name}.parquet") for name in FRAMES}
    return products.ProductInputs(as_of=dt.date.fromisoformat(meta["as_of"]), **frames)


def _open(database: Path) -> duckdb.DuckDBPyConnection:
    """A fresh warehouse file with its schemas (not timed: the asset's connection is open)."""
    database.unlink(missing_ok=True)
    return warehouse.connect(database)


def _write(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """What the asset does (as_of column, whole table replaced), then a checkpoint."""
    rows = warehouse.write_slice(con, TABLE, frame.with_columns(as_of=pl.lit(None)), None)
    con.execute("checkpoint")
    return rows


def run_stage(stage: str, workdir: Path, profile_dir: Path | None) -> dict[str, Any]:
    """One stage in this process, on the files the main process and earlier stages left."""
    prof = profile_dir / f"{stage}.prof" if profile_dir else None
    if stage == "fit":
        inputs = _read_inputs(workdir)
        als: dict[str, float] = {}
        blend: dict[str, float] = {}
        _time_method(AlternatingLeastSquares, "fit", als)
        _time_method(SocialBlend, "fit", blend)
        fitted, result = measure(_profiled(lambda: products.fit(inputs), prof))
        model = fitted.model
        params = {
            "factors": model.als.factors,
            "iterations": model.als.iterations,
            "regularization": model.als.regularization,
            "alpha": model.als.alpha,
            "random_state": model.als.random_state,
        }
        sp.save_npz(workdir / "confidence.npz", model.confidence, compressed=False)
        with open(workdir / "fitted.pickle", "wb") as out:
            pickle.dump(fitted, out, protocol=pickle.HIGHEST_PROTOCOL)
        return result | {
            "als": als,
            "blend": blend,
            "params": params,
            "users": model.confidence.shape[0],
            "items": model.confidence.shape[1],
            "nnz": model.confidence.nnz,
            "tie_nnz": model.ties.nnz,
        }
    if stage == "implicit":
        confidence = sp.load_npz(workdir / "confidence.npz").tocsr()
        params = json.loads((workdir / "params.json").read_text())
        with threadpool_limits(1, "blas"):
            als_model = AlternatingLeastSquares(**params)
            _, result = measure(lambda: als_model.fit(confidence, show_progress=False))
        return result
    if stage == "recommend":
        with open(workdir / "fitted.pickle", "rb") as src:
            fitted = pickle.load(src)
        frame, result = measure(_profiled(lambda: products.recommend(fitted), prof))
        frame.write_parquet(workdir / "recommendations.parquet")
        return result | {"rows": frame.height, "customers": frame["customer_id"].n_unique()}
    if stage == "write":
        frame = pl.read_parquet(workdir / "recommendations.parquet")
        database = workdir / "write.duckdb"
        con = _open(database)
        rows, result = measure(lambda: _write(con, frame))
        con.close()
        return result | {"rows": rows, "db_gb": database.stat().st_size / GB}
    if stage == "e2e":
        inputs = _read_inputs(workdir)
        con = _open(workdir / "e2e.duckdb")
        rows, result = measure(lambda: _write(con, products.recommend(products.fit(inputs))))
        con.close()
        return result | {"rows": rows}
    raise ValueError(f"unknown stage {stage!r}")


def _subprocess(stage: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--stage", stage, "--workdir", str(args.workdir)]
    if args.profile:
        cmd += ["--profile", str(args.profile)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"stage {stage} failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- main -------------------------------------------------------------------------------------


def _load_sample(path: Path, workdir: Path) -> tuple[products.ProductInputs, int]:
    """The sample's recommender inputs as of its last day, and the size of core.products."""
    if not path.exists():
        raise SystemExit(
            f"error: sample warehouse {path} not found: build it with `make run` "
            "(or `.venv/bin/wealthgraph run`)"
        )
    copy = workdir / "sample.duckdb"
    shutil.copyfile(path, copy)  # read a copy: the pipeline may be writing the original
    con = warehouse.connect(copy, read_only=True)
    try:
        catalog = con.execute("select count(*) from core.products").fetchone()[0]
        return products.load_inputs(con, warehouse.latest_day(con)), catalog
    finally:
        con.close()
        copy.unlink()


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GB
    cores = len(os.sched_getaffinity(0))
    return f"{os.cpu_count()} cores ({cores} usable), {memory:.1f} GB memory"


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"


def _row(stage: str, r: dict[str, Any], note: str = "") -> str:
    peak = r.get("peak_gb")
    scope = "" if peak is None or r.get("peak_scope") == "call" else " (process)"
    cells = [
        stage,
        _fmt(r.get("wall_s")),
        _fmt(r.get("cpu_s")),
        _fmt(r.get("others_cpu_s")),
        _fmt(r.get("rss_start_gb"), 2),
        _fmt(peak, 2) + scope,
        note,
    ]
    return "| " + " | ".join(cells) + " |"


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda r: r["wall_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000, help="synthetic customers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="the sample warehouse")
    parser.add_argument(
        "--repeats", type=int, default=1, help="fit and baseline runs, alternated; best counts"
    )
    parser.add_argument(
        "--skip-e2e", action="store_true", help="skip fit + recommend + write in one process"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="folder for cProfile stats of fit and recommend (inflates their times)",
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.workdir, args.profile)))
        return
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    print(f"machine: {_machine()}; {_load()} at start")
    with tempfile.TemporaryDirectory(prefix="recommend_bench_") as workdir:
        args.workdir = Path(workdir)
        sample, catalog = _load_sample(args.sample, args.workdir)
        grow = functools.partial(synthetic_inputs, sample, args.users, args.seed)
        synthetic, generation = measure(grow)
        for name in FRAMES:
            getattr(synthetic, name).write_parquet(args.workdir / f"{name}.parquet")
        meta = {"as_of": synthetic.as_of.isoformat(), "users": args.users, "seed": args.seed}
        (args.workdir / "meta.json").write_text(json.dumps(meta))
        print(
            f"\ninputs as of {sample.as_of}: {sample.products.height} of the {catalog} products "
            f"in core.products (less current accounts and liabilities), seed {args.seed}\n"
        )
        print(f"| per customer | sample ({args.sample}) | synthetic |")
        print("| --- | ---: | ---: |")
        for (name, ours), theirs in zip(
            rates(synthetic).items(), rates(sample).values(), strict=True
        ):
            print(f"| {name.strip()} | {_number(theirs)} | {_number(ours)} |")
        sizes = (
            f"{synthetic.interactions.height:,} interaction rows, {synthetic.ties.height:,} ties"
        )
        print(f"\nsynthetic inputs: {sizes}")
        del synthetic, sample
        gc.collect()

        start_load = _load()
        fits, baselines = [], []
        for _ in range(args.repeats):
            fits.append(_subprocess("fit", args))
            (args.workdir / "params.json").write_text(json.dumps(fits[-1]["params"]))
            baselines.append(_subprocess("implicit", args))
        recommend = _subprocess("recommend", args)
        write = _subprocess("write", args)
        e2e = None if args.skip_e2e else _subprocess("e2e", args)
        end_load = _load()

    fit, baseline = _best(fits), _best(baselines)
    als, blend = fit["als"], fit["blend"]
    prep = {k: fit[k] - blend[k] for k in ("wall_s", "cpu_s")}
    rest = {k: blend[k] - als[k] for k in ("wall_s", "cpu_s")}
    p = fit["params"]
    print(
        f"\nusers {fit['users']:,}, items {fit['items']}, confidence nonzeros {fit['nnz']:,}, "
        f"tie nonzeros {fit['tie_nnz']:,} (both directions); ALS factors {p['factors']}, "
        f"iterations {p['iterations']}, regularization {p['regularization']}, "
        f"alpha {p['alpha']}; {start_load} at start of the stages, {end_load} at the end\n"
    )
    if args.repeats > 1:
        walls = ", ".join(
            f"{f['wall_s']:.1f}/{b['wall_s']:.1f}" for f, b in zip(fits, baselines, strict=True)
        )
        print(f"fit/baseline wall s per repeat: {walls} (best of each below)\n")
    print("| stage | wall s | CPU s | others' CPU s | RSS before GB | peak RSS GB | note |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    print(_row("generate inputs (not counted)", generation, "main process"))
    print(_row("products.fit", fit, f"{fit['wall_s'] / baseline['wall_s']:.2f}x bare implicit"))
    print(
        _row(
            "  implicit ALS fit inside it",
            als,
            f"{als['wall_s'] / baseline['wall_s']:.2f}x bare implicit",
        )
    )
    print(_row("  rest of SocialBlend.fit", rest, "confidence, ties, co-holding, popularity"))
    print(_row("  products.fit before SocialBlend.fit", prep, "joins, sparse matrices"))
    print(_row("bare implicit ALS fit (baseline)", baseline, "same matrix and parameters"))
    print(
        _row(
            "products.recommend",
            recommend,
            f"{recommend['rows']:,} rows for {recommend['customers']:,} customers; "
            f"{recommend['wall_s'] / fit['wall_s']:.2f}x products.fit",
        )
    )
    print(_row(f"write_slice {TABLE}", write, f"+ checkpoint; file {write['db_gb']:.2f} GB"))
    stages = (fit, recommend, write)
    total = {k: sum(r[k] for r in stages) for k in ("wall_s", "cpu_s")}
    if all(r["others_cpu_s"] is not None for r in stages):
        total["others_cpu_s"] = sum(r["others_cpu_s"] for r in stages)
    total["peak_gb"] = max(fit["peak_gb"], recommend["peak_gb"], write["peak_gb"])
    total["peak_scope"] = fit["peak_scope"]
    print(_row("fit + recommend + write (sum)", total, "peak: largest of the three"))
    if e2e is not None:
        print(_row("fit + recommend + write (one process)", e2e, "as the Dagster asset runs"))
    scope = "the timed call (high-water mark reset before it)"
    if "process" in (fit["peak_scope"], recommend["peak_scope"]):
        scope = "the stage's process (the reset was not allowed)"
    print(
        f"\npeak RSS: of {scope}, in a fresh process per stage that first reads its inputs "
        "(RSS before); CPU s counts all threads of the stage; others' CPU s is what the rest of "
        "the machine used meanwhile (other jobs, the hypervisor's steal), a sign of contention. "
        f"Training ratio products.fit / bare implicit fit = "
        f"{fit['wall_s'] / baseline['wall_s']:.2f}x (target <= 1.2x)"
    )
    if args.profile:
        for stage in ("fit", "recommend"):
            print(f"\n## cProfile of {stage} (tottime, top 15)")
            pstats.Stats(str(args.profile / f"{stage}.prof")).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
