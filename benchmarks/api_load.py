"""Load-test the HTTP API: requests/s and latency of recommendations, with /health beside it.

Starts the API (uvicorn in a subprocess, so the load generator does not share its GIL) on a
published root, picks ``--customers`` random customers from its recommendations, then for each
``--clients`` count runs that many concurrent keep-alive clients (httpx, asyncio) for
``--seconds`` against ``/health`` and then ``/customers/{id}/recommendations``:

    .venv/bin/python benchmarks/api_load.py --published /tmp/api100k.published --clients 1 8 32

With ``--shards-dir`` (``<db stem>.shards``) the API routes each customer to their shard's
version (``wealthgraph serve --sharded``); the customers are drawn from the hub's version.

``/health`` touches no table, so recommendations/health shows what the DuckDB query costs
over the HTTP stack. Client and server share the machine (2 cores here): the client's own CPU
is part of every number, so compare runs made on the same machine at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx

from wealthgraph.publish import current
from wealthgraph.settings import Settings


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def line(self, name: str, clients: int) -> str:
        done = sorted(self.latencies)
        if not done:
            dashes = " ".join(f"{'-':>8}" for _ in range(4))
            return f"{name:<16} {clients:>7} {0:>9} {dashes} {self.errors:>7}"

        def pct(p: float) -> float:
            return done[min(len(done) - 1, int(p * len(done)))] * 1000

        rps = len(done) / self.seconds
        return (
            f"{name:<16} {clients:>7} {len(done):>9,} {rps:>8.0f} {pct(0.5):>8.1f} "
            f"{pct(0.9):>8.1f} {pct(0.99):>8.1f} {self.errors:>7}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    root: Path, port: int, workers: int, key: str, shards_dir: Path | None = None
) -> subprocess.Popen:
    env = {**os.environ, "WEALTHGRAPH_API_KEYS": key, "WEALTHGRAPH_PUBLISHED": str(root)}
    if shards_dir is not None:
        env["WEALTHGRAPH_SHARDS_DIR"] = str(shards_dir)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "wealthgraph.api.app:app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the API exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("the API did not answer /health within 60 s")


def sample_customers(root: Path, n: int, seed: int) -> list[str]:
    with duckdb.connect(str(current(root).database), read_only=True) as con:
        ids = [
            row[0]
            for row in con.execute(
                "select distinct customer_id from marts.recommendations order by 1"
            ).fetchall()
        ]
    return random.Random(seed).sample(ids, min(n, len(ids)))


async def load(base: str, key: str, paths: list[str], clients: int, seconds: float) -> Result:
    result = Result()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as http:

        async def client(seed: int, until: float, record: bool) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < until:
                start = time.perf_counter()
                try:
                    ok = (await http.get(rng.choice(paths))).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if record:
                    if ok:
                        result.latencies.append(time.perf_counter() - start)
                    else:
                        result.errors += 1

        # one second of warm-up (connections, DuckDB's caches), not counted
        warm = time.perf_counter() + 1
        await asyncio.gather(*(client(i, warm, False) for i in range(clients)))
        start = time.perf_counter()
        await asyncio.gather(*(client(i, start + seconds, True) for i in range(clients)))
        result.seconds = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--published", type=Path, default=Settings.from_env().published)
    parser.add_argument("--clients", type=int, nargs="+", default=[8], help="one run per count")
    parser.add_argument("--seconds", type=float, default=20, help="per endpoint and count")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--customers", type=int, default=1000, help="random ids to query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--shards-dir", type=Path, default=None, help="route customers by shard (<db>.shards)"
    )
    options = parser.parse_args(argv)

    version = current(options.published)
    customers = sample_customers(options.published, options.customers, options.seed)
    rows = version.tables.get("marts.recommendations", 0)
    print(
        f"published {version.version} (as of {version.as_of}): {rows:,} recommendation rows; "
        f"{len(customers):,} random customers; {options.workers} worker(s); "
        f"{os.cpu_count()} CPUs shared with the client"
        + (f"; routed by shard from {options.shards_dir}" if options.shards_dir else "")
    )
    key = secrets.token_urlsafe(24)
    port = options.port or free_port()
    server = start_server(options.published, port, options.workers, key, options.shards_dir)
    base = f"http://127.0.0.1:{port}"
    header = f"{'endpoint':<16} {'clients':>7} {'requests':>9} {'req/s':>8} "
    header += f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    try:
        for clients in options.clients:
            health = asyncio.run(load(base, key, ["/health"], clients, options.seconds))
            print(health.line("/health", clients), flush=True)
            paths = [f"/customers/{c}/recommendations" for c in customers]
            recs = asyncio.run(load(base, key, paths, clients, options.seconds))
            print(recs.line("recommendations", clients), flush=True)
            if health.latencies and recs.latencies:
                ratio = statistics.median(recs.latencies) / statistics.median(health.latencies)
                share = len(recs.latencies) / len(health.latencies)
                print(f"{'':<16} {clients:>7}  p50 x{ratio:.1f} of /health, req/s {share:.0%}")
    finally:
        server.terminate()
        server.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
