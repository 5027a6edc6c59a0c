"""Train the payment-risk model on a warehouse's features and confirmed fraud cases.

    python -m wealthgraph.risk.train --db warehouse/wealthgraph.duckdb \\
        --cases landing/_truth/fraud_events.jsonl.gz --until 2026-10-21

Cases are a file of event ids (one JSON object per line with ``event_id``): the generator's
planted truth, or a bank's confirmed cases. Payments before ``--until`` train the model; the
later ones are left for benchmarks/risk.py to score, so the shipped model never saw them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import polars as pl

from wealthgraph import warehouse

from . import model


def training_frame(db: Path, cases: Path, until: dt.date) -> pl.DataFrame:
    """Payments before ``until`` with ``fraud`` (True: a confirmed case)."""
    with warehouse.connect(db, read_only=True) as con:
        payments = con.execute(
            "select * from features.risk_payments where partition_date < ?", [until]
        ).pl()
    confirmed = pl.read_ndjson(cases).select("event_id").unique()
    return payments.join(
        confirmed.with_columns(fraud=pl.lit(True)), on="event_id", how="left"
    ).with_columns(pl.col("fraud").fill_null(False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, required=True, help="warehouse with features.risk_payments"
    )
    parser.add_argument(
        "--cases", type=Path, required=True, help="confirmed cases (event_id per line)"
    )
    parser.add_argument(
        "--until", type=dt.date.fromisoformat, required=True, help="first day left out"
    )
    parser.add_argument("--out", type=Path, default=model.MODEL_PATH, help="model file to write")
    args = parser.parse_args(argv)
    for path in (args.db, args.cases):
        if not path.exists():
            print(f"error: {path} does not exist", file=sys.stderr)
            return 2
    frame = training_frame(args.db, args.cases, args.until)
    positives = int(frame["fraud"].sum())
    if positives == 0:
        print(
            f"error: no confirmed case among the {frame.height:,} payments before {args.until}",
            file=sys.stderr,
        )
        return 2
    booster = model.train(frame, frame["fraud"].to_numpy())
    booster.save_model(str(args.out))
    print(
        f"trained on {frame.height:,} payments before {args.until} ({positives:,} fraud); "
        f"wrote {args.out} ({model.version(args.out)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
