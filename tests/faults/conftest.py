"""Fault tests: what an operator meets, run end to end through the ``wealthgraph`` command.

Each test builds a small landing folder from the committed sample (its reference files and
its last two days), damages it the way a real feed or a real operator would, and runs the
real CLI in a fresh process with its own warehouse and Dagster home.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.conftest import cut_landing, sample_days
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
            [sys.executable, "-m", "wealthgraph.cli", *args],
            cwd=ROOT,
            env=self.env(**extra_env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cli(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """``wealthgraph <args>`` run to its end; the result keeps exit code, stdout, stderr."""
        return subprocess.run(
            [sys.executable, "-m", "wealthgraph.cli", *args],
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
