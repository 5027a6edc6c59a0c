"""Payment risk against the generator's planted truth, on a held-out later period.

    .venv/bin/python benchmarks/risk.py --users 100000
    .venv/bin/python benchmarks/risk.py --users 100000 --install   # ship the trained model
    .venv/bin/python benchmarks/risk.py --users 1000000 --speed-only

Generates a landing folder (30 days, reused when it exists) and runs the main job on it (the
warehouse is reused too), then trains the risk model on the payments before ``--until`` (the
first 20 days) and scores the 10 days after it, which the model never saw:

- recall of planted account-takeover and mule payments at the configured bands (review or hold),
  the review rate (share of all payments sent to an investigator or held) and the precision;
- PR AUC of the model against the rules alone (a payment ranked by how many rules fired), and
  ROC AUC of both;
- scoring speed: the last day's features.risk_payments rebuilt and scored (rules, model,
  bands), as a daily run does, timed in this process.

The table goes to ``benchmarks/results/risk-<users>.md``. ``--install`` copies the trained
model to wealthgraph/risk/model.txt, the model the pipeline scores with.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from sklearn.metrics import average_precision_score, roc_auc_score

from wealthgraph import warehouse
from wealthgraph.config import RISK, sql_params
from wealthgraph.risk import model
from wealthgraph.risk.signals import score_payments
from wealthgraph.risk.train import training_frame
from wealthgraph.sql import bind, load_sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
END = dt.date(2026, 10, 31)
TARGETS = ("account_takeover", "mule")


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})})


def prepare(work: Path, users: int, seed: int) -> tuple[Path, Path]:
    """The landing folder and a warehouse the main job has built from it (both reused)."""
    landing = work / f"landing-{users}-30d-seed{seed}"
    db = work / f"risk-{users}" / "wealthgraph.duckdb"
    bin_ = Path(sys.executable).parent
    if not (landing / "_truth" / "fraud_events.jsonl.gz").exists():
        _run(
            [
                str(bin_ / "wealthgraph"),
                "generate",
                "--out",
                str(landing),
                "--users",
                str(users),
                "--days",
                "30",
                "--seed",
                str(seed),
                "--end",
                END.isoformat(),
            ]
        )
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        # the run scores with whatever model is shipped; the features are what this needs
        env = {"WEALTHGRAPH_DATA": str(landing), "WEALTHGRAPH_DB": str(db)}
        subprocess.run(
            [str(bin_ / "wealthgraph"), "run", "--no-evaluation"], env={**os.environ, **env}
        )
    return landing, db


def evaluate(db: Path, cases: Path, until: dt.date, model_file: Path) -> dict:
    """Train before ``until``, score from ``until`` on; the measures of the module docstring."""
    train = training_frame(db, cases, until)
    booster = model.train(train, train["fraud"].to_numpy())
    booster.save_model(str(model_file))
    with warehouse.connect(db, read_only=True) as con:
        test = con.execute(
            "select * from features.risk_payments where partition_date >= ?", [until]
        ).pl()
    truth = pl.read_ndjson(cases).select("event_id", "pattern")
    scored = score_payments(test, booster, model.version(model_file)).join(
        truth, on="event_id", how="left"
    )
    fraud = scored["pattern"].is_not_null().to_numpy()
    flagged = (scored["decision"] != "allow").to_numpy()
    rules = scored["rule_hits"].list.len().to_numpy().astype(float)
    score = scored["model_score"].to_numpy()
    target = scored["pattern"].is_in(TARGETS).fill_null(False).to_numpy()
    per_pattern = {
        p: (
            int((flagged & scored["pattern"].eq_missing(p).to_numpy()).sum()),
            int(scored["pattern"].eq_missing(p).sum()),
        )
        for p in ("account_takeover", "mule", "scam")
    }
    return {
        "train_payments": train.height,
        "train_fraud": int(train["fraud"].sum()),
        "test_payments": scored.height,
        "test_fraud": int(fraud.sum()),
        "recall_targets": float((flagged & target).sum() / max(target.sum(), 1)),
        "review_rate": float(flagged.mean()),
        "hold_rate": float((scored["decision"] == "hold").mean()),
        "precision": float((flagged & fraud).sum() / max(flagged.sum(), 1)),
        "per_pattern": per_pattern,
        "pr_auc_model": float(average_precision_score(fraud, score)),
        "pr_auc_rules": float(average_precision_score(fraud, rules)),
        "roc_auc_model": float(roc_auc_score(fraud, score)),
        "roc_auc_rules": float(roc_auc_score(fraud, rules)),
        "rule_counts": scored.explode("rule_hits")
        .drop_nulls("rule_hits")
        .group_by("rule_hits")
        .agg(fired=pl.len(), fraud=pl.col("pattern").is_not_null().sum())
        .sort("fired", descending=True),
    }


def score_speed(db: Path, day: dt.date) -> dict:
    """Seconds to rebuild one day's features.risk_payments and to score it, in this process,
    on a copy of the warehouse (the run's own tables stay as they are)."""
    copy = db.with_name("speed.duckdb")
    shutil.copyfile(db, copy)
    try:
        with warehouse.connect(copy) as con:
            sql = load_sql("features", "risk_payments")
            used = bind(sql, {**sql_params(), "first_day": day, "last_day": day}, "risk_payments")
            t0 = time.perf_counter()
            payments = con.execute(sql, used).pl()
            t1 = time.perf_counter()
            booster = model.load()
            score_payments(payments, booster, model.version())
            t2 = time.perf_counter()
    finally:
        copy.unlink(missing_ok=True)
    return {"payments": payments.height, "features_s": t1 - t0, "score_s": t2 - t1}


def report(users: int, seed: int, until: dt.date, res: dict | None, speed: dict) -> str:
    flags = "" if res is not None else " --speed-only"
    lines = [
        f"# Payment risk at {users:,} customers (issue 19)",
        "",
        f"Date: {dt.date.today()}. Machine: {os.cpu_count()} cores. Command:",
        "",
        "```bash",
        f".venv/bin/python benchmarks/risk.py --users {users} --seed {seed}{flags}",
        "```",
        "",
    ]
    if res is not None:
        pp = res["per_pattern"]
        lines += [
            f"Trained on the payments before {until} ({res['train_payments']:,}, "
            f"{res['train_fraud']:,} planted fraud); scored on the {res['test_payments']:,} "
            f"payments from {until} to {END} ({res['test_fraud']:,} planted fraud, "
            f"{res['test_fraud'] / res['test_payments']:.2%}), which the model never saw. "
            f"Bands as configured (RiskConfig: review at score {RISK.review_score} or "
            f"{RISK.review_rules} rules, hold at {RISK.hold_score} or {RISK.hold_rules}).",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| recall of account-takeover and mule payments (review or hold) | "
            f"{res['recall_targets']:.3f} | >= 0.9 |",
            f"| review rate (review or hold, of all payments) | {res['review_rate']:.3%} "
            f"| <= 0.5% |",
            f"| hold rate | {res['hold_rate']:.3%} | |",
            f"| precision (planted fraud among review or hold) | {res['precision']:.3f} | stated |",
            f"| PR AUC, model | {res['pr_auc_model']:.3f} | beats the rules |",
            f"| PR AUC, rules alone (payments ranked by rules fired) | "
            f"{res['pr_auc_rules']:.3f} | |",
            f"| ROC AUC, model / rules | {res['roc_auc_model']:.3f} / "
            f"{res['roc_auc_rules']:.3f} | |",
            "",
            "Caught (review or hold) of each planted pattern: "
            + ", ".join(f"{p} {c} of {n}" for p, (c, n) in pp.items())
            + ".",
            "",
            "Rules fired on the test period, and how many of those payments were planted fraud:",
            "",
            "| rule | fired | fraud |",
            "|---|---|---|",
            *(f"| {r} | {f:,} | {k:,} |" for r, f, k in res["rule_counts"].iter_rows()),
            "",
        ]
    lines += [
        f"Scoring speed, the last day ({END}): features.risk_payments for its "
        f"{speed['payments']:,} payments built in {speed['features_s']:.1f} s, rules, model "
        f"and bands in {speed['score_s']:.1f} s: {speed['features_s'] + speed['score_s']:.1f} s "
        "in all (target at 1M customers: <= 60 s).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--until", type=dt.date.fromisoformat, default=END - dt.timedelta(days=9))
    parser.add_argument("--work", type=Path, default=Path("/tmp/wealthgraph-bench"))
    parser.add_argument("--install", action="store_true", help="ship the trained model")
    parser.add_argument("--speed-only", action="store_true", help="only time scoring a day")
    args = parser.parse_args(argv)
    landing, db = prepare(args.work, args.users, args.seed)
    trained = db.with_name("risk-model.txt")
    res = None
    if not args.speed_only:
        res = evaluate(db, landing / "_truth" / "fraud_events.jsonl.gz", args.until, trained)
        if args.install:
            shutil.copyfile(trained, model.MODEL_PATH)
    speed = score_speed(db, END)
    text = report(args.users, args.seed, args.until, res, speed)
    print(text)
    suffix = "-speed" if args.speed_only else ""
    (RESULTS / f"risk-{args.users}{suffix}.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
