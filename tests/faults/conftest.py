"""Fault tests: what an operator meets, run end to end through the ``wealthgraph`` command.

Each test builds a small landing folder from the committed sample (its reference files and
its last two days), damages it the way a real feed or a real operator would, and runs the
real CLI in a fresh process with its own warehouse and Dagster home.

A full run costs ~20 s, so faults that cannot hide one another share one: ``dirty`` lands
every line fault (test_lines), a batch of risk corrections (test_corrections) and serves the
publish-versions test, in one run for the whole session.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import cut_landing, sample_days
from wealthgraph import landing
from wealthgraph.settings import ROOT

RUN_TIMEOUT = 300  # seconds; a run over the two-day fixture takes ~15 s


@dataclass
class Site:
    """A landing folder, a warehouse path and a Dagster home: one operator's machine."""

    landing: Path
    database: Path
    dagster_home: Path

    @property
    def published(self) -> Path:
        return self.database.parent / f"{self.database.stem}.published"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "WEALTHGRAPH_DATA": str(self.landing),
            "WEALTHGRAPH_DB": str(self.database),
            "DAGSTER_HOME": str(self.dagster_home),
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        env.update(extra)
        return env

    def popen(self, *args: str, **extra_env: str) -> subprocess.Popen:
        """``wealthgraph <args>`` started in the background (stdout and stderr piped, text)."""
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *args],
            cwd=ROOT,
            env=self.env(**extra_env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cli(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """``wealthgraph <args>`` run to its end; the result keeps exit code, stdout, stderr."""
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *args],
            cwd=ROOT,
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """``wealthgraph run --no-evaluation <args>``."""
        return self.cli("run", "--no-evaluation", *args, **extra_env)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of ``sql`` over the warehouse, opened read-only."""
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def day_file(self, source: str, day: str) -> Path:
        return self.landing / source / f"{day}.jsonl.gz"

    def read_lines(self, path: Path) -> list[bytes]:
        return gzip.decompress(path.read_bytes()).splitlines()

    def write_lines(self, path: Path, lines: list[bytes]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))


def assert_clean_failure(result: subprocess.CompletedProcess) -> None:
    """A command that fails tells the operator why in words, never with a traceback."""
    output = result.stdout + result.stderr
    assert "Traceback (most recent call last)" not in output, output[-3000:]


def make_site(folder: Path) -> Site:
    """A landing folder in ``folder`` with the sample's reference files and its last two days,
    and where its warehouse and Dagster home go."""
    days = sample_days()[-2:]
    landing_dir = cut_landing(folder / "landing", days)
    return Site(landing_dir, folder / "warehouse" / "wh.duckdb", folder / "dagster_home")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """A fresh landing folder with the sample's reference files and its last two days."""
    return make_site(tmp_path)


# --- one dirty landing, one run, shared by the session ---------------------------------------

DAY = "2026-10-31"  # the fixture's last day: the one whose files carry the line faults
EVENTS_FILE, CUSTOMERS_FILE = f"events/{DAY}.jsonl.gz", "reference/customers.jsonl.gz"


@dataclass
class Corrections:
    """C5 customers re-assessed C1 on the run date by lines appended to customers."""

    corrected: dict[str, int]  # customer_id -> line of its first assessment
    correction_line: dict[str, int]  # customer_id -> line of its correction
    customers: int  # customers in the file, one line each before any planting
    faults: dict[int, str]  # line -> reason prefix of the line faults planted after them


@dataclass
class Dirty:
    site: Site
    result: subprocess.CompletedProcess
    planted: dict[tuple[str, str], str]  # (file, marker id) -> expected reason prefix
    lines: dict[str, int]  # file -> lines counted here, independently of ingest
    corrections: Corrections


def _gbk(text: str) -> bytes:
    return text.encode("gbk")


def _line(row: dict) -> bytes:
    return json.dumps(row, ensure_ascii=False).encode()


def _plant_events(site: Site, planted: dict) -> None:
    path = site.day_file("events", DAY)
    lines = site.read_lines(path)
    rows = [json.loads(line) for line in lines]
    login = next(r for r in rows if r["event_type"] == "login")
    transfer = next(r for r in rows if r["event_type"] == "transfer")
    bad: list[bytes] = []

    def plant(line: bytes, marker: str, reason: str) -> None:
        bad.append(line)
        planted[(EVENTS_FILE, marker)] = reason

    # sent twice, and a blank line: the file once failed every day of its source
    bad += [lines[3], lines[4], b""]
    planted[(EVENTS_FILE, "<blank>")] = "unparsable line"
    for field in ("city", "device", "comment"):
        row = {**login, "event_id": f"X_GBK_{field}", field: "上海"}
        plant(_line(row).replace("上海".encode(), _gbk("上海")), row["event_id"], "bad encoding")
    for marker, ts in (
        ("X_OFFSET", f"{DAY}T23:30:00-05:00"),
        ("X_SLASH", DAY.replace("-", "/") + " 10:00:00"),
        ("X_DATE", DAY),
    ):
        plant(_line({**login, "event_id": marker, "ts": ts}), marker, "bad format: ts")
    plant(_line({**login, "event_id": ""}), "<empty id>", "empty field: event_id")
    duplicated = _line({**login, "event_id": "X_DUPKEY"})[:-1] + b', "device": "web"}'
    plant(duplicated, "X_DUPKEY", "duplicate key in JSON object")
    plant(_line({**login, "event_id": "X_DEVICE", "device": "nokia"}), "X_DEVICE", "unknown device")
    plant(
        _line({**login, "event_id": "X_CHANNEL", "channel": "fax"}), "X_CHANNEL", "unknown channel"
    )
    amount = _line({**transfer, "event_id": "X_AMOUNT", "amount": 1.0}).replace(
        b'"amount": 1.0', b'"amount": 100000000.004'
    )
    plant(amount, "X_AMOUNT", "too many decimals: amount")
    site.write_lines(path, lines[:5] + bad + lines[5:])


def _plant_transactions(site: Site) -> None:
    path = site.day_file("transactions", DAY)
    lines = site.read_lines(path)
    site.write_lines(path, [lines[0], lines[0], b"", *lines[1:]])


def _plant_customers(site: Site, planted: dict) -> Corrections:
    path = landing.source_path(site.landing, landing.CUSTOMERS)
    lines = site.read_lines(path)
    # the run's as-of date is its last landed day; a correction dated then is known to it
    as_of = landing.landed_days(site.landing, landing.EVENTS)[-1].isoformat()
    # every C5 customer assessed before as_of is re-assessed C1 today: in a normal run of the
    # sample several of them are recommended R4/R5 products, and a single run cannot tell in
    # advance which, so all of them are corrected
    corrected = {
        row["customer_id"]: line_no
        for line_no, row in enumerate(map(json.loads, lines), start=1)
        if row["risk_tolerance"] == "C5" and row["risk_assessed_at"] < as_of
    }
    corrections = [
        {**json.loads(lines[line_no - 1]), "risk_tolerance": "C1", "risk_assessed_at": as_of}
        for line_no in corrected.values()
    ]
    correction_line = {cid: len(lines) + n for n, cid in enumerate(corrected, start=1)}

    # the line faults come after the corrections, so that the corrections keep the line numbers
    # they would have alone and the blank line stays the file's last, as a feed leaves it
    renamed = {**json.loads(lines[-1]), "customer_id": "C_GBK", "name": "王伟"}
    bad = _line(renamed).replace("王伟".encode(), _gbk("王伟"))
    planted[(CUSTOMERS_FILE, "C_GBK")] = "bad encoding"
    planted[(CUSTOMERS_FILE, "<blank>")] = "unparsable line"
    first_fault = len(lines) + len(corrections) + 1
    site.write_lines(path, [*lines, *(json.dumps(row).encode() for row in corrections), bad, b""])
    faults = {first_fault: "bad encoding", first_fault + 1: "unparsable line"}
    return Corrections(corrected, correction_line, len(lines), faults)


@pytest.fixture(scope="session")
def dirty(tmp_path_factory) -> Dirty:
    """One landing with every line fault and a batch of risk corrections, after one run."""
    site = make_site(tmp_path_factory.mktemp("dirty"))
    planted: dict[tuple[str, str], str] = {}
    _plant_events(site, planted)
    _plant_transactions(site)
    corrections = _plant_customers(site, planted)
    counts = {}
    for path in sorted(site.landing.rglob("*.jsonl.gz")):
        data = gzip.decompress(path.read_bytes())
        # a trailing newline ends the last line; it does not start another
        counts[str(path.relative_to(site.landing))] = data.count(b"\n") + (
            1 if data and not data.endswith(b"\n") else 0
        )
    return Dirty(site, site.run(), planted, counts, corrections)
