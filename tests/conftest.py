"""Shared fixtures: small landing folders cut from the committed sample in data_samples/."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.run import evaluate, failed_checks, failures, materialize_range
from wealthgraph import landing
from wealthgraph.settings import ROOT, Settings

SAMPLE = ROOT / "data_samples"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


def sample_days(source: landing.Source = landing.EVENTS) -> list[dt.date]:
    days = landing.landed_days(SAMPLE, source)
    if not days:
        pytest.fail(f"the committed sample is missing: no {source.folder} files in {SAMPLE}")
    return days


def cut_landing(target: Path, days: list[dt.date]) -> Path:
    """A landing folder with the sample's reference files and the given days of daily files."""
    shutil.copytree(SAMPLE / "reference", target / "reference")
    for source in landing.DAILY_SOURCES:
        for day in days:
            path = landing.source_path(SAMPLE, source, day)
            if path.exists():
                copy = landing.source_path(target, source, day)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, copy)
    return target


def full_and_daily(tmp_path_factory, days: list[dt.date], run) -> tuple[Settings, Settings, Path]:
    """Two warehouses over the sample's ``days``: a full run to the last day, and a full run to
    the day before plus the daily run of the last day. ``run(settings, first, last)`` runs the
    job. Returns (full, daily, landing)."""
    root = cut_landing(tmp_path_factory.mktemp("landing"), days)
    base = tmp_path_factory.mktemp("wh")
    full = Settings(landing=root, database=base / "full.duckdb")
    daily = Settings(landing=root, database=base / "daily.duckdb")
    run(full, days[0], days[-1])
    run(daily, days[0], days[-2])
    run(daily, days[-1], days[-1])
    return full, daily, root


@pytest.fixture
def one_day_landing(tmp_path: Path) -> tuple[Path, dt.date]:
    """The sample's reference files and its first full day of events, snapshots, transactions."""
    day = sample_days()[0]
    return cut_landing(tmp_path / "landing", [day]), day


@pytest.fixture
def settings_for(tmp_path: Path):
    def make(landing_dir: Path) -> Settings:
        return Settings(landing=landing_dir, database=tmp_path / "wh.duckdb")

    return make


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Settings:
    """One run of the whole pipeline over the committed sample, shared by the tests that read
    its tables."""
    settings = Settings(landing=SAMPLE, database=tmp_path_factory.mktemp("wh") / "sample.duckdb")
    for result in (materialize_range(settings), evaluate(settings)):
        assert result.success, failures(result)
        assert failed_checks(result) == []
    return settings


@pytest.fixture(scope="session")
def sample_shards(sample_warehouse, tmp_path_factory):
    """A copy of the sample warehouse as the hub, cut into 4 customer shards beside it
    (pipelines.shards.build_shards): (hub path, the shards built)."""
    from pipelines.shards import build_shards

    hub = tmp_path_factory.mktemp("hub") / "hub.duckdb"
    shutil.copyfile(sample_warehouse.database, hub)
    return hub, build_shards(hub, 4)


@pytest.fixture
def con(sample_warehouse):
    connection = duckdb.connect(str(sample_warehouse.database), read_only=True)
    yield connection
    connection.close()


@pytest.fixture
def sample_copy(sample_warehouse, tmp_path):
    """A writable copy of the sample warehouse, for a test that tampers with its tables."""
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(sample_warehouse.database, path)
    connection = duckdb.connect(str(path))
    yield connection
    connection.close()
