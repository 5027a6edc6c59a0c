"""At scale: 20,000 generated customers, run as an operator runs them (the console script,
``wealthgraph run --shards 4``), give per-customer tables whose rows over the 4 shards are the
single warehouse's: row counts and content hash of every table a shard builds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.shards import BUILT, shard_path
from tests.pipelines.test_shards import assert_shards_add_up

SCRIPT = Path(sys.executable).parent / "wealthgraph"
USERS = 20_000
SHARDS = 4
WINDOW = ["--days", "10", "--history-months", "3"]


@pytest.fixture(scope="module")
def run_20k(tmp_path_factory) -> tuple[Path, str]:
    """(the hub warehouse, the commands' output) of a generated 20k-customer landing run with
    4 shards."""
    root = tmp_path_factory.mktemp("scale")
    hub = root / "wh" / "wealthgraph.duckdb"
    env = {**os.environ, "WEALTHGRAPH_DATA": str(root / "landing"), "WEALTHGRAPH_DB": str(hub)}
    log = root / "log.txt"
    for args in (
        # 10 days and 3 month-ends: every customer and tie kind, in a third of 30 days' time
        ["generate", "--out", str(root / "landing"), "--users", str(USERS), *WINDOW],
        ["run", "--no-evaluation", "--shards", str(SHARDS)],
    ):
        # output to a file: a pipe read only at the end can fill and stall the run
        with log.open("a") as out:
            done = subprocess.run(
                [str(SCRIPT), *args], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900
            )
        assert done.returncode == 0, log.read_text()[-4000:]
    return hub, log.read_text()


def test_the_run_reports_every_shard_and_every_customer_is_in_one(run_20k):
    hub, output = run_20k
    reported = re.findall(r"shard (\d): +([\d,]+) customers", output)
    assert [int(k) for k, _ in reported] == list(range(SHARDS))
    assert sum(int(n.replace(",", "")) for _, n in reported) == USERS
    assert "wealthgraph serve --sharded" in output
    with duckdb.connect() as con:
        for k in range(SHARDS):
            con.execute(f"attach '{shard_path(hub, k)}' as s{k} (read_only)")
        every = " union all ".join(
            f"select customer_id from s{k}.core.customers" for k in range(SHARDS)
        )
        rows, distinct = con.execute(
            f"select count(*), count(distinct customer_id) from ({every})"
        ).fetchone()
    assert rows == distinct == USERS


@pytest.mark.parametrize("table", BUILT)
def test_the_shards_add_up_to_the_single_warehouse(run_20k, table):
    hub, _ = run_20k
    assert_shards_add_up(hub, [shard_path(hub, k) for k in range(SHARDS)], table)
