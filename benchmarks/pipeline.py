"""The whole pipeline at a given scale, stage by stage, with its baselines in the same run.

    .venv/bin/python benchmarks/pipeline.py --users 100000
    .venv/bin/python benchmarks/pipeline.py --users 1000000 --daily
    .venv/bin/python benchmarks/pipeline.py --users 20000 --work /tmp/wg-bench --keep
    .venv/bin/python benchmarks/pipeline.py --users 1000000 --one-process --daily

Generates a landing folder (30 days of events, 12 monthly snapshots; reused when it exists),
then runs each stage of the main job in a fresh process against one warehouse, in dependency
order, and measures it from outside with ``os.wait4``: wall time, CPU time (user + system) and
peak RSS of that process alone. Stages are the asset groups: ingest, features, graph, risk, wealth,
profile, recommendations, manager, marketing, publish; then the weekly evaluation job, reported
on its own because it is not part of the daily run. The floor of ingest, DuckDB reading the
same gzip files straight into typed tables (``read_json``), runs in the same way first, so
"ingest / floor" is a ratio measured on the same machine in the same minutes. With ``--daily``
the full run stops at the day before the last one, and the last day is then run as the daily
schedule runs it on yesterday's warehouse (that day's partition plus every derived table; the
per-day tables write only that day, the product ALS warm-starts from yesterday's factors); its
total is compared with the full run's (the floor then loads the same days as the full run).

``--one-process`` runs the main job as ``wealthgraph run`` does, in one process (with
``--daily``: to the day before the last, then ``wealthgraph run --day`` of the last day), into
``pipeline-<users>-one-process.md``: the ratio of the schedule's daily run to a full run.

The table goes to ``benchmarks/results/pipeline-<users>.md`` with the machine's cores and
memory; the warehouse is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# stage -> asset keys ("schema/table") or whole groups ("group:<name>"), in dependency order
STAGES: dict[str, list[str]] = {
    "ingest": [
        "quality/landing_files",
        "group:ingest",
        "quality/quarantine",
        "quality/ingest_audit",
    ],
    "features": ["group:features"],
    "graph": ["group:graph"],
    "risk": ["group:risk"],
    "wealth": ["marts/wealth_history", "marts/wealth_summary", "marts/wealth_advice"],
    "profile": ["marts/user_profile", "marts/social_map"],
    "recommendations": ["group:recommend", "marts/recommendations"],
    "manager": ["group:manager"],
    "marketing": ["group:marketing"],
    "publish": ["group:serving"],
}
# the weekly evaluation job, timed after the daily stages and kept out of their total
WEEKLY = {"evaluation (weekly)": ["quality/recommendation_eval"]}


@dataclass
class Measured:
    stage: str
    wall: float
    cpu: float
    peak_gb: float
    ok: bool
    note: str = ""
    steps: dict[str, float] | None = None  # Dagster step -> seconds, for stages that run assets
    output: str = ""


def _machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    memory_gb = int(meminfo[1]) / 2**20
    return f"{os.cpu_count()} cores, {memory_gb:.1f} GB memory"


def _measure(stage: str, argv: list[str], env: dict[str, str]) -> Measured:
    """Run ``argv`` as a child and read its own rusage: one stage, one process."""
    print(f"[{dt.datetime.now():%H:%M:%S}] {stage} ...", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode(errors="replace") if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    ok = child.returncode == 0
    if not ok:
        print(output[-3000:], file=sys.stderr)
    last = [line for line in output.splitlines() if line.startswith("stage:")]
    steps = [line for line in output.splitlines() if line.startswith("steps:")]
    measured = Measured(
        stage,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 2**20,
        ok,
        last[-1].removeprefix("stage:").strip() if last else "",
        json.loads(steps[-1].removeprefix("steps:")) if steps else None,
        output,
    )
    print(
        f"    {wall:8.1f} s wall  {measured.cpu:8.1f} s CPU  {measured.peak_gb:6.2f} GB peak"
        f"  {'ok' if ok else 'FAILED'} {measured.note}",
        flush=True,
    )
    return measured


def run_stage(stage: str, database: Path, landing: Path, first: str, last: str) -> int:
    """Child mode: materialize one stage's assets for the landed days ``first`` .. ``last``."""
    import dagster as dg
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from pipelines.definitions import build_definitions
    from pipelines.partitions import register_landed_days
    from pipelines.run import failed_checks, failures
    from wealthgraph.settings import Settings

    settings = Settings(landing=landing, database=database)
    instance = dg.DagsterInstance.ephemeral()
    register_landed_days(instance, landing)
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    keys = []
    weekly = stage in WEEKLY
    for item in {**STAGES, **WEEKLY}[stage]:
        if item.startswith("group:"):
            group = item.removeprefix("group:")
            keys += [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == group]
        else:
            keys.append(dg.AssetKey(item.split("/")))
    span = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    result = defs.resolve_job_def("evaluation_job" if weekly else "main_job").execute_in_process(
        instance=instance,
        asset_selection=keys,
        tags={} if weekly else span,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    failed = failed_checks(result)
    # Dagster's own timing of each step (an op: one asset, or a source's ingest and its checks)
    durations = {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS"
    }
    print("steps:" + json.dumps(durations))
    print(f"stage: {len(keys)} assets, failed checks: {', '.join(failed) or 'none'}")
    if not result.success:
        print("\n".join(failures(result)), file=sys.stderr)
    return 0 if result.success and not failed else 1


def run_graph_metrics(database: Path, engine: str) -> int:
    """Child mode: the graph metrics of the run's own customer graph, by the pipeline's fast
    path (igraph + scipy) or by pure networkx, the baseline."""
    import duckdb

    from wealthgraph.config import GRAPH
    from wealthgraph.graph import networkx_metrics, node_metrics, to_networkx

    with duckdb.connect(str(database), read_only=True) as con:
        edges = con.execute(
            "select src_id, dst_id, tie_strength as weight from graph.edges "
            "where edge_kind = 'customer'"
        ).pl()
    options = {"seed": GRAPH.louvain_seed, "resolution": GRAPH.louvain_resolution}
    started = time.perf_counter()
    if engine == "networkx":
        frame = networkx_metrics(to_networkx(edges), **options)
    else:
        frame = node_metrics(edges, **options)
    seconds = time.perf_counter() - started
    print(f"stage: {frame.height:,} nodes, {edges.height:,} edges, {seconds:.2f} s computing")
    return 0


def run_training(database: Path) -> int:
    """Child mode: the product model's training on the run's own inputs (matrices, ALS and the
    social blend, what the recommend asset fits), then implicit's bare ALS fit with the same
    parameters on the same confidence matrix, the baseline; both in this process, in turn."""
    import duckdb
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    from wealthgraph.recommend import products
    from wealthgraph.warehouse import latest_day

    with duckdb.connect(str(database), read_only=True) as con:
        inputs = products.load_inputs(con, latest_day(con))
    started = time.perf_counter()
    model = products.fit(inputs).model
    ours = time.perf_counter() - started
    als = model.als
    bare = AlternatingLeastSquares(
        factors=als.factors,
        iterations=als.iterations,
        regularization=als.regularization,
        alpha=als.alpha,
        random_state=als.random_state,
    )
    with threadpool_limits(1, "blas"):
        started = time.perf_counter()
        bare.fit(model.confidence, show_progress=False)
        baseline = time.perf_counter() - started
    shape, nnz = model.confidence.shape, model.confidence.nnz
    print(
        f"stage: {shape[0]:,} x {shape[1]:,}, {nnz:,} nonzeros; ours {ours:.1f} s, "
        f"bare implicit {baseline:.1f} s, ratio {ours / baseline:.2f}"
    )
    return 0


FLOOR_SQL = """
create or replace table floor_{name} as
select * from read_json({files}, format = 'newline_delimited', compression = 'gzip')
"""


def run_floor(landing: Path, database: Path, last: str) -> int:
    """Child mode: DuckDB's own load of the daily landing files up to ``last``, the floor for
    ingest."""
    import duckdb

    con = duckdb.connect(str(database))
    lines = 0
    for name in ("events", "snapshots", "transactions"):
        files = [str(p) for p in sorted((landing / name).glob("*.jsonl.gz")) if p.name[:10] <= last]
        con.execute(FLOOR_SQL.format(name=name, files=files))
        lines += con.execute(f"select count(*) from floor_{name}").fetchone()[0]
    print(f"stage: {lines:,} daily lines loaded")
    return 0


def _landing(work: Path, users: int, days: int, seed: int, env: dict[str, str]) -> Path:
    landing = work / f"landing-{users}-{days}d-seed{seed}"
    if not (landing / "events").exists():
        shutil.rmtree(landing, ignore_errors=True)
        argv = [sys.executable, "-m", "wealthgraph.generate", "--out", str(landing)]
        argv += ["--users", str(users), "--days", str(days), "--seed", str(seed)]
        print(f"generating {users:,} users into {landing} (not timed) ...", flush=True)
        subprocess.run(argv, env=env, check=True)
    return landing


def _step_seconds(output: str) -> dict[str, float]:
    """``wealthgraph run``'s own step lines ("step 3 of 51  name  rows  1.2 s  ok") -> seconds."""
    steps = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) > 6 and words[0] == "step" and words[2] == "of" and "s" in words[5:]:
            at = words.index("s", 5)
            steps[words[4]] = float(words[at - 1])
    return steps


def _stages_of_steps(landing: Path) -> dict[str, str]:
    """Each step of ``wealthgraph run`` (an op: one asset, or a source's ingest) -> its stage in
    ``STAGES``, so a one-process run can be read stage by stage too."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from wealthgraph.settings import Settings

    defs = build_definitions(Settings(landing=landing, database=Path("unused.duckdb")))
    graph = defs.resolve_asset_graph()
    stages = {}
    for stage, items in STAGES.items():
        for item in items:
            if item.startswith("group:"):
                group = item.removeprefix("group:")
                keys = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == group]
            else:
                keys = [dg.AssetKey(item.split("/"))]
            for key in keys:
                stages[defs.resolve_assets_def(key).node_def.name] = stage
    return stages


def _day_reach(database: Path, day: dt.date) -> list[str]:
    """Markdown rows: how many customers ``day``'s landing touches, i.e. how many a daily run
    that recomputed only the customers whose inputs changed would still recompute."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        customers = con.execute("select count(*) from core.customers").fetchone()[0]
        counts = con.execute(
            """
            with changed_ties as (
                select unnest([src_id, dst_id]) as customer_id
                from graph.edge_days
                where evidence_date = $day and edge_kind = 'customer'
            ),
            near as (
                select customer_id from changed_ties
                union
                select e.dst_id from graph.edges as e
                join changed_ties as c on e.src_id = c.customer_id where e.edge_kind = 'customer'
                union
                select e.src_id from graph.edges as e
                join changed_ties as c on e.dst_id = c.customer_id where e.edge_kind = 'customer'
            )
            select
                (select count(distinct customer_id) from core.snapshots
                    where partition_date = $day),
                (select count(*) from (
                    select user_id from core.events where partition_date = $day
                    union
                    select customer_id from core.transactions where partition_date = $day)),
                (select count(distinct customer_id) from changed_ties),
                (select count(*) from near)
            """,
            {"day": day},
        ).fetchone()
    labels = (
        "a new snapshot (every per-customer wealth figure changes)",
        "a new event or transaction",
        "a tie with new evidence",
        "within one hop of such a tie (people-you-may-know looks two hops out)",
    )
    return [
        f"| {label} | {n:,} | {n / max(customers, 1):.1%} |"
        for label, n in zip(labels, counts, strict=True)
    ]


def run_one_process(
    args: argparse.Namespace, landing: Path, env: dict[str, str], days: list[dt.date]
) -> int:
    """The main job over every landed day in one process (``wealthgraph run --no-evaluation``)
    into a fresh warehouse: what a scheduled run costs, without a process per stage. With
    ``--daily`` the full run stops a day short, and the last day then runs in one process as
    the schedule runs it (``wealthgraph run --day``) on that warehouse."""
    database = args.work / f"one-{args.users}.duckdb"
    # not a bare prefix: "bench-100000*" would match the 1,000,000-user files too
    for stale in args.work.glob(f"one-{args.users}.*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    env = {**env, "WEALTHGRAPH_DATA": str(landing), "WEALTHGRAPH_DB": str(database)}
    argv = [str(Path(sys.executable).parent / "wealthgraph"), "run", "--no-evaluation"]
    if args.daily:
        full_argv = [*argv, "--as-of", days[-2].isoformat()]
        whole = _measure(f"whole main job to {days[-2]}, one process", full_argv, env)
        daily = _measure(
            f"daily run of {days[-1]}, one process", [*argv, "--day", days[-1].isoformat()], env
        )
        rows = [whole, daily]
    else:
        rows = [_measure("whole main job, one process", argv, env)]
    report = [
        f"## {args.users:,} users, {args.days} days (seed {args.seed}): one process",
        "",
        f"Measured {dt.date.today()} on {_machine()} by "
        f"`python benchmarks/pipeline.py {' '.join(sys.argv[1:])}`: "
        "`wealthgraph run --no-evaluation` into a fresh warehouse, as the schedule runs it"
        + (", then `wealthgraph run --day` of the next day on it." if args.daily else "."),
        "",
        "| run | wall s | CPU s | peak GB | ok |",
        "|---|---|---|---|---|",
        *[f"| {m.stage} | {m.wall:.1f} | {m.cpu:.1f} | {m.peak_gb:.2f} | {m.ok} |" for m in rows],
        "",
    ]
    if args.daily:
        whole, daily = rows
        report.append(f"Daily / full: {daily.wall / whole.wall:.2f} of the wall time.\n")
        steps = {name: _step_seconds(m.output) for name, m in (("full", whole), ("daily", daily))}
        stage_of = _stages_of_steps(landing)
        by_stage = {
            run: {
                stage: sum(v for k, v in timed.items() if stage_of.get(k) == stage)
                for stage in STAGES
            }
            for run, timed in steps.items()
        }
        report += [
            "### Stage by stage (the steps' own times, summed by the stages of the staged run)",
            "",
            "| stage | full s | daily s | daily / full |",
            "|---|---|---|---|",
            *[
                f"| {stage} | {by_stage['full'][stage]:.1f} | {by_stage['daily'][stage]:.1f} | "
                f"{by_stage['daily'][stage] / max(by_stage['full'][stage], 0.01):.2f} |"
                for stage in STAGES
            ],
            "",
        ]
        report += [
            f"### Customers the day {days[-1]} touches (of every customer in the warehouse)",
            "",
            "| customers with | count | share |",
            "|---|---|---|",
            *(_day_reach(database, days[-1]) if daily.ok else ["| (the daily run failed) | | |"]),
            "",
        ]
        slowest = sorted(steps["daily"].items(), key=lambda kv: -kv[1])[:15]
        report += [
            "### Slowest steps of the daily run, next to the full run's",
            "",
            "| step | daily s | full s |",
            "|---|---|---|",
            *[f"| {k} | {v:.1f} | {steps['full'].get(k, 0):.1f} |" for k, v in slowest],
            f"| all steps | {sum(steps['daily'].values()):.1f} | "
            f"{sum(steps['full'].values()):.1f} |",
            "",
        ]
    out = args.results / f"pipeline-{args.users}-one-process.md"
    args.results.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    if not args.keep:
        for stale in args.work.glob(f"one-{args.users}.*"):
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return 0 if all(m.ok for m in rows) else 1


def _lines_in(database: Path) -> int:
    """Landing lines the run read, from its own audit (every file, reference ones too)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        try:
            return con.execute("select sum(rows_in) from quality.ingest_audit").fetchone()[0]
        except duckdb.CatalogException:
            return 0  # the ingest stage failed before its audit


def _computing(m: Measured) -> float:
    """The seconds a graph-metrics child reported for the computation alone."""
    # floored at 10 ms: a tiny graph's fast path can report 0.00 s
    return max(float(m.note.rsplit(", ", 1)[1].split(" s ")[0]), 0.01)


def _table(rows: list[Measured], title: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| stage | wall s | CPU s | peak GB | ok |",
        "|---|---|---|---|---|",
    ]
    for m in rows:
        lines.append(f"| {m.stage} | {m.wall:.1f} | {m.cpu:.1f} | {m.peak_gb:.2f} | {m.ok} |")
    total = [m for m in rows if m.stage != "floor"]
    lines.append(
        f"| **total** | {sum(m.wall for m in total):.1f} | {sum(m.cpu for m in total):.1f} | "
        f"{max(m.peak_gb for m in total):.2f} (max) | {all(m.ok for m in total)} |"
    )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=Path("/tmp/wealthgraph-bench"))
    ap.add_argument("--daily", action="store_true", help="also time a one-day daily run")
    ap.add_argument("--keep", action="store_true", help="keep the warehouse afterwards")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the table goes")
    ap.add_argument("--no-evaluation", action="store_true", help="skip the weekly evaluation job")
    ap.add_argument(
        "--networkx-max",
        type=int,
        default=200_000,
        help="time pure networkx on the run's graph up to this many users (it is slow)",
    )
    ap.add_argument(
        "--one-process",
        action="store_true",
        help="instead: the whole main job in one process, as `wealthgraph run` runs it",
    )
    ap.add_argument("--stage", help=argparse.SUPPRESS)  # child mode
    ap.add_argument("--landing", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--range", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage == "floor":
        return run_floor(args.landing, args.db, args.range.split("..")[1])
    if args.stage == "training":
        return run_training(args.db)
    if args.stage in ("graph metrics: fast path", "graph metrics: networkx"):
        return run_graph_metrics(args.db, args.stage.removeprefix("graph metrics: "))
    if args.stage:
        first, last = args.range.split("..")
        return run_stage(args.stage, args.db, args.landing, first, last)

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "DAGSTER_DISABLE_TELEMETRY": "1"}
    args.work.mkdir(parents=True, exist_ok=True)
    landing = _landing(args.work, args.users, args.days, args.seed, env)
    from wealthgraph import landing as contract

    days = sorted({d for s in contract.DAILY_SOURCES for d in contract.landed_days(landing, s)})
    if args.one_process:
        return run_one_process(args, landing, env, days)
    database = args.work / f"bench-{args.users}.duckdb"
    for stale in args.work.glob(f"bench-{args.users}.*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    me = [sys.executable, str(Path(__file__).resolve()), "--landing", str(landing)]

    floor_db = args.work / f"floor-{args.users}.duckdb"
    # with --daily the full run is yesterday's warehouse, the daily run today's
    last = days[-2] if args.daily else days[-1]
    floor_argv = [*me, "--stage", "floor", "--db", str(floor_db), "--range", f"{days[0]}..{last}"]
    floor = _measure("floor", floor_argv, env)
    floor_db.unlink(missing_ok=True)

    def stage_argv(stage: str, first: dt.date, last: dt.date) -> list[str]:
        return [*me, "--stage", stage, "--db", str(database), "--range", f"{first}..{last}"]

    full = [floor]
    for stage in STAGES:
        full.append(_measure(stage, stage_argv(stage, days[0], last), env))
        if not full[-1].ok:
            break
    baselines: list[Measured] = []
    if all(m.ok for m in full) and args.users <= args.networkx_max:
        for engine in ("fast path", "networkx"):
            command = [*me, "--stage", f"graph metrics: {engine}", "--db", str(database)]
            baselines.append(_measure(f"graph metrics: {engine}", command, env))
    training = None
    if all(m.ok for m in full):
        training = _measure("training", [*me, "--stage", "training", "--db", str(database)], env)
    weekly: list[Measured] = []
    if all(m.ok for m in full) and not args.no_evaluation:
        weekly = [_measure(s, stage_argv(s, days[0], last), env) for s in WEEKLY]
    daily: list[Measured] = []
    if args.daily and all(m.ok for m in full):
        daily = [_measure(s, stage_argv(s, days[-1], days[-1]), env) for s in STAGES]

    lines_in = _lines_in(database)
    full_total = sum(m.wall for m in full if m.stage != "floor")
    ingest = next(m for m in full if m.stage == "ingest")
    report = [
        f"## {args.users:,} users, {args.days} days (seed {args.seed})",
        "",
        f"Measured {dt.date.today()} on {_machine()} by "
        f"`python benchmarks/pipeline.py {' '.join(argv or sys.argv[1:])}`.",
        f"Landing lines read: {lines_in:,}; ingest "
        f"{lines_in / ingest.wall:,.0f} lines/s; ingest / DuckDB floor "
        f"{ingest.wall / floor.wall:.2f}x wall ({floor.wall:.1f} s floor for the daily files; "
        "ingest also reads the reference files and checks every line).",
        "",
        *_table(full, "Full run"),
    ]
    steps = {k: v for m in full for k, v in (m.steps or {}).items()}
    if steps:
        slowest = sorted(steps.items(), key=lambda kv: -kv[1])[:12]
        report += [
            "### Slowest steps of the full run (Dagster's step timings; a source's ingest "
            "includes its checks)",
            "",
            "| step | s | share of the run |",
            "|---|---|---|",
            *[f"| {key} | {sec:.1f} | {sec / full_total:.1%} |" for key, sec in slowest],
            "",
        ]
    if baselines:
        fast, slow = baselines
        report += [
            "### Graph metrics on the run's customer graph: fast path vs pure networkx",
            "",
            "| engine | wall s | CPU s | peak GB | what |",
            "|---|---|---|---|---|",
            *[
                f"| {m.stage} | {m.wall:.1f} | {m.cpu:.1f} | {m.peak_gb:.2f} | {m.note} |"
                for m in baselines
            ],
            "",
            f"networkx / fast path: {_computing(slow) / _computing(fast):.1f}x computing time, "
            f"{slow.wall / fast.wall:.1f}x wall (fresh processes: imports and edge loading).",
            "",
        ]
    if training is not None:
        report += [
            "### Recommendation training on the run's inputs: ours vs implicit's bare ALS fit",
            "",
            f"{training.note} (one process, in turn; ours builds the matrices and fits ALS and "
            "the social blend; bare is `AlternatingLeastSquares.fit` with the same parameters "
            "on the same confidence matrix, BLAS on one thread).",
            "",
        ]
    if weekly:
        report += _table(weekly, "Weekly evaluation job (replays the derived tables; not daily)")
    if daily:
        daily_total = sum(m.wall for m in daily)
        report += _table(
            daily,
            f"Daily run of {days[-1]} on the warehouse of {last} "
            "(its partition + every derived table)",
        )
        report.append(f"Daily / full: {daily_total / full_total:.2f} of the wall time.\n")
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"pipeline-{args.users}.md"
    out.write_text("\n".join(report), encoding="utf-8")
    print("\n".join(report))
    print(f"written to {out}")
    if not args.keep:
        database.unlink(missing_ok=True)
        shutil.rmtree(database.parent / f"{database.stem}.published", ignore_errors=True)
    measured = full + baselines + weekly + daily + ([training] if training else [])
    return 0 if all(m.ok for m in measured) else 1


if __name__ == "__main__":
    raise SystemExit(main())
